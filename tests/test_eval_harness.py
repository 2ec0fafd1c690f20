"""The evaluation harness: metrics, protocol, CLI, and a run on a slice of a real stream."""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import lzma
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from checkout import code_env

from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import (
    StreamError,
    build_targets,
    load_stream,
    seeded_sample,
    with_full_seeds,
)
from bot.evaluation.metrics import TrackCounts, adjusted_rand, bcubed, detection_cost

EVALDATA = Path(
    os.environ.get("STORYBOT_EVALDATA", Path(__file__).resolve().parents[2] / "shared" / "evaldata")
)
STREAMS = EVALDATA / "streams"


# --------------------------------------------------------------------------- metrics


def test_detection_cost_macro_averages() -> None:
    runs = [TrackCounts(2, 1, 100, 0), TrackCounts(4, 0, 50, 1)]
    got = detection_cost(runs)
    assert got["p_miss"] == pytest.approx(0.25)
    assert got["p_fa"] == pytest.approx(0.01)
    assert got["c_norm"] == pytest.approx(0.25 + 4.9 * 0.01)


@pytest.mark.parametrize(
    ("gold", "pred", "p", "r"),
    [
        ("aabb", "xxyy", 1.0, 1.0),
        ("aabb", "xxxx", 0.5, 1.0),
        ("aabb", "wxyz", 1.0, 0.5),
        ("aaab", "xxyy", (1 + 1 + 0.5 + 0.5) / 4, (2 / 3 + 2 / 3 + 1 / 3 + 1) / 4),
    ],
)
def test_bcubed(gold: str, pred: str, p: float, r: float) -> None:
    got = bcubed(list(gold), list(pred))
    assert got["precision"] == pytest.approx(p)
    assert got["recall"] == pytest.approx(r)


def test_adjusted_rand() -> None:
    assert adjusted_rand(list("aabb"), list("xxyy")) == pytest.approx(1.0)
    # the classic example: ARI of [0,0,1,1] vs [0,0,1,2] is 4/7
    assert adjusted_rand([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)


# --------------------------------------------------------------------------- protocol


def _row(i: int, event: str, day: int | None, title: str, content: str | None = None) -> dict:
    return {
        "id": f"x{i}",
        "event": event,
        "title": title,
        "summary": None,
        "content": content,
        "url": f"https://example.com/{i}",
        "published": None if day is None else f"2020-01-{day:02d}T00:00:00Z",
        "source": "example.com",
    }


def _write(path: Path, rows: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


FLOOD = "River floods Riverton town as heavy rain swamps homes"
FIRE = "Warehouse fire in Millbrook destroys furniture stock"


def _stream(tmp_path: Path) -> Path:
    rows = [_row(0, "misc", None, "Undated item about a chess tournament in Oslo")]
    for i in range(1, 6):
        rows.append(
            _row(
                i,
                "flood",
                i,
                f"{FLOOD} day {i}",
                f"The Riverton flood forced {i * 10} families from homes near the Elm River, Mayor Jane Cole said.",
            )
        )
    for i in range(6, 12):
        rows.append(
            _row(
                i,
                f"other{i}",
                i,
                f"{FIRE} report {i}",
                f"Firefighters in Millbrook fought the blaze at a warehouse owned by Acme Furniture for {i} hours.",
            )
        )
    rows.append(
        _row(
            12,
            "flood",
            8,
            "Riverton flood: Elm River recedes, Mayor Cole says homes can reopen",
            "The Elm River in Riverton receded on Wednesday and Mayor Jane Cole said families could return to homes.",
        )
    )
    rows.append(_row(13, "flood", 29, "Late Riverton flood follow-up outside the window"))
    return _write(tmp_path / "s.jsonl.gz", rows)


def test_targets_follow_the_protocol(tmp_path: Path) -> None:
    items = load_stream(_stream(tmp_path))
    assert items[0].published is None  # undated first
    (target,) = build_targets(items, nt=4, window_days=20)
    assert target.event == "flood"
    assert [s.id for s in target.seeds] == ["x1", "x2", "x3", "x4"]
    ids = [it.id for it in target.stream]
    assert "x5" in ids and "x12" in ids and "x13" not in ids  # day 29 > 20 days after day 4
    assert target.on_topic == 2


def test_a_seeded_sample_keeps_order_and_its_draw_depends_on_its_seed_alone() -> None:
    short = list(range(10))
    assert seeded_sample(short, 40, "e1") is short  # nothing to bound
    big = list(range(1000))
    drawn = seeded_sample(big, 40, "e1")
    assert len(drawn) == 40 and drawn == sorted(drawn)
    assert seeded_sample(big, 40, "e1") == drawn  # the same seed draws the same reports
    assert seeded_sample(big, 40, "e2") != drawn
    # the draw picks positions by seed and length alone, not by what the list holds
    assert seeded_sample([f"r{i}" for i in big], 40, "e1") == [f"r{i}" for i in drawn]


def test_headline_only_drops_bodies(tmp_path: Path) -> None:
    items = load_stream(_stream(tmp_path), headline_only=True)
    assert all(it.text == "" for it in items)


def test_headline_only_stream_keeps_the_seeds_text(tmp_path: Path) -> None:
    path = _stream(tmp_path)
    items = load_stream(path, headline_only=True)
    (target,) = with_full_seeds(build_targets(items, 4, 20), load_stream(path))
    assert all(s.text for s in target.seeds)
    assert all(it.text == "" for it in target.stream)


def test_summary_only_drops_bodies_and_keeps_summaries(tmp_path: Path) -> None:
    rows = [
        {
            **_row(i, "flood", i, FLOOD, f"The whole article {i} about the Riverton flood."),
            "summary": f"Summary {i} of the Riverton flood.",
        }
        for i in range(1, 7)
    ]
    path = _write(tmp_path / "s.jsonl.gz", rows)
    items = load_stream(path, summary_only=True)
    assert [it.text for it in items] == [f"Summary {i} of the Riverton flood." for i in range(1, 7)]
    (target,) = with_full_seeds(build_targets(items, 4, 20), load_stream(path))
    assert all("whole article" in s.text for s in target.seeds)
    assert all("whole article" not in it.text for it in target.stream)
    with pytest.raises(ValueError):
        load_stream(path, headline_only=True, summary_only=True)


def _plain(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value", [1578000000, 1578000000.0, 1578000000000, "1578000000", "1578000000000"]
)
def test_unix_time_is_read_in_seconds_or_milliseconds_as_number_or_digits(
    tmp_path: Path, value: object
) -> None:
    path = _plain(tmp_path / "s.jsonl", json.dumps({"id": "a", "event": "e", "published": value}))
    (item,) = load_stream(path, warn=lambda message: pytest.fail(message))
    assert item.published == datetime(2020, 1, 2, 21, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a", "event": "e"}\n{not json\n', "s.jsonl:2: not a JSON object"),
        (
            '[{"id": "a", "event": "e"}]\n',
            "s.jsonl:1: a line must be one JSON object, not a JSON list",
        ),
        ('{"id": "a", "title": "t"}\n', "s.jsonl: no item has an event label"),
    ],
)
def test_a_malformed_stream_is_refused_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(StreamError, match=re.escape(message)):
        load_stream(_plain(tmp_path / "s.jsonl", text))


def test_dates_in_rss_and_unix_form_are_read_and_unreadable_ones_reported(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "event": "e", "published": "Tue, 07 Jan 2020 10:00:00 GMT"},
        {"id": "b", "event": "e", "published": 1578000000},
        {"id": "c", "event": "e", "published": "2020-01-05"},
        {"id": "d", "event": "e", "published": "last Tuesday"},
        {"id": "d", "event": "e", "published": None},
    ]
    text = "\ufeff" + "\r\n".join(json.dumps(r) for r in rows)  # a BOM and CRLF lines
    warnings: list[str] = []
    items = load_stream(_plain(tmp_path / "s.jsonl", text), warn=warnings.append)
    assert [it.id for it in items] == ["d", "d", "b", "c", "a"]  # undated first, then by date
    assert items[2].published == datetime(2020, 1, 2, 21, 20, tzinfo=UTC)
    assert items[4].published == datetime(2020, 1, 7, 10, tzinfo=UTC)
    assert len(warnings) == 2
    assert (
        "1 item(s) with a published date" in warnings[0] and "line 4: 'last Tuesday'" in warnings[0]
    )
    assert "1 id(s) used by more than one item (first: 'd')" in warnings[1]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("January 05, 2017", datetime(2017, 1, 5, tzinfo=UTC)),
        ("5 Jan 2017 14:30", datetime(2017, 1, 5, 14, 30, tzinfo=UTC)),
        ("Sept. 5, 2017 at 2:30 pm", datetime(2017, 9, 5, 14, 30, tzinfo=UTC)),
        ("2017/01/05", datetime(2017, 1, 5, tzinfo=UTC)),
    ],
)
def test_a_date_written_with_its_months_name_or_year_first_is_read(
    tmp_path: Path, written: str, expected: datetime
) -> None:
    rows = [{"id": "a", "event": "e", "published": written}]
    items = load_stream(_plain(tmp_path / "s.jsonl", json.dumps(rows[0])), warn=pytest.fail)
    assert items[0].published == expected


