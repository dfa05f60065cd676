"""The baseline of bench_tui.py: the smallest Textual app, started the way podterm is.

bench_tui.py times this process from its start to "Hello" on the terminal, next to
podterm's first screen, in the same pseudo-terminal and the same interpreter.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Hello(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Hello from a bare Textual app")


if __name__ == "__main__":
    Hello().run()
