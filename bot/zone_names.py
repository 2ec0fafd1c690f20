"""IANA time zone names as people type them: in any letter case, or nearly right.

``[delivery] timezone`` names a zone of the IANA database ("Europe/Berlin"). The
database's names are case-sensitive files on most systems, so "europe/berlin" or "utc"
would be unknown although nobody could mean anything else: no two names of the
database differ in case only, so a name is looked up case-insensitively and read as
the database spells it. A name that is not there at all is answered with the closest
names that are, so that a typo ("Europe/Berlln"), a city without its region ("Berlin")
or spaces for underscores ("America/New York") say what to write instead. The
suggestions are drawn from the whole name and from its last part, the city, and only
close ones are given: a name far from every zone ("Mars/Olympus") gets none.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

__all__ = ["ZoneNames", "zone_names"]

# How alike (difflib's ratio) a name must be to a zone's to be suggested: "Europe/Berlln"
# is 0.92 like "Europe/Berlin", 0.77 like "Europe/Dublin", which is no suggestion.
_CLOSE = 0.8
_MAX_SUGGESTIONS = 3


def _city(folded: str) -> str:
    return folded.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ZoneNames:
    """The zone names of a database, looked up without regard to letter case.

    Attributes:
        by_folded: Each name casefolded, to the name as the database spells it.
        by_city: Each name's last part casefolded ("berlin"), to the names ending so.
    """

    by_folded: dict[str, str]
    by_city: dict[str, list[str]]

    @classmethod
    def of(cls, names: set[str] | frozenset[str]) -> ZoneNames:
        """The lookup tables of ``names`` (a zone database's names)."""
        by_folded: dict[str, str] = {}
        by_city: dict[str, list[str]] = {}
        for name in sorted(names):
            folded = name.casefold()
            by_folded[folded] = name
            by_city.setdefault(_city(folded), []).append(name)
        return cls(by_folded, by_city)

    def canonical(self, name: str) -> str | None:
        """``name`` as the database spells it ("utc" is "UTC"); None if it has no such zone."""
        return self.by_folded.get(name.casefold())

    def closest(self, name: str) -> list[str]:
        """Up to three zone names close to ``name``, the likeliest first.

        A zone of the same city comes first ("Europa/Berlin", "Berlin": Europe/Berlin),
        then names alike as a whole, then names whose city is alike ("berln"). Spaces
        are read as the database's underscores.

        Args:
            name: A name that is no zone's.

        Returns:
            Zone names as the database spells them; empty if none is close.
        """
        key = name.strip().casefold().replace(" ", "_")
        found = list(self.by_city.get(_city(key), []))
        found += [
            self.by_folded[m]
            for m in difflib.get_close_matches(
                key, self.by_folded, n=_MAX_SUGGESTIONS, cutoff=_CLOSE
            )
        ]
        for city in difflib.get_close_matches(
            _city(key), self.by_city, n=_MAX_SUGGESTIONS, cutoff=_CLOSE
        ):
            found += self.by_city[city]
        return list(dict.fromkeys(found))[:_MAX_SUGGESTIONS]


@lru_cache(maxsize=1)
def zone_names() -> ZoneNames:
    """This machine's zone names (``zoneinfo.available_timezones``), read once.

    Reading them scans the zone database (tens of milliseconds); the settings are read
    at start and by every command, so the scan is made once a process.

    Returns:
        The tables; empty where the machine has no zone database.
    """
    return ZoneNames.of(available_timezones())