def test_a_date_whose_day_and_month_could_be_either_is_undated_and_reported(
    tmp_path: Path,
) -> None:
    rows = [{"id": "a", "event": "e", "published": "03/02/2017"}]
    warnings: list[str] = []
    items = load_stream(_plain(tmp_path / "s.jsonl", json.dumps(rows[0])), warn=warnings.append)
    assert items[0].published is None
    assert "a written date ('January 5, 2017', '2017/01/05')" in warnings[0]


def _lines(path: Path, rows: list[dict]) -> Path:
    return _plain(path, "".join(json.dumps(r) + "\n" for r in rows))


def test_numeric_ids_and_events_are_their_digits_and_a_whole_float_its_integer(
    tmp_path: Path,
) -> None:
    # pandas writes an integer column with gaps as floats: event 12.0 is event 12
    rows = [
        {"id": 0, "event": 12},
        {"id": 1.0, "event": 12.0},
        {"id": "2", "event": "12"},
        {"id": 3.5, "event": 0},
    ]
    items = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=pytest.fail)
    assert [(it.id, it.event) for it in items] == [
        ("0", "12"),
        ("1", "12"),
        ("2", "12"),
        ("3.5", "0"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "a", "event": true}', "s.jsonl:1: event is a JSON bool; an id or event is"),
        ('{"id": "a", "event": ["e"]}', "s.jsonl:1: event is a JSON list;"),
        ('{"id": {"n": 1}, "event": "e"}', "s.jsonl:1: id is a JSON dict;"),
        ('{"id": "a", "event": NaN}', "s.jsonl:1: event is the number nan;"),
    ],
)
def test_an_id_or_event_that_is_no_label_is_refused_naming_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(StreamError, match=re.escape(message)):
        load_stream(_plain(tmp_path / "s.jsonl", text + "\n"))


