"""``storybot eval summary``: summaries measured against the reports' own abstracts."""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

import pytest

from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import load_stream
from bot.evaluation.summaries import (
    MAX_REFERENCES,
    _Scores,
    evaluate_summaries,
    novel_recall,
    rouge_n,
)
from tests.shared_data import EVALDATA

STREAMS = EVALDATA / "streams"


def test_rouge_counts_shared_words_and_word_pairs() -> None:
    # 2 of the reference's 3 words and 1 of its 2 word pairs; the summary has 3 and 2
    assert rouge_n("The cat sat", "the cat ran", 1) == pytest.approx((2 / 3, 2 / 3))
    assert rouge_n("The cat sat", "the cat ran", 2) == pytest.approx((1 / 2, 1 / 2))
    # clipped: a word the reference has once counts once however often it is repeated
    assert rouge_n("cat cat cat", "cat dog", 1)[0] == pytest.approx(1 / 2)
    assert rouge_n("", "cat", 1) == (0.0, 0.0)


def test_novel_recall_counts_only_what_the_known_text_lacks() -> None:
    known = "Floods hit Riverton"
    reference = "Floods hit Riverton and the mayor opened a shelter"
    # new words: and, the, mayor, opened, a, shelter (6); the summary holds mayor, shelter
    assert novel_recall("Mayor visits shelter", reference, known, 1) == pytest.approx(2 / 6)
    assert novel_recall("anything", "Floods hit Riverton", known, 1) is None


def _row(i: int, event: str, day: int, title: str, body: str, abstract: str | None) -> dict:
    return {
        "id": f"x{i}",
        "event": event,
        "title": title,
        "summary": abstract,
        "content": body,
        "url": f"https://example.com/{i}",
        "published": f"2020-01-{day:02d}T00:00:00Z",
        "source": f"outlet{i}.com",
    }


