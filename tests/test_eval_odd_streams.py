"""Odd but readable streams, and unreadable ones, through every ``eval`` command.

The harness will be run on labelled streams nobody here has seen: each case must either
measure and print its JSON, or exit 2 with one line naming the file, the line and what is
wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import StreamError, load_stream

COMMANDS = ("track", "cluster", "dedup", "summary")


def _eval(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    return run_eval(parser.parse_args(["eval", *argv]))


def _lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


GOOD = '{"id": "a", "event": "e", "title": "Flood in Riverton"}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"id": ' + "9" * 5000 + ', "event": "e", "title": "t"}',
            ":2: a JSON line that cannot be read (a number of more than 4300 digits)",
        ),
        (  # json refuses 1,000 levels on Python 3.11 and takes 9,000 on 3.13: 100,000 on none
            '{"id": "b", "event": "e", "title": ' + "[" * 100_000 + "]" * 100_000 + "}",
            ":2: a JSON line that cannot be read (arrays or objects nested too deeply)",
        ),
    ],
    ids=["integer-of-5000-digits", "nested-100000-deep"],
)
def test_json_that_python_cannot_hold_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    # valid JSON both, which json.loads refuses with ValueError and RecursionError: it
    # was a traceback (exit 1)
    data = _lines(tmp_path / "s.jsonl", GOOD, line)
    for command in COMMANDS:
        assert _eval([command, "--data", str(data)]) == 2
        err = capsys.readouterr().err
        assert err == f"storybot eval: {data}{message}\n"


def test_text_nested_hundreds_of_lists_deep_is_missing_with_a_warning(tmp_path: Path) -> None:
    # the JSON reader takes 500 nested lists; reading them as paragraphs recursed past the
    # stack's limit (a RecursionError traceback)
    deep = "[" * 500 + '"Flood"' + "]" * 500
    data = _lines(tmp_path / "s.jsonl", GOOD, '{"id": "b", "event": "e", "title": ' + deep + "}")
    warnings: list[str] = []
    items = load_stream(data, warn=warnings.append)
    assert [it.title for it in items] == ["Flood in Riverton", ""]
    assert len(warnings) == 1
    assert (
        "1 item(s) with a title that is not text (first: line 2: a JSON list nested"
        in (warnings[0])
    )
    # paragraphs in lists and text constructs a few levels deep are still text
    shallow = '[{"type": "text/html", "value": [["<p>Flood</p>", "in Riverton"]]}]'
    data = _lines(tmp_path / "t.jsonl", '{"id": "c", "event": "e", "content": ' + shallow + "}")
    (item,) = load_stream(data, warn=pytest.fail)
    assert item.content.split() == ["Flood", "in", "Riverton"]


def test_a_malformed_line_still_raises_stream_error(tmp_path: Path) -> None:
    data = _lines(tmp_path / "s.jsonl", GOOD, "{not json")
    with pytest.raises(StreamError, match=r"s\.jsonl:2: not a JSON object"):
        load_stream(data)


# --------------------------------------------------------------------------- unspaced scripts

# Sentences of two events, in Chinese (no spaces between words): a typhoon reaching
# Shanghai and a car show in Beijing. Each report is three of its event's sentences.
_TYPHOON = (
    "今年第十三号台风贝碧嘉于周一早晨在上海浦东登陆，这是七十多年来登陆上海的最强台风。",
    "上海市政府停运部分地铁线路，浦东机场取消数百架航班，数十万居民被紧急转移。",
    "受台风贝碧嘉影响，上海浦东和虹桥两大机场取消大量航班，部分地铁线路停运。",
    "气象部门发布红色预警，提醒市民减少外出，台风贝碧嘉带来的暴雨仍在持续。",
    "台风贝碧嘉离开后，上海周二恢复全部地铁线路运营，浦东机场航班逐步恢复。",
    "市政府表示，台风贝碧嘉造成上海部分树木倒伏，没有人员死亡。",
)
_CAR_SHOW = (
    "国际汽车展览会在北京开幕，多家电动汽车厂商发布新车型，吸引大批观众参观。",
    "北京车展今年共有一千多辆汽车参展，其中电动汽车占一半以上。",
    "多家外国汽车厂商在北京车展上发布专为中国市场设计的电动汽车。",
    "北京车展的组织者说，开幕首日的观众人数创下历史新高。",
    "分析人士认为，电动汽车价格下降是北京车展上最受关注的话题。",
    "北京车展将持续十天，预计接待观众超过八十万人次。",
)


def _chinese_stream(path: Path) -> Path:
    rows = []
    for event, sentences in (("typhoon", _TYPHOON), ("cars", _CAR_SHOW)):
        for k in range(6):
            body = "".join(sentences[(k + j) % 6] for j in range(3))
            rows.append(
                {
                    "id": f"{event}-{k}",
                    "event": event,
                    "title": sentences[k][:14],
                    "summary": sentences[(k + 1) % 6],
                    "content": body,
                    "url": f"https://zh.example.com/{event}/{k}",
                    "published": f"2024-09-{16 + k:02d}T0{k}:00:00Z",
                    "source": "zh.example.com",
                }
            )
    rows.sort(key=lambda r: r["published"])
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_a_chinese_stream_is_measured_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # words were counted between spaces, which Chinese has none of: a 120-character
    # article was one word, so dedup built no test set ("no event has two reports with
    # a body of at least 80 words") and summary found no abstract, and ROUGE compared
    # whole sentences as single words
    data = _chinese_stream(tmp_path / "zh.jsonl")
    results = {}
    for command in COMMANDS:
        assert _eval([command, "--data", str(data)]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        results[command] = json.loads(out)
    assert results["track"]["targets"] == 2 and results["track"]["c_norm"] is not None
    assert results["cluster"]["items"] == 12 and results["cluster"]["f1"] > 0.5
    assert results["dedup"]["basis"] == "articles" and results["dedup"]["events"] == 2
    assert results["dedup"]["recall"] > 0.5
    summary = results["summary"]
    assert summary["events"] == 2 and summary["references"]["event"] == 12
    # ROUGE on characters, as it is taken on Chinese: the summaries share the abstracts'
    # sentences, which a whole sentence counted as one word hid
    for system in ("storybot", "lead", "lead_each"):
        assert summary["event"][system]["rouge2_recall"] > 0.2


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf_16_stream_without_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    # it was refused as "line 1: not a JSON object (Expecting property name ...)"
    text = GOOD + "\n" + '{"id": "b", "event": "e", "title": "Überflutung in Köln"}\n'
    data = tmp_path / "s.jsonl"
    data.write_bytes(text.encode(encoding))
    items = load_stream(data, warn=pytest.fail)
    assert [it.title for it in items] == ["Flood in Riverton", "Überflutung in Köln"]
