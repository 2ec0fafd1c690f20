"""The surnames' list (bot.surnames): its shape, which its use in fold relies on."""

from __future__ import annotations

from bot.given_names import GIVEN_NAMES, NAMES_WITH_PLURALS
from bot.surnames import SURNAMES, SURNAMES_WITH_PLURALS
from bot.textnorm import strip_marks


def test_a_surname_is_in_one_list_only() -> None:
    # listed, or left out because its lower-case word is an ordinary plural or verb
    assert not SURNAMES & SURNAMES_WITH_PLURALS


def test_surnames_are_written_forms_ending_like_a_plural() -> None:
    # the forms fold would read as plurals: lower case, no accents, one word, a final "s"
    for name in SURNAMES | SURNAMES_WITH_PLURALS:
        assert name == strip_marks(name).casefold() and name.isalpha(), name
        assert name.endswith("s"), name


def test_no_surname_is_the_s_form_of_a_listed_given_name() -> None:
    # those ("Williams") keep their key by the given names' rule already
    assert not {n for n in SURNAMES if n[:-1] in GIVEN_NAMES | NAMES_WITH_PLURALS}
