"""bot.zone_names: zone names in any letter case, and the closest ones to a wrong name."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest

from bot.zone_names import ZoneNames, zone_names

NAMES = ZoneNames.of(
    {
        "UTC",
        "Etc/UTC",
        "Europe/Berlin",
        "Europe/Dublin",
        "Europe/Tallinn",
        "America/New_York",
        "America/Argentina/Buenos_Aires",
        "US/Pacific",
        "Canada/Pacific",
        "Pacific/Yap",
    }
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("utc", "UTC"),
        ("Utc", "UTC"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/ARGENTINA/BUENOS_AIRES", "America/Argentina/Buenos_Aires"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("Europe/Berlln", None),
        ("America/New York", None),  # no zone's name: a suggestion, below
        ("Berlin", None),
    ],
)
def test_a_name_in_any_letter_case_is_the_databases_spelling(
    typed: str, canonical: str | None
) -> None:
    assert NAMES.canonical(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "closest"),
    [
        ("Europe/Berlln", ["Europe/Berlin"]),  # not Dublin or Tallinn (0.77 alike)
        ("Europa/Berlin", ["Europe/Berlin"]),  # the same city
        ("Berlin", ["Europe/Berlin"]),
        ("berln", ["Europe/Berlin"]),  # a city alike
        ("America/New York", ["America/New_York"]),  # spaces for underscores
        ("Pacific", ["Canada/Pacific", "US/Pacific"]),  # each zone of that "city"
        ("Mars/Olympus", []),
        ("Tokyo", []),  # a city this database lacks
    ],
)
def test_the_closest_names_are_few_and_close(typed: str, closest: list[str]) -> None:
    assert NAMES.closest(typed) == closest


def test_no_two_names_of_this_machines_database_differ_in_case_only() -> None:
    # what makes a lookup without regard to case unambiguous
    assert len(zone_names().by_folded) == len(available_timezones())
