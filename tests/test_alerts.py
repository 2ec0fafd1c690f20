"""Alert messages: a development's summary reaches the channel cited to its sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.alert_text import added_fact, alert_message
from bot.citations import ALERT_BODY_MAX, cited_links, cited_summary
from bot.digest_text import DIGEST_BODY_MAX, DIGEST_LABEL_MAX, digest_line, digest_message
from bot.link_labels import MAX_LINKS, honest_label
from bot.model import (
    Citation,
    Development,
    Item,
    Judgement,
    Link,
    SeedDoc,
    Story,
    Subscription,
)
from bot.notice_text import NOTICE_BODY_MAX, NoticeParts, notice_message
from bot.query import parse_query
from bot.render import reader_url, repeats_headline, shorten
from bot.thread_notes import THREAD_NOTE_MAX, fact_digest, note_facts, with_fact

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
        links=(
            ("Wire", "https://wire.example/1"),
            ("Daily", "https://daily.example/2"),
            ("Other", "https://other.example/3"),
        ),
    )
    msg = alert_message(STORY, dev)
    assert msg.body == (
        "Senators demanded the text. [1] A hearing is set for March 18. [2] "
        "The deal was signed Friday. [1]"
    )
    # every listed report is numbered by its place among the development's reports
    assert msg.links == (
        Link("[1] Wire", "https://wire.example/1"),
        Link("[2] Daily", "https://daily.example/2"),
        Link("[3] Other", "https://other.example/3"),
    )


def test_a_marker_names_the_same_report_in_every_edit_and_in_its_thread_reply() -> None:
    reports = [(f"Outlet{i}", f"https://o{i}.example/") for i in range(1, 9)]
    wire, other, daily, late = reports[0], reports[1], reports[2], reports[7]
    before = development(
        (Citation("The deal was signed.", *wire), Citation("A hearing is set.", *daily)),
        links=tuple(reports[:3]),
    )
    assert alert_message(STORY, before).body == "The deal was signed. [1] A hearing is set. [3]"
    # a later edit drops the first report's sentence and cites the eighth report: the
    # third keeps [3], which the thread reply about the eighth must not take over
    after = development(
        (Citation("A hearing is set.", *daily), Citation("Michael will testify.", *late)),
        links=tuple(reports),
    )
    msg = alert_message(STORY, after)
    assert msg.body == "A hearing is set. [3] Michael will testify. [8]"
    item = Item(8, "k8", 1, late[1], None, "T", "", "", T0, T0, late[0], "h")
    assert added_fact(before, after, item) == "Outlet8: Michael will testify. [8]"
    # the cited reports and the first others, up to MAX_LINKS, listed in number order
    assert [link.label for link in msg.links] == [
        "[1] Outlet1",
        "[2] Outlet2",
        "[3] Outlet3",
        "[4] Outlet4",
        "[8] Outlet8",
    ]
    assert len(msg.links) == MAX_LINKS
    assert msg.links[1].label == f"[2] {other[0]}"


def test_a_number_in_brackets_that_a_cited_sentence_quotes_is_not_a_citation() -> None:
    # An outlet's sentence quoting a footnote ("the inquiry's report [1]") carries a
    # "[1]" the summary did not put there: the alert cites the third report only, and a
    # platform short of room must keep that one, not the first report's link.
    reports = tuple((f"Outlet{i}", f"https://o{i}.example/") for i in (1, 2, 3))
    dev = development(
        (Citation("The inquiry's report [1] found faults.", *reports[2]),), links=reports
    )
    msg = alert_message(STORY, dev)
    assert msg.body == "The inquiry's report [1] found faults. [3]"
    assert [msg.links[i].label for i in sorted(cited_links(msg))] == ["[3] Outlet3"]
    # an edit's new fact cites by the marker that ends it, as the summary does
    noted = replace(msg, thread_note="Outlet2: Its report [1] was leaked. [2]")
    assert [noted.links[i].label for i in sorted(cited_links(noted))] == [
        "[2] Outlet2",
        "[3] Outlet3",
    ]


def test_a_fact_of_the_thread_note_keeps_its_link_though_its_sentence_left_the_summary() -> None:
    # Two reports edit one alert in a poll: the seventh's sentence pushed the sixth's out
    # of the summary, but the note carries the sixth's fact. Its [6] must name a link,
    # counted first within MAX_LINKS, and every number stays the report's place.
    reports = tuple((f"Outlet{i}", f"https://o{i}.example/") for i in range(1, 9))
    dev = development((Citation("Michael will testify.", *reports[6]),), links=reports)
    note = with_fact(
        "Outlet6: The text goes to the panel. [6]", "Outlet7: Michael will testify. [7]"
    )
    msg = alert_message(STORY, dev, note)
    assert msg.body == "Michael will testify. [7]" and msg.thread_note == note
    assert [link.label for link in msg.links] == [
        "[1] Outlet1",
        "[2] Outlet2",
        "[3] Outlet3",
        "[6] Outlet6",
        "[7] Outlet7",
    ]
    assert [msg.links[i].label for i in sorted(cited_links(msg))] == ["[6] Outlet6", "[7] Outlet7"]


def test_an_alert_citing_more_reports_than_max_links_lists_every_cited_one() -> None:
    # MAX_LINKS bounds the uncited reports that fill the links, never a cited one: a
    # marker without its link points at nothing
    reports = tuple((f"Outlet{i}", f"https://o{i}.example/") for i in range(1, 10))
    body = tuple(Citation(f"Fact {i}.", *reports[i - 1]) for i in (2, 4, 6, 8))
    facts = [f"Outlet{i}: Fact {i}. [{i}]" for i in (3, 9)]
    msg = alert_message(STORY, development(body, links=reports), "\n".join(facts))
    assert [link.label for link in msg.links] == [f"[{i}] Outlet{i}" for i in (2, 3, 4, 6, 8, 9)]
    assert len(cited_links(msg)) == len(msg.links) > MAX_LINKS
    # a marker naming no report of the development (a fact cut short, a stray number)
    # adds no link
    stray = alert_message(STORY, development(body, links=reports), "Outlet: Gone. [12]")
    assert [link.label for link in stray.links] == [f"[{i}] Outlet{i}" for i in (1, 2, 4, 6, 8)]


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


def test_an_alert_is_dated_by_the_developments_first_report_not_by_processing() -> None:
    reported = datetime(2026, 2, 27, 9, 30, tzinfo=UTC)  # a day-old turn read by a backlog poll
    dev = replace(development(), updated_at=T0, first_reported_at=reported)
    assert alert_message(STORY, dev).when == reported
    assert alert_message(STORY, development()).when == T0  # no report time known


def test_a_long_digest_link_label_ends_at_a_word_with_an_ellipsis() -> None:
    headline = "Pentagon says the Anthropic contract cancellation stands after a weekend review"
    link = ("Wire", "https://wire.example/cancel")
    long = replace(development(links=(link,)), headline=headline)
    short = development(links=(("Daily", "https://daily.example/hearing"),))

    labels = [lnk.label for lnk in digest_message(STORY, [long, short], None).links]

    assert labels[0] == "Pentagon says the Anthropic contract cancellation stands…"
    assert len(labels[0]) <= DIGEST_LABEL_MAX
    assert labels[1] == "Senators set a hearing", "a label that fits is left whole"


def notice_body(text: str) -> str:
    item = Item(1, "k1", 1, "https://w.example/1", None, "Title", text, "", T0, T0, "Wire", "h")
    sub = Subscription(1, "slack", "U1", "contract", None, T0)
    return notice_message([(sub, parse_query(sub.query))], item, None).body


def test_a_long_notice_body_ends_after_a_whole_sentence_or_else_at_a_word() -> None:
    text = "The committee asked for the full contract text. " * 10

    body = notice_body(text.strip())

    assert body.endswith("text. …") and len(body) <= NOTICE_BODY_MAX
    assert text.startswith(body.removesuffix("…"))
    one_sentence = "The committee asked for the full text " * 20 + "today."
    cut = notice_body(one_sentence)
    assert cut.endswith("d…") and one_sentence.startswith(cut[:-1]), "cut after a word"


def test_a_notice_quotes_a_long_lead_sentence_whole() -> None:
    lead = (
        "Anthropic and the U.S. Department of Defense have reached a tentative agreement that "
        "would let the military keep using the company's Claude AI models under written "
        "safeguards, two people familiar with the talks said on Thursday, easing a standoff "
        "that had threatened to cut the startup off from federal work."
    )
    assert len(lead) > 300

    more = "The draft bars the use of the models in fully autonomous weapons, the people said."
    assert notice_body(f"{lead} {more} {more}") == f"{lead} {more} …"


def test_a_notice_headline_leaves_the_outlet_to_the_sources_line() -> None:
    title = "Senators demand text of Anthropic-Pentagon AI deal - Northfield Courier"
    item = Item(1, "k1", 1, "https://n.example/1", None, title, "Text.", "", T0, T0, "Courier", "h")
    sub = Subscription(1, "slack", "U1", "senators", None, T0)

    notice = notice_message([(sub, parse_query(sub.query))], item, None)

    assert notice.title == "Senators demand text of Anthropic-Pentagon AI deal"
    assert notice.sources == ("Courier",)


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        # giveme5w1h and a real blog feed: the summary is the headline again
        (
            "Chicago Bears fire coach John Fox after 5-11 season",
            "Chicago Bears fire coach John Fox after 5-11 season",
        ),
        ("AI and Secure Messaging Don't Mix - Schneier", "AI and Secure Messaging Don\u2019t Mix."),
    ],
)
def test_a_notice_whose_summary_is_its_headline_shows_it_once(title: str, summary: str) -> None:
    item = Item(1, "k1", 1, "https://n.example/1", None, title, summary, "", T0, T0, "Courier", "h")
    sub = Subscription(1, "slack", "U1", "bears OR messaging", None, T0)

    notice = notice_message([(sub, parse_query(sub.query))], item, None)

    assert notice.body == ""
    assert notice.links  # the report is still named and linked


def test_a_notice_body_is_one_paragraph_without_the_headline_line_a_feed_opens_it_with() -> None:
    # a real blog feed's summary, hard-wrapped and opening with the headline: Slack shows
    # a notice's first two lines, so the reader saw the headline again and half a sentence
    title = "AI and Secure Messaging Don't Mix"
    summary = (
        "AI and Secure Messaging Don't Mix\n\nOver on the ACLU's Free Future blog,\n"
        "I just published an article titled AI and Secure Messaging Don't Mix.\n\n"
        "The blogpost assumes for the sake of the argument that people might want an AI."
    )
    item = Item(1, "k1", 1, "https://d.example/1", None, title, summary, "", T0, T0, "dkg", "h")
    sub = Subscription(1, "slack", "U1", "messaging", None, T0)

    notice = notice_message([(sub, parse_query(sub.query))], item, None)

    assert notice.body == (
        "Over on the ACLU's Free Future blog, I just published an article titled AI and "
        "Secure Messaging Don't Mix. The blogpost assumes for the sake of the argument "
        "that people might want an AI."
    )


@pytest.mark.parametrize(
    "published",
    [datetime(2027, 3, 5, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)],
    ids=["a year ahead", "year 9999"],
)
def test_a_notice_of_an_item_dated_in_the_future_is_dated_when_it_was_fetched(published) -> None:
    # the engine and /story status date such an item when it was seen; the DM said 9999
    item = Item(1, "k1", 1, "https://w.example/1", None, "Title", "Text.", "", T0, T0, "Wire", "h")
    item = replace(item, published=published)
    sub = Subscription(1, "slack", "U1", "title", None, T0)

    assert notice_message([(sub, parse_query(sub.query))], item, None).when == item.fetched_at


@pytest.mark.parametrize(
    ("query", "footer"),
    [
        ("rail", "Matched your subscription #1: rail"),
        ("rail AND strike", "Matched your subscription #1: rail AND strike"),
        (
            'rail OR "wage deal" OR bakery',
            'Matched your subscription #1: rail OR "wage deal" OR bakery (found: rail, wage deal)',
        ),
        (
            "Rail OR bakery -pentagon",
            "Matched your subscription #1: rail OR (bakery AND NOT pentagon) (found: rail)",
        ),
    ],
)
def test_a_notice_names_the_words_found_only_when_some_were_not(query: str, footer: str) -> None:
    text = "Rail workers strike over a wage deal."
    item = Item(1, "k1", 1, None, None, "Rail strike", text, "", T0, T0, "Wire", "h")
    sub = Subscription(1, "slack", "U1", query, None, T0)

    assert notice_message([(sub, parse_query(query))], item, None).footer == footer


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # how four of the real world-news feeds tag every link they list
        (
            "https://www.dw.com/en/ukraine-updates-peace-talks-in-geneva-very-tense/"
            "live-75998782?maca=en-rss-en-all-1573-rdf",
            "https://www.dw.com/en/ukraine-updates-peace-talks-in-geneva-very-tense/live-75998782",
        ),
        (
            "https://www.aljazeera.com/video/newsfeed/2026/2/17/us-and-iran-reach-guiding-"
            "principles-in-geneva-nuclear-talks?traffic_source=rss",
            "https://www.aljazeera.com/video/newsfeed/2026/2/17/us-and-iran-reach-guiding-"
            "principles-in-geneva-nuclear-talks",
        ),
        (
            "https://www.csmonitor.com/World/Middle-East/2026/0217/Iran-US-nuclear-talks?icid=rss",
            "https://www.csmonitor.com/World/Middle-East/2026/0217/Iran-US-nuclear-talks",
        ),
        ("https://alexwlchan.net/2026/notes/?ref=rss", "https://alexwlchan.net/2026/notes/"),
        # what selects the page stays: an id, a "ref" naming a branch
        ("https://n.example/story?id=4&maca=x", "https://n.example/story?id=4"),
        ("https://git.example/repo/blob?ref=main", "https://git.example/repo/blob?ref=main"),
    ],
)
def test_a_reader_link_leaves_out_the_feed_tag_of_real_news_feeds(url: str, shown: str) -> None:
    assert reader_url(url) == shown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # NDTV's feeds tag every link in its fragment (benchmarks/data/realworld_events.json)
        (
            "https://www.ndtv.com/world-news/us-iran-talks-geneva-10012345#publisher=newsstand",
            "https://www.ndtv.com/world-news/us-iran-talks-geneva-10012345",
        ),
        ("https://n.example/a?id=4&utm_source=rss#publisher=x", "https://n.example/a?id=4"),
        ("https://n.example/a#xtor=RSS-3208", "https://n.example/a"),
        ("https://n.example/a#Echobox=1700000000", "https://n.example/a"),
        ("https://n.example/a#utm_source=rss&utm_medium=feed", "https://n.example/a"),
        # a place in the page, a text fragment, or a tag beside a page's own state: kept
        ("https://n.example/a#section-2", "https://n.example/a#section-2"),
        ("https://n.example/a?utm_source=rss#comments", "https://n.example/a#comments"),
        ("https://n.example/a#:~:text=talks", "https://n.example/a#:~:text=talks"),
        ("https://n.example/a#publisher=x&slide=3", "https://n.example/a#publisher=x&slide=3"),
        ("https://n.example/a#publisher", "https://n.example/a#publisher"),
        ("https://n.example/books?publisher=x", "https://n.example/books?publisher=x"),
    ],
)
def test_a_reader_link_leaves_out_a_fragment_that_only_tags_the_feed(url: str, shown: str) -> None:
    assert reader_url(url) == shown


def test_shorten_cuts_at_a_word_boundary_and_marks_the_cut() -> None:
    assert shorten("Pentagon contract cancellation stands", 30) == "Pentagon contract…"
    assert shorten("one two", 4) == "one…"
    assert shorten("Senators set a hearing", 22) == "Senators set a hearing"
    assert shorten("https://a-very-long.example/path", 12) == "https://a-v…", "one long word is cut"
    assert shorten("Talks, then more", 8) == "Talks…"


def test_a_long_summary_is_shortened_at_words_keeping_every_marker_and_the_fact_added_last() -> (
    None
):
    sentence = "The committee asked the Pentagon for the complete text of the agreement today."
    wire = [Citation(f"{sentence} ({i})", "Wire", "https://wire.example/1") for i in range(8)]
    daily = [Citation(f"{sentence} (d{i})", "Daily", "https://daily.example/2") for i in range(8)]
    added = Citation("Michael will testify on March 18.", "Other", "https://other.example/3")
    dev = development((*wire, *daily, added))

    body = alert_message(STORY, dev).body

    assert len(body) <= ALERT_BODY_MAX < len(cited_summary(dev, limit=10**6)[0])
    assert body.endswith(" [2] Michael will testify on March 18. [3]"), "the newest fact is whole"
    first, second = body.split(" [1] ")[0], body.split(" [1] ")[1].split(" [2] ")[0]
    for run, cited in ((first, wire), (second, daily)):
        assert run.endswith(" …"), "a run is cut after a whole sentence and says so"
        kept = run.removesuffix(" …")
        assert kept == " ".join(c.sentence for c in cited[: kept.count(sentence)])


def test_a_digest_lists_one_line_per_development_and_counts_those_left_out() -> None:
    summary = (
        "A bipartisan group of senators on Thursday demanded that the Pentagon hand over "
        "the full text of its tentative agreement with Anthropic. "
    ) * 3
    devs = [
        replace(
            development(links=((f"W{i}", f"https://w.example/{i}"),)),
            number=i,
            headline=f"Development headline number {i} about the talks",
            summary=summary.strip(),
        )
        for i in range(1, 41)
    ]
    body = digest_message(STORY, devs, None).body
    lines = body.splitlines()
    assert len(body) <= DIGEST_BODY_MAX
    *listed, more = lines
    assert more == f"… and {40 - len(listed)} more: /story status talks"
    for i, line in enumerate(listed, start=1):
        assert line.startswith(f"• Development headline number {i} about the talks: A bipartisan")
        assert line.endswith(("Anthropic.", "…"))
    few = digest_message(STORY, devs[:2], None)
    assert len(few.body.splitlines()) == 2 and "more:" not in few.body
    assert len(few.links) == 2
    on_discord = digest_message(STORY, devs, None, "discord").body.splitlines()[-1]
    assert on_discord.endswith("more: /story status story:talks")  # its slash-command form


def test_an_added_fact_is_the_new_reports_new_sentences_cited_like_the_alert() -> None:
    wire = Citation("Senators demanded the text.", "Wire", "https://wire.example/1")
    before = development((wire,))
    added = Citation("Michael will testify on March 18.", "Other", "https://other.example/2")
    after = development((wire, added))
    item = Item(2, "k2", 1, "https://other.example/2", None, "T", "", "", T0, T0, "Other", "h")
    assert added_fact(before, after, item) == "Other: Michael will testify on March 18. [2]"
    copy = replace(item, url="https://copy.example/3")
    assert added_fact(before, after, copy) is None, "a report adding no sentence adds no fact"
    assert added_fact(after, after, item) is None, "a sentence already there is not new"
    assert added_fact(None, after, item) is None


def _joined(lead_similarity: float | None, **changes) -> Judgement:
    placed = {"closest": 2, "similarity": 0.3, "join_threshold": 0.12}
    if lead_similarity is not None:
        placed.update(lead_similarity=lead_similarity, lead_threshold=0.4)
    return Judgement(1, 3, True, 0.5, development=2, reason={"development": placed}, **changes)


def test_a_report_leading_with_a_turn_its_sentences_do_not_tell_is_told_by_its_lead() -> None:
    # The drills' development: the talks' outcome joins it by its whole text, but its
    # sentences do not make the three-sentence summary of a development about drills.
    drills = Citation(
        "Iran conducted live drills in the Strait of Hormuz before the talks resumed.",
        "NYT",
        "https://nyt.example/1",
    )
    links = (("NYT", "https://nyt.example/1"), ("Dawn", "https://dawn.example/6"))
    before = development((drills,), links=links[:1])
    after = development((drills,), links=links)
    text = (
        "Iran's foreign minister said on Tuesday the talks with the United States saw "
        "them agree on a set of guiding principles for a deal. He said more work was needed."
    )
    item = Item(
        3,
        "k3",
        1,
        "https://dawn.example/6",
        None,
        "Iran FM says agreed",
        text,
        "",
        T0,
        T0,
        "Dawn",
        "h",
    )
    fact = (
        "Dawn: Iran's foreign minister said on Tuesday the talks with the United States "
        "saw them agree on a set of guiding principles for a deal. [2]"
    )
    assert added_fact(before, after, item, _joined(0.17)) == fact
    assert added_fact(before, after, item) is None, "without its judgement: no lead told"
    assert added_fact(before, after, item, _joined(0.3)) is None, "a lead the development has"
    assert added_fact(before, after, item, _joined(None)) is None, "joined by its lead"
    assert added_fact(before, after, item, _joined(0.1, duplicate_of=2)) is None, "a copy"
    seed_copy = _joined(0.1)
    seed_copy = replace(seed_copy, reason={**seed_copy.reason, "copy": {"of": -1}})
    assert added_fact(before, after, item, seed_copy) is None, "a copy of a seed"
    repeat = replace(item, content=drills.sentence)
    assert added_fact(before, after, repeat, _joined(0.1)) is None, "a lead the summary says"


def test_a_lead_told_as_a_fact_is_its_first_sentence_that_states_news() -> None:
    # Dawn's report of the UN's call joined the development of Israel's land decision
    # with its key points as a list before it; The Sun's race report opened with its
    # columnist's feeling (lead_fact, bot.engine.summary)
    decision = Citation(
        "Israel approved registering West Bank land as state property.",
        "NYT",
        "https://nyt.example/1",
    )
    links = (("NYT", "https://nyt.example/1"), ("Dawn", "https://dawn.example/6"))
    before = development((decision,), links=links[:1])
    after = development((decision,), links=links)
    text = (
        "• EU calls annexation illegal, Arab nations denounce ‘threat to peace efforts’\n"
        "JERUSALEM / ISLAMABAD: The UN chief called upon Israel to reverse its new, "
        "“unlawful” policy on the occupied land."
    )
    item = Item(
        3, "k3", 1, "https://dawn.example/6", None, "UN calls", text, "", T0, T0, "Dawn", "h"
    )
    assert added_fact(before, after, item, _joined(0.05)) == (
        "Dawn: The UN chief called upon Israel to reverse its new, “unlawful” policy on the "
        "occupied land. [2]"
    )
    column = replace(
        item, summary="YOU get the feeling that this is just not going to be his year."
    )
    assert added_fact(before, after, column, _joined(0.05)) is None, "an opinion, nothing after"


@pytest.mark.parametrize(
    ("shown", "later", "fact"),
    [
        (  # another outlet's wording of the sentence the alert already shows
            "The leader ordered the drill to be held for the first time from the capital, "
            "and said more exercises with the ocean as the target were necessary, the "
            "agency said.",
            "The leader, ordered the launch to be held for the first time from the capital, "
            "and said more exercises with the ocean as the target were needed, the agency "
            "said on Wednesday.",
            None,
        ),
        (  # the same wording with a new number is news: the toll rose
            "At least 50 people were killed in the shooting at the festival, police said.",
            "At least 59 people were killed in the shooting at the festival, police said.",
            "Other: At least 59 people were killed in the shooting at the festival, police "
            "said. [2]",
        ),
        (  # the same wording denying it is news: he will not resign
            "The minister said he would resign on Friday after the vote, aides said.",
            "The minister said he would not resign on Friday after the vote, aides said.",
            "Other: The minister said he would not resign on Friday after the vote, aides "
            "said. [2]",
        ),
        (  # and so is a toll spelled out
            "Officials said three people were killed in the blast at the market on Sunday.",
            "Officials said five people were killed in the blast at the market on Sunday.",
            "Other: Officials said five people were killed in the blast at the market on "
            "Sunday. [2]",
        ),
        (  # the same sentence with a clause added: a death is news
            "Two men suffered gunshot wounds to the leg and foot in the shooting outside the "
            "bar on Main Street, police said.",
            "A third man died at the scene while two men suffered gunshot wounds to the leg "
            "and foot in the shooting outside the bar on Main Street, police said.",
            "Other: A third man died at the scene while two men suffered gunshot wounds to the "
            "leg and foot in the shooting outside the bar on Main Street, police said. [2]",
        ),
        (  # another fact of the same turn
            "The government said the missile flew over the northern island into the ocean.",
            "Beijing said it opposes the launches, which break the council's resolutions.",
            "Other: Beijing said it opposes the launches, which break the council's "
            "resolutions. [2]",
        ),
    ],
)
def test_a_later_report_restating_a_sentence_the_alert_shows_adds_no_fact(
    shown: str, later: str, fact: str | None
) -> None:
    wire = Citation(shown, "Wire", "https://wire.example/1")
    other = Citation(later, "Other", "https://other.example/2")
    item = Item(2, "k2", 1, "https://other.example/2", None, "T", "", "", T0, T0, "Other", "h")
    assert added_fact(development((wire,)), development((other,), links=_two_links()), item) == fact


def _two_links() -> tuple[tuple[str, str], ...]:
    return (("Wire", "https://wire.example/1"), ("Other", "https://other.example/2"))


def test_a_fact_not_yet_delivered_is_carried_by_the_next_edit() -> None:
    assert with_fact("Wire: A. [1]", "Daily: B. [2]") == "Wire: A. [1]\nDaily: B. [2]"
    assert with_fact(None, "Daily: B. [2]") == "Daily: B. [2]"
    assert with_fact("Wire: A. [1]", None) == "Wire: A. [1]", "an edit adding nothing keeps it"
    assert with_fact("Wire: A. [1]", "Wire: A. [1]") == "Wire: A. [1]"
    assert with_fact(None, None) is None


@pytest.mark.parametrize(
    ("note", "facts"),
    [
        (None, []),
        ("", []),
        ("Wire: A. [1]", ["Wire: A. [1]"]),
        ("Wire: A. [1]\nDaily: B. [2]", ["Wire: A. [1]", "Daily: B. [2]"]),
        ("Wire: A. [1]\n\n  Wire: A. [1]  \n", ["Wire: A. [1]"]),
    ],
)
def test_a_note_is_its_distinct_facts_one_a_line(note: str | None, facts: list[str]) -> None:
    assert note_facts(note) == facts


def test_a_fact_digest_names_the_fact_not_its_spacing() -> None:
    digest = fact_digest("Wire: A. [1]")
    assert digest == fact_digest("Wire:  A. [1]") == fact_digest(" Wire: A. [1]\n")
    assert digest != fact_digest("Wire: A. [2]")
    assert len(digest) == 16 and int(digest, 16) >= 0  # short: many fit in Slack metadata


def test_a_long_added_fact_is_cut_after_a_sentence_and_keeps_its_marker() -> None:
    wire = Citation("Senators demanded the text.", "Wire", "https://wire.example/1")
    sentence = "Amodei told staff the framework keeps the limits the company would not give up."
    added = [Citation(f"{sentence} ({n})", "Daily", "https://daily.example/2") for n in range(9)]
    item = Item(2, "k2", 1, "https://daily.example/2", None, "T", "", "", T0, T0, "Daily", "h")

    fact = added_fact(development((wire,)), development((wire, *added)), item)

    assert fact is not None and len(fact) <= THREAD_NOTE_MAX
    assert fact.startswith(f"Daily: {sentence} (0)") and fact.endswith(") … [2]")


def test_facts_carried_by_edits_stay_whole_and_the_oldest_give_way() -> None:
    facts = [f"Outlet {n}: " + "word " * 110 + f"end. [{n}]" for n in range(1, 4)]
    assert all(len(f) <= THREAD_NOTE_MAX for f in facts)

    carried = with_fact(with_fact(facts[0], facts[1]), facts[2])

    assert carried == f"{facts[1]}\n{facts[2]}", "whole facts, each with its marker"


def test_a_digest_quotes_each_first_sentence_whole_when_every_line_fits() -> None:
    lead = (
        "Anthropic chief executive Dario Amodei told employees on Thursday that the tentative "
        "agreement reached with the Pentagon keeps the two limits the company had refused to "
        "give up."
    )
    assert len(lead) > 160
    dev = replace(development(), summary=f"{lead} Amodei called it a framework.")

    body = digest_message(STORY, [dev, replace(dev, number=3)], None).body

    assert body.splitlines() == [f"• Senators set a hearing: {lead}"] * 2


@pytest.mark.parametrize(
    ("label", "url", "shown"),
    [
        # a feed titled like a bank's site, or a headline that is an address
        ("bank.com", "https://evil.example/login", "bank.com (evil.example)"),
        (
            "https://bank.com/login",
            "https://evil.example/",
            "https://bank.com/login (evil.example)",
        ),
        ("[1] paypal.com", "https://evil.example/a", "[1] paypal.com (evil.example)"),
        # the outlet's own site, under any of its hosts, is what it says
        ("Reuters.com", "https://www.reuters.com/world/1", "Reuters.com"),
        ("reuters.com", "https://feeds.reuters.com/world/1", "reuters.com"),
        ("BBC News", "https://www.bbc.co.uk/news/1", "BBC News"),
        ("U.S. and China resume talks", "https://wire.example/1", "U.S. and China resume talks"),
        # an abbreviation is no address: these headlines stay whole
        ("N.Korea fires missile over Japan", "https://wire.example/1", None),
        ("W.Va. man arrested in fatal shooting", "https://wire.example/1", None),
        ("See HTTPS://WWW.BANK.COM/login", "https://bank.com/x", None),
        # a look-alike in another script, and a one-letter name spelled as an address
        ("b\u0430nk.com", "https://evil.example/login", "b\u0430nk.com (evil.example)"),
        ("https://x.com/bank", "https://evil.example/", "https://x.com/bank (evil.example)"),
        # dots that are no full stop (ideographic, fullwidth, one-dot leader: browsers
        # and IDNA read the first two as dots) and an invisible character before a dot
        ("bank\u3002com", "https://evil.example/", "bank\u3002com (evil.example)"),
        ("bank\uff0ecom", "https://evil.example/", "bank\uff0ecom (evil.example)"),
        ("paypal\u2024com", "https://evil.example/", "paypal\u2024com (evil.example)"),
        ("bank\u200b.com", "https://evil.example/", "bank\u200b.com (evil.example)"),
        ("bank.\u2060com/login", "https://evil.example/", "bank.\u2060com/login (evil.example)"),
        (
            "\uff42\uff41\uff4e\uff4b.com",
            "https://evil.example/",
            "\uff42\uff41\uff4e\uff4b.com (evil.example)",
        ),
        # the same characters in the outlet's own name are what it says
        ("reuters\uff0ecom", "https://www.reuters.com/world/1", None),
        # an ideographic full stop ends a sentence of Chinese
        ("北京发生地震。新华社报道", "https://wire.example/1", None),
    ],
)
def test_a_link_label_naming_another_site_shows_where_the_link_goes(
    label: str, url: str, shown: str | None
) -> None:
    assert honest_label(label, url) == (label if shown is None else shown)


def test_a_notice_from_a_feed_titled_like_a_bank_shows_where_its_link_goes() -> None:
    item = Item(1, "k1", 1, "https://evil.example/login", None, "Senators", "", "", T0, T0,
                "bank.com", "h")  # fmt: skip
    sub = Subscription(1, "slack", "U1", "senators", None, T0)

    [link] = notice_message([(sub, parse_query(sub.query))], item, None).links

    assert (link.label, link.url) == ("bank.com (evil.example)", "https://evil.example/login")


def test_notices_sharing_an_items_parts_are_the_notices_made_alone() -> None:
    # A batch works out an item's title, body, link and words once for all its notices
    # (about 20 an item with 10,000 subscriptions), not once per notice.
    title = "Rail strike over a wage deal - Northfield Courier"
    text = "Rail workers strike over a wage deal. " * 12
    item = Item(
        1, "k1", 1, "https://evil.example/1", None, title, text, "", T0, T0, "bank.com", "h"
    )
    parts = NoticeParts.of(item)
    for query in ("rail", 'rail OR "wage deal" OR bakery', "strike -pentagon"):
        sub = Subscription(1, "slack", "U1", query, None, T0)
        matched = [(sub, parse_query(query))]
        assert notice_message(matched, item, None, parts) == notice_message(matched, item, None)
    assert notice_message(matched, item, None, parts).links[0].label == "bank.com (evil.example)"


def headline_only(headline: str = "The Problem With Representative Democracy") -> Development:
    """A development whose report had no citable sentence: the engine's summary is its
    headline (a feed's one-line teaser was a question)."""
    return replace(
        development(
            (Citation(headline, "Foreign Policy", "https://fp.example/1"),),
            links=(("Foreign Policy", "https://fp.example/1"),),
        ),
        headline=headline,
        item_count=1,
        sources=("Foreign Policy",),
    )


def test_an_alert_does_not_repeat_its_headline_as_its_summary() -> None:
    msg = alert_message(STORY, headline_only())
    assert msg.title == "The Problem With Representative Democracy"
    assert msg.body == ""  # was "The Problem With Representative Democracy [1]"
    assert msg.links == (Link("[1] Foreign Policy", "https://fp.example/1"),)


@pytest.mark.parametrize(
    ("headline", "line"),
    [
        # real headlines of 17 Feb 2026 (NYT, Al-Monitor): a colon after their own stop
        # read "Thought.: Russian attacks ..." and "talks?: Sharp warnings ..."
        (
            "Trump Said He’d End the War in Ukraine in a Day. It’s Harder Than He Thought.",
            "• Trump Said He’d End the War in Ukraine in a Day. It’s Harder Than He Thought. "
            "Russian attacks rose.",
        ),
        (
            "Military posturing alongside fragile diplomacy: What’s next for US-Iran talks?",
            "• Military posturing alongside fragile diplomacy: What’s next for US-Iran talks? "
            "Russian attacks rose.",
        ),
        (
            "Iran says ‘guiding principles’ agreed!",
            "• Iran says ‘guiding principles’ agreed! Russian attacks rose.",
        ),
        ("‘We are not there yet.’", "• ‘We are not there yet.’ Russian attacks rose."),
        (
            "A Hectic Day for U.S. Negotiators",
            "• A Hectic Day for U.S. Negotiators: Russian attacks rose.",
        ),
    ],
)
def test_a_digest_line_puts_no_colon_after_a_headline_that_ends_a_sentence(headline, line) -> None:
    dev = replace(development(), headline=headline, summary="Russian attacks rose.")
    assert digest_line(dev) == line


def test_a_digest_line_does_not_repeat_its_headline_as_its_sentence() -> None:
    msg = digest_message(STORY, [headline_only()], None)
    # was "• The Problem With Representative Democracy: The Problem With Representative Democracy"
    assert msg.body == "• The Problem With Representative Democracy"


@pytest.mark.parametrize(
    ("summary", "body"),
    [
        # a byline on a line of its own (Al-Monitor's Reuters copy)
        (
            "By Matt Spetalnick, Olivia Le Poidevin and Parisa Hafezi\n"
            "WASHINGTON, Feb 17 (Reuters) - Even for a U.S. president, it was odd.",
            "WASHINGTON, Feb 17 (Reuters) - Even for a U.S. president, it was odd.",
        ),
        # ... and run into the dateline
        (
            "By Olivia Le Poidevin GENEVA, Feb 17 (Reuters) - An independent UN body spoke.",
            "GENEVA, Feb 17 (Reuters) - An independent UN body spoke.",
        ),
        # news that starts with "By" is no byline
        (
            "By the time police arrived, the crowd had gone.",
            "By the time police arrived, the crowd had gone.",
        ),
        ("By Monday night, Tehran had agreed.", "By Monday night, Tehran had agreed."),
    ],
)
def test_a_notice_leaves_out_the_reports_byline(summary: str, body: str) -> None:
    item = Item(1, "k1", 1, "https://m.example/1", None, "Envoys", summary, "", T0, T0, "M", "h")
    sub = Subscription(1, "slack", "U1", "geneva", None, T0)
    assert notice_message([(sub, parse_query("geneva"))], item, None).body == body


@pytest.mark.parametrize(
    ("sentence", "headline", "repeats"),
    [
        ("Envoys meet in Geneva", "Envoys meet in Geneva", True),
        ("ENVOYS meet, in Geneva!", "Envoys meet in Geneva", True),  # case and punctuation
        ("Envoys meet in Geneva on Monday", "Envoys meet in Geneva", False),  # one word more
        ("Envoys meet in", "Envoys meet in Geneva", False),  # one word fewer
        ("Envoys meet in Geneva. " * 200, "Envoys meet in Geneva", False),  # a whole article
        ("", "Envoys meet in Geneva", False),
        ("Envoys", "", False),  # a headline of no words is repeated by nothing
        ("", "", False),
        ("—", "…", False),
    ],
)
def test_a_sentence_repeats_a_headline_only_word_for_word(
    sentence: str, headline: str, repeats: bool
) -> None:
    assert repeats_headline(sentence, headline) is repeats
