"""The main screen's browsing half: the subscriptions pane (Up Next and the inbox above
the feeds), the selected one's episodes, their header, the filter and the notes.

:class:`BrowsingScreen` holds what the two lists show (the loaded feeds and episodes,
the selection, the filter, the queue and the inbox), loads it from the library on the
screen's workers and draws it. :class:`tui.screens.main.MainScreen` extends it with the
features (playback, subscriptions, downloads, sync, ...), their messages and the keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Input

from library.download_actions import feed_downloads
from library.episodes import ListeningTime, list_episodes, listening_time
from library.feeds import list_feeds
from library.models import Episode, Feed
from tui import keys, places
from tui.downloads import Downloads
from tui.messages import EpisodeChanged, FeedsChanged, LibraryChanged, UpNextChanged
from tui.services import Services
from tui.upnext import Lists, UpNext
from tui.widgets.details import EpisodeDetails
from tui.widgets.panes import EpisodesTable, FeedsPane
from tui.widgets.rowlist import RowList
from tui.widgets.status import EmptyLibrary, FeedHeader, NoMatch, not_fetched

if TYPE_CHECKING:
    from library.downloader import DownloadStatus

SHORT_SCREEN_ROWS = 30  # below this, the archived notice compacts (app.tcss: .-short)


class FilterInput(Input):
    """The episode filter; escape clears it and goes back to the list. Mounted above the
    list when first opened: an Input (its styles, its state) was ~19 M instructions of
    the ~1,330 M podterm ran before its first screen, for a field most sessions never
    open."""

    BINDINGS = keys.bindings("filter")

    def action_clear_filter(self) -> None:
        self.value = ""
        screen = self.screen
        assert isinstance(screen, BrowsingScreen)
        screen.show_no_match(None)  # the list is back at once
        screen.query_one(EpisodesTable).focus()


class BrowsingScreen(Screen[None]):
    """The lists' state and drawing; see the module's docstring."""

    # Provided by MainScreen: the services and the features the lists show the state of.
    services: Services
    upnext: UpNext
    downloads: Downloads

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.place: str | None = None   # Up Next or the inbox, when one is shown
        self.lists = Lists()
        self.feeds: list[Feed] = []
        self._feeds_by_id: dict[int, Feed] = {}   # the same feeds, for selected_feed
        self.episodes: dict[int, Episode] = {}
        self.selected_feed_id: int | None = None
        self.listening: ListeningTime | None = None
        self.filter_text = ""

    def update_key_hints(self) -> None:
        """What is shown changed, so the keys that apply may have (MainScreen redraws
        the Footer)."""

    @property
    def selected_feed(self) -> Feed | None:
        """(Asked by most keys' conditions each time the keys are drawn: by id, not by
        looking through the subscriptions.)"""
        return self._feeds_by_id.get(self.selected_feed_id) \
            if self.selected_feed_id is not None else None

    @property
    def highlighted_episode(self) -> Episode | None:
        return self.episodes.get(self.query_one(EpisodesTable).highlighted_id or -1)

    @property
    def has_feeds(self) -> bool:
        return bool(self.feeds)

    def on_resize(self) -> None:
        short = self.size.height < SHORT_SCREEN_ROWS
        if short != self.has_class("-short"):
            self.set_class(short, "-short")
            self.query_one(FeedHeader).compact = short
            self._show_header()

    # -- loading and drawing -----------------------------------------------------------
    @work(exclusive=True, group="feeds", exit_on_error=False)
    async def load_feeds(self, select: int | None = None, keep: int | None = None) -> None:
        """Reload the subscriptions (counts, health) and keep or change the selection."""
        feeds = await self.services.librarian.run(list_feeds)
        ids = {feed.id for feed in feeds}
        selected = select if select in ids else self.selected_feed_id
        if selected not in ids:
            selected = feeds[0].id if feeds else None
        stay = self.place is not None and select is None
        self._show_feeds(feeds, self.place if stay else selected)
        self.upnext.reload()
        if not stay and (selected != self.selected_feed_id or select is not None):
            self.select_feed(selected, keep)
        else:
            self._show_header()
        self.update_key_hints()

    def _show_feeds(self, feeds: list[Feed], selected: int | str | None) -> None:
        self.feeds = feeds
        self._feeds_by_id = {feed.id: feed for feed in feeds}
        empty = not feeds
        self.query_one("#library").display = not empty
        self.query_one(EmptyLibrary).display = empty
        self.query_one(FeedsPane).show(feeds, selected,
                                       places.pane_rows(self.lists) if feeds else None)
        if empty:
            self.episodes = {}
            self.query_one(EpisodesTable).clear()
        elif self.focused is None:
            self.query_one(FeedsPane).focus()

    def select_feed(self, feed_id: int | None, keep: int | None = None) -> None:
        if feed_id != self.selected_feed_id:
            self.listening = None
        self.selected_feed_id, self.place = feed_id, None
        self._show_header()
        self.load_episodes(keep)

    @work(exclusive=True, group="episodes", exit_on_error=False)
    async def load_episodes(self, keep: int | None = None) -> None:
        """Load the selected feed's episodes (filtered) and put the cursor on ``keep``;
        without it, on the episode it is on when they arrive (the user may have moved
        while they were read)."""
        feed_id = self.selected_feed_id
        if self.place is not None:
            self.show_place()
        if feed_id is None:
            return
        text = self.filter_text or None
        episodes, self.listening, downloads = await self.services.librarian.run(
            lambda conn: (list_episodes(conn, feed_id, text), listening_time(conn, feed_id),
                          feed_downloads(conn, feed_id)))
        self._show_episodes(episodes, keep, downloads)

    def _show_episodes(self, episodes: list[Episode], keep: int | None,
                       downloads: list[DownloadStatus]) -> None:
        self.episodes = {episode.id: episode for episode in episodes}
        marks = self.downloads.loaded(self.episodes, downloads)
        table = self.query_one(EpisodesTable)
        table.show(episodes, keep)
        # The list compares its rows with what they were, and their marks are new
        # already: drawn again, or the first screen's rows (drawn before the download
        # marks were read) would stay without them.
        table.redraw_rows(marks)
        self.show_no_match(None if episodes else self.filter_text)
        self._show_header()
        # The notes and the keys in the frame after the list's last rows (also when the
        # cursor moves): drawn with them, they made the longest frame of a refresh
        # that fills the list (the UI loop is free in between).
        table.after_painting(self._show_highlighted)

    def _show_highlighted(self) -> None:
        self.query_one(EpisodeDetails).show(self.highlighted_episode)
        self.update_key_hints()  # (in a frame after the notes': see MainScreen's)

    def _show_header(self) -> None:
        """The header, and what the episode list says when it is empty."""
        keymap = self.services.keymap
        if self.place is not None:
            self.query_one(FeedHeader).show_text(places.header(self.place, self.lists,
                                                               keymap))
            self.query_one(EpisodesTable).set_empty_text(None)
        else:
            self.query_one(FeedHeader).show(self.selected_feed, self.listening, keymap)
            self.query_one(EpisodesTable).set_empty_text(not_fetched(self.selected_feed,
                                                                     keymap))

    def show_place(self) -> None:
        """Show Up Next or the inbox; the cursor stays on its episode (or its row)."""
        assert self.place is not None
        self.episodes = places.fill(self.query_one(EpisodesTable), self.place, self.lists,
                                    list(self.episodes), self.filter_text)
        self.show_no_match(None if self.episodes else self.filter_text)
        self._show_header()
        self.query_one(EpisodeDetails).show(self.highlighted_episode)
        self.update_key_hints()

    def show_no_match(self, text: str | None) -> None:
        """Say that the filter ``text`` matched nothing, in the episode list's place;
        None: the list is shown. The message is mounted below the list the first time
        a filter matches nothing, not with the first screen."""
        table = self.query_one(EpisodesTable)
        try:
            no_match = self.query_one(NoMatch)
        except NoMatches:
            if not text:
                return  # the list is shown: nothing to hide
            no_match = NoMatch(id="no-match")
            self.query_one("#right").mount(no_match, after=table)
        no_match.show(text, table)

    @on(RowList.Highlighted, "#feeds")
    def feed_highlighted(self) -> None:
        pane = self.query_one(FeedsPane)
        place = pane.highlighted_place
        if place is not None and place != self.place:  # read again: the CLI may change it
            self.place, self.selected_feed_id, self.listening, self.episodes = \
                place, None, None, {}
            self.query_one(EpisodesTable).clear()  # the cursor starts at the top
            self.show_place()
            self.upnext.reload()
        elif place is None and (pane.highlighted_id != self.selected_feed_id or self.place):
            self.select_feed(pane.highlighted_id)

    @on(RowList.Highlighted, "#episodes")
    def episode_highlighted(self) -> None:
        self.query_one(EpisodesTable).after_painting(self._show_highlighted)  # (see above)

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.query_one("#filter").set_class(bool(event.value), "active")
        self.load_episodes()

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        if self.query_one(EpisodesTable).display:  # hidden: nothing matched
            self.query_one(EpisodesTable).focus()

    # -- what changed in the library ---------------------------------------------------
    def on_feeds_changed(self, message: FeedsChanged) -> None:
        self.load_feeds(select=message.select)

    def on_episode_changed(self, message: EpisodeChanged) -> None:
        """A saved position or played mark: redraw its row and details."""
        episode = message.episode
        if episode.id in self.episodes:
            self.episodes[episode.id] = episode
            self.query_one(EpisodesTable).update_episode(episode)
            if self.query_one(EpisodesTable).highlighted_id == episode.id:
                self.query_one(EpisodeDetails).show(episode, keep_scroll=True)
        if message.counts_changed:
            self.load_feeds()

    def on_up_next_changed(self, message: UpNextChanged) -> None:
        shown = places.pane_rows(self.lists)
        self.lists = Lists(message.queue, message.inbox)
        pane = self.query_one(FeedsPane)
        rows = places.pane_rows(self.lists)
        if self.feeds and rows != shown:  # (each reload of the feeds reads them again)
            pane.show(self.feeds, pane.highlighted_key, rows)
        if self.place is not None:
            self.show_place()

    def on_library_changed(self, _message: LibraryChanged) -> None:
        self.load_feeds()
        self.load_episodes()

    # -- what the keys do here ---------------------------------------------------------
    def open_filter(self) -> None:
        try:
            field = self.query_one(FilterInput)
        except NoMatches:
            field = FilterInput(placeholder="Filter episodes by title (escape clears)",
                                id="filter")
            self.query_one("#right").mount(field, before=self.query_one(EpisodesTable))
        field.add_class("active")
        field.focus()

    def scroll_notes(self, pages: int) -> None:
        details = self.query_one(EpisodeDetails)
        details.scroll_page_down() if pages > 0 else details.scroll_page_up()
