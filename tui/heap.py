"""Python's cyclic garbage collector and the player's long-lived objects.

A full (generation 2) collection walks every container object the process holds. Once
the player is up that is some 80,000 of them, mostly Textual's, rich's and podterm's
modules, classes and widgets; on the development machine one walk took 50-65 ms of CPU
on whichever thread triggered it, during downloads or a refresh the UI loop, whose
budget is 50 ms. And while podterm starts, the collector ran ~130 times over the
objects being made (60-70 ms of a ~600 ms start to the first screen).

- :func:`pause` (the console script, before the imports) turns the collector off while
  podterm starts.
- :func:`freeze_long_lived` (once the first screen is drawn, and again when a
  long-lived service such as the downloader with its HTTP client has started) moves
  everything alive into CPython's permanent generation (:func:`gc.freeze`), which
  collections skip, and turns the collector back on if it was paused. Objects made later
  are collected as before; reference counting still frees frozen ones that are dropped;
  only a cycle that was already garbage when frozen waits until the app closes.
- :func:`thaw` gives them back to the collector when the app closes (tests run many
  apps in one process).
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Turn the collector off until :func:`freeze_long_lived` (a process that never
    pauses, like the tests, keeps it as it is)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def freeze_long_lived() -> None:
    """Exempt everything alive now from later full collections; turn the collector on
    again if it was paused."""
    global _paused
    if _paused:
        # Everything start-up made is still young: collecting first would walk it all
        # once, the very cost this avoids. Start-up leaves few cycles behind.
        _paused = False
        gc.freeze()
        gc.enable()
    else:
        gc.collect(1)  # short-lived garbage is not frozen with the rest
        gc.freeze()


def thaw() -> None:
    """Let collections walk the frozen objects again."""
    gc.unfreeze()
