"""The search fallback: where did a failing or archived show go?

Candidates are gathered in order of how sure each source is: the new address the feed
announced, Podcast Index by the old URL and by ``podcast:guid`` (with a key), Apple by
the stored iTunes id, then a title search in each configured directory. They are ranked,
an exact title-and-author match is marked "likely the same show", and the dead address
itself is never offered. :func:`with_evidence` then fetches the best ones and counts how
many of our episodes each contains, so nothing migrates on a name alone, and orders them
by that: the feeds that share episodes (most first), then the likely same show, then the
rest, each group in the order above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from library.directory import Candidate, Directory, DirectoryError
from library.migrate import Evidence, evidence_among, normalise_title
from library.models import Episode, Feed
from library.probe import probe_feeds
from library.refreshsettings import RefreshSettings
from library.urls import same_feed_key

EVIDENCE_CANDIDATES = 5
_SOURCE_RANK = {"announced by the feed": 0, "Podcast Index by old address": 1,
                "Podcast Index by podcast:guid": 1, "Apple by iTunes id": 2}


@dataclass
class Finding:
    """A ranked candidate and, once fetched, what it contains."""

    candidate: Candidate
    evidence: Evidence | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        found = self.evidence
        return {**self.candidate.to_json(), "error": self.error,
                "matched_episodes": found.matched if found else None,
                "our_episodes": found.ours if found else None,
                "their_episodes": found.theirs if found else None,
                "matched_examples": found.examples if found else []}


@dataclass
class FallbackReport:
    """The feeds the directories offered for a dead one, best first, and who failed to answer."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)   # directories that could not answer


def find_candidates(feed: Feed, directory: Directory) -> FallbackReport:
    """Ask every source in turn; rank what they found."""
    report = FallbackReport()
    found: list[Candidate] = []
    if feed.new_feed_url:
        found.append(Candidate(feed.display_title, feed.author, feed.new_feed_url, "feed",
                               found_by="announced by the feed"))
    lookups = []
    if directory.settings.has_podcastindex_key:
        lookups.append(("Podcast Index by old address",
                        lambda: directory.podcastindex_by_feed_url(feed.url)))
        if feed.podcast_guid:
            lookups.append(("Podcast Index by podcast:guid",
                            lambda: directory.podcastindex_by_guid(feed.podcast_guid)))
    if feed.itunes_id:
        lookups.append(("Apple by iTunes id", lambda: directory.apple_lookup(feed.itunes_id)))
    for provider in directory.settings.providers if feed.title else []:
        lookups.append((f"{provider} search by title",
                        lambda p=provider: directory.search(feed.title, p)))
    for found_by, lookup in lookups:
        try:
            results = lookup()
        except DirectoryError as exc:
            report.problems.append(str(exc))
            continue
        for candidate in results:
            candidate.found_by = candidate.found_by or found_by
        found.extend(results)
    report.findings = [Finding(c) for c in _rank(feed, found)]
    return report


def with_evidence(ours: list[Episode], report: FallbackReport, settings: RefreshSettings,
                  limit: int = EVIDENCE_CANDIDATES) -> None:
    """Fetch the best ``limit`` candidates and count ``ours`` (the feed's episodes) in
    each. Network only, no database: call it on a worker thread."""
    checked = report.findings[:limit]
    probes = probe_feeds([f.candidate.feed_url for f in checked], settings)
    for finding, probe in zip(checked, probes):
        if probe.parsed is None:
            finding.error = probe.error
        else:
            finding.evidence = evidence_among(ours, probe.parsed)
    rank = {id(finding): n for n, finding in enumerate(report.findings)}

    def order(finding: Finding) -> tuple[int, int, int]:
        shared = finding.evidence.matched if finding.evidence else 0
        if shared:
            return (0, -shared, rank[id(finding)])
        return (1 if finding.candidate.likely_same else 2, 0, rank[id(finding)])

    report.findings.sort(key=order)


def _rank(feed: Feed, found: list[Candidate]) -> list[Candidate]:
    dead = same_feed_key(feed.url)
    title, author = normalise_title(feed.title), normalise_title(feed.author)
    unique: dict[str, Candidate] = {}
    for candidate in found:
        key = same_feed_key(candidate.feed_url)
        if key != dead and key not in unique:
            unique[key] = candidate
    for candidate in unique.values():
        same_title = normalise_title(candidate.title) == title
        candidate.likely_same = bool(title) and same_title and (
            not author or normalise_title(candidate.author) == author)

    def score(candidate: Candidate) -> tuple[int, int, int]:
        their_title = normalise_title(candidate.title)
        return (_SOURCE_RANK.get(candidate.found_by, 3), 0 if candidate.likely_same else 1,
                0 if their_title == title else 1 if title and title in their_title else 2)

    return sorted(unique.values(), key=score)
