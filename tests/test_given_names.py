"""The given names' list (bot.given_names): its shape, which its use in fold relies on."""

from __future__ import annotations

from bot.given_names import GIVEN_NAMES, NAMES_WITH_PLURALS
from bot.textnorm import tokens


def test_a_name_is_in_one_list_only() -> None:
    # a name is listed, or left out because its "-s" form is a plural news writes
    assert not GIVEN_NAMES & NAMES_WITH_PLURALS


def test_names_are_match_keys_as_tokens_make_them() -> None:
    # lower case, no accents, one word that folds to itself: fold compares them so
    for name in GIVEN_NAMES | NAMES_WITH_PLURALS:
        assert tokens(name) == [name], name


def test_names_do_not_end_in_s() -> None:
    # the list is of the words a plural would fold onto; "Charles" would never be one
    assert not [name for name in GIVEN_NAMES | NAMES_WITH_PLURALS if name.endswith("s")]
