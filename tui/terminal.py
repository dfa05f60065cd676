"""Give Textual a terminal descriptor of its own, before the player takes fd 2.

Textual's Linux driver draws on ``sys.__stderr__``, which is file descriptor 2. The
player points fd 2 at a log file while it runs (libVLC and ALSA write there from C,
with no sound card thousands of lines); if Textual still drew on fd 2, the screen would
freeze and the UI would land in that log. So the TUI draws on a duplicate of the
terminal descriptor, and fd 2 is free for the player to redirect.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def screen_on_own_descriptor() -> Iterator[None]:
    saved = sys.__stderr__, sys.stderr
    if saved[0] is None:  # no stderr at all (pythonw): nothing to protect
        yield
        return
    stream = os.fdopen(os.dup(saved[0].fileno()), "w", encoding=saved[0].encoding,
                       errors="replace", buffering=1)
    sys.__stderr__ = sys.stderr = stream  # type: ignore[misc]
    try:
        yield
    finally:
        sys.__stderr__, sys.stderr = saved  # type: ignore[misc]
        stream.close()


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (once; a refresh's child process needs
    it) on the terminal's descriptor.

    The tracker is started with ``sys.stderr``'s descriptor, and while Textual runs
    ``sys.stderr`` is a capture object whose ``fileno()`` is -1, which would fail every
    refresh. Call this on the UI loop: it lends ``sys.stderr`` the real stream for the
    moment it takes. Started here, when the first refresh begins, rather than before the
    first screen: it is another Python process starting, which took CPU from the first
    screen on a small machine.
    """
    from multiprocessing import resource_tracker

    captured = sys.stderr
    sys.stderr = sys.__stderr__ or captured
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured
