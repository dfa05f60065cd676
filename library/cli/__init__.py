"""The scriptable ``podterm`` command line (works without the TUI)."""
