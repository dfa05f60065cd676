"""Directory dialogs: where did a dead show go, and a search for new shows.

Both ask the directories of the ``[directory]`` table off the UI loop (HTTP on a plain
thread, SQLite on the librarian's), say what they are doing while the user waits, list
what was found (enter picks the highlighted entry, escape closes) and show directories
that could not answer inside the dialog. Names and addresses from directories are shown
literally, as :class:`rich.text.Text`.
"""

from __future__ import annotations

import asyncio
import logging

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Static

from library.directory import Directory, DirectorySettings, Listing, mark_subscribed, \
    search_all
from library.episodes import list_episodes
from library.fallback import EVIDENCE_CANDIDATES, FallbackReport, Finding, find_candidates, \
    with_evidence
from library.models import Feed, local_date
from library.refreshsettings import RefreshSettings
from library.text import clean_line, plural
from tui.librarian import Librarian
from tui.screens.dialogs import Dialog

log = logging.getLogger(__name__)

PROVIDER_NAMES = {"apple": "Apple", "podcastindex": "Podcast Index", "fyyd": "fyyd"}


def provider_names(providers: list[str]) -> str:
    return ", ".join(PROVIDER_NAMES.get(p, p) for p in providers)


class DirectoryDialog(Dialog):
    """A title, an explanation, a status line, the list of what was found, and problems."""

    def __init__(self, title: str, explanation: str) -> None:
        super().__init__(classes="wide")
        self.title_text, self.explanation = title, explanation

    def compose(self) -> ComposeResult:
        with self.box(self.title_text):
            yield Static(Text(self.explanation), classes="body")
            yield from self.compose_query()
            yield Static(id="search-status")
            yield OptionList(id="search-results")
            yield Static(id="search-problems")

    def compose_query(self) -> ComposeResult:
        yield from ()

    def say(self, status: str) -> None:
        self.query_one("#search-status", Static).update(Text(status))

    def show_results(self, prompts: list[Text], problems: list[str]) -> None:
        results = self.query_one("#search-results", OptionList)
        results.set_options(prompts)
        results.display = bool(prompts)
        if prompts:
            results.highlighted = 0
            results.focus()
        shown = Text()
        for problem in problems:
            shown.append(f"⚠ {clean_line(problem)}\n", style="red")
        self.query_one("#search-problems", Static).update(shown)

    def on_mount(self) -> None:
        self.query_one("#search-results", OptionList).display = False


class NewerVersionDialog(DirectoryDialog):
    """Candidates for a failing or archived feed's new home, best first, with how many
    of our episodes each contains. Dismissed with the chosen :class:`Finding`.

    Given the ``report`` of an earlier search (the user declined a candidate and comes
    back to the list), it shows that again, ``highlight`` highlighted, without searching.
    """

    def __init__(self, feed: Feed, librarian: Librarian, directory: DirectorySettings,
                 refresh: RefreshSettings, report: FallbackReport | None = None,
                 highlight: int = 0) -> None:
        super().__init__(
            f"A newer version of {clean_line(feed.display_title)}",
            "Where the directories list this show now, best first. Enter moves the "
            "subscription to the highlighted feed; played episodes and positions are kept.")
        self.feed, self.librarian = feed, librarian
        self.directory, self.refresh_settings = directory, refresh
        self.report, self.highlight = report, highlight

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings if self.report else []

    def on_mount(self) -> None:
        super().on_mount()
        if self.report is not None:  # once laid out: the list sizes itself to its options
            self.call_after_refresh(self._show, self.report)
            return
        self.say(f"Searching {provider_names(self.directory.providers)} for "
                 f"“{clean_line(self.feed.title)}”…")
        self.search()

    @work(exclusive=True, group="directory", exit_on_error=False)
    async def search(self) -> None:
        try:
            report = await asyncio.to_thread(self._find)
            if report.findings:
                checked = min(len(report.findings), EVIDENCE_CANDIDATES)
                self.say(f"Fetching the best {checked} of {len(report.findings)} candidates "
                         "to look for our episodes in them…")
                ours = await self.librarian.run(list_episodes, self.feed.id)
                await asyncio.to_thread(with_evidence, ours, report, self.refresh_settings)
        except Exception as exc:  # shown here and logged; the dialog stays usable
            log.exception("searching for a newer version of %s failed", self.feed.url)
            self.say(f"The search failed: {type(exc).__name__}: {exc}")
            return
        self._show(report)

    def _show(self, report: FallbackReport) -> None:
        self.report = report
        if report.findings:
            self.say(f"{plural(len(report.findings), 'candidate')}. Enter moves the "
                     "subscription to the highlighted one.")
        else:
            self.say("No directory lists another feed for this show.")
        self.show_results([finding_prompt(f) for f in report.findings], report.problems)
        if report.findings:
            self.query_one("#search-results", OptionList).highlighted = min(
                self.highlight, len(report.findings) - 1)

    def _find(self) -> FallbackReport:
        with Directory(self.directory) as directory:
            return find_candidates(self.feed, directory)

    @on(OptionList.OptionSelected, "#search-results")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.findings[event.option_index])


