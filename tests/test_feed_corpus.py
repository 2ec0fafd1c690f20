"""Real and malformed feeds from the shared evaluation corpus, read in place.

- feedparser's own test suite (~2,100 small feeds, many ill-formed or oddly encoded):
  every one must go through ``parse_to_result`` without an exception, as OK or as an
  ERROR with a clear reason.
- 200 captured real-world feeds: checked against ``DERIVED_benchmark_index.json``
  (feedparser's own title and entry count for each); a sample always, all behind ``slow``.
- 14 integration feeds with expected output from another parser (fastfeedparser).
- A sample of real-world feeds served by the local server through the real fetcher.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 -- the feed_server fixture
from shared_data import EVALDATA  # noqa: E402

from adapters.feeds import HttpFeedFetcher, parse_to_result
from adapters.feeds.html_text import html_to_text, normalise_lines
from bot.model import FetchResult, FetchStatus, PollRequest

FEEDS = EVALDATA / "feeds"
REALWORLD = FEEDS / "realworld" / "benchmark_data"
INDEX = FEEDS / "realworld" / "DERIVED_benchmark_index.json"
INTEGRATION = FEEDS / "realworld" / "tests" / "integration"
SUITE = FEEDS / "feedparser-tests" / "tests"
MAX_ENTRIES = 500
ERROR_PREFIXES = ("not a feed:", "empty response body")
# Benchmark feeds where we read entries that plain feedparser (the index) does not.
BEYOND_FEEDPARSER = {
    "d4b7ab74da763119": "JSON Feed (feedparser 6.0 has no JSON Feed support)",
    "7ef13a42fa7e177a": "rss:-prefixed elements without a namespace declaration",
}

pytestmark = pytest.mark.skipif(not FEEDS.is_dir(), reason="shared evaluation data not available")


def _index() -> dict[str, dict]:
    return {row["file"]: row for row in json.loads(INDEX.read_text())}


def _parse(path: Path) -> FetchResult:
    result = parse_to_result(
        path.read_bytes(), None, "https://example.com/feed", max_entries=MAX_ENTRIES
    )
    if result.status == FetchStatus.ERROR:
        assert result.error and result.error.startswith(ERROR_PREFIXES), f"{path}: {result.error!r}"
    return result


def _tally(results: list[FetchResult]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for r in results:
        counts[
            "error"
            if r.status == FetchStatus.ERROR
            else "with_entries"
            if r.entries
            else "no_entries"
        ] += 1
        counts["bozo"] += any("parsed leniently" in w for w in r.warnings)
        counts["entries"] += len(r.entries)
    return counts


def _expectation(name: str, row: dict) -> tuple[int, bool]:
    """(entries, read leniently) expected for a benchmark feed, from feedparser's index.

    The index was made with plain feedparser; for ``BEYOND_FEEDPARSER`` feeds we expect
    entries (-1: "some") where it found none.
    """
    lenient = row["exc"] == "SAXParseException"
    if name in BEYOND_FEEDPARSER:
        return -1, lenient and (REALWORLD / name).read_bytes().lstrip()[:1] != b"{"
    return min(row["entries"], MAX_ENTRIES), lenient


def _check_against_index(names: list[str]) -> Counter[str]:
    index = _index()
    started = time.monotonic()
    results = []
    for name in names:
        result = _parse(REALWORLD / name)
        row = index[name]
        entries, lenient = _expectation(name, row)
        assert result.status == FetchStatus.OK, f"{name}: {result.error}"
        if entries >= 0:
            assert len(result.entries) == entries, name
            # The index keeps feedparser's raw title (HTML escapes and all), cut at 60 characters.
            want = html_to_text(re.sub(r"&[#\w]*$", "", row["title"] or ""))
            assert (result.feed_title or "")[: len(want)] == want, name
        else:
            assert result.entries, name
        assert any("parsed leniently" in w for w in result.warnings) == lenient, name
        for entry in result.entries:
            assert entry.published is None or entry.published.tzinfo is not None
        results.append(result)
    counts = _tally(results)
    print(f"\nrealworld: {len(names)} feeds in {time.monotonic() - started:.1f}s: {dict(counts)}")
    return counts


def test_realworld_sample() -> None:
    """Every 10th feed plus every feed feedparser found malformed."""
    index = _index()
    names = sorted(index)
    sample = sorted(set(names[::10]) | {n for n, row in index.items() if row["bozo"]})
    counts = _check_against_index(sample)
    assert counts["with_entries"] == len(sample) and counts["error"] == 0


@pytest.mark.slow
def test_realworld_full_corpus() -> None:
    index = _index()
    assert len(index) == 200
    counts = _check_against_index(sorted(index))
    assert (counts["with_entries"], counts["no_entries"], counts["error"]) == (200, 0, 0)
    assert counts["bozo"] == sum(_expectation(name, row)[1] for name, row in index.items())
    assert counts["entries"] >= sum(
        max(_expectation(name, row)[0], 0) for name, row in index.items()
    )


def test_feedparser_suite_corpus() -> None:
    files = sorted(p for p in SUITE.rglob("*") if p.is_file())
    assert len(files) > 2000
    started = time.monotonic()
    results = [_parse(p) for p in files]
    counts = _tally(results)
    print(
        f"\nfeedparser suite: {len(files)} feeds in {time.monotonic() - started:.1f}s: {dict(counts)}"
    )
    assert counts["with_entries"] > 1000
    assert counts["error"] < len(files) // 100  # "not a feed" only for a handful of oddities
    assert counts["bozo"] > 100  # the ill-formed ones are read leniently, not rejected


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in INTEGRATION.glob("*")
        if p.suffix == ".xml" or p.name == "json_feed_sample.json"
    )
    if INTEGRATION.is_dir()
    else [],
)
def test_integration_feeds_match_expected(name: str) -> None:
    path = INTEGRATION / name
    expected_path = path.with_suffix(".expected.json" if path.suffix == ".json" else ".json")
    expected = json.loads(expected_path.read_text())
    result = _parse(path)
    assert result.status == FetchStatus.OK, result.error
    assert result.feed_title == normalise_lines(expected["feed"]["title"])
    assert len(result.entries) == len(expected["entries"])
    for got, want in zip(result.entries, expected["entries"], strict=True):
        assert got.url == want.get("link")
        assert got.title == html_to_text(want.get("title", ""))  # theirs may keep "&nbsp;"


async def test_realworld_sample_through_the_fetcher(feed_server: FeedServer) -> None:
    index = _index()
    names = sorted(index)[::17]  # 12 feeds, RSS and Atom, small and large
    fetcher = HttpFeedFetcher(timeout_s=10, allowed_hosts={"127.0.0.1"}, max_entries=MAX_ENTRIES)
    try:
        for i, name in enumerate(names):
            body = (REALWORLD / name).read_bytes()
            url = feed_server.add_feed(
                f"/{name}", body, etag=True, gzip=i % 2 == 0, content_type="application/xml"
            )
            first = await fetcher.fetch(PollRequest(feed_id=i, url=url))
            assert first.status == FetchStatus.OK, f"{name}: {first.error}"
            assert (
                len(first.entries) == _expectation(name, index[name])[0]
                or _expectation(name, index[name])[0] < 0
            )
            assert (
                first.entries
                == parse_to_result(body, "application/xml", url, max_entries=MAX_ENTRIES).entries
            )
            again = await fetcher.fetch(
                PollRequest(feed_id=i, url=url, etag=first.etag, body_hash=first.body_hash)
            )
            assert again.status == FetchStatus.NOT_MODIFIED and again.http_status == 304
    finally:
        await fetcher.aclose()
