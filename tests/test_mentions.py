"""The chat users a reply names (``bot.mentions``): placed beside the text, never read
out of it."""

from __future__ import annotations

import pytest

from bot.mentions import line_text, lines_of, pieces_of, reply
from bot.model import Mention

ADMIN = Mention("slack", "U04ABCDEF", "@U04ABCDEF")
OTHER = Mention("discord", "42", "@42")


def test_a_reply_holds_each_mention_as_its_stand_in_and_says_where() -> None:
    made = reply(["Title", ("    An admin (", ADMIN, ") said so."), "end"], ok=False)

    assert made.text == "Title\n    An admin (@U04ABCDEF) said so.\nend"
    assert made.mentions == ((20, ADMIN),) and made.text[20:30] == "@U04ABCDEF"
    assert not made.ok


def test_the_lines_of_a_reply_name_its_mentions_where_they_stand() -> None:
    made = reply(["a", ("b (", ADMIN, ") and ", OTHER), "c"])

    assert lines_of(made.text, made.mentions) == ["a", ("b (", ADMIN, ") and ", OTHER), "c"]
    assert pieces_of(made.text, made.mentions) == ("a\nb (", ADMIN, ") and ", OTHER, "\nc")
    shown = [line_text(line) for line in lines_of(made.text, made.mentions)]
    assert shown == made.text.splitlines()


@pytest.mark.parametrize(
    "text", ["", "one", "a\nb\n", "a\r\nb\rc", "a\u2028b\x1cc\n\nd", "\n", "x\x85y"]
)
def test_a_text_without_mentions_has_the_lines_splitlines_gives(text: str) -> None:
    assert lines_of(text, ()) == text.splitlines()
    assert "".join(pieces_of(text, ())) == text  # type: ignore[arg-type]


def test_text_that_reads_like_a_stand_in_is_no_mention() -> None:
    # a headline holding the admin's stand-in: only the placed one is the mention
    made = reply(["@U04ABCDEF wrote this", ("by ", ADMIN)])

    assert lines_of(made.text, made.mentions) == ["@U04ABCDEF wrote this", ("by ", ADMIN)]


@pytest.mark.parametrize(
    ("text", "placed"),
    [
        ("by @U04ABC…", ((3, ADMIN),)),  # cut short (a notification's first characters)
        ("by @U04ABCDEF", ((2, ADMIN),)),  # not where it says
        ("by @U04ABCDEF", ((30, ADMIN),)),  # past the end
        ("by @4\n2", ((3, Mention("discord", "42", "@4\n2")),)),  # not on one line
        ("by ", ((3, Mention("discord", "42", "")),)),  # nothing stands for it
    ],
)
def test_a_mention_whose_stand_in_is_not_whole_at_its_place_stays_text(
    text: str, placed: tuple[tuple[int, Mention], ...]
) -> None:
    assert lines_of(text, placed) == text.splitlines()
    assert pieces_of(text, placed) == ((text,) if text else ())


def test_a_mention_overlapping_the_one_before_stays_text() -> None:
    text = "by @U04ABCDEF"

    assert lines_of(text, ((3, ADMIN), (5, OTHER))) == [("by ", ADMIN)]
