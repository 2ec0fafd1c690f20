"""adapters.seeds: the five real seed files, crafted text/HTML files and local URLs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 -- the feed_server fixture
from shared_data import SEEDS  # noqa: E402

from adapters.feeds.pagefetch import make_page_fetcher
from adapters.seeds import aload_seed, load_seed, parse_text_seed
from bot.errors import UserError

MARCH_5 = datetime(2026, 3, 5, tzinfo=UTC)

ARTICLE_HTML = """<!DOCTYPE html>
<html><head>
<title>Pentagon reopens talks with Anthropic | Example Times</title>
<meta property="og:title" content="Pentagon reopens talks with Anthropic">
<meta name="date" content="2026-03-05">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/tech">Tech</a></nav>
<article>
<h1>Pentagon reopens talks with Anthropic</h1>
<p>The Department of Defense has reopened negotiations with Anthropic over the use of its
Claude models, according to people familiar with the matter, days after talks collapsed.</p>
<p>The renewed discussions involve senior officials and focus on contract language that would
restrict domestic surveillance and fully autonomous weapons, the people said on Thursday.</p>
<p>Industry groups have meanwhile lobbied the administration to drop a supply-chain risk
designation that they say would hamper the wider sector's government work for years.</p>
</article>
<footer>Copyright Example Times. All rights reserved.</footer>
<script>var tracking = "SHOULD-NOT-APPEAR";</script>
</body></html>"""


# --------------------------------------------------------------------------- the real seeds


@pytest.mark.parametrize(
    ("name", "title_start", "published", "text_start"),
    [
        (
            "000_4166f3dbde419197.txt",
            "Anthropic Reopens Pentagon Negotiations as Industry Lobbies",
            None,
            "Anthropic, the AI safety company",
        ),
        (
            "001_23aa8e8c91986600.txt",
            "In a dramatic pivot, Anthropic has reportedly returned",
            None,
            "In a dramatic pivot",
        ),
        (
            "002_be76933bbfb193a4.txt",
            "NextFin News - Anthropic CEO Dario Amodei",
            None,
            "NextFin News",
        ),
        (
            "003_8d3f893f7bd3fcb2.txt",
            "Anthropic and Pentagon Restart Claude Talks After Military-Use Clash",
            None,
            "Anthropic pentagon talks",
        ),
        (
            "004_d2d31d55b6497b43.txt",
            "Anthropic is back at the table with the U.S. Department of Defense",
            MARCH_5,
            "Anthropic is back at the table",
        ),
    ],
)
def test_real_seeds(
    name: str, title_start: str, published: datetime | None, text_start: str
) -> None:
    seed = load_seed(str(SEEDS / name))
    assert seed.title.startswith(title_start)
    assert len(seed.title) <= 200
    assert seed.published == published
    assert seed.text.startswith(text_start)
    assert len(seed.text) > 1000 and "\n\n\n" not in seed.text
    assert "date 2026" not in seed.text
    assert seed.url is None


# --------------------------------------------------------------------------- text format


@pytest.mark.parametrize(
    ("text", "title", "body", "published"),
    [
        (
            "Short title\nBody line one.\nBody line two.",
            "Short title",
            "Body line one.\nBody line two.",
            None,
        ),
        ("date: 2026-03-05\nShort title\nBody.", "Short title", "Body.", MARCH_5),
        (
            "Date 2026-03-05T14:30 A short title\nSecond line.",
            "A short title",
            "Second line.",
            datetime(2026, 3, 5, 14, 30, tzinfo=UTC),
        ),
        (
            "Date 2026-03-05 " + "Long first sentence here. " * 10 + "\nSecond.",
            "Long first sentence here.",
            ("Long first sentence here. " * 10).strip() + "\nSecond.",
            MARCH_5,
        ),
        (
            " date 2026-03-05 Only line of text.",
            "Only line of text.",
            "Only line of text.",
            MARCH_5,
        ),
        ("Title\r\n\r\n\r\nBody\r\n", "Title", "Body", None),
        ("\ufeffTitle\nBody", "Title", "Body", None),
        (
            "One line only, which is the text.",
            "One line only, which is the text.",
            "One line only, which is the text.",
            None,
        ),
        ("x" * 201 + "\nsecond", "x" * 120 + "…", "x" * 201 + "\nsecond", None),
        ("Update: the dates of talks\nBody", "Update: the dates of talks", "Body", None),
    ],
)
def test_parse_text_seed(text: str, title: str, body: str, published: datetime | None) -> None:
    seed = parse_text_seed(text)
    assert (seed.title, seed.text, seed.published) == (title, body, published)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("date 2026-02-30\nTitle\nBody.", 'line 1: "date 2026-02-30" is not a date'),
        ("date 2026-3-5\nTitle\nBody.", 'line 1: "date 2026-3-5" is not a date'),
        ("date 2026-13-45 not a real date\nBody", 'line 1: "date 2026-13-45" is not a date'),
        ("Date: 2026/03/05 Title\nBody.", 'line 1: "Date: 2026/03/05" is not a date'),
        ("date 05.03.2026\nTitle\nBody.", 'line 1: "date 05.03.2026" is not a date'),
        ("date 2026-03-05T25:00\nTitle\nBody.", 'line 1: "date 2026-03-05T25:00" is not a date'),
        # counted as the file's lines are, blank ones and Windows line ends included
        ("\r\n\r\nTitle\r\n\r\ndate 2026-02-30\r\nBody.", 'line 5: "date 2026-02-30"'),
    ],
)
def test_a_date_line_that_gives_no_date_is_an_error_naming_the_line(text: str, said: str) -> None:
    """Taken as text, such a line left the story undated, and `story add` then said only
    "no seed has a date" to someone who had written one."""
    with pytest.raises(UserError) as exc:
        parse_text_seed(text)
    assert str(exc.value).startswith(said), str(exc.value)
    assert str(exc.value).endswith('(write "date YYYY-MM-DD", e.g. "date 2026-03-05")')


@pytest.mark.parametrize("mark", [",", ";", "."])
def test_a_date_line_with_punctuation_after_the_date_gives_the_date(mark: str) -> None:
    # "date 2026-03-05, Harbour closes": a date a comma ends is still the date
    seed = parse_text_seed(f"date 2026-03-05{mark} Harbour closes\nThe harbour closed.")
    assert seed.published is not None and seed.published.date().isoformat() == "2026-03-05"
    assert seed.title == "Harbour closes"


@pytest.mark.parametrize(
    "first_line",
    [
        "Date night turned deadly for a couple in Ohio",
        "Date: unknown, officials say",
        "Date 3.5 million years old, the fossil was found in Kenya",
        "Date 2026: the year the talks resumed",
        "Dated 2026-3-5, the memo was leaked on Friday",
        "Update 2026-3-5: talks resume",
    ],
)
def test_text_that_begins_with_the_word_date_but_no_date_is_text(first_line: str) -> None:
    seed = parse_text_seed(f"{first_line}\nBody.")
    assert (seed.title, seed.text, seed.published) == (first_line, "Body.", None)


# --------------------------------------------------------------------------- file errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="seed file not found"):
        load_seed(str(tmp_path / "nope.txt"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"date: 2026-03-05\n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "seed.txt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        load_seed(str(path))


def test_a_file_too_large_is_refused_without_being_read_whole(tmp_path: Path) -> None:
    """A mistaken ``--seed disk.img`` is refused at the limit, not after reading it all.

    Read whole first, a 3 GB file took 3 GB of memory and 8 s before the refusal, and
    ``/dev/zero`` never ended. A sparse 64 MiB file stands in for the large one.
    """
    import tracemalloc

    path = tmp_path / "disk.img"
    with path.open("wb") as file:
        file.truncate(64 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(UserError, match=r"seed file .*disk\.img is too large: more than 5 MiB"):
            load_seed(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"{peak:,} bytes held to refuse it"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("seed.txt", b"date 2026-03-05\n", "the seed is empty: it has no text besides a date"),
        ("seed.html", b"<html><body><script>x()</script></body></html>", "no article text"),
    ],
)
def test_a_file_with_no_article_text_is_named(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    """``story add --seed a.txt --seed b.txt`` said "the seed is empty" of neither by name."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError) as exc:
        load_seed(str(path))
    assert str(exc.value).startswith(f"seed file {path}: ") and message in str(exc.value)


