"""httpx, imported without its command-line client.

httpx imports its command-line client, and with it click, pygments and rich.progress,
whenever those happen to be installed; podterm never runs it, and importing it cost a
refresh about 60 ms of CPU. None in ``sys.modules`` makes that one import fail at once,
which httpx expects (it then defines a stub). Modules on the refresh path import httpx
from here.
"""

import sys

sys.modules.setdefault("httpx._main", None)

import httpx  # noqa: E402  (after the line above, on purpose)

__all__ = ["httpx"]