def test_an_item_without_an_event_is_an_unlabelled_event_of_its_own_with_a_warning(
    tmp_path: Path,
) -> None:
    rows = [
        {"id": "a", "event": "unlabelled-2"},  # a real event named like ours
        {"id": "b"},
        {"id": "c", "event": None},
        {"id": "d", "event": "  "},
        {"event": "e"},
    ]
    warnings: list[str] = []
    items = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=warnings.append)
    assert [(it.id, it.event) for it in items] == [
        ("a", "unlabelled-2"),
        ("b", "~unlabelled-2"),
        ("c", "unlabelled-3"),
        ("d", "unlabelled-4"),
        ("line-5", "e"),
    ]
    assert warnings == [
        f"{tmp_path / 's.jsonl'}: 3 item(s) without an event label (first: line 2); each is "
        "read as an unlabelled event of its own, off-topic for every target",
        f"{tmp_path / 's.jsonl'}: 1 item(s) without an id (first: line 5); each is named by "
        "its line (line-5)",
    ]


def test_unlabelled_items_are_off_topic_for_every_target_and_singletons_when_clustering(
    tmp_path: Path,
) -> None:
    day = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": f"s{i}",
            "event": "quake",
            "title": f"Quake report {i}",
            "published": (day + timedelta(hours=i)).isoformat(),
        }
        for i in range(6)
    ] + [
        {
            "id": f"u{i}",
            "title": f"Quake report {i}",
            "published": (day + timedelta(hours=10 + i)).isoformat(),
        }
        for i in range(3)
    ]
    items = load_stream(_lines(tmp_path / "s.jsonl", rows))
    (target,) = build_targets(items, nt=4, window_days=30)
    assert [it.id for it in target.stream] == ["s4", "s5", "u0", "u1", "u2"]
    assert target.on_topic == 2  # the unlabelled items count as off-topic
    assert len({it.event for it in items}) == 4  # one real event, three singletons


def test_text_in_a_list_or_a_feed_parsers_object_is_read_as_its_text(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "event": "e",
            "title": {"type": "text/plain", "value": "Flood in Riverton"},
            "summary": ["First paragraph.", None, "Second paragraph."],
            "content": [{"type": "text/html", "value": "<p>Body one.</p>"}, {"value": "Body two."}],
            "source": ["example", "news"],
        },
        {"id": "b", "event": "e", "title": 2024, "content": {"text": "Plain body."}},
    ]
    a, b = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=pytest.fail)
    assert a.title == "Flood in Riverton" and a.source == "example news"
    assert a.summary == "First paragraph.\nSecond paragraph."
    assert a.content == "Body one.\nBody two."
    assert b.title == "2024" and b.content == "Plain body."


def test_a_text_field_that_cannot_be_read_is_missing_with_one_warning_per_field(
    tmp_path: Path,
) -> None:
    rows = [
        {"id": "a", "event": "e", "title": "Readable", "content": "Readable"},
        {"id": "b", "event": "e", "title": True, "content": {"html": "<p>x</p>"}},
        {"id": "c", "event": "e", "title": [["nested"], True], "source": {"href": "x"}},
    ]
    warnings: list[str] = []
    items = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=warnings.append)
    assert [it.title for it in items] == ["Readable", "", ""]
    assert items[1].content == "" and items[2].source == ""
    assert len(warnings) == 3
    assert "2 item(s) with a title that is not text (first: line 2: a JSON bool)" in warnings[0]
    content = "1 item(s) with a content that is not text (first: line 2: a JSON object"
    assert content in warnings[1]
    assert "1 item(s) with a source that is not text (first: line 3:" in warnings[2]
    assert all("it is taken as missing" in w for w in warnings)


def test_html_in_a_headline_summary_or_body_is_read_as_its_text(tmp_path: Path) -> None:
    # as the service's poller reads a feed's fields
    summary = (
        '<p>Smith &amp; Wesson&#8217;s <a href="https://x.com/?a=1&amp;b=2">case</a></p>'
        "<script>var x = 1;</script><br/>Second&nbsp;line"
    )
    rows = [
        {"id": "a", "event": "e", "title": "Smith &amp; <em>Wesson</em>", "summary": summary},
        {"id": "b", "event": "e", "summary": "If x < 3 and y > 4, AT&T wins"},
        {"id": "c", "event": "e", "content": "<p>One.</p>\n<p>Two &gt; one.</p>"},
    ]
    a, b, c = load_stream(_lines(tmp_path / "s.jsonl", rows))
    assert a.summary == "Smith & Wesson\u2019s case\n\nSecond line"
    assert a.title == "Smith & Wesson"
    assert b.summary == "If x < 3 and y > 4, AT&T wins"  # no markup: left as it is
    assert c.content == "One.\n\nTwo > one."


def test_a_blank_or_unreadable_url_is_no_url(tmp_path: Path) -> None:
    # a blank URL used to be the same link "/" for every item: each one a copy of the others
    rows = [
        {"id": "a", "event": "e", "url": "  "},
        {"id": "b", "event": "e", "url": "null"},
        {"id": "c", "event": "e", "url": {"href": " https://x.com/a "}},
        {"id": "d", "event": "e", "url": "/news/relative"},
        {"id": "e", "event": "e", "url": 12345},
        {"id": "f", "event": "e", "url": "http://[::1"},
    ]
    warnings: list[str] = []
    items = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=warnings.append)
    assert [it.url for it in items] == [None, None, "https://x.com/a", "/news/relative", None, None]
    assert warnings == [
        f"{tmp_path / 's.jsonl'}: 2 item(s) with a url that is not a URL (first: line 5: "
        "a JSON int); it is taken as missing"
    ]


def test_a_link_shared_by_items_of_many_events_is_reported(tmp_path: Path) -> None:
    # a scraper that wrote the site's front page as every item's link: the engine takes
    # items with one link as one report, so every item would be a copy of every other
    rows = [{"id": str(i), "event": f"e{i}", "url": "https://www.example.com/"} for i in range(5)]
    rows.append({"id": "x", "event": "e0", "url": "https://example.com/a"})
    warnings: list[str] = []
    load_stream(_lines(tmp_path / "s.jsonl", rows), warn=warnings.append)
    assert warnings == [
        f"{tmp_path / 's.jsonl'}: 1 url(s) shared by items of 5 or more events (most: "
        "'example.com/', 5 events); the engine takes items with one link as one report, so "
        "they are judged copies of each other"
    ]
    load_stream(_lines(tmp_path / "s.jsonl", rows[1:]), warn=pytest.fail)  # 4 events: a round-up


