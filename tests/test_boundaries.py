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


def test_player_and_library_agree_on_the_private_network():
    """player/ and library/ each keep the list (they never import each other)."""
    from library import netpolicy as library_rule
    from player import netpolicy as player_rule

    assert player_rule.PRIVATE_NETWORKS == library_rule.PRIVATE_NETWORKS
    for address in ("127.0.0.1", "10.1.2.3", "172.31.0.1", "192.168.1.1", "169.254.169.254",
                    "::1", "fd00::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"):
        assert library_rule.is_private_address(address), address
        assert player_rule.is_private_address(address), address
    for address in ("203.0.113.2", "8.8.8.8", "172.32.0.1", "2001:db8::1", "not an address"):
        assert not library_rule.is_private_address(address), address
        assert not player_rule.is_private_address(address), address
