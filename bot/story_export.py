"""``storybot story export``: a story's written record, as Markdown or as JSON.

A team that followed a story for weeks hands its record on (a briefing, an archive, a wiki
page): the story, its seed articles, the seed story's summary and reports, then every
development in the order it was first reported (a timeline), each under the number its
alert gives it (a label: storybot numbers developments as it finds them, and one found
late may have been reported first), with its summary's sentences cited as its alert
cites them (``[n]``: the development's n-th report, see
:func:`bot.citations.citation_numbers`), the cited links, the reports that make it up,
copies folded under the report they copy, and the facts later reports added as its
alert's replies and the digests told them (its summary, as it reads now, may have let
one go); a footer says when it was exported and how many items the story judged.

One content, two forms: :func:`development_record` makes each development's record as
plain data (the JSON form, ISO 8601 times), and :class:`MarkdownWriter` writes the same
records for people (times in UTC as the CLI writes them, feed text escaped so a headline
with ``*`` or ``[`` stays text). Links are shown as readers follow them, without the
feeds' tracking parameters (:func:`bot.render.reader_url`).

A story may have thousands of developments and reports: :func:`export_story` reads them
a page at a time (:data:`EXPORT_PAGE` developments and their reports) and writes each page
before it reads the next, so memory holds one page, not the story.

No I/O of its own beyond the store it is given and the text stream it writes to.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol, TextIO

from bot.citations import citation_numbers, cited_summary, report_numbers
from bot.clock import utc
from bot.model import Development, Report, Story
from bot.outlet_name import source_label
from bot.ports import DevelopmentUpdate
from bot.render import counted, format_time, reader_url, source_list
from bot.store_ports import DevelopmentStore

# What ``--format`` takes; the first is the default.
FORMATS = ("markdown", "json")

# Developments read from the store (with their reports) before they are written.
EXPORT_PAGE = 50

# The JSON form's name and version: a script checks them before it reads the rest.
JSON_FORMAT = "storybot-story-export"
JSON_VERSION = 1

# What a Markdown reader would take for markup in feed text: emphasis, code, links (and
# so images), raw HTML and autolinks, tables, headings, quotes, strike-through, the escape
# itself, and an "&" that would start an entity ("&copy;"). Other punctuation, "(" or "!"
# among it, formats nothing once these are escaped, and is left as it reads.
_MARKDOWN_CHARS = re.compile(r"([\\`*_\[\]<>#|~]|&(?=#?\w+;))")
# ... and at the start of a line, a list item, a numbered one, a setext heading's rule.
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
# What may not stand in a link's destination (``<...>``) or an autolink, percent-encoded.
_URL_UNSAFE = {" ": "%20", "<": "%3C", ">": "%3E", "\\": "%5C", "\n": "%0A", "\r": "%0D"}


def markdown_text(text: str) -> str:
    """Feed text as Markdown that shows it as it is: on one line, every character that
    would format, link or embed backslash-escaped (CommonMark escapes any ASCII
    punctuation), a line-starting list or heading marker too."""
    text = _MARKDOWN_CHARS.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(lambda m: _escape_start(m.group(1)), text)


def _escape_start(start: str) -> str:
    # "1." stays "1." and reads as a number: the escape goes before its "." (kept by the
    # lookahead), so it is no list item; "-", "+", "=" are escaped themselves
    return start + "\\" if start[0].isdigit() else "\\" + start


def markdown_url(url: str) -> str:
    """``url`` fit for an autolink or a ``<...>`` link destination."""
    return "".join(_URL_UNSAFE.get(ch, ch) for ch in url)


def iso(when: datetime | None) -> str | None:
    """A time as the JSON form writes it: ISO 8601 in UTC to the second
    ("2026-03-05T08:00:00Z"), every time in one form (a fetch or commit time read off the
    clock has microseconds a feed's date has not)."""
    if when is None:
        return None
    return utc(when).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _shown(link: str | None) -> str | None:
    return reader_url(link) if link else None


# --------------------------------------------------------------------------- the records


def story_record(story: Story) -> dict[str, Any]:
    """The story itself: its name, title, when it began and when it was added."""
    return {
        "name": story.name,
        "title": story.title,
        "began_at": iso(story.began),
        "added_at": iso(story.created_at),
    }


def seed_records(story: Story) -> list[dict[str, Any]]:
    """The story's seed articles: title, outlet (the link's host), link and date."""
    return [
        {
            "title": seed.title,
            "outlet": source_label(None, seed.url) if seed.url else None,
            "url": _shown(seed.url),
            "published": iso(seed.published),
        }
        for seed in story.seeds
    ]


def development_record(
    dev: Development, reports: Sequence[Report], updates: Sequence[DevelopmentUpdate] = ()
) -> dict[str, Any]:
    """One development as data: what its alert and ``/story developments`` say, whole.

    Args:
        dev: The development (as the store lists it: outlets and links first reporter first).
        reports: Its reports, in discovery order (``Store.development_reports``).
        updates: What later reports added to it (``Store.development_updates``), in
            commit order: the facts its alert's "new:" replies and the digests'
            "Updated since the last digest" told, which its summary as it reads now may
            no longer hold.

    Returns:
        A JSON-ready dict (see docs/cli.md, ``story export``): ``summary`` is the summary
        with its citation markers, as the alert writes it, uncut; ``sentences`` each
        sentence with the report it is from; ``cited`` the links the markers name;
        ``reports`` the reports that are not copies of another of them, each with its
        ``copies``; ``updates`` the facts later reports added, each with its report.
        A report's ``marker`` is its ``[n]``: the place of its link among the
        development's links, as the summary cites it.
    """
    numbers = citation_numbers(dev.citations, dev.links)  # marker of each cited link
    order = report_numbers(dev.links)  # marker of each report's link
    body, _ = cited_summary(dev, limit=sys.maxsize)
    sentences = [
        {
            "text": c.sentence,
            "outlet": c.source or None,
            "url": _shown(c.url),
            "marker": numbers.get(c.url) if c.url else None,
        }
        for c in dev.citations
    ]
    cited: dict[int, dict[str, Any]] = {}
    for c in dev.citations:
        if c.url and numbers[c.url] not in cited:
            cited[numbers[c.url]] = {
                "marker": numbers[c.url],
                "outlet": c.source or None,
                "url": _shown(c.url),
            }
    return {
        "number": dev.number,
        "headline": dev.headline,
        "first_reported_at": iso(dev.first_reported_at or dev.created_at),
        "updated_at": iso(dev.updated_at),
        "report_count": dev.item_count,
        "outlets": list(dev.sources),
        "summary": body,
        "sentences": sentences,
        "cited": [cited[n] for n in sorted(cited)],
        "reports": _report_records(reports, order),
        "updates": _update_records(updates, order),
    }


def _update_records(
    updates: Sequence[DevelopmentUpdate], order: dict[str, int]
) -> list[dict[str, Any]]:
    """The facts later reports added, as told (a fact twice, from one report, once):
    each with its report's outlet, marker, link and time. Reports that added no fact
    (a copy, a rewrite of what was known) are among the reports, not here."""
    told: dict[tuple[str, str], dict[str, Any]] = {}
    for u in updates:
        if u.fact is None or (u.fact, u.url) in told:
            continue
        told[u.fact, u.url] = {
            "fact": u.fact,
            "outlet": u.source or None,
            "marker": order.get(u.url) if u.url else None,
            "url": _shown(u.url),
            "reported_at": iso(u.reported_at),
        }
    return list(told.values())


def _report_records(reports: Sequence[Report], order: dict[str, int]) -> list[dict[str, Any]]:
    """The reports as data, each copy folded under the report it copies.

    A copy of a copy goes under the first of them; a copy whose original is not among
    these reports (judged into another development) is listed as a report of its own.
    """
    by_id = {r.item_id: r for r in reports}

    def root(report: Report) -> int:
        seen = {report.item_id}
        while report.copy_of in by_id and report.copy_of not in seen:
            report = by_id[report.copy_of]
            seen.add(report.item_id)
        return report.item_id

    listed: dict[int, dict[str, Any]] = {}
    for report in reports:
        record = _report_record(report, order)
        original = root(report)
        if original != report.item_id and original in listed:
            listed[original]["copies"].append(record)
        else:
            listed[report.item_id] = {**record, "copies": []}
    return list(listed.values())


def _report_record(report: Report, order: dict[str, int]) -> dict[str, Any]:
    return {
        "marker": order.get(report.link) if report.link else None,
        "outlet": report.source or None,
        "headline": report.title,
        "url": _shown(report.link),
        "published": iso(report.published),
        "fetched_at": iso(report.fetched_at),
    }


def totals_record(
    judged: int, on_topic: int, copies: int, outlets: int, developments: int
) -> dict[str, int]:
    """The footer's counts: items judged, reports taken (copies among them), outlets,
    developments after the seed story."""
    return {
        "items_judged": judged,
        "reports": on_topic,
        "copies": copies,
        "off_topic": max(0, judged - on_topic),
        "outlets": outlets,
        "developments": developments,
    }


# --------------------------------------------------------------------------- reading


def timeline(
    store: DevelopmentStore, story: Story, page: int = EXPORT_PAGE
) -> Iterator[dict[str, Any]]:
    """The records of the story's new developments, oldest first by first report.

    Read ``page`` developments (and their reports) at a time. A development the story
    makes while this runs is written if its page is still to be read; one seen on an
    earlier page (pushed along by a development dated before it) is not written twice.
    """
    written: set[int] = set()
    offset = 0
    while True:
        devs = store.developments_page(story.id, page, offset, oldest_first=True)
        if not devs:
            return
        offset += len(devs)
        devs = [d for d in devs if d.number not in written]
        numbers = [d.number for d in devs]
        reports = store.development_reports(story.id, numbers)
        updates = store.development_updates(story.id, numbers)
        for dev in devs:
            written.add(dev.number)
            yield development_record(
                dev,
                [r for r in reports if r.development == dev.number],
                [u for u in updates if u.number == dev.number],
            )


def seed_story_record(store: DevelopmentStore, story: Story) -> dict[str, Any] | None:
    """The record of development 0, the seed story, with its reports; None if not stored."""
    seed = store.get_development(story.id, 0)
    if seed is None:
        return None
    return development_record(seed, store.development_reports(story.id, [0]))


# --------------------------------------------------------------------------- writing


class Writer(Protocol):
    """Writes an export's parts in order: the head, each development, then the end."""

    def head(
        self, story: dict[str, Any], seeds: list[dict[str, Any]], seed_story: dict[str, Any] | None
    ) -> None: ...

    def development(self, record: dict[str, Any]) -> None: ...

    def end(self, totals: dict[str, int], exported_at: datetime, exported_by: str) -> None: ...


def export_story(
    store: DevelopmentStore, story: Story, writer: Writer, now: datetime, exported_by: str
) -> int:
    """Write ``story``'s record with ``writer``, reading the store a page at a time.

    Returns:
        How many developments (after the seed story) were written.
    """
    stats = store.story_stats(story.id)
    judged = store.count_judged(story.id)
    writer.head(story_record(story), seed_records(story), seed_story_record(store, story))
    count = 0
    for record in timeline(store, story):
        writer.development(record)
        count += 1
    totals = totals_record(judged, stats.items_on_topic, stats.copies, stats.sources, count)
    writer.end(totals, now, exported_by)
    return count


class JsonWriter:
    """The JSON form, written as it is read: one development at a time.

    The document is one object (see docs/cli.md): ``format``, ``version``, ``story``,
    ``seeds``, ``seed_story``, ``developments`` (oldest first), then ``exported_at``,
    ``exported_by`` and ``totals``.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._first = True

    def head(
        self, story: dict[str, Any], seeds: list[dict[str, Any]], seed_story: dict[str, Any] | None
    ) -> None:
        self._out.write("{\n")
        for key, value in (
            ("format", JSON_FORMAT),
            ("version", JSON_VERSION),
            ("story", story),
            ("seeds", seeds),
            ("seed_story", seed_story),
        ):
            self._out.write(f"  {json.dumps(key)}: {_json(value, 2)},\n")
        self._out.write('  "developments": [')

    def development(self, record: dict[str, Any]) -> None:
        self._out.write(("\n" if self._first else ",\n") + "    " + _json(record, 4))
        self._first = False

    def end(self, totals: dict[str, int], exported_at: datetime, exported_by: str) -> None:
        self._out.write("]," if self._first else "\n  ],")
        self._out.write(f'\n  "exported_at": {_json(iso(exported_at), 2)},')
        self._out.write(f'\n  "exported_by": {_json(exported_by, 2)},')
        self._out.write(f'\n  "totals": {_json(totals, 2)}\n}}\n')


def _json(value: Any, indent: int) -> str:
    """``value`` as indented JSON, its lines after the first indented by ``indent``."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + " " * indent)


# The Markdown timeline's heading and the line that says how it is ordered and numbered.
TIMELINE_HEAD = (
    "## Timeline (oldest first)",
    "",
    "In the order they were first reported. Each development keeps the number storybot gave "
    "it when it found it, as its alert and `/story developments` name it.",
    "",
)


class MarkdownWriter:
    """The Markdown form: a document people read, in CommonMark.

    Feed text is escaped (:func:`markdown_text`), links are autolinks or ``[text](<url>)``
    (:func:`markdown_url`), times in UTC as the CLI writes them.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._first = True

    def _write(self, *lines: str) -> None:
        self._out.write("\n".join(lines) + "\n")

    def head(
        self, story: dict[str, Any], seeds: list[dict[str, Any]], seed_story: dict[str, Any] | None
    ) -> None:
        self._write(
            f"# {markdown_text(story['title'])}",
            "",
            f"Story `{story['name']}`, began {_time(story['began_at'])} "
            f"(followed by storybot since {_time(story['added_at'])}).",
            "",
            "## Seed articles",
            "",
        )
        for n, seed in enumerate(seeds, 1):
            title = _linked(seed["title"], seed["url"])
            by = f" — {markdown_text(seed['outlet'])}" if seed["outlet"] else ""
            when = f", published {_time(seed['published'])}" if seed["published"] else ""
            self._write(f"{n}. {title}{by}{when}")
        if not seeds:
            self._write("None.")
        self._write("", "## The seed story", "")
        if seed_story is None:
            self._write("No report of the seed story yet.", "")
        else:
            self._write(*_development_lines(seed_story, seed=True))

    def development(self, record: dict[str, Any]) -> None:
        if self._first:
            self._write(*TIMELINE_HEAD)
            self._first = False
        # the number is a label (the one its alert, `/story developments` and `/story
        # why` give it: the order storybot found them in), not its place in the timeline,
        # which is by first report: "1, 2, 4, 3" as ordinals would read as a mistake
        self._write(
            f"### Development {record['number']}: {markdown_text(record['headline'])}",
            "",
            *_development_lines(record),
        )

    def end(self, totals: dict[str, int], exported_at: datetime, exported_by: str) -> None:
        if self._first:
            self._write(*TIMELINE_HEAD[:2], "No new developments yet beyond the seed story.", "")
        copies = f" ({totals['copies']} of them copies)" if totals["copies"] else ""
        self._write(
            "---",
            "",
            f"Exported {format_time(utc(exported_at))} by {markdown_text(exported_by)}. "
            f"The story judged {counted(totals['items_judged'], 'item')}: "
            f"{counted(totals['reports'], 'report')} of it{copies} from "
            f"{counted(totals['outlets'], 'outlet')}, {totals['off_topic']} off-topic; "
            f"{counted(totals['developments'], 'development')} after the seed story.",
        )


def _time(value: str | None) -> str:
    """An ISO time of a record as the CLI shows times ("2026-03-05 08:00 UTC")."""
    return format_time(datetime.fromisoformat(value)) if value else "unknown time"


def _linked(text: str, url: str | None) -> str:
    """``text`` as a Markdown link to ``url`` (plain text without one)."""
    shown = markdown_text(text) or markdown_url(url or "")
    return f"[{shown}](<{markdown_url(url)}>)" if url else shown


def _marker(n: int | None) -> str:
    return f"\\[{n}\\] " if n is not None else ""


def _development_lines(record: dict[str, Any], *, seed: bool = False) -> list[str]:
    """A development's lines under its heading: when, summary, cited links, reports."""
    reports = record["report_count"]
    outlets = source_list(record["outlets"])
    said = (
        f"{counted(reports, 'report')}" + (f" from {markdown_text(outlets)}" if outlets else "")
        if reports
        else "no report yet"
    )
    when = "" if seed and not reports else f"First reported {_time(record['first_reported_at'])} · "
    lines = [f"{when}{said}", ""]
    if record["summary"]:
        lines += [markdown_text(record["summary"]), ""]
    if record["cited"]:
        lines += ["Cited:", ""]
        for c in record["cited"]:
            outlet = f"{markdown_text(c['outlet'])}: " if c["outlet"] else ""
            lines.append(f"- {_marker(c['marker'])}{outlet}<{markdown_url(c['url'])}>")
        lines.append("")
    if record["reports"]:
        lines += ["Reports of the seed story:" if seed else "Reports:", ""]
        lines += [_report_line(r) for r in record["reports"]]
        lines.append("")
    if record.get("updates"):
        # told in its alert's replies and in digests, and perhaps no longer in the summary
        lines += ["Updates (what later reports added):", ""]
        lines += [_update_line(u) for u in record["updates"]]
        lines.append("")
    return lines


def _update_line(update: dict[str, Any]) -> str:
    """An update's list item: when its report came, the fact as told, the report's link."""
    link = f" · <{markdown_url(update['url'])}>" if update["url"] else ""
    return f"- {_time(update['reported_at'])} · {markdown_text(update['fact'])}{link}"


def _report_line(report: dict[str, Any]) -> str:
    """A report's list item: marker, outlet, linked headline, date, its copies folded."""
    outlet = f"{markdown_text(report['outlet'])}: " if report["outlet"] else ""
    if report["published"]:
        when = f"published {_time(report['published'])}"
    else:
        when = f"fetched {_time(report['fetched_at'])}"
    line = (
        f"- {_marker(report['marker'])}{outlet}{_linked(report['headline'], report['url'])}, {when}"
    )
    copies = report["copies"]
    if copies:
        names = list(dict.fromkeys(c["outlet"] for c in copies if c["outlet"]))
        named = f": {markdown_text(source_list(names))}" if names else ""
        line += f" · {counted(len(copies), 'copy', 'copies')}{named}"
    return line