def test_placeholder_dates_are_undated_and_dates_are_converted_to_utc(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "event": "e", "published": "0001-01-01T00:00:00Z"},
        {"id": "b", "event": "e", "published": "9999-12-31T23:59:59-05:00"},
        {"id": "c", "event": "e", "published": "2020-01-02T01:00:00+02:00"},
        {"id": "d", "event": "e", "published": {"$date": "2020-01-01T12:00:00Z"}},
        {"id": "e", "event": "e", "published": {"$date": {"$numberLong": "1578000000000"}}},
        {"id": "f", "event": "e", "published": "2020-01-01 10:00:00.123456789"},
    ]
    warnings: list[str] = []
    items = load_stream(_lines(tmp_path / "s.jsonl", rows), warn=warnings.append)
    assert [it.id for it in items] == ["a", "b", "f", "d", "c", "e"]
    assert items[0].published is None and items[1].published is None
    assert items[4].published == datetime(2020, 1, 1, 23, tzinfo=UTC)
    assert [it.published.tzinfo for it in items[2:]] == [UTC] * 4  # type: ignore[union-attr]
    assert items[5].published == datetime(2020, 1, 2, 21, 20, tzinfo=UTC)
    assert len(warnings) == 1 and "2 item(s) with a published date" in warnings[0]
    assert "placeholder" in warnings[0] and "line 1: '0001-01-01T00:00:00Z'" in warnings[0]


ROWS = [{"id": "a", "event": "e", "title": "caf\u00e9"}, {"id": "b", "event": "e"}]
TEXT = "".join(json.dumps(r) + "\n" for r in ROWS).encode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gzip-named.jsonl", gzip.compress(TEXT)),
        ("plain-named.jsonl.gz", TEXT),
        ("s.jsonl.bz2", bz2.compress(TEXT)),
        ("s.jsonl.xz", lzma.compress(TEXT)),
        ("powershell.jsonl", TEXT.decode().replace("\n", "\r\n").encode("utf-16")),
        ("tab.jsonl", TEXT.replace(b'"caf', b'"\tcaf')),  # a raw tab inside a string
    ],
    ids=["gzip-named-jsonl", "plain-named-gz", "bzip2", "xz", "utf-16-bom-crlf", "raw-tab"],
)
def test_a_stream_is_read_whatever_its_name_compression_or_utf_16_bom(
    tmp_path: Path, name: str, data: bytes
) -> None:
    (tmp_path / name).write_bytes(data)
    items = load_stream(tmp_path / name, warn=pytest.fail)
    assert [it.id for it in items] == ["a", "b"] and items[0].title.strip() == "caf\u00e9"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cut.jsonl.gz", gzip.compress(TEXT * 50)[:-30], "cannot be read after line"),
        (
            "bad.jsonl.gz",
            gzip.compress(TEXT)[:12] + b"\x00garbage" * 9,
            "cannot be read at its start",
        ),
        (
            "latin1.jsonl",
            TEXT + '{"id": "c", "event": "caf\u00e9"}\n'.encode("latin-1"),
            ":3: not UTF-8 text (byte 0xe9)",
        ),
        ("s.jsonl.zst", b"\x28\xb5\x2f\xfd" + bytes(20), "compressed with zstd"),
        ("missing.jsonl", None, "cannot read the file (No such file or directory)"),
        ("folder.jsonl", b"", "cannot read the file (Is a directory)"),
    ],
    ids=["gzip-cut-short", "gzip-damaged", "latin-1", "zstd", "missing", "directory"],
)
def test_a_file_that_cannot_be_read_exits_2_naming_it_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if name.startswith("folder"):
        path.mkdir()
    elif data is not None:
        path.write_bytes(data)
    for command in ("track", "cluster", "dedup"):
        parser = argparse.ArgumentParser(prog="storybot")
        add_eval_parser(parser.add_subparsers(dest="command", required=True))
        assert run_eval(parser.parse_args(["eval", command, "--data", str(path)])) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"storybot eval: {path}") and message in err
        assert err.count("\n") == 1


def test_lone_surrogates_in_text_become_replacement_characters(tmp_path: Path) -> None:
    line = (
        '{"id": "a\\udc80", "event": "e", "title": "Flood \\ud800", "url": "https://x.com/\\udfff"}'
    )
    (item,) = load_stream(_plain(tmp_path / "s.jsonl", line + "\n"))
    assert item.title == "Flood \ufffd" and item.url == "https://x.com/\ufffd"
    assert item.id == "a\udc80"  # an id is kept as it is: the decisions file escapes it


def test_decisions_that_cannot_be_written_or_would_overwrite_the_data_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _stream(tmp_path)
    before = data.read_bytes()
    for target, message in [
        (data, "is the --data file"),
        (tmp_path / "no" / "such" / "dir.jsonl", "cannot write --decisions"),
    ]:
        parser = argparse.ArgumentParser(prog="storybot")
        add_eval_parser(parser.add_subparsers(dest="command", required=True))
        argv = ["eval", "track", "--data", str(data), "--decisions", str(target)]
        assert run_eval(parser.parse_args(argv)) == 2
        assert message in capsys.readouterr().err
    assert data.read_bytes() == before


