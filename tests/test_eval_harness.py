"""The evaluation harness: metrics, protocol, CLI, and a run on a slice of a real stream."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import StreamError, build_targets, load_stream, with_full_seeds
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


def test_headline_only_drops_bodies(tmp_path: Path) -> None:
    items = load_stream(_stream(tmp_path), headline_only=True)
    assert all(it.text == "" for it in items)


def test_headline_only_stream_keeps_the_seeds_text(tmp_path: Path) -> None:
    path = _stream(tmp_path)
    items = load_stream(path, headline_only=True)
    (target,) = with_full_seeds(build_targets(items, 4, 20), load_stream(path))
    assert all(s.text for s in target.seeds)
    assert all(it.text == "" for it in target.stream)


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
        ('{"id": "a", "title": "t"}\n', "s.jsonl:1: no event"),
        ('{"event": "e"}\n', "s.jsonl:1: no id"),
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


def test_cli_reports_a_malformed_stream_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _plain(tmp_path / "s.jsonl", '{"id": "a"}\n')
    for command in ("track", "cluster", "dedup"):
        parser = argparse.ArgumentParser(prog="storybot")
        add_eval_parser(parser.add_subparsers(dest="command", required=True))
        assert run_eval(parser.parse_args(["eval", command, "--data", str(data)])) == 2
        err = capsys.readouterr().err
        assert err == f"storybot eval: {data}:1: no event\n"


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


@needs_data
def test_dedup_on_real_articles_is_precise(capsys: pytest.CaptureFixture[str]) -> None:
    got = _run(
        ["eval", "dedup", "--data", str(STREAMS / "giveme5w1h_developments.jsonl.gz")], capsys
    )
    assert got["recall"] >= 0.95
    assert got["precision"] >= 0.95


@pytest.mark.slow
@needs_data
def test_gva_full_run_meets_the_time_budget(capsys: pytest.CaptureFixture[str]) -> None:
    got = _run(["eval", "track", "--data", str(STREAMS / "gva.jsonl.gz"), "--baseline"], capsys)
    assert got["targets"] == 70
    assert got["seconds"] < 120
    assert got["c_norm"] < got["baseline"]["c_norm"]
