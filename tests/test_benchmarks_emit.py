"""The benchmarks' last line is one strict JSON object, whatever their figures hold."""

from __future__ import annotations

import json

import pytest

from benchmarks.common import emit


def test_a_figure_with_nothing_measured_is_null_not_nan(capsys: pytest.CaptureFixture[str]):
    # a percentile of no samples is NaN: json.dumps wrote it as NaN, which strict JSON
    # readers (jq, JavaScript, most languages' parsers) refuse
    emit({"p50_ms": float("nan"), "runs": [{"max": float("inf")}, 1.5], "n": 3})
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(line, parse_constant=pytest.fail) == {
        "n": 3,
        "p50_ms": None,
        "runs": [{"max": None}, 1.5],
    }