def test_cli_reports_a_malformed_stream_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _plain(tmp_path / "s.jsonl", '{"id": "a", "event": "e"}\n{"id": "b", "event": []}\n')
    for command in ("track", "cluster", "dedup"):
        parser = argparse.ArgumentParser(prog="storybot")
        add_eval_parser(parser.add_subparsers(dest="command", required=True))
        assert run_eval(parser.parse_args(["eval", command, "--data", str(data)])) == 2
        err = capsys.readouterr().err
        assert err == (
            f"storybot eval: {data}:2: event is a JSON list; an id or event is a string or "
            "a number\n"
        )


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    assert run_eval(parser.parse_args(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_track_writes_decisions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _stream(tmp_path)
    out = tmp_path / "decisions.jsonl"
    argv = [
        "eval",
        "track",
        "--data",
        str(data),
        "--decisions",
        str(out),
        "--baseline",
        "--window",
        "20",
    ]
    got = _run(argv, capsys)
    assert got["targets"] == 1 and {"p_miss", "p_fa", "c_norm", "seconds", "baseline"} <= set(got)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and set(rows[0]) == {"target", "item", "on_topic", "score"}
    assert got["p_miss"] == 0.0 and got["p_fa"] == 0.0
    got_h = _run(["eval", "track", "--data", str(data), "--headline-only"], capsys)
    assert got_h["targets"] == 1
    argv_s = ["eval", "track", "--data", str(data), "--headline-only-stream", "--baseline"]
    got_s = _run([*argv_s, "--window", "20"], capsys)
    assert got_s["targets"] == 1 and "baseline" in got_s


def test_cli_track_summary_only_and_its_exclusion_of_headline_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _stream(tmp_path)
    got = _run(["eval", "track", "--data", str(data), "--summary-only", "--window", "20"], capsys)
    assert got["targets"] == 1
    argv = ["eval", "track", "--data", str(data), "--summary-only-stream", "--baseline"]
    got_s = _run([*argv, "--window", "20"], capsys)
    assert got_s["targets"] == 1 and "baseline" in got_s
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    both = ["eval", "track", "--data", str(data), "--summary-only", "--headline-only-stream"]
    assert run_eval(parser.parse_args(both)) == 2
    assert "exclude each other" in capsys.readouterr().err


def test_cli_cluster_and_dedup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _stream(tmp_path)
    got = _run(["eval", "cluster", "--data", str(data)], capsys)
    assert {"precision", "recall", "f1", "ari"} <= set(got)
    got = _run(["eval", "dedup", "--data", str(data)], capsys)
    assert {"precision", "recall"} <= set(got)


def _headline_stream(tmp_path: Path) -> Path:
    # a headline-only feed: two events of three reports each, and one re-filed copy
    rows = [
        _row(0, "flood", 1, "River floods Riverton town as heavy rain swamps homes"),
        _row(1, "flood", 2, "Riverton mayor orders evacuation of homes near Elm River"),
        _row(2, "flood", 3, "Flood waters recede in Riverton, leaving mud and debris"),
        _row(3, "fire", 1, "Warehouse fire in Millbrook burns for six hours"),
        _row(4, "fire", 2, "Millbrook warehouse owner Acme Furniture counts the losses"),
        _row(5, "fire", 3, "UPDATE: Warehouse fire in Millbrook burns for six hours"),
    ]
    return _write(tmp_path / "headlines.jsonl.gz", rows)


def test_dedup_on_a_headline_only_stream_measures_headline_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = _run(["eval", "dedup", "--data", str(_headline_stream(tmp_path))], capsys)
    assert got["basis"] == "headlines" and got["events"] == 2
    assert set(got["recall_by_kind"]) == {"outlet_suffix", "filing_label", "restyled", "same_link"}
    # the re-filed fire headline and its original are one report, not a negative pair
    assert got["negatives_skipped_verbatim"] == 2 and got["negatives"] == 4
    assert got["recall"] == 1.0 and got["precision"] == 1.0


def test_clustering_an_empty_stream_measures_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _plain(tmp_path / "s.jsonl", "\n")
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    assert run_eval(parser.parse_args(["eval", "cluster", "--data", str(data)])) == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    assert got["items"] == 0 and got["f1"] is None and got["ari"] is None
    assert "no items, so nothing was measured" in captured.err


def test_dedup_without_a_test_set_measures_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "s.jsonl.gz", [_row(0, "a", 1, "Short"), _row(1, "a", 2, "Brief")])
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    assert run_eval(parser.parse_args(["eval", "dedup", "--data", str(data)])) == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    assert got["basis"] is None and got["precision"] is None and got["recall"] is None
    assert "no test set: no event has two reports with a body of at least 80 words" in (
        captured.err
    )


def test_targets_decided_in_two_processes_give_the_same_figures_and_decisions(
    tmp_path: Path,
) -> None:
    # in a process of its own: forking is for the command's process, not for pytest's
    rows = [
        _row(i, "flood" if i % 2 else "fire", i, f"{FLOOD if i % 2 else FIRE} day {i}")
        for i in range(1, 13)
    ]
    data = _write(tmp_path / "two.jsonl.gz", rows)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"decisions-{jobs}.jsonl"
        argv = ["eval", "track", "--data", str(data), "--window", "20", "--seeds", "2"]
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from adapters.cli import main; sys.exit(main())",
                *argv,
                "--jobs",
                jobs,
                "--decisions",
                str(out),
            ],
            env=code_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        got = json.loads(done.stdout)
        del got["seconds"]
        outputs.append((got, out.read_text()))
    (one, lines_one), (two, lines_two) = outputs
    assert one["targets"] == 2 and one == two
    assert lines_one == lines_two and lines_one


