"""Modules the first screen does without but the UI loop would import later, imported
on a thread of their own once the first screen is drawn.

The first show notes with HTML in them import the HTML parser (library.htmltext and
the standard library's html.parser, which compiles some twenty regular expressions):
about 8 ms of CPU in one piece (more on a loaded machine), on the UI loop in the middle
of a new library's first refresh. On a thread the import yields the interpreter to the
loop every few milliseconds (Python's switch interval).
"""

from __future__ import annotations

import threading


def import_later_modules() -> None:
    """Import them on a daemon thread (the app does not wait for it)."""
    threading.Thread(target=_import, name="podterm-warm-up", daemon=True).start()


def _import() -> None:
    import library.htmltext  # noqa: F401
