"""podterm's library: subscriptions, feeds, episodes, the SQLite store, OPML.

Plain Python, safe to call from worker threads (one SQLite connection per thread). It
never imports textual, tui or player.
"""

__version__ = "0.1.0"
