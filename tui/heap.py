"""Keep CPython's full garbage collections off the UI loop's stall budget.

A full (generation 2) collection walks every container object the process holds. Once
the player is up that is some 80,000 of them, mostly Textual's, rich's and podterm's
modules, classes and widgets, and on the development machine one walk took 50-65 ms of
CPU on whichever thread triggered it: during downloads the UI loop, whose budget is
50 ms (bench/bench_downloads.py found it as the longest piece of the loop's work).

Those objects live as long as the app. :func:`freeze_long_lived` moves the ones alive
now into CPython's permanent generation (:func:`gc.freeze`), which collections skip;
objects made later are collected as before, and reference counting frees frozen ones
that are dropped; only a cycle that was already garbage when frozen (young garbage is
collected first) waits until the app closes. It is called once the first screen is
drawn and again when a long-lived service (the downloader, with its HTTP client) has
started. :func:`thaw` gives them back to the collector when the app closes (tests run
many apps in one process).
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Collect the young generations (short-lived garbage is not frozen with the rest),
    then exempt everything alive from later full collections."""
    gc.collect(1)
    gc.freeze()


def thaw() -> None:
    """Let collections walk the frozen objects again."""
    gc.unfreeze()
