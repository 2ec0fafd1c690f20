"""A hostile feed body (within ``max_body_bytes``, 10 MiB) costs tens of MB to read, not a GB.

Each body is built and parsed in a child process, which reports how much its peak
resident set grew while parsing (``getrusage`` ru_maxrss): the tree and objects a parser
builds are freed when it returns, so only the peak tells. Measured before the bounds:
one summary of ``<p>a`` repeated, 1.1 GB (and 31 s); 350,000 tiny entries, 200-320 MB on
every path (lxml, feedparser strict and lenient).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adapters.feeds import html_text as ht
from adapters.feeds.parse import FEEDPARSER_MAX_BYTES, parse_feed

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024

_CHILD = textwrap.dedent(
    """
    import gc, json, resource, sys
    from adapters.feeds.parse import parse_feed

    body = eval(sys.argv[1])
    parse_feed(b'<rss version="2.0"><channel><item><title>a</title></item></channel></rss>',
               None, None)  # every import and first-use cost paid before the baseline
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    title, entries, ttl, warnings = parse_feed(body, "application/rss+xml", "https://e.x/f")
    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(json.dumps({"grew_mb": grew / 1024, "entries": len(entries), "warnings": warnings,
                      "chars": sum(len(e.summary) + len(e.content) for e in entries)}))
    """
)


def _parse_in_child(body_expr: str) -> dict:
    """Parse the body ``body_expr`` (Python, evaluated in the child) and report."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, body_expr],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


_RSS = 'b\'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>\''
_BROKEN = "b'<item><title>AT&T</title></item>'"  # a bare "&": feedparser's lenient path


@pytest.mark.slow
@pytest.mark.parametrize("broken", ["b''", _BROKEN], ids=["well-formed", "malformed"])
def test_one_summary_of_millions_of_tags_costs_tens_of_mb(broken: str) -> None:
    body = (
        f"{_RSS} + {broken} + b'<item><title>x</title><description><![CDATA['"
        f" + b'<p>a' * ({10 * MIB} // 4 - 100) + b']]></description></item></channel></rss>'"
    )

    report = _parse_in_child(body)

    assert report["grew_mb"] < 150, report
    if broken == "b''":  # the fast path reads it; feedparser only its first 2 MiB
        assert report["chars"] > 50_000, report  # the first paragraphs were read


def test_markup_after_the_first_max_tags_tags_is_not_read() -> None:
    within = "<p>a" * ht.MAX_TAGS
    beyond = within + "<p>b" * 10

    assert ht.html_to_text(beyond) == ht.html_to_text(within)
    assert ht.html_to_text(within).count("a") == ht.MAX_TAGS
    assert ht.bounded_markup(within) is within


_MALFORMED = f"{_RSS} + {_BROKEN}"
_WELL_FORMED = _RSS
_END = "b'</channel></rss>'"


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    [
        # 350,000 entries read leniently: 318 MB before
        f"{_MALFORMED} + b'<item><title>a</title></item>' * ({10 * MIB} // 29) + {_END}",
        # 1.5 million well-formed <item/>, the fast path's tree: 373 MB before
        f"{_WELL_FORMED} + b'<item/>' * ({10 * MIB} // 7) + {_END}",
        # two million entity references in one summary, read leniently: 179 MB before
        f"{_MALFORMED} + b'<item><description>' + b'&amp;' * ({10 * MIB} // 5) + {_END}",
        # <a> opened 3.5 million times, read leniently: 352 MB (and 186 s) before
        f"{_MALFORMED} + b'<item><description>' + b'<a>' * ({10 * MIB} // 3) + {_END}",
    ],
    ids=["tiny-entries", "empty-items", "entities", "unclosed-tags"],
)
def test_a_hostile_10_mib_body_costs_tens_of_mb(body: str) -> None:
    report = _parse_in_child(body)

    assert report["grew_mb"] < 120, report
    assert report["entries"] >= 1, report


def _entry(n: int) -> bytes:
    return (
        b"<item><guid>urn:%d</guid><title>Item %d</title><description>%s</description></item>"
        % (n, n, b"word " * 2000)
    )


def test_feedparser_reads_the_entries_that_end_within_its_share_and_says_so() -> None:
    head = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>AT&T</title></item>"  # not well-formed: the lenient path
    )
    body = head + b"".join(_entry(n) for n in range(300)) + b"</channel></rss>"  # 3 MB
    ends = [len(head) + len(b"".join(_entry(n) for n in range(k + 1))) for k in range(300)]
    share = sum(1 for end in ends if end <= FEEDPARSER_MAX_BYTES)  # entries ending within it

    title, entries, _, warnings = parse_feed(body, "application/rss+xml", "https://e.x/f")

    assert [e.title for e in entries[1:]] == [f"Item {n}" for n in range(share)]
    assert entries[-1].summary.count("word") == 2000  # the last one read whole
    assert any(
        w.startswith("feed too large for feedparser, which reads at most 2 MiB")
        and "of 2.9 MiB were not read" in w
        for w in warnings
    ), warnings


def test_a_real_sized_feed_is_read_whole_by_feedparser() -> None:
    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>AT&T</title></item>"
        + b"".join(_entry(n) for n in range(150))  # 1.5 MB: the largest real one
        + b"</channel></rss>"
    )

    title, entries, _, warnings = parse_feed(body, "application/rss+xml", "https://e.x/f")

    assert len(entries) == 151
    assert not any("too large" in w for w in warnings), warnings