def test_progress_is_told_as_each_target_is_done(tmp_path: Path) -> None:
    from bot.evaluation.baseline import baseline_decider
    from bot.evaluation.tracking import run_tracking

    rows = [
        _row(i, "flood" if i % 2 else "fire", i, f"{FLOOD if i % 2 else FIRE} day {i}")
        for i in range(1, 13)
    ]
    items = load_stream(_write(tmp_path / "two.jsonl.gz", rows))
    targets = build_targets(items, 2, 20)
    calls: list[tuple[int, int]] = []
    result = run_tracking(targets, baseline_decider(items), progress=lambda *a: calls.append(a))
    n = len(targets)
    assert n > 1 and result["targets"] == n
    assert calls == [(k, n) for k in range(1, n + 1)]


def test_the_engine_tells_progress_while_it_reads_the_stream_before_any_target(
    tmp_path: Path,
) -> None:
    # on gva this reading is 15 s before the first target is decided: silent, it looked hung
    from bot.evaluation.tracking import PREPARE_STEP, engine_decider, run_tracking

    rows = [
        _row(i, "flood" if i % 2 else "fire", i // 10, f"{FLOOD if i % 2 else FIRE} day {i}")
        for i in range(1, 251)
    ]
    items = load_stream(_write(tmp_path / "long.jsonl.gz", rows))
    targets = build_targets(items, 2, 20)
    calls: list[tuple[int, int]] = []
    told = run_tracking(
        targets, engine_decider(items, targets, progress=lambda *a: calls.append(a))
    )
    assert calls, "no progress while reading the stream"
    total = calls[-1][1]
    assert calls[-1] == (total, total) and total > 2 * PREPARE_STEP
    before = [(0, total), *calls[:-1]]
    assert all(b[0] - a[0] <= PREPARE_STEP for a, b in zip(before, calls, strict=True))
    assert told == run_tracking(targets, engine_decider(items, targets))  # same figures


def test_clustering_tells_progress_every_hundred_items_and_at_the_end(tmp_path: Path) -> None:
    from bot.evaluation.clustering import evaluate_clustering

    rows = [_row(i, f"e{i % 7}", None, f"{FLOOD} report {i}") for i in range(250)]
    items = load_stream(_write(tmp_path / "many.jsonl.gz", rows))
    calls: list[tuple[int, int]] = []
    result = evaluate_clustering(items, progress=lambda *a: calls.append(a))
    assert result["items"] == 250
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_a_long_run_says_how_far_it_is_every_so_often_and_a_short_one_says_nothing() -> None:
    import io

    from bot.evaluation.cli import Progress

    now = [100.0]
    out = io.StringIO()
    progress = Progress("targets tracked", out=out, clock=lambda: now[0], every_s=10)
    for done, seconds in [(1, 3), (2, 11), (3, 15), (4, 22), (5, 40)]:
        now[0] = 100.0 + seconds
        progress(done, 5)
    assert out.getvalue().splitlines() == [
        "storybot eval: 2 of 5 targets tracked (11 s)",
        "storybot eval: 4 of 5 targets tracked (22 s)",
    ]  # (5 of 5 is the end: the result follows)


def test_a_short_run_is_decided_in_one_process(tmp_path: Path) -> None:
    from bot.evaluation.tracking import default_jobs

    targets = build_targets(load_stream(_stream(tmp_path)), 2, 20)
    assert targets and default_jobs(targets) == 1


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--seeds", "0"], "--seeds: must be 1 or more, not 0"),
        (["--window", "nan"], "--window: must be between 0 and 36500 days, not nan"),
        (["--limit-targets", "x"], "--limit-targets: not a whole number: 'x'"),
    ],
)
def test_cli_refuses_protocol_options_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], fragment: str
) -> None:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["eval", "track", "--data", str(_stream(tmp_path)), *option])
    assert exc.value.code == 2 and fragment in capsys.readouterr().err


def test_a_run_without_targets_measures_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got = _run(["eval", "track", "--data", str(_stream(tmp_path)), "--seeds", "9"], capsys)
    assert got["targets"] == 0 and got["c_norm"] is None and got["p_miss"] is None
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    run_eval(parser.parse_args(["eval", "track", "--data", str(_stream(tmp_path)), "--seeds", "9"]))
    assert "no targets: no event has more than 9 items" in capsys.readouterr().err


# --------------------------------------------------------------------------- real data

needs_data = pytest.mark.skipif(not STREAMS.exists(), reason="shared/evaldata not available")


@needs_data
def test_tracking_slice_beats_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    data = STREAMS / "giveme5w1h.jsonl.gz"
    got = _run(
        ["eval", "track", "--data", str(data), "--limit-targets", "12", "--baseline"], capsys
    )
    assert got["targets"] == 12
    assert got["c_norm"] < got["baseline"]["c_norm"]
    assert got["p_fa"] < 0.01


def _reports_taken(items, target, config) -> set[str]:
    """The headlines one target's story takes with ``config``; none of another event."""
    from bot.evaluation.tracking import engine_decider

    decisions = list(engine_decider(items, [target], config)(target))
    assert not [d for d in decisions if d.on_topic and d.item.event != target.event]
    return {d.item.title for d in decisions if d.on_topic}


@needs_data
def test_a_story_from_one_article_takes_the_reports_a_several_seed_threshold_misses() -> None:
    # giveme5w1h's Nice truck attack followed from its first report alone ("President
    # Obama Briefed On Truck Attack In Nice, France"): Xinhua's "Truck rams into crowd in
    # Nice of France, dozens dead" scores 0.084 against that one article, under the 0.1
    # a centroid of several seeds is held to; the one-seed threshold (0.07) takes it
    from bot.engine.config import EngineConfig

    items = load_stream(STREAMS / "giveme5w1h.jsonl.gz")
    (target,) = [t for t in build_targets(items, 1, 30) if t.event == "g5-68"]
    taken = {
        scale: _reports_taken(items, target, EngineConfig(one_seed_scale=scale))
        for scale in (0.7, 1.0)
    }
    report = "Truck rams into crowd in Nice of France, dozens dead: reports"
    assert report in taken[0.7] and report not in taken[1.0]
    assert taken[1.0] < taken[0.7]


