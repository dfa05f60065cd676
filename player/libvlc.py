"""Finding libVLC, and telling the user how to install it when it is missing.

python-vlc (the ``vlc`` module) is only a ctypes binding. Without libVLC it fails in
different ways depending on the platform: on Linux it imports fine and the first call
raises ``NameError`` ("no function 'libvlc_new'"); on Windows and macOS the import
raises ``OSError``; with ``PYTHON_VLC_LIB_PATH`` pointing at nothing it calls
``sys.exit(1)`` during import. :func:`load_vlc` turns all of these into
:class:`LibVLCMissing`, up front, before anything tries to play.
"""

from __future__ import annotations

from types import ModuleType

INSTALL_HELP = """\
podterm plays audio through libVLC (the library behind the VLC media player), and it \
could not be loaded: {detail}

Install it, then start podterm again:
  Debian, Ubuntu:  sudo apt install libvlc5 vlc-plugin-base libvlc-bin
  Fedora:          sudo dnf install vlc-libs   (from RPM Fusion)
  Arch:            sudo pacman -S vlc
  macOS:           brew install --cask vlc
  Windows:         install VLC from https://www.videolan.org/vlc/ (64-bit VLC for 64-bit Python)"""


class PlayerError(Exception):
    """The player cannot start; the message says why and what to do."""


class LibVLCMissing(PlayerError):
    """libVLC is not installed (or cannot be loaded); the message says how to install it."""

    def __init__(self, detail: str) -> None:
        super().__init__(INSTALL_HELP.format(detail=detail))
        self.detail = detail


def load_vlc() -> ModuleType:
    """Import python-vlc and prove that libVLC answers; raise :class:`LibVLCMissing` if not."""
    try:
        import vlc
    except ImportError as exc:
        raise LibVLCMissing(f"the python-vlc package is missing ({exc})") from None
    except (OSError, NotImplementedError) as exc:
        raise LibVLCMissing(f"{type(exc).__name__}: {exc}") from None
    except SystemExit:
        # python-vlc exits when PYTHON_VLC_LIB_PATH or PYTHON_VLC_MODULE_PATH is wrong.
        raise LibVLCMissing(
            "python-vlc gave up loading it; check PYTHON_VLC_LIB_PATH and PYTHON_VLC_MODULE_PATH"
        ) from None
    try:
        vlc.libvlc_get_version()
    except (NameError, AttributeError, OSError) as exc:
        raise LibVLCMissing(f"{type(exc).__name__}: {exc}") from None
    return vlc


def libvlc_version() -> str:
    """The libVLC version, e.g. ``"3.0.21 Vetinari"``; raises :class:`LibVLCMissing`."""
    return load_vlc().libvlc_get_version().decode("utf-8", "replace")
