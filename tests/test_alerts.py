"""Alert messages: a development's summary reaches the channel cited to its sources."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.alerts import MAX_LINKS, alert_message, cited_summary
from bot.model import Citation, Development, Link, SeedDoc, Story

T0 = datetime(2026, 3, 1, tzinfo=UTC)
STORY = Story(1, "talks", "Anthropic and the Pentagon", (SeedDoc("t", "x"),), T0)


def development(citations=(), links=()) -> Development:
    return Development(
        story_id=1,
        number=2,
        headline="Senators set a hearing",
        summary=" ".join(c.sentence for c in citations) or "Plain summary.",
        created_at=T0,
        updated_at=T0,
        item_count=3,
        sources=("Wire", "Daily"),
        links=links,
        citations=citations,
    )


def test_each_summary_sentence_is_marked_with_the_link_of_its_report() -> None:
    dev = development(
        (
            Citation("Senators demanded the text.", "Wire", "https://wire.example/1"),
            Citation("A hearing is set for March 18.", "Daily", "https://daily.example/2"),
            Citation("The deal was signed Friday.", "Wire", "https://wire.example/1"),
        ),
        links=(("Daily", "https://daily.example/2"), ("Other", "https://other.example/3")),
    )
    msg = alert_message(STORY, dev)
    assert msg.body == (
        "Senators demanded the text. [1] A hearing is set for March 18. [2] "
        "The deal was signed Friday. [1]"
    )
    # the cited reports come first, numbered; the development's other links follow once
    assert msg.links == (
        Link("[1] Wire", "https://wire.example/1"),
        Link("[2] Daily", "https://daily.example/2"),
        Link("Other", "https://other.example/3"),
    )


def test_consecutive_sentences_of_one_report_share_one_marker() -> None:
    wire = ("Wire", "https://wire.example/1")
    body, links = cited_summary(
        development(
            (
                Citation("The deal was signed.", *wire),
                Citation("It bars autonomous targeting.", *wire),
                Citation("Senators want the text.", "Daily", "https://daily.example/2"),
            )
        )
    )
    assert (
        body == "The deal was signed. It bars autonomous targeting. [1] Senators want the text. [2]"
    )
    assert [label for label, _ in links] == ["[1] Wire", "[2] Daily"]


def test_a_sentence_without_a_link_names_its_source() -> None:
    body, links = cited_summary(
        development((Citation("The talks resumed.", "seed", None), Citation("No source.", "")))
    )
    assert body == "The talks resumed. (seed) No source."
    assert links == []


def test_a_development_stored_before_citations_keeps_its_plain_summary() -> None:
    links = tuple((f"S{i}", f"https://s{i}.example/") for i in range(MAX_LINKS + 2))
    msg = alert_message(STORY, development(links=links))
    assert msg.body == "Plain summary."
    assert len(msg.links) == MAX_LINKS and msg.links[0] == Link("S0", "https://s0.example/")
