"""Reading linked article pages: storybot's page reader against a naive loop, in time and text.

The pages are articles of the ``gva`` stream (US news reports of shootings, the Gun
Violence Corpus; ``streams/gva.jsonl.gz`` under ``shared/evaldata`` or
``$STORYBOT_EVALDATA``): the first ``--pages`` N (default 1000; 100 with ``--quick``)
whose text has 40 words or more, in file order. A local server in another process serves
each as a news site's page: a navigation bar, the headline and the article's paragraphs,
a "related stories" list of five other articles' headlines, a newsletter box, a footer.

Two readers read them, one after the other:

* storybot's ``HttpPageReader`` (``adapters.feeds.pages``) with its defaults, but 8
  pages at once from a site (one local site serves them all here, so the per-site limit
  is the global one): pages fetched concurrently on the event loop through the feed
  fetcher's aiohttp path (``HttpFeedFetcher.get_page``, with the SSRF guard and its
  limits), the main text extracted by trafilatura (``adapters.feeds.article``) in the
  reader's own two threads;
* a naive reader: one page after another, ``urllib`` and ``trafilatura.extract``.

Round one, every page answered at once: each reader's wall seconds and CPU seconds (this
process's, all its threads; the server's are not counted, nor importing trafilatura) for
all N pages, and pages per second (N over the wall seconds). Round two, the first 200
pages (50 with ``--quick``; fewer if N is smaller) each answered after 100 ms, as from a
distant site: each reader's wall seconds. Of round one's texts, for each reader: the
share of each article's distinct words (runs of letters and digits, lower-cased) found
in the text it extracted, its median and 10th percentile over the pages (a page read
into no text counts 0), and how many pages' texts contain any of the furniture verbatim
(the navigation bar, the newsletter box, the footer, one of the related headlines).
Progress lines print storybot's figures, the naive reader's times and, for storybot only,
the text figures; the last line is every figure as one JSON object (``naive_quality``
holds the naive reader's text figures).

``--out STREAM.jsonl`` measures something else: every gva item whose text has 8 words or
more is served (``--pages`` and ``--quick`` are ignored) and read by storybot's reader
alone, once (no naive reader, no second round), and the stream is written as the service
would judge it with ``[pages] enabled``: every item headline-only in its feed (no
summary), its body the text storybot extracted from its page, without the headline the
page repeats above it (an item whose page gave no text, or that was not served, keeps no
body). Then ``storybot eval track --data STREAM.jsonl`` measures tracking on a
headline-only feed read through its links, beside ``--headline-only`` (the feed alone)
and the full texts.

Usage: ``python -m benchmarks.pages [--quick] [--pages N] [--out STREAM.jsonl]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import re
import statistics
import time
import urllib.request
from pathlib import Path

from adapters.feeds.pages import HttpPageReader
from benchmarks.common import STREAMS, emit, peak_rss_mb, say
from benchmarks.feedserver import ServerProcess, serve_until_stopped
from bot.linked_pages import page_body

NAV = "Home | Local News | Crime | Weather | Sports | Opinion | Obituaries | Contact us"
NEWSLETTER = "Get the latest headlines delivered to your inbox every morning. Sign up now."
FOOTER = "Copyright 2016 Metro News Media Group. All rights reserved. Privacy policy."
_WORD = re.compile(r"[a-z0-9]+")
LATENCY_MS = 100  # the second round: every page answered after this long


def _page(title: str, body: str, related: list[str]) -> bytes:
    """An article as a news site's page: the furniture around the report's paragraphs."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n") if p.strip())
    links = "".join(
        f"<li><a href='/r/{i}'>{html.escape(t)}</a></li>" for i, t in enumerate(related)
    )
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title></head><body>"
        f"<header><nav>{html.escape(NAV)}</nav></header>"
        f"<main><article><h1>{html.escape(title)}</h1>{paragraphs}</article>"
        f"<aside><h2>Related stories</h2><ul>{links}</ul></aside>"
        f"<div class='newsletter'>{html.escape(NEWSLETTER)}</div></main>"
        f"<footer>{html.escape(FOOTER)}</footer></body></html>"
    ).encode()


