"""The ages of the children a headline names: who a crime or accident report is about.

Local news tells many stories of one kind in words of that kind ("2-year-old girl shot,
in critical condition"), and a headline is too short to name the town. What often tells
two of them apart is the age of the child at their centre: "4-year-old girl injured in
drive-by shooting" is not the story of the 2-year-old shot in Detroit, however many words
the two headlines share. :func:`child_ages` reads those ages; a story keeps the ones its
seeds' and reports' headlines gave (:class:`bot.engine.story_state.StoryState`), and a
headline-only item that names only other children's ages is held to a higher score
(``EngineConfig.age_zone``). An item with a body is judged on its body, which names the
town and the people.

Only children's ages are read (under 18): an adult's age in a headline is as often the
suspect's as the victim's ("Man, 23, arrested in shooting death of 1-year-old"), while a
child's is nearly always the victim's. Months and weeks are their own ages ("9-month-old"
is not "9-year-old"). Ages are read in English only; a headline in another language names
none, and the rule then does not apply.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# ages written in words, as headlines write small ones ("Two-year-old shot in crossfire")
_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
}
_NUMBER = r"(\d{1,2}|" + "|".join(_WORDS) + r")"
# "2-year-old", "2 year old", "2-year old", "9-month-old", "2-yr-old", "two-year-old"
_AGED = re.compile(
    rf"\b{_NUMBER}[- ](year|yr|month|week)s?[- ]old\b",
    re.IGNORECASE,
)
# "girl, 5", "boy 13", "toddler, 2", "girls, 7 and 5": a child and then an age
_CHILD_THEN_AGE = re.compile(
    r"\b(?:girl|boy|toddler|child|baby|infant|kid|son|daughter|teen|teenager)s?,? (\d{1,2})"
    r"(?:,? (?:and|&) (\d{1,2}))?\b"
    r"(?![-/.:]?\d)(?![- ](?:year|yr|month|week|day|hour|minute|mile|foot|feet|percent)s?\b)",
    re.IGNORECASE,
)
_ADULT = 18


def child_ages(headline: str) -> frozenset[str]:
    """The children's ages a headline names, as ``"2y"``, ``"9m"``, ``"3w"``.

    >>> sorted(child_ages("Girl, 2, shot in argument; 13-year-old held"))
    ['13y', '2y']
    >>> sorted(child_ages("Man, 23, arrested in shooting death of 1-Year-Old Compton girl"))
    ['1y']
    >>> sorted(child_ages("Police: one of two girls, 7 and 5, critically shot"))
    ['5y', '7y']
    >>> sorted(child_ages("Suspect in shooting of mother, 9-month-old baby dies"))
    ['9m']
    >>> child_ages("1 dead, 5 injured in 2 shootings; 19-year-old charged")
    frozenset()
    """
    if not headline:
        return frozenset()
    out: set[str] = set()
    for m in _AGED.finditer(headline):
        n = _number(m.group(1))
        unit = m.group(2).lower()
        if unit in ("year", "yr"):
            if n < _ADULT:
                out.add(f"{n}y")
        else:
            out.add(f"{n}{unit[0]}")
    for m in _CHILD_THEN_AGE.finditer(headline):
        for g in m.groups():
            if g is not None and int(g) < _ADULT:
                out.add(f"{int(g)}y")
    return frozenset(out)


_UNITS = {"y": "year", "m": "month", "w": "week"}


def age_words(age: str) -> str:
    """An age as :func:`child_ages` writes it, as a reader would: "2-year-old",
    "9-month-old"; anything else as it is.

    >>> age_words("2y"), age_words("9m"), age_words("3w")
    ('2-year-old', '9-month-old', '3-week-old')
    """
    number, unit = age[:-1], _UNITS.get(age[-1:])
    return f"{number}-{unit}-old" if number.isdigit() and unit else age


class StoryAges:
    """The children's ages a story's headlines name: its seeds' for good, and each of its
    reports' for as long as a report the story holds names it.

    A report an admin says is not the story (``/story wrong``) takes its ages with it,
    unless another report or a seed names them too; so the rule does not go on sparing
    headlines about that other child. ``all`` is what the rule asks.
    """

    def __init__(self, seeds: Iterable[str] = ()) -> None:
        self.seeds = frozenset(seeds)
        self.reports: Counter[str] = Counter()  # an age: how many of the reports name it

    @property
    def all(self) -> frozenset[str]:
        """The seeds' ages and those a report the story holds names (asked only of a
        headline-only item that names an age)."""
        return self.seeds.union(self.reports)

    def add(self, ages: Iterable[str]) -> None:
        """A report the story now holds names these ages."""
        self.reports.update(ages)

    def remove(self, ages: Iterable[str]) -> None:
        """A report that named these ages is no longer the story's."""
        self.reports.subtract(ages)
        self.reports = +self.reports  # counts at zero or below are gone

    def to_state(self) -> dict[str, Any]:
        return {"seeds": sorted(self.seeds), "reports": dict(sorted(self.reports.items()))}

    @classmethod
    def from_state(cls, state: Any, seeds: Iterable[str]) -> StoryAges:
        """Restore :meth:`to_state`; an older snapshot's list of ages (from before they were
        counted) keeps ``seeds`` (the story's seeds' ages) for good and counts each other
        age as one report's."""
        if isinstance(state, Mapping):
            ages = cls(state.get("seeds", ()))
            ages.reports = +Counter({str(k): int(v) for k, v in state.get("reports", {}).items()})
            return ages
        ages = cls(seeds)
        ages.add(a for a in state if a not in ages.seeds)
        return ages


def _number(text: str) -> int:
    return _WORDS[text.lower()] if text.lower() in _WORDS else int(text)
