"""podterm's library: subscriptions, feeds, episodes, the SQLite store, OPML.

Plain Python, safe to call from worker threads (one SQLite connection per thread). It
never imports textual, tui or player.
"""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client, and with it click, pygments and rich.progress,
# whenever those happen to be installed; podterm never runs it, and importing it cost
# every command that fetches about 60 ms. None in sys.modules makes that import fail at
# once, which httpx expects (it then defines a stub).
sys.modules.setdefault("httpx._main", None)
