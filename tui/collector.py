"""Python's cyclic garbage collector while podterm starts, and after.

Importing Textual and building the first screen makes a few hundred thousand objects
that live as long as the app. With the collector on, start-up ran ~130 collections over
them (60-70 ms of a ~600 ms start to the first screen, measured on the 2-core machine).
:func:`pause` (the console script, before those imports) turns it off; :func:`resume`
(the main screen, once the first screen is drawn) moves everything alive by then into
the permanent generation (:func:`gc.freeze`) and turns it back on, so later full
collections (while a refresh runs, say) no longer walk the start-up objects. A process
that did not :func:`pause` (the tests) is left as it is.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