def _write(path: Path, rows: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


def _lead(i: int) -> str:
    return f"Report number {i} opens with words no other report of the flood uses, zeta{i}."


def _flood_reports(n: int) -> list[dict]:
    """``n`` reports of one flood, each with its own first sentence as its abstract."""
    return [
        _row(
            i,
            "flood",
            i + 1,
            f"Riverton flood day {i}",
            f"{_lead(i)} The Elm River flooded homes in Riverton, Mayor Jane Cole said on Monday.",
            _lead(i),
        )
        for i in range(n)
    ]


def test_a_reports_abstract_is_never_compared_with_its_own_sentences(tmp_path: Path) -> None:
    # Each report's abstract is its own first sentence, found in no other report: were the
    # report left in its own summary, the lead baseline (the earliest report's opening)
    # would hold the first report's abstract whole.
    rows = _flood_reports(4)
    got = evaluate_summaries(load_stream(_write(tmp_path / "s.jsonl.gz", rows)))
    assert got["references"]["event"] == 4 and got["events"] == 1
    for system in ("storybot", "lead", "lead_each"):
        # of an abstract's 14 words the other reports hold 12 ("report number ... opens
        # with words ..."), never its number and "zeta{i}"; with its own report in the
        # pool, a summary could hold all 14
        assert got["event"][system]["rouge1_recall"] <= 12 / 14 + 1e-9


def test_the_update_task_scores_what_the_abstracts_add_to_the_seed_story(tmp_path: Path) -> None:
    seed_body = (
        "Heavy rain flooded homes along the Elm River in Riverton on Monday. "
        "Mayor Jane Cole said families near the river had left their homes. "
        "Forecasters expect the water to stay high in the town until the weekend."
    )
    rows = [_row(i, "flood", i + 1, f"Riverton flood {i}", seed_body, None) for i in range(4)]
    new = "The county opened a relief fund of two million dollars for flooded shop owners."
    for i in range(4, 8):
        body = f"{seed_body} {new} Volunteers from Millbrook joined the clean-up on day {i}."
        rows.append(_row(i, "flood", i + 1, f"Riverton relief fund {i}", body, new))
    got = evaluate_summaries(load_stream(_write(tmp_path / "s.jsonl.gz", rows)), seeds=4)
    # the four later reports are the development; the seeds are not references
    assert got["references"]["update"] == 4
    ours, lead = got["update"]["storybot"], got["update"]["lead"]
    # what the abstracts add to the seeds is the relief fund: the update summary says it,
    # while the earliest later report opens by restating the seeds
    assert ours["novel_rouge2_recall"] == pytest.approx(1.0)
    assert lead["novel_rouge2_recall"] == 0.0


def test_an_event_with_more_references_than_the_cap_is_measured_on_a_sample(
    tmp_path: Path,
) -> None:
    # each reference is summarised from all its event's other reports: one event of
    # giveme5w1h's 383 reports took 131 s, thousands would take hours
    body = "The Elm River flooded homes in Riverton, Mayor Jane Cole said on Monday."
    rows = [
        _row(i, "flood", 1 + i % 28, f"Riverton flood {i}", f"{_lead(i)} {body}", _lead(i))
        for i in range(MAX_REFERENCES + 20)
    ]
    data = load_stream(_write(tmp_path / "s.jsonl.gz", rows))
    got = evaluate_summaries(data, seeds=4)
    assert got["events"] == 1
    assert got["references"] == {"event": MAX_REFERENCES, "update": MAX_REFERENCES}
    # the sample is drawn by its own seed: the same figures every run
    assert evaluate_summaries(data, seeds=4) == got


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    assert run_eval(parser.parse_args(argv)) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_a_stream_without_abstracts_measures_nothing_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "A long enough body about the Riverton flood and the Elm River homes it reached."
    rows = [_row(i, "flood", i + 1, "Riverton flood", body, None) for i in range(4)]
    got, err = _run(
        ["eval", "summary", "--data", str(_write(tmp_path / "s.jsonl.gz", rows))], capsys
    )
    assert got["events"] == 0 and got["event"]["storybot"]["rouge1_recall"] is None
    assert "no references" in err


@pytest.mark.skipif(not STREAMS.exists(), reason="shared/evaldata not available")
def test_summaries_of_real_events_hold_more_of_the_abstracts_than_the_lead(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = STREAMS / "giveme5w1h_developments.jsonl.gz"
    got, _ = _run(["eval", "summary", "--data", str(data)], capsys)
    assert got["references"]["event"] > 100 and got["references"]["update"] > 40
    ours, lead = got["event"]["storybot"], got["event"]["lead"]
    # at equal length too (every summary cut to 60 words)
    assert ours["rouge2_recall_60_words"] > lead["rouge2_recall_60_words"]
    assert ours["rouge1_recall_60_words"] > lead["rouge1_recall_60_words"]


def test_a_summary_without_spaces_is_capped_at_sixty_of_its_rouge_words() -> None:
    # 114 Chinese characters, no space: cut at spaces, the "first 60 words" were all of it
    reference = "北京市政府宣布新的交通规则将于明年一月一日起实施以减少空气污染和交通拥堵问题" * 3
    scores = _Scores(60, update=False)
    scores.add(reference, reference, None)
    figures = scores.figures()
    assert figures["rouge1_recall"] == 1.0
    assert figures["rouge1_recall_60_words"] == pytest.approx(60 / 114, abs=1e-4)


def test_a_summary_with_spaces_is_capped_at_its_spaces() -> None:
    reference = " ".join(f"w{i}" for i in range(100))
    scores = _Scores(60, update=False)
    scores.add(reference, reference, None)
    assert scores.figures()["rouge1_recall_60_words"] == 0.6


def test_the_summary_run_tells_how_many_items_it_has_read(tmp_path: Path) -> None:
    # the stream is read (each item analysed) up to the last report measured: on a long
    # stream that takes minutes, so it is told as track and cluster tell theirs
    rows = _flood_reports(4)
    rows.append(_row(9, "other", 9, "Late fire in Millbrook", "A shed burned down.", None))
    told: list[tuple[int, int]] = []
    evaluate_summaries(
        load_stream(_write(tmp_path / "s.jsonl.gz", rows)),
        progress=lambda done, total: told.append((done, total)),
    )
    # read up to the flood's last report, not the later item no event measured needs
    assert told == [(4, 4)]
