"""A sentence a feed cut off at the end of a summary ("... in the French resort of Ni...").

RSS summaries are often truncated, mid-word or after one, with "..." or "…". Quoted, such
a sentence ends a summary in the middle of what it says: a report's complete sentence is
quoted instead, and the cut one only when the report has nothing else. (Not counting the
cut word as a term of the item was measured too and not kept: docs/engine.md.) These
cases are taken from giveme5w1h's summaries.
"""

from __future__ import annotations

from bot.engine.summary import candidate_sentences, citable

NICE = "Tunisians, Algerians among dead in Nice attack"
NICE_CUT = (
    "Several Tunisians and Algerians were among the dead when a Tunisian-born man ploughed "
    "a truck into crowds in the French resort of Ni"
)


def test_a_summary_does_not_quote_a_sentence_cut_off_when_it_has_another() -> None:
    body = "A truck ploughed into crowds celebrating Bastille Day on the seafront. " + NICE_CUT
    for ellipsis in ("...", "…"):
        assert candidate_sentences(NICE, body + ellipsis) == [
            "A truck ploughed into crowds celebrating Bastille Day on the seafront."
        ]


def test_a_summary_that_is_one_cut_off_sentence_is_still_quoted() -> None:
    # better the feed's words, visibly cut, than the headline alone
    assert candidate_sentences(NICE, NICE_CUT + "...") == [NICE_CUT + "..."]


def test_an_update_adding_a_cut_off_sentence_adds_nothing_to_quote() -> None:
    complete = "A truck ploughed into crowds celebrating Bastille Day on the seafront."
    cut = NICE_CUT + "..."
    assert citable([cut], body=[complete, cut]) == []
