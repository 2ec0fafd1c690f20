"""Retired developments and their revival when a whole stream is clustered into events."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.engine import EngineConfig
from bot.engine.archive import RetiredIndex, add_marks
from bot.engine.developments import DevelopmentTracker
from bot.engine.outlets import OutletMemory
from bot.engine.termstats import DocFreq

T0 = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Dev:
    number: int
    last: datetime
    marks: dict[str, int] = field(default_factory=dict)


def _df() -> DocFreq:
    df = DocFreq()
    for i in range(40):
        df.add([f"filler{i}", "police", "shot"])
    return df


def test_add_marks_counts_items_and_keeps_the_most_frequent() -> None:
    marks = add_marks({}, ["smith", "elm", "smith"])  # an item's marks count once
    assert marks == {"smith": 1, "elm": 1}
    marks = add_marks(marks, ["smith"])
    assert marks == {"smith": 2, "elm": 1}
    many = add_marks({"smith": 1} | {f"m{i:03d}": 1 for i in range(100)}, ["smith"])
    assert len(many) == 60 and many["smith"] == 2 and "m000" in many and "m099" not in many


def test_retired_index_finds_by_shared_marks_and_forgets_by_size_and_age() -> None:
    index = RetiredIndex(max_size=2, max_age_days=30)
    index.add(Dev(1, T0, {"smith": 1, "elm": 1, "17": 1}))
    index.add(Dev(2, T0, {"jones": 1, "oak": 1}))
    index.add(Dev(3, T0, {}))  # nothing to recognise it by: not kept
    assert [d.number for d in index] == [1, 2]
    soon = T0 + timedelta(days=5)
    assert [d.number for d in index.candidates(["smith", "elm"], soon, 2)] == [1]
    assert index.candidates(["smith", "oak"], soon, 2) == []
    index.add(Dev(4, T0 + timedelta(days=20), {"smith": 1, "elm": 1}))  # pushes out 1
    assert [d.number for d in index] == [2, 4]
    assert [d.number for d in index.candidates(["smith", "elm"], soon, 2)] == [4]
    # 40 days after development 2's last item: too old, forgotten; 4 is 20 days old
    later = T0 + timedelta(days=40)
    assert [d.number for d in index.candidates(["smith", "elm", "oak"], later, 1)] == [4]
    assert [d.number for d in index] == [4]
    assert index.pop(4).number == 4 and len(index) == 0


# two shootings in one town: the town and "shot" are shared, the names are not
SMITH = {"millbrook": 0.4, "shooting": 0.4, "smith": 0.5, "elm": 0.4, "john_smith": 0.5}
SMITH_LATER = {"smith": 0.5, "john_smith": 0.5, "elm": 0.3, "charged": 0.5, "murder": 0.4}
JONES = {"millbrook": 0.4, "shooting": 0.4, "jones": 0.5, "oak": 0.4, "ann_jones": 0.5}


def _tracker(**overrides: float) -> DevelopmentTracker:
    cfg = dataclasses.replace(EngineConfig(), max_developments=2, **overrides)
    tr = DevelopmentTracker(cfg)
    # development 0 (a story's seeds) never retires; take it with an unrelated item
    tr.open({"unrelated": 1.0}, T0 - timedelta(days=1), "unrelated", DocFreq())
    return tr


def _fill(tr: DevelopmentTracker, df: DocFreq, start: datetime, n: int) -> None:
    # unrelated events that push the older developments out of the active set
    for i in range(n):
        vec = {f"other{i}": 0.7, f"place{i}": 0.7}
        tr.assign(vec, vec, start + timedelta(hours=i), f"other {i}", df, [f"place{i}"])


def test_a_late_report_revives_its_retired_event_by_its_marks() -> None:
    df = _df()
    tr = _tracker()
    first, _, _ = tr.assign(SMITH, SMITH, T0, "man shot", df, ["smith", "elm", "john_smith"])
    _fill(tr, df, T0 + timedelta(days=1), 3)
    assert first.number not in tr.clusters and len(tr.archive) == 3
    later = T0 + timedelta(days=20)
    marks = ["smith", "john_smith", "elm"]
    c, new, reason = tr.assign(SMITH_LATER, SMITH_LATER, later, "charged", df, marks)
    assert not new and c is first and reason["revived"] and first.count == 2
    assert first.number in tr.clusters and len(tr.clusters) == 2


def test_revival_needs_enough_shared_marks_and_a_recent_event() -> None:
    df = _df()
    marks = ["smith", "john_smith", "elm"]
    # the same report without its marks (say its outlet prints these names everywhere)
    tr = _tracker()
    tr.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(tr, df, T0 + timedelta(days=1), 3)
    _, new, _ = tr.assign(SMITH_LATER, SMITH_LATER, T0 + timedelta(days=20), "x", df, ["elm"])
    assert new
    # another shooting in the same town shares no mark: never revives the first
    tr = _tracker()
    tr.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(tr, df, T0 + timedelta(days=1), 3)
    _, new, _ = tr.assign(JONES, JONES, T0 + timedelta(days=2), "woman shot", df, ["jones"])
    assert new
    # the event has been silent for longer than dev_archive_days
    tr = _tracker(dev_archive_days=10)
    tr.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(tr, df, T0 + timedelta(days=1), 3)
    _, new, _ = tr.assign(SMITH_LATER, SMITH_LATER, T0 + timedelta(days=20), "x", df, marks)
    assert new
    # no archive
    tr = _tracker(dev_archive_size=0)
    tr.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(tr, df, T0 + timedelta(days=1), 3)
    _, new, _ = tr.assign(SMITH_LATER, SMITH_LATER, T0 + timedelta(days=20), "x", df, marks)
    assert new and len(tr.archive) == 0


def test_inside_a_story_retired_developments_stay_retired() -> None:
    df = _df()
    cfg = dataclasses.replace(EngineConfig(), max_developments=2)
    story = DevelopmentTracker(cfg, within_story=True)
    story.open({"seed": 1.0}, T0, "seeds", df)
    marks = ["smith", "john_smith", "elm"]
    story.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(story, df, T0 + timedelta(hours=1), 3)
    assert len(story.archive) == 0
    state = story.to_state()
    assert "retired" not in state and all("marks" not in c for c in state["clusters"])


def test_archive_and_marks_survive_a_state_round_trip() -> None:
    df = _df()
    tr = _tracker()
    marks = ["smith", "john_smith", "elm"]
    first, _, _ = tr.assign(SMITH, SMITH, T0, "man shot", df, marks)
    _fill(tr, df, T0 + timedelta(days=1), 3)
    again = DevelopmentTracker.from_state(tr.to_state(), tr.config)
    assert again.to_state() == tr.to_state()
    c, new, _ = again.assign(SMITH_LATER, SMITH_LATER, T0 + timedelta(days=20), "x", df, marks)
    assert not new and c.number == first.number


def test_outlet_marks_are_phrases_the_outlet_does_not_print_habitually() -> None:
    mem = OutletMemory(EngineConfig())
    ents = ["wxyz_detroit", "detroit", "john_smith", "17", "elm_street"]
    phrases = ["elm_street", "john_smith", "wxyz_detroit"]
    assert mem.marks("wxyz.example", ents) == phrases  # unknown outlet: every phrase
    mem.add("wxyz.example", "first", ["wxyz_detroit", "detroit", "ann_jones"])
    # printed once before: a follow-up of the outlet's own report keeps its names
    assert mem.marks("wxyz.example", ents) == phrases
    mem.add("wxyz.example", "second", ["wxyz_detroit", "detroit", "bob_brown"])
    assert mem.marks("wxyz.example", ents) == ["elm_street", "john_smith"]
    assert mem.marks("other.example", ents) == phrases