def test_a_plain_text_url_with_no_article_text_is_named(feed_server: FeedServer) -> None:
    url = feed_server.add_feed("/date.txt", "date 2026-03-05\n", content_type="text/plain")
    with pytest.raises(UserError) as exc:
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    assert str(exc.value) == f"{url}: the seed is empty: it has no text besides a date"


def test_a_bad_date_line_names_the_seed_file_or_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    text = "date 2026-02-30\nHarbour closes\nThe harbour closed on Monday.\n"
    path = tmp_path / "seed.txt"
    path.write_text(text)
    said = (
        'line 1: "date 2026-02-30" is not a date (write "date YYYY-MM-DD", e.g. "date 2026-03-05")'
    )
    with pytest.raises(UserError) as exc:
        load_seed(str(path))
    assert str(exc.value) == f"seed file {path}: {said}"
    url = feed_server.add_feed("/seed.txt", text, content_type="text/plain")
    with pytest.raises(UserError) as exc:
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    assert str(exc.value) == f"{url}: {said}"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="directory"):
        load_seed(str(tmp_path))


def test_empty_argument() -> None:
    with pytest.raises(UserError, match="file path or an http"):
        load_seed("   ")


# --------------------------------------------------------------------------- HTML


def _check_article(seed_title: str, text: str) -> None:
    assert seed_title == "Pentagon reopens talks with Anthropic"
    assert "reopened negotiations with Anthropic" in text and "autonomous weapons" in text
    assert "SHOULD-NOT-APPEAR" not in text


