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


# --- Realistic podcast feeds (benchmarks and the parser agreement tests) -------------

# Each hosting style writes the elements real hosts write, in their order: notes in
# description and content:encoded (often the same HTML twice), itunes tags, podcast
# namespace tags, CDATA or escaped HTML, durations in seconds, MM:SS or H:MM:SS.
_STYLES = ("libsyn", "anchor", "buzzsprout", "megaphone", "plain")
_WORDS = ("terminal keyboard history radio signal archive garden river music science "
          "city night coffee engine story question answer market theory practice").split()


def realistic_feed(index: int, episodes: int, seed: int = 1,
                   media_base: str = "https://media.example.net") -> bytes:
    """A podcast feed like the ones real hosts publish, ``episodes`` items, newest first.

    Deterministic for (index, episodes, seed). Notes are 0.3-3 KB of HTML; about 1.8 KB
    of XML per episode on average, as in real feeds.
    """
    import random

    rng = random.Random(f"{seed}-{index}-{episodes}")
    style = _STYLES[index % len(_STYLES)]
    title = f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()} Show {index}"
    slug = f"show-{index}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:podcast="https://podcastindex.org/namespace/1.0">\n<channel>\n',
        f'<atom:link href="https://feeds.example.net/{slug}.xml" rel="self" '
        'type="application/rss+xml"/>\n',
        f"<title>{escape(title)}</title>\n",
        f"<link>https://{slug}.example.net/</link>\n",
        "<language>en-us</language>\n",
        f"<copyright>© 2024 {escape(title)}</copyright>\n",
        f"<itunes:author>{escape(title)} Productions</itunes:author>\n",
    ]
    about = _notes_html(rng, 2)
    if style in ("libsyn", "megaphone"):
        out.append(f"<description><![CDATA[{about}]]></description>\n")
        out.append(f"<itunes:summary>{escape(_plain(about))}</itunes:summary>\n")
    else:
        out.append(f"<description>{escape(about)}</description>\n")
    out += [
        f"<itunes:owner><itunes:name>{escape(title)} Productions</itunes:name>"
        f"<itunes:email>hello@{slug}.example.net</itunes:email></itunes:owner>\n",
        f'<itunes:image href="https://img.example.net/{slug}/cover.jpg"/>\n',
        f"<image><url>https://img.example.net/{slug}/cover.jpg</url>"
        f"<title>{escape(title)}</title><link>https://{slug}.example.net/</link></image>\n",
        '<itunes:category text="Technology"/>\n'
        '<itunes:category text="Society &amp; Culture">'
        '<itunes:category text="Documentary"/></itunes:category>\n',
        "<itunes:explicit>false</itunes:explicit>\n<itunes:type>episodic</itunes:type>\n",
    ]
    if style in ("buzzsprout", "anchor"):
        out.append(f"<podcast:guid>{_uuid(rng)}</podcast:guid>\n"
                   "<podcast:locked>yes</podcast:locked>\n")
    out.append(f"<lastBuildDate>{formatdate(BASE_TIME + episodes * 86_400, usegmt=True)}"
               "</lastBuildDate>\n<generator>feedgen</generator>\n")
    for n in range(episodes - 1, -1, -1):
        out.append(_realistic_item(rng, style, slug, title, n, media_base))
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


def _realistic_item(rng, style: str, slug: str, show_title: str, n: int,
                    media_base: str) -> str:
    seconds = rng.randint(300, 3 * 3600)
    published = BASE_TIME - (3000 - n) * 86_400 + rng.randint(0, 86_399)
    duration = {"libsyn": f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
                "anchor": f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}",
                "buzzsprout": str(seconds),
                "megaphone": str(seconds),
                "plain": f"{seconds // 60}:{seconds % 60:02d}"}[style]
    episode_title = f"{n}: {rng.choice(_WORDS).title()} and the {rng.choice(_WORDS)} " \
                    f"{rng.choice(_WORDS)}"
    notes = _notes_html(rng, rng.choice((1, 1, 2, 2, 3, 4)))
    audio = f"{media_base}/{slug}/{n}-{rng.randrange(10**6):06d}.mp3"
    zone = rng.choice(("+0000", "GMT", "-0500", "-0400", "+0100"))
    date = formatdate(published, usegmt=True).replace("GMT", zone) if zone != "GMT" \
        else formatdate(published, usegmt=True)
    parts = ["<item>\n", f"<title>{escape(episode_title)}</title>\n"]
    if style != "plain":
        parts.append(f"<itunes:title>{escape(episode_title.split(': ', 1)[1])}</itunes:title>\n")
    guid = {"libsyn": f"{_uuid(rng)}", "anchor": f"{_uuid(rng)}",
            "buzzsprout": f"Buzzsprout-{rng.randrange(10**8)}",
            "megaphone": f"{slug.upper()}{n:06d}", "plain": audio}[style]
    permalink = "false" if style != "plain" else "true"
    parts += [f'<guid isPermaLink="{permalink}">{escape(guid)}</guid>\n',
              f"<pubDate>{date}</pubDate>\n",
              f'<enclosure url={quoteattr(audio)} length="{seconds * 16000}" '
              'type="audio/mpeg"/>\n']
    if style in ("libsyn", "anchor"):
        parts.append(f"<link>https://{slug}.example.net/episodes/{n}</link>\n")
        parts.append(f"<description><![CDATA[{notes}]]></description>\n")
        parts.append(f"<content:encoded><![CDATA[{notes}]]></content:encoded>\n")
    elif style == "megaphone":
        parts.append(f"<description>{escape(notes)}</description>\n")
        parts.append(f"<itunes:summary>{escape(_plain(notes))}</itunes:summary>\n")
        parts.append(f"<content:encoded><![CDATA[{notes}]]></content:encoded>\n")
    else:
        parts.append(f"<description><![CDATA[{notes}]]></description>\n")
    parts += [f"<itunes:duration>{duration}</itunes:duration>\n",
              f"<itunes:episode>{n}</itunes:episode>\n",
              "<itunes:episodeType>full</itunes:episodeType>\n",
              "<itunes:explicit>false</itunes:explicit>\n"]
    if style in ("buzzsprout", "anchor") and n % 3 == 0:
        parts.append(f'<podcast:transcript url="https://{slug}.example.net/t/{n}.vtt" '
                     'type="text/vtt"/>\n')
        parts.append(f'<podcast:chapters url="https://{slug}.example.net/c/{n}.json" '
                     'type="application/json+chapters"/>\n')
    if style == "megaphone":
        parts.append(f'<itunes:image href="https://img.example.net/{slug}/{n}.jpg"/>\n')
    parts.append("</item>\n")
    return "".join(parts)


def _notes_html(rng, paragraphs: int) -> str:
    blocks = []
    for p in range(paragraphs):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(20, 55)))
        kind = rng.random()
        if kind < 0.2:
            items = "".join(f"<li>{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d} "
                            f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS)}</li>"
                            for _ in range(rng.randint(3, 8)))
            blocks.append(f"<ul>{items}</ul>")
        elif kind < 0.4:
            blocks.append(f'<p>{words[:80]} <a href="https://example.net/{p}">'
                          f"{rng.choice(_WORDS)}</a> &amp; {words[80:]}</p>")
        elif kind < 0.5:
            blocks.append(f"<p><strong>{rng.choice(_WORDS).title()}</strong><br>"
                          f"{words}<br/><em>{rng.choice(_WORDS)}</em></p>")
        else:
            blocks.append(f"<p>{words.capitalize()}.</p>")
    return "".join(blocks)


def _plain(html_text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html_text).replace("&amp;", "&")[:600]


def _uuid(rng) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128)))