def finding_prompt(finding: Finding) -> Text:
    """Title, author, "likely the same show"; the evidence or the fetch error; the URL."""
    candidate, found = finding.candidate, finding.evidence
    text = Text(candidate.title, style="bold")
    if candidate.author:
        text.append(f" — {candidate.author}")
    if candidate.likely_same:
        text.append("  ✓ likely the same show", style="green")
    text.append("\n  ")
    if found is not None:
        text.append(found.describe(), style="green" if found.matched else "red")
        if found.examples:
            text.append(f", e.g. “{clean_line(found.examples[0])}”")
    elif finding.error:
        text.append(f"could not be fetched: {clean_line(finding.error)}", style="red")
    else:
        text.append("not fetched (only the best ones are)", style="dim")
    text.append(f"\n  found by {candidate.found_by} · ", style="dim")
    text.append(candidate.feed_url, style="cyan")
    return text


class DirectorySearchDialog(DirectoryDialog):
    """Search the directories by title; dismissed with the :class:`Listing` picked (the
    caller subscribes to it, or selects it if it is a subscription already)."""

    def __init__(self, settings: DirectorySettings, librarian: Librarian) -> None:
        super().__init__("Search podcast directories",
                         f"Words from the show's title; enter asks "
                         f"{provider_names(settings.providers)}.")
        self.settings, self.librarian = settings, librarian
        self.listings: list[Listing] = []

    def compose_query(self) -> ComposeResult:
        yield Input(placeholder="e.g. history", id="search-term")

    @on(Input.Submitted, "#search-term")
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.search(event.value.strip())

    @work(exclusive=True, group="directory", exit_on_error=False)
    async def search(self, term: str) -> None:
        self.say(f"Searching {provider_names(self.settings.providers)} for “{term}”…")
        try:
            shows, problems = await asyncio.to_thread(search_all, self.settings, term)
            await self.librarian.run(mark_subscribed, shows)
        except Exception as exc:  # shown here and logged; the dialog stays usable
            log.exception("directory search for %r failed", term)
            self.say(f"The search failed: {type(exc).__name__}: {exc}")
            return
        self.listings = shows
        if shows:
            self.say(f"{plural(len(shows), 'show')} found for “{term}”. Enter subscribes "
                     "to the highlighted one (one marked ✓ subscribed: goes to it).")
        elif problems and len(problems) == len(self.settings.providers):
            self.say("No directory could be searched.")
        else:
            self.say(f"Nothing found for “{term}”.")
        width = max(20, self.query_one("#search-status").size.width - 6)  # the list's
        self.show_results([result_prompt(listing, width) for listing in shows], problems)

    @on(OptionList.OptionSelected, "#search-results")
    def picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.listings[event.option_index])


def result_prompt(listing: Listing, width: int = 90) -> Text:
    """What tells shows of one name apart: title and author (and whether it is a
    subscription already); its description, cut to one line of ``width`` cells; how many
    episodes, the newest one's date, the directories that list it, the feed's address."""
    show = listing.candidate
    text = Text()
    text.append(show.title, style="bold")
    if show.author:
        text.append(f" — {show.author}")
    if listing.subscribed:
        text.append("  ✓ subscribed", style="bold green")
    text.append("\n  ")
    about = Text(show.description or "(no description)",
                 style="" if show.description else "dim")
    about.truncate(width, overflow="ellipsis")
    text.append_text(about)
    text.append("\n  ")
    if show.episode_count is not None:
        text.append(f"{plural(show.episode_count, 'episode')} · ", style="dim")
    if show.newest_episode_at is not None:
        text.append(f"newest {local_date(show.newest_episode_at)} · ", style="dim")
    text.append(provider_names(listing.listed_by), style="dim")
    text.append(f" · {show.feed_url}", style="cyan")
    return text