@needs_data
def test_a_summary_that_nearly_passes_under_a_headline_naming_the_story_is_taken() -> None:
    # giveme5w1h's Panama Papers followed from four full articles on a feed that sends
    # summaries: AFP's "African leaders' relatives named in Panama Papers" summary scores
    # 0.087 against the articles (0.1 needed), its headline 0.20 (0.3 takes an item on its
    # headline alone); the headline rescue (0.8 of the threshold, headline 0.2) takes it
    from bot.engine.config import EngineConfig

    data = STREAMS / "giveme5w1h.jsonl.gz"
    items = load_stream(data, summary_only=True)
    targets = with_full_seeds(build_targets(items, 4, 30), load_stream(data))
    (target,) = [t for t in targets if t.event == "g5-65"]
    taken = {
        rescue: _reports_taken(items, target, EngineConfig(headline_rescue=rescue))
        for rescue in (0.2, 0.0)
    }
    report = "African leaders' relatives named in Panama Papers"
    assert report in taken[0.2] and report not in taken[0.0]
    assert taken[0.0] < taken[0.2]


@needs_data
def test_dedup_on_real_articles_is_precise(capsys: pytest.CaptureFixture[str]) -> None:
    got = _run(
        ["eval", "dedup", "--data", str(STREAMS / "giveme5w1h_developments.jsonl.gz")], capsys
    )
    assert got["recall"] >= 0.95
    assert got["precision"] >= 0.95


@needs_data
def test_dedup_of_articles_without_headlines_builds_no_headline_only_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A stream whose items have no title (a body-only corpus): a "headline-only copy" of
    # such an article would be an empty entry, counted as a copy nothing could find
    # (giveme5w1h without titles: recall 0.83, every such copy missed).
    source = STREAMS / "giveme5w1h_developments.jsonl.gz"
    rows = [{**json.loads(line), "title": None} for line in gzip.open(source, "rt")]
    got = _run(["eval", "dedup", "--data", str(_write(tmp_path / "t.jsonl.gz", rows))], capsys)
    assert got["basis"] == "articles" and got["positives"] > 0
    assert "headline_only" not in got["recall_by_kind"]
    assert got["recall"] >= 0.95


@needs_data
def test_dedup_measures_an_event_bigger_than_the_cap_on_a_sample_of_its_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # each report is compared with each other one of its event: a stream whose events
    # hold thousands of reports took hours (gva relabelled into 6 events: over 8 minutes)
    from bot.evaluation.dedup import MAX_EVENT_REPORTS

    source = STREAMS / "giveme5w1h.jsonl.gz"
    rows = [json.loads(line) for line in gzip.open(source, "rt")]
    long = [r for r in rows if len((r.get("content") or "").split()) >= 200]
    big = [{**r, "event": "one-big-event"} for r in long[: MAX_EVENT_REPORTS + 25]]
    assert len(big) == MAX_EVENT_REPORTS + 25
    got = _run(["eval", "dedup", "--data", str(_write(tmp_path / "t.jsonl.gz", big))], capsys)
    assert got["events"] == 1
    assert got["negatives"] + got["negatives_skipped_verbatim"] == MAX_EVENT_REPORTS
    assert got["positives"] > 0 and got["recall"] >= 0.95


@pytest.mark.slow
@needs_data
def test_gva_full_run_meets_the_time_budget(capsys: pytest.CaptureFixture[str]) -> None:
    got = _run(["eval", "track", "--data", str(STREAMS / "gva.jsonl.gz"), "--baseline"], capsys)
    assert got["targets"] == 70
    assert got["seconds"] < 120
    assert got["c_norm"] < got["baseline"]["c_norm"]


# ------------------------------------------------------------------ developments


_FLOOD_BODY = (
    "Floodwater from the Elm River swamped {n} homes in Riverton on Monday, and Mayor Jane "
    "Cole ordered families on Mill Street and Bank Road to leave. Sandbag crews worked "
    "through the night while the county opened a shelter at Riverton High School. {x}"
)
_FLOOD_EXTRA = (
    "Rain gauges recorded four inches overnight.",
    "The shelter took in eighty people.",
    "Power was cut to the east side.",
    "Roads into the town were closed.",
)


def _developments_stream(tmp_path: Path) -> Path:
    """Four seed reports of a flood, then: a copy of the first seed under an outlet suffix,
    another outlet's report of the same flood (no copy), a report of a new turn labelled as
    an event of its own (disaster aid), and six unrelated fire reports."""
    title = "Elm River floods Riverton homes, mayor orders families out ({})"
    rows = [
        _row(i, "flood", i + 1, title.format(i), _FLOOD_BODY.format(n=100 + i, x=_FLOOD_EXTRA[i]))
        for i in range(4)
    ]
    first = _FLOOD_BODY.format(n=100, x=_FLOOD_EXTRA[0])
    rows.append(_row(4, "flood", 5, title.format(0) + " - Daily Courier", first))
    rows.append(
        _row(
            5,
            "flood",
            5,
            "Riverton families wait in shelter as Elm River stays high",
            "Families forced out of Riverton homes by the Elm River flood spent a second night "
            "at the shelter at Riverton High School, Mayor Jane Cole said, as sandbag crews on "
            "Mill Street and Bank Road kept working. The river stayed high on Tuesday.",
        )
    )
    rows.extend(
        _row(
            i,
            f"fire{i}",
            6,
            f"Warehouse fire in Millbrook destroys furniture stock {i}",
            f"Firefighters in Millbrook fought the blaze at a warehouse owned by Acme Furniture "
            f"for {i} hours.",
        )
        for i in range(7, 13)
    )
    rows.append(
        _row(
            6,
            "flood-aid",
            9,
            "Governor approves disaster aid for Riverton flood victims",
            "Governor Alan Marsh signed a disaster declaration on Friday releasing twelve "
            "million dollars in state grants for Riverton households whose homes the Elm River "
            "flood damaged; applications open at the county courthouse next week, and insurers "
            "must answer claims within thirty days.",
        )
    )
    return _write(tmp_path / "developments.jsonl.gz", rows)


