"""The one-way import rule: tui -> player, tui -> library; never the other way."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("package, forbidden", [
    ("library", ["textual", "tui", "player"]),
    ("library.cli.app", ["textual", "tui", "player"]),
    ("library.refresh", ["textual", "tui", "player"]),
    ("player", ["textual", "tui", "library"]),
])
def test_lower_packages_never_import_the_ui_or_each_other(package, forbidden):
    code = (f"import sys, importlib, pkgutil, {package.split('.')[0]} as top\n"
            f"importlib.import_module({package!r})\n"
            "for info in pkgutil.walk_packages(top.__path__, top.__name__ + '.'):\n"
            "    importlib.import_module(info.name)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