def _articles(limit: int, min_words: int = 40) -> list[dict]:
    """The first ``limit`` gva items with a body of ``min_words`` or more, in file order."""
    out = []
    with gzip.open(STREAMS / "gva.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if len((row.get("content") or "").split()) >= min_words:
                out.append(row)
                if len(out) == limit:
                    break
    return out


async def _serve(pages: list[bytes], conn) -> None:
    from aiohttp import web

    async def page(request: web.Request) -> web.Response:
        i = int(request.match_info["n"])
        delay_ms = int(request.query.get("ms", "0"))
        if delay_ms:  # a distant site: the answer takes this long
            await asyncio.sleep(delay_ms / 1000)
        return web.Response(body=pages[i], content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/a/{n}", page)
    await serve_until_stopped(app, conn)


def _server_main(pages: list[bytes], conn) -> None:
    asyncio.run(_serve(pages, conn))


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _quality(articles: list[dict], texts: dict[int, str], related: list[list[str]]) -> dict:
    """Word recall of each article in its extracted text, and furniture leaks."""
    recalls, leaks = [], 0
    for i, row in enumerate(articles):
        text = texts.get(i, "")
        own = _words(row["content"])
        recalls.append(len(own & _words(text)) / len(own) if own else 0.0)
        furniture = [NAV, NEWSLETTER, FOOTER, *related[i]]
        leaks += any(f in text for f in furniture)
    recalls.sort()
    return {
        "recall_median": round(statistics.median(recalls), 3),
        "recall_p10": round(recalls[len(recalls) // 10], 3),
        "pages_with_furniture": leaks,
    }


async def _read(reader: HttpPageReader, urls: list[str]) -> dict[str, str]:
    """The texts one ``read`` on this event loop gives; the reader's connections closed
    after it."""
    try:
        return (await reader.read(urls)).texts
    finally:
        await reader.aclose()


def _naive(urls: list[str]) -> dict[int, str]:
    import trafilatura

    out = {}
    for i, url in enumerate(urls):
        with urllib.request.urlopen(url, timeout=15) as resp:  # noqa: S310 (local server)
            text = trafilatura.extract(resp.read().decode("utf-8")) or ""
        if text:
            out[i] = text
    return out


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 pages")
    ap.add_argument("--pages", type=int, default=1000, help="pages to read (default 1000)")
    ap.add_argument("--out", type=Path, help="write the stream judged on the extracted texts")
    args = ap.parse_args(argv)
    n = 100 if args.quick else args.pages
    # with --out every item with a body (8 words or more) is served as its page
    articles = _articles(10**9, min_words=8) if args.out else _articles(n)
    titles = [a["title"] for a in articles]
    related = [
        [titles[(i + k * 37) % len(titles)] for k in range(1, 6)] for i in range(len(titles))
    ]
    pages = [_page(a["title"], a["content"], related[i]) for i, a in enumerate(articles)]
    say(f"{len(pages)} gva articles as web pages ({sum(map(len, pages)) / 1e6:.1f} MB)")

    import trafilatura  # noqa: F401  (both readers use it: its import is in neither figure)

    with ServerProcess(_server_main, (pages,)) as server:
        urls = [f"http://127.0.0.1:{server.port}/a/{i}" for i in range(len(pages))]
        # one site serves every page here, so the per-site limit is the global one
        reader = HttpPageReader(allowed_hosts={"127.0.0.1"}, per_host_concurrency=8)
        say("pages answered at once (the cost of reading them: CPU)")
        got, wall, cpu = _timed(lambda: asyncio.run(_read(reader, urls)))
        position = {u: i for i, u in enumerate(urls)}
        ours = {position[u]: t for u, t in got.items()}
        say(f"  storybot: {len(ours)} of {len(urls)} pages read in {wall} s ({cpu} s CPU)")
        naive_texts, naive_wall, naive_cpu = (
            _timed(lambda: _naive(urls)) if not args.out else ({}, None, None)
        )
        if naive_wall is not None:
            say(f"  naive:    {len(naive_texts)} pages in {naive_wall} s ({naive_cpu} s CPU)")
        slow: dict[str, float] = {}
        if not args.out:
            k = min(len(urls), 50 if args.quick else 200)
            say(f"{k} pages each answered after {LATENCY_MS} ms (a distant site: wall time)")
            far = [f"{u}?ms={LATENCY_MS}" for u in urls[:k]]
            _, slow["storybot_s"], _ = _timed(lambda: asyncio.run(_read(reader, far)))
            _, slow["naive_s"], _ = _timed(lambda: _naive(far))
            slow["pages"] = k
            say(f"  storybot {slow['storybot_s']} s, naive {slow['naive_s']} s")

    result = {
        "pages": len(urls),
        "storybot_read": len(ours),
        "storybot_s": wall,
        "storybot_cpu_s": cpu,
        "storybot_pages_per_s": round(len(urls) / wall, 1),
        "storybot_quality": _quality(articles, ours, related),
        "peak_rss_mb": peak_rss_mb(),
    }
    if slow:
        result["latency_ms"] = LATENCY_MS
        result["latency_pages"] = slow["pages"]
        result["latency_storybot_s"] = slow["storybot_s"]
        result["latency_naive_s"] = slow["naive_s"]
    if naive_wall is not None:
        result |= {
            "naive_s": naive_wall,
            "naive_cpu_s": naive_cpu,
            "naive_pages_per_s": round(len(urls) / naive_wall, 1),
            "naive_quality": _quality(articles, naive_texts, related),
        }
    say(f"storybot text: {result['storybot_quality']}")
    if args.out:
        _write_stream(args.out, articles, ours)
        say(f"wrote {args.out}: storybot eval track --data {args.out}")
    emit(result)


def _write_stream(path: Path, articles: list[dict], texts: dict[int, str]) -> None:
    """The whole gva stream, each item's body what its page gave (or nothing)."""
    # as the service stores it: without the headline the page repeats above the text
    by_id = {a["id"]: page_body(texts.get(i, ""), a["title"]) for i, a in enumerate(articles)}
    with gzip.open(STREAMS / "gva.jsonl.gz", "rt", encoding="utf-8") as src, path.open("w") as out:
        for line in src:
            row = json.loads(line)
            row["summary"] = None
            row["content"] = by_id.get(row["id"]) or None
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