def test_track_counts_where_the_taken_items_went_among_the_storys_developments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _developments_stream(tmp_path)
    out = tmp_path / "decisions.jsonl"
    got = _run(
        ["eval", "track", "--data", str(data), "--decisions", str(out), "--baseline"], capsys
    )
    taken = {r["item"] for r in map(json.loads, out.read_text().splitlines()) if r["on_topic"]}
    # the copy (x4), the other outlet's report (x5) and the new turn (x6) are taken ...
    assert taken == {"x4", "x5", "x6"}
    devs = got["developments"]
    # ... and the copy is no report of its own: it joins its original and never alerts
    assert devs["reports"] == 1 and devs["others"] == 1
    # the new turn, news the seeds do not hold, opened a development of its own
    assert devs["new_on_others"] == 1 and devs["other_new_rate"] == 1.0
    assert devs["report_new_rate"] == devs["new_on_reports"]
    # the decision lines keep the protocol's format; the baseline has no developments
    assert set(json.loads(out.read_text().splitlines()[0])) == {
        "target",
        "item",
        "on_topic",
        "score",
    }
    assert "developments" not in got["baseline"]


def test_another_outlets_report_of_the_seed_event_opens_no_development(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # every name it shares with the seeds is in all four of them, so within-story weights
    # leave it little but its own details; its lead (headline and first sentence) retells
    # the seeds' (story_dev_lead_threshold)
    got = _run(["eval", "track", "--data", str(_developments_stream(tmp_path))], capsys)
    assert got["developments"]["new_on_reports"] == 0


def test_development_figures_leave_out_copies_and_are_none_for_a_system_without_them() -> None:
    from bot.evaluation.data import StreamItem, Target
    from bot.evaluation.metrics import DevelopmentCounts
    from bot.evaluation.tracking import Decision, _track_one

    def item(i: int, event: str) -> StreamItem:
        return StreamItem(i, f"x{i}", event, f"t{i}", "", "", None, None, "s")

    target = Target("a", (item(0, "a"),), (item(1, "a"), item(2, "a"), item(3, "b"), item(4, "b")))
    placed = [
        Decision(target.stream[0], True, 0.9, "copy"),
        Decision(target.stream[1], True, 0.5, "new"),
        Decision(target.stream[2], True, 0.3, "new"),
        Decision(target.stream[3], False, 0.0),
    ]
    counts, _ = _track_one(target, lambda t: placed, False)
    assert counts.developments == DevelopmentCounts(1, 1, 1, 1)
    plain = [Decision(d.item, d.on_topic, d.score) for d in placed]
    counts, _ = _track_one(target, lambda t: plain, False)
    assert counts.developments is None and (counts.on_topic, counts.missed) == (2, 0)


def test_the_engine_keeps_the_analyses_of_the_items_a_target_judges_and_no_other(
    tmp_path: Path,
) -> None:
    from bot.engine import Engine
    from bot.evaluation.tracking import AnalysisCache, engine_decider

    items = load_stream(_stream(tmp_path))
    targets = build_targets(items, 4, 20)
    judged = {it.index for t in targets for it in t.stream}
    # the undated chess item and the first seeds are read for the statistics only
    assert judged and len(judged) < len(items)
    cache = AnalysisCache(Engine())
    decide = engine_decider(items, targets, cache=cache)
    assert {it.index for it in items if it in cache} == judged
    decided = [d for t in targets for d in decide(t)]
    assert len(decided) == len(judged) and len(cache) == len(judged)


def test_the_analysis_cache_gives_back_the_analysis_it_computed_term_order_included(
    tmp_path: Path,
) -> None:
    # it keeps each analysis packed (arrays, no unit vector): unpacked, it must be the same
    # analysis in every respect a decision may read, the vectors' term order too
    from bot.engine import Engine
    from bot.evaluation.tracking import AnalysisCache, engine_doc

    items = load_stream(_stream(tmp_path))
    engine = Engine()
    cache = AnalysisCache(engine)
    headline_only = items[-1]  # no body: its headline's vector is its whole vector
    for item in items:
        first = cache.get(item)[1]
        doc, again = cache.get(item)
        fresh = engine.analyse(engine_doc(item))
        assert doc == engine_doc(item) and again == first == fresh
        for a in (first, again):
            assert [list(v.items()) for v in (a.tf, a.unit, a.title_tf)] == [
                list(v.items()) for v in (fresh.tf, fresh.unit, fresh.title_tf)
            ]
            assert (a.title_tf is a.tf) == fresh.headline_only
    assert cache.get(headline_only)[1].headline_only


@needs_data
def test_an_admin_correcting_wrong_alerts_cuts_the_false_alarms_after_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # giveme5w1h_developments: its false alarms are development-level siblings of the
    # targets ("tram" and "tram victims"), the kind a correction should hold back
    data = str(STREAMS / "giveme5w1h_developments.jsonl.gz")
    plain = _run(["eval", "track", "--data", data], capsys)
    corrected = _run(["eval", "track", "--data", data, "--feedback", "alerts"], capsys)
    assert corrected["feedback"] == "alerts" and "feedback" not in plain
    assert corrected["p_fa"] < 0.8 * plain["p_fa"]
    assert corrected["p_miss"] <= plain["p_miss"]