def test_html_file(tmp_path: Path) -> None:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE_HTML)
    seed = load_seed(str(path))
    _check_article(seed.title, seed.text)
    assert seed.published == MARCH_5


def test_a_page_without_a_date_is_not_given_one_guessed_from_its_text(tmp_path: Path) -> None:
    # no date in the page's metadata: the years its text names ("in 2025,", "since
    # 2019") are no publication date; a guessed one would begin the story then, so that
    # every later report of it would be news, and `story add` would not say it begins now
    undated = ARTICLE_HTML.replace('<meta name="date" content="2026-03-05">\n', "").replace(
        "days after talks collapsed.",
        "days after talks collapsed. In 2025, the company had signed a smaller contract, "
        "its first since 2019.",
    )
    path = tmp_path / "article.html"
    path.write_text(undated)
    seed = load_seed(str(path))
    _check_article(seed.title, seed.text)
    assert "In 2025, the company" in seed.text
    assert seed.published is None
    # a date the page's metadata gives is still read
    path.write_text(ARTICLE_HTML)
    assert load_seed(str(path)).published == MARCH_5


def test_html_detected_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE_HTML)
    _check_article(load_seed(str(path)).title, load_seed(str(path)).text)


RSS = """<?xml version="1.0" encoding="utf-8"?>
<!-- a comment before the root -->
<rss version="2.0"><channel><title>Test Feed</title><link>http://127.0.0.1/x</link>
<item><title>Pentagon talks resume</title><link>http://127.0.0.1/a</link></item>
</channel></rss>
"""
ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>Test Feed</title>
<entry><title>Pentagon talks resume</title></entry></feed>"""


@pytest.mark.parametrize("document", [RSS, ATOM], ids=["rss", "atom"])
def test_a_feed_given_as_a_seed_is_refused_with_the_command_that_polls_it(
    tmp_path: Path, feed_server: FeedServer, document: str
) -> None:
    path = tmp_path / "news.xml"
    path.write_text(document)
    with pytest.raises(UserError, match=r"is a feed \(RSS/Atom\), not an article: .*feeds add"):
        load_seed(str(path))
    url = feed_server.add_feed("/rss", document, content_type="application/rss+xml")
    with pytest.raises(UserError, match=f"`storybot feeds add {url}`"):
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))


def test_an_xhtml_article_is_not_taken_for_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "article.xhtml"
    path.write_text('<?xml version="1.0"?>\n' + ARTICLE_HTML)
    _check_article(load_seed(str(path)).title, load_seed(str(path)).text)


def test_url_through_the_guarded_fetcher(feed_server: FeedServer) -> None:
    url = feed_server.add_feed(
        "/article", ARTICLE_HTML, content_type="text/html; charset=utf-8", gzip=True
    )
    seed = load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    _check_article(seed.title, seed.text)
    assert seed.url == url


@pytest.mark.parametrize("charset", ["idna", "punycode", "unicode_escape", "raw-unicode-escape"])
def test_a_charset_that_is_no_character_encoding_is_read_as_utf8(
    feed_server: FeedServer, charset: str
) -> None:
    # Python's codecs of these names transform text (domain names, string escapes): a
    # server declaring one failed the seed with an internal error (idna), emptied it
    # (punycode) or made its backslashes into characters (the escapes)
    html = ARTICLE_HTML.replace("autonomous weapons", "autonomous weapons at the café \\n")
    url = feed_server.add_feed(
        f"/{charset}", html.encode(), content_type=f"text/html; charset={charset}"
    )
    seed = load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    _check_article(seed.title, seed.text)
    assert "autonomous weapons at the café \\n" in seed.text


def test_url_redirect_records_the_final_url(feed_server: FeedServer) -> None:
    target = feed_server.add_feed("/article", ARTICLE_HTML, content_type="text/html")
    feed_server.add_redirect("/short", "/article")
    seed = load_seed(
        feed_server.url("/short"), fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"})
    )
    assert seed.url == target


def test_url_to_a_private_address_is_refused_by_default(feed_server: FeedServer) -> None:
    url = feed_server.add_feed("/article", ARTICLE_HTML, content_type="text/html")
    with pytest.raises(
        UserError,
        match="refused: 127.0.0.1 is a loopback address; feeds, seed URLs and linked pages",
    ):
        load_seed(url)
    assert feed_server.hits("/article") == 0


def test_url_redirect_to_metadata_is_refused(feed_server: FeedServer) -> None:
    feed_server.add_redirect("/r", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(UserError, match="refused.*169.254.169.254"):
        load_seed(feed_server.url("/r"), fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))


@pytest.mark.parametrize(("status", "message"), [(404, "HTTP 404"), (500, "HTTP 500")])
def test_url_http_errors(feed_server: FeedServer, status: int, message: str) -> None:
    url = feed_server.add_status("/x", status)
    with pytest.raises(UserError, match=message):
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))


def test_a_url_is_read_only_when_it_is_a_page_of_text(feed_server: FeedServer) -> None:
    fetch = make_page_fetcher(allowed_hosts={"127.0.0.1"})
    # decoded as text, an image made a seed of noise (a PDF: see test_a_pdf_by_url_...)
    for body, content_type, shown in [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "image/png", "image/png"),
        (b'{"headline": "Pentagon talks resume"}', "application/json", "application/json"),
        # the server says no more than octet-stream, and it does not look like HTML
        (bytes(range(256)) * 8, None, "application/octet-stream"),
    ]:
        url = feed_server.add_feed(f"/thing-{len(body)}", body, content_type=content_type)
        with pytest.raises(UserError) as refused:
            load_seed(url, fetch_html=fetch)
        assert str(refused.value) == (
            f"{url} is not an article's web page ({shown}): give the address of the page "
            "that shows the article"
        )
    text = "Pentagon talks resume\nThe talks resumed on Tuesday, officials said."
    seed = load_seed(feed_server.add_feed("/a.txt", text, content_type="text/plain"), fetch)
    assert "talks resumed on Tuesday" in seed.text
    seed = load_seed(feed_server.add_feed("/a", ARTICLE_HTML, content_type=None), fetch)
    _check_article(seed.title, seed.text)


# the start of a PDF without a NUL byte (its text would be in a compressed stream further on)
PDF_START = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"


@pytest.mark.parametrize(
    "body",
    [PDF_START, b"\xef\xbb\xbf\r\n  " + PDF_START, PDF_START + bytes(range(256))],
    ids=["no-nul", "bom-and-blanks-first", "binary"],
)
def test_a_pdf_file_is_refused_as_a_pdf_saying_to_give_its_text(
    tmp_path: Path, body: bytes
) -> None:
    # without a NUL byte it was read as text: its title "%PDF-1.4", its terms the PDF's
    # syntax; with one it was "binary data", which did not say what to give instead
    path = tmp_path / "article.txt"
    path.write_bytes(body)
    with pytest.raises(UserError) as refused:
        load_seed(str(path))
    assert str(refused.value) == (
        f"seed file {path} is a PDF: storybot reads text or HTML seeds; paste the article's "
        "text into a .txt file and give that"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (PDF_START + bytes(range(256)), "application/pdf"),
        (PDF_START + bytes(range(256)), None),
        (PDF_START, "text/plain"),
    ],
    ids=["declared", "untyped", "served-as-text"],
)
def test_a_pdf_by_url_is_refused_as_a_pdf_file_is(
    feed_server: FeedServer, body: bytes, content_type: str | None
) -> None:
    # declared or untyped it was "not an article's web page"; served as text, a seed
    url = feed_server.add_feed("/report", body, content_type=content_type)
    with pytest.raises(UserError) as refused:
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    assert str(refused.value) == (
        f"{url} is a PDF: storybot reads text or HTML seeds; give the address of the web page "
        "that shows the article, or paste its text into a .txt file for `storybot story add`"
    )


def test_url_too_large(feed_server: FeedServer) -> None:
    url = feed_server.add_feed(
        "/big", "<html><body>" + "<p>words</p>" * 100_000, content_type="text/html"
    )
    with pytest.raises(UserError, match="the page is too large: more than 98 KiB"):
        load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}, max_bytes=100_000))


def test_injected_fetcher() -> None:
    seed = load_seed("https://news.example.com/a", fetch_html=lambda url: ARTICLE_HTML)
    _check_article(seed.title, seed.text)
    assert seed.url == "https://news.example.com/a"


async def test_aload_seed_with_allowed_hosts(feed_server: FeedServer) -> None:
    url = feed_server.add_feed("/article", ARTICLE_HTML, content_type="text/html")
    seed = await aload_seed(url, allowed_hosts={"127.0.0.1"})
    _check_article(seed.title, seed.text)


# --------------------------------------------------------------------------- plain text by URL


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_a_plain_text_seed_by_url_is_the_seed_its_file_gives(
    feed_server: FeedServer, name: str
) -> None:
    # served as text/plain (as `python -m http.server` serves a .txt), the file was parsed
    # as HTML: its "date 2026-03-05" token stayed in the title and the text
    path = SEEDS / name
    url = feed_server.add_feed(f"/{name}", path.read_bytes(), content_type="text/plain")
    by_url = load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    by_file = load_seed(str(path))
    assert (by_url.title, by_url.text, by_url.published) == (
        by_file.title,
        by_file.text,
        by_file.published,
    )
    assert by_url.url == url


def test_a_plain_text_seed_by_url_without_a_charset_is_decoded_as_its_file_is(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    data = "date: 2026-03-05\nCafé talks resume\nThe café’s owners met on Tuesday.\n"
    for name, body in [
        ("bom.txt", b"\xef\xbb\xbf" + data.encode()),
        ("cp1252.txt", data.encode("cp1252")),
        # an editor's "Unicode" (Windows Notepad): UTF-16 with its byte-order mark, not
        # "binary data"
        ("utf16le.txt", b"\xff\xfe" + data.encode("utf-16-le")),
        ("utf16be.txt", b"\xfe\xff" + data.encode("utf-16-be")),
    ]:
        path = tmp_path / name
        path.write_bytes(body)
        url = feed_server.add_feed(f"/{name}", body, content_type="text/plain")
        by_url = load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
        by_file = load_seed(str(path))
        assert by_file.title == "Café talks resume" and by_file.published == MARCH_5
        assert (by_url.title, by_url.text, by_url.published) == (
            by_file.title,
            by_file.text,
            by_file.published,
        )


def test_html_served_as_plain_text_is_read_as_html_as_its_file_is(
    feed_server: FeedServer,
) -> None:
    url = feed_server.add_feed("/page.txt", ARTICLE_HTML, content_type="text/plain")
    seed = load_seed(url, fetch_html=make_page_fetcher(allowed_hosts={"127.0.0.1"}))
    _check_article(seed.title, seed.text)


# --------------------------------------------------------------------------- other schemes


def test_a_file_url_is_read_as_the_local_path_it_names(tmp_path: Path) -> None:
    path = tmp_path / "my seed.txt"
    path.write_text("Pentagon talks resume\nThe talks resumed on Tuesday, officials said.")
    for url in (path.as_uri(), f"file://localhost{path.as_uri()[len('file://') :]}"):
        seed = load_seed(url)
        assert seed.title == "Pentagon talks resume" and seed.url is None
    real = SEEDS / "000_4166f3dbde419197.txt"
    assert load_seed(real.as_uri()) == load_seed(str(real))


def test_a_missing_file_url_names_the_path_it_names(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(UserError) as refused:
        load_seed(missing.as_uri())
    assert str(refused.value) == f"seed file not found: {missing}"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "ftp://example.com/x",
            "ftp://example.com/x is neither a local file path nor an http(s) URL: "
            "a seed is a file path (or file:// URL) on this machine, or an http:// or "
            "https:// web address",
        ),
        (
            "FILE://example.com/x.txt",
            "FILE://example.com/x.txt names a file on another machine (example.com): a "
            "file:// seed must be on this one (file:///path/to/seed.txt), or give its "
            "http(s) URL",
        ),
    ],
)
def test_a_seed_of_another_scheme_is_refused_saying_what_a_seed_is(
    source: str, message: str
) -> None:
    with pytest.raises(UserError) as refused:
        load_seed(source)
    assert str(refused.value) == message


def _resolver_failing_with(errno: int, message: str):
    """A resolver that fails as getaddrinfo does, with ``errno``."""
    import socket

    async def lookup(host: str, port: int, family: int = 0) -> list[tuple[int, str]]:
        raise socket.gaierror(errno, message)

    return lookup


def test_a_seed_host_the_resolver_cannot_look_up_for_now_may_pass() -> None:
    # At boot the network may not be up yet: getaddrinfo answers EAI_AGAIN ("Temporary
    # failure in name resolution"). A story the config file declares is then retried by
    # the supervisor (SeedUnavailable: exit 75), not refused for good as a typo is.
    import socket

    from adapters.seeds import SeedUnavailable

    fetch = make_page_fetcher(
        lookup=_resolver_failing_with(socket.EAI_AGAIN, "Temporary failure in name resolution")
    )
    with pytest.raises(SeedUnavailable, match="DNS lookup failed for news.example"):
        load_seed("https://news.example/a.html", fetch)


def test_a_seed_host_that_does_not_exist_is_a_plain_error() -> None:
    import socket

    from adapters.seeds import SeedUnavailable

    fetch = make_page_fetcher(
        lookup=_resolver_failing_with(socket.EAI_NONAME, "Name or service not known")
    )
    with pytest.raises(UserError, match="no such host") as caught:
        load_seed("https://nosuch.example/a.html", fetch)
    assert not isinstance(caught.value, SeedUnavailable)
