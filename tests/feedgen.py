"""Realistic RSS documents for tests and benchmarks (iTunes and podcast namespaces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import formatdate
from xml.sax.saxutils import escape, quoteattr

BASE_TIME = 1_700_000_000  # 2023-11-14


@dataclass
class Item:
    title: str
    guid: str | None = None
    duration: str | None = "30:04"
    enclosure: str | None = None
    enclosure_type: str = "audio/mpeg"
    link: str | None = None
    notes_html: str = "<p>Show notes.</p>"
    published: float | None = BASE_TIME
    extra: str = ""


@dataclass
class Channel:
    title: str
    items: list[Item] = field(default_factory=list)
    author: str = "Some Author"
    link: str = "https://example.org/show"
    extra: str = ""


def rss(channel: Channel) -> bytes:
    """An RSS 2.0 document for ``channel``."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0">\n<channel>\n',
        f"<title>{escape(channel.title)}</title>\n",
        f"<link>{escape(channel.link)}</link>\n",
        f"<itunes:author>{escape(channel.author)}</itunes:author>\n",
        "<description>A show made for tests.</description>\n",
        channel.extra,
    ]
    for item in channel.items:
        parts.append(_item(item))
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode("utf-8")


def _item(item: Item) -> str:
    lines = ["<item>", f"<title>{escape(item.title)}</title>"]
    if item.guid is not None:
        lines.append(f'<guid isPermaLink="false">{escape(item.guid)}</guid>')
    if item.published is not None:
        lines.append(f"<pubDate>{formatdate(item.published, usegmt=True)}</pubDate>")
    if item.duration is not None:
        lines.append(f"<itunes:duration>{escape(item.duration)}</itunes:duration>")
    if item.enclosure is not None:
        lines.append(f"<enclosure url={quoteattr(item.enclosure)} "
                     f'type="{item.enclosure_type}" length="12345678"/>')
    if item.link is not None:
        lines.append(f"<link>{escape(item.link)}</link>")
    lines.append(f"<description><![CDATA[{item.notes_html}]]></description>")
    lines.append(item.extra)
    lines.append("</item>\n")
    return "\n".join(lines)


NOTES_HTML = (
    "<p>In this episode we talk about <b>terminal software</b>, keyboard-driven "
    "workflows and why &ldquo;fast&rdquo; matters. Our guest explains how they moved "
    "their whole team to tmux &amp; neovim, what broke, and what they would do again.</p>"
    "<ul><li>00:00 Intro</li><li>03:12 Why terminals</li><li>17:40 Migration stories</li>"
    "<li>41:05 Listener questions</li></ul>"
    "<p>Links: <a href=\"https://example.org/a\">the article</a>, "
    "<a href=\"https://example.org/b\">the tool</a>. Support the show at "
    "<a href=\"https://example.org/support\">example.org/support</a>.</p>"
    "<p>Music by Somebody, licensed CC BY 4.0. Recorded in a small room with a big "
    "microphone. Transcripts are available on our website.</p>"
)


def show(title: str, count: int, media_base: str = "https://cdn.example.org",
         first_guid: int = 0) -> Channel:
    """A show with ``count`` realistic episodes, newest first (~1 KB of HTML notes each)."""
    items = []
    for n in range(first_guid + count - 1, first_guid - 1, -1):
        seconds = 600 + (n * 397) % 5400
        items.append(Item(
            title=f"{title} #{n}: a conversation about things",
            guid=f"{title}-{n}",
            duration=f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
            enclosure=f"{media_base}/{abs(hash(title)) % 10_000}/{n}.mp3",
            link=f"https://example.org/{n}",
            notes_html=NOTES_HTML,
            published=BASE_TIME + n * 86_400,
        ))
    return Channel(title, items)
