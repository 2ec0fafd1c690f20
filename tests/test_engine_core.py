"""Behaviour of the story engine on small hand-made cases."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from checkout import code_env

from bot.engine import Engine, EngineConfig, EngineDoc, Verdict
from bot.engine.analysis import lead_vector
from bot.engine.relevance import Profile
from bot.model import SeedDoc, Story
from bot.ports import DevelopmentWrite

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)

SEEDS = (
    SeedDoc(
        "Anthropic returns to talks with the Pentagon over Claude",
        "Anthropic chief executive Dario Amodei has reopened negotiations with the Pentagon "
        "over military use of the company's Claude models. Defense Secretary Pete Hegseth "
        "had threatened to label Anthropic a supply chain risk after talks collapsed over "
        "domestic surveillance and autonomous weapons. The Pentagon awarded Anthropic a "
        "$200 million contract last year.",
        "https://example.com/a1",
        T0,
    ),
    SeedDoc(
        "Anthropic and Pentagon restart Claude talks after clash",
        "Talks between Anthropic and the Department of Defense resumed, the Financial Times "
        "reported. Amodei is negotiating with Pentagon official Emil Michael about guardrails "
        "for Claude on classified networks. Hegseth warned Anthropic could be designated a "
        "supply chain risk, a label usually reserved for foreign adversaries such as Huawei.",
        "https://example.com/a2",
        T0,
    ),
)

BACKGROUND = [
    (
        "Apple unveils new iPhone with faster chip",
        "Apple announced a new iPhone in Cupertino on Tuesday with a faster chip and a better camera. Tim Cook said sales would start next week.",
    ),
    (
        "Storm brings snow to the Midwest",
        "A winter storm brought heavy snow to Chicago and Detroit on Monday, closing schools and delaying flights at O'Hare airport.",
    ),
    (
        "Central bank holds interest rates",
        "The Federal Reserve kept interest rates unchanged on Wednesday, citing steady inflation and a strong labour market, Jerome Powell said.",
    ),
    (
        "Football club signs striker",
        "Manchester United signed a striker from Benfica for a record fee on Friday, the club announced on its website.",
    ),
    (
        "Company reports quarterly earnings",
        "Microsoft reported higher quarterly earnings on Thursday as cloud revenue grew, beating analyst expectations on Wall Street.",
    ),
    (
        "Wildfire forces evacuations in California",
        "Firefighters battled a wildfire near Los Angeles on Sunday as thousands of residents were told to evacuate their homes.",
    ),
]


def story(sid: int = 1) -> Story:
    return Story(sid, "anthropic-pentagon", SEEDS[0].title, SEEDS, T0)


def doc(i: int, title: str, text: str = "", url: str | None = None, days: float = 1) -> EngineDoc:
    t = T0 + timedelta(days=days)
    return EngineDoc(i, title, text, url, "example.com", t, t)


def warm_engine(config: EngineConfig | None = None) -> Engine:
    """An engine that has read some unrelated news before the story is tracked."""
    e = Engine(config)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(story())
    return e


ON_TOPIC = doc(
    1,
    "Anthropic and Pentagon reach deal on Claude",
    "Anthropic and the Pentagon reached an agreement on Thursday that lets the military use "
    "Claude while keeping limits on domestic surveillance and autonomous weapons, ending the "
    "threat that Hegseth would label the company a supply chain risk. Dario Amodei called the "
    "deal a good outcome for national security.",
    "https://news.example.com/anthropic-deal",
)


def test_on_topic_item_is_accepted_with_reason() -> None:
    e = warm_engine()
    (v,) = e.judge(ON_TOPIC)
    assert isinstance(v, Verdict)
    j = v.judgement
    assert j.on_topic and j.story_id == 1 and j.item_id == 1
    assert j.score >= j.reason["threshold"]
    assert "anthropic" in j.reason["matched_terms"]
    assert isinstance(v.development, DevelopmentWrite) and v.development.item_ids == (1,)
    json.dumps(j.reason)


def test_unrelated_item_sharing_one_name_is_off_topic() -> None:
    e = warm_engine()
    (v,) = e.judge(
        doc(
            2,
            "Pentagon unveils new budget for Navy shipbuilding",
            "The Pentagon asked Congress for more money to build submarines and destroyers at "
            "shipyards in Virginia and Maine, officials said on Monday.",
        )
    )
    assert not v.judgement.on_topic
    assert v.development is None


def test_a_summary_naming_the_story_and_one_of_its_words_is_supported() -> None:
    # A feed's one-sentence summary under a headline that names nothing: most of its score
    # is "Anthropic", the rest "military" (support 0.157 of the threshold). 0.2 refused it.
    item = doc(
        3,
        "A week of threats",
        "Anthropic's rivals said little as the fight with the military went on.",
    )
    (v,) = warm_engine().judge(item)
    reason = v.judgement.reason
    assert v.judgement.on_topic, reason
    assert set(reason["matched_terms"]) == {"anthropic", "military"}
    assert EngineConfig().min_support * reason["threshold"] <= reason["support"]
    assert reason["support"] < 0.2 * reason["threshold"]
    (w,) = warm_engine(EngineConfig(min_support=0.2)).judge(item)
    assert not w.judgement.on_topic


def test_unrelated_items_are_off_topic() -> None:
    e = warm_engine()
    for i, (title, text) in enumerate(BACKGROUND):
        (v,) = e.judge(doc(10 + i, title, text))
        assert not v.judgement.on_topic, title


# A neighbouring story of the same kind: a military drone test whose body names the
# Pentagon, Hegseth and autonomous weapons in passing.
_DRONE_BODY = (
    "The Army flew two hundred small drones over the Nevada desert on Tuesday in its largest "
    "swarm exercise so far. Engineers from three universities watched the test from a ranch "
    "near Tonopah, where the drones mapped dry riverbeds and old mine shafts. Pentagon "
    "officials said the program would continue, and Hegseth praised the engineers working on "
    "autonomous weapons."
)


def test_a_body_that_only_just_passes_under_an_unrelated_headline_is_off_topic() -> None:
    cfg = EngineConfig()
    (v,) = warm_engine().judge(doc(5, "Army tests new drone swarm in Nevada desert", _DRONE_BODY))
    r = v.judgement.reason
    # the case the rule is for: the body passes, not by far, and the headline shares nothing
    assert r["threshold"] <= r["score"] < cfg.corroboration_zone * r["threshold"]
    assert r["headline_score"] < cfg.headline_corroboration
    assert not v.judgement.on_topic and r["uncorroborated"]
    assert v.development is None
    # without the rule the same item is taken
    (v,) = warm_engine(EngineConfig(headline_corroboration=0.0)).judge(
        doc(5, "Army tests new drone swarm in Nevada desert", _DRONE_BODY)
    )
    assert v.judgement.on_topic


def test_a_headline_sharing_the_storys_words_corroborates_a_weak_body() -> None:
    (v,) = warm_engine().judge(doc(5, "Pentagon tests drone swarm in Nevada", _DRONE_BODY))
    r = v.judgement.reason
    assert r["headline_score"] >= EngineConfig().headline_corroboration
    assert v.judgement.on_topic and "uncorroborated" not in r


def test_copy_with_changed_title_is_a_copy() -> None:
    e = warm_engine()
    (first,) = e.judge(ON_TOPIC)
    copy = doc(
        2,
        "Claude maker strikes military agreement - Reuters",
        ON_TOPIC.text + " Sign up for our newsletter.",
        "https://other.example.org/x?utm_source=rss",
    )
    (v,) = e.judge(copy)
    assert v.judgement.on_topic
    assert v.judgement.duplicate_of == 1
    assert v.judgement.reason["copy"]["of"] == 1
    assert v.judgement.development == first.judgement.development


# A news site's sign-up form where its article failed to be extracted: every page of
# the site that failed the same way has this body, whatever its report is about.
_SIGN_UP_FORM = (
    "Just One More Thing...\n\nWe have sent you a verification email. Please check your "
    "email and click on the link to activate your profile.\n\nIf you do not receive the "
    "verification message within a few minutes of signing up, please check your Spam or "
    "Junk folder.\n\nClose"
)


def test_another_report_whose_body_is_the_same_sign_up_form_is_no_copy() -> None:
    e = warm_engine()
    (first,) = e.judge(
        doc(1, "Anthropic and Pentagon reach deal on Claude supply chain risk", _SIGN_UP_FORM)
    )
    assert first.judgement.on_topic  # taken on its headline
    (other,) = e.judge(doc(2, "Storm brings snow to the Midwest", _SIGN_UP_FORM))
    assert other.judgement.duplicate_of is None and "copy" not in other.judgement.reason
    assert not other.judgement.on_topic
    # the same page filed again under its own headline is still a copy of it
    (again,) = e.judge(
        doc(3, "Anthropic and Pentagon reach deal on Claude supply chain risk", _SIGN_UP_FORM)
    )
    assert again.judgement.duplicate_of == 1


def test_a_copy_with_page_furniture_added_is_a_copy() -> None:
    e = warm_engine()
    e.judge(ON_TOPIC)
    copy = doc(
        2,
        "Claude maker strikes military agreement",
        "Get email notifications on Jane Doe daily! Your notification has been saved.\n"
        + ON_TOPIC.text
        + "\nWe have sent you a verification email.",
    )
    (v,) = e.judge(copy)
    assert v.judgement.duplicate_of == 1 and v.judgement.reason["copy"]["by"] == "body"


def test_headline_only_copy_and_relevance() -> None:
    e = warm_engine()
    e.judge(ON_TOPIC)
    (v,) = e.judge(doc(3, ON_TOPIC.title + " | AP News"))
    assert v.judgement.duplicate_of == 1
    (w,) = e.judge(
        doc(4, "Anthropic CEO Amodei meets Pentagon officials over Claude supply chain risk")
    )
    assert w.judgement.on_topic
    assert w.judgement.reason["headline_only"]
    (x,) = e.judge(doc(5, "Heavy snow closes schools in Chicago"))
    assert not x.judgement.on_topic


def _headline_story(seeds: tuple[SeedDoc, ...], config: EngineConfig) -> Engine:
    e = Engine(config)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "anthropic-pentagon", seeds[0].title, seeds, T0))
    return e


def test_headlines_are_held_to_their_own_threshold_when_the_seeds_are_headlines() -> None:
    # a headline compared with headlines alone shares more words by chance than with
    # articles: a story seeded with headlines asks more of a headline-only item
    config = EngineConfig(headline_threshold=0.08, headline_seed_threshold=0.95)
    headline_seeds = tuple(SeedDoc(s.title, "", s.url, s.published) for s in SEEDS)
    item = doc(7, "Pentagon and Anthropic resume Claude talks")
    (from_articles,) = _headline_story(SEEDS, config).judge(item)
    (from_headlines,) = _headline_story(headline_seeds, config).judge(item)
    assert from_articles.judgement.on_topic
    assert from_articles.judgement.reason["threshold"] == 0.08
    assert not from_headlines.judgement.on_topic
    assert from_headlines.judgement.reason["threshold"] == 0.95
    # items with a body keep the article threshold either way
    (body,) = _headline_story(headline_seeds, config).judge(ON_TOPIC)
    assert body.judgement.reason["threshold"] == config.on_topic_threshold


def test_a_refiled_headline_only_report_is_a_copy() -> None:
    e = warm_engine()
    e.judge(doc(3, ON_TOPIC.title + " | AP News"))
    (v,) = e.judge(doc(4, "UPDATE: " + ON_TOPIC.title + " - WRAL"))
    assert v.judgement.duplicate_of == 3
    assert v.judgement.reason["copy"]["by"] == "title"


def test_new_turn_of_the_story_is_a_new_development() -> None:
    e = warm_engine()
    (v,) = e.judge(
        doc(
            6,
            "Anthropic sues the Pentagon over supply chain risk designation",
            "Anthropic filed a lawsuit in federal court in Washington on Monday asking a judge to "
            "block the Pentagon's designation of the company as a supply chain risk. The complaint "
            "argues Hegseth exceeded his authority. A hearing is set for next week before Judge "
            "Amy Berman Jackson.",
            days=20,
        )
    )
    j = v.judgement
    assert j.on_topic and j.new_development and j.development == 1
    assert v.development is not None and v.development.number == 1
    assert "lawsuit" in v.development.summary
    (w,) = e.judge(
        doc(
            7,
            "Judge hears Anthropic lawsuit against Pentagon designation",
            "Judge Amy Berman Jackson heard arguments on Anthropic's lawsuit against the Pentagon "
            "supply chain risk designation on Tuesday in federal court in Washington.",
            days=21,
        )
    )
    assert w.judgement.development == 1 and not w.judgement.new_development


FLOOD_BODY = (
    "Floodwater from the Elm River swamped {n} homes in Riverton on Monday, and Mayor Jane "
    "Cole ordered families on Mill Street and Bank Road to leave. Sandbag crews worked "
    "through the night while the county opened a shelter at Riverton High School. {x}"
)
FLOOD_SEEDS = tuple(
    SeedDoc(
        f"Elm River floods Riverton homes, mayor orders families out ({i})",
        FLOOD_BODY.format(n=100 + i, x=x),
        f"https://example.com/flood{i}",
        T0,
    )
    for i, x in enumerate(
        (
            "Rain gauges recorded four inches overnight.",
            "The shelter took in eighty people.",
            "Power was cut to the east side.",
            "Roads into the town were closed.",
        )
    )
)
# another outlet's report of the same flood: not a copy, and every name it shares with the
# seeds is in all four of them
FLOOD_REPORT = (
    "Riverton families wait in shelter as Elm River stays high",
    "Families forced out of Riverton homes by the Elm River flood spent a second night at "
    "the shelter at Riverton High School, Mayor Jane Cole said, as sandbag crews on Mill "
    "Street and Bank Road kept working. The river stayed high on Tuesday.",
)
FLOOD_TURN = (
    "Governor approves disaster aid for Riverton flood victims",
    "Governor Alan Marsh signed a disaster declaration on Friday releasing twelve million "
    "dollars in state grants for Riverton households whose homes the Elm River flood "
    "damaged. The flood swamped more than a hundred homes on Mill Street and Bank Road, "
    "Mayor Jane Cole ordered families out and the county sheltered them at Riverton High "
    "School.",
)


def flood_engine(config: EngineConfig | None = None) -> Engine:
    e = Engine(config)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "flood", FLOOD_SEEDS[0].title, FLOOD_SEEDS, T0))
    return e


def _joins(e: Engine, item: EngineDoc, number: int) -> bool:
    """The item is judged on-topic and joins development ``number`` without opening one."""
    (v,) = e.judge(item)
    j = v.judgement
    return j.on_topic and j.development == number and not j.new_development


def test_another_outlets_report_of_the_seed_event_joins_the_seed_story_by_its_lead() -> None:
    (v,) = flood_engine().judge(doc(50, *FLOOD_REPORT))
    j = v.judgement
    assert j.on_topic and j.development == 0 and not j.new_development
    assert "copy" not in j.reason
    # its whole text is no closer to the seeds than a new turn's in within-story weights
    # (every word it shares with them is in all four seeds); its lead retells them
    dev = j.reason["development"]
    assert dev["similarity"] < dev["join_threshold"]
    assert dev["lead"]["development"] == 0 and dev["lead"]["similarity"] >= 0.4
    # without the rule the same report is announced as a new development
    (off,) = flood_engine(EngineConfig(story_dev_lead_threshold=0)).judge(doc(50, *FLOOD_REPORT))
    assert off.judgement.new_development and "lead" not in off.judgement.reason["development"]


@pytest.mark.parametrize(
    "chrome",
    [
        "By Rodney Thrash\n",
        "Already a subscriber?\nPhoto\n",
        # a photo caption and its credit, without end punctuation (an NPR page)
        "Enlarge this image toggle caption Jane Cole/AFP/Getty Images\n",
        "Updated: 2016-07-15 13:14 By Agencies (China Daily USA)\n",
    ],
)
def test_a_reports_lead_is_its_first_sentence_not_the_page_chrome_above_it(chrome: str) -> None:
    # extracted pages often open with a byline, a photo credit, a caption or a paywall
    # line: the engine reads the body without some (clean_body), and the lead's first
    # sentence is the first a summary would quote (citable), as the alert's is
    title = "Flood victims wait in shelter"
    (plain,) = flood_engine().judge(doc(50, title, FLOOD_REPORT[1]))
    assert plain.judgement.development == 0 and "lead" in plain.judgement.reason["development"]
    (v,) = flood_engine().judge(doc(50, title, chrome + FLOOD_REPORT[1]))
    assert v.judgement.development == 0 and not v.judgement.new_development
    assert (
        v.judgement.reason["development"]["lead"] == plain.judgement.reason["development"]["lead"]
    )


def test_a_headline_only_items_lead_is_its_headline() -> None:
    # a scrap below a headline (under 8 words) is no body and has no first sentence
    assert lead_vector(FLOOD_REPORT[0], "Photo") == lead_vector(FLOOD_REPORT[0], "")
    assert lead_vector(FLOOD_REPORT[0], "Photo: Jane Cole") == lead_vector(FLOOD_REPORT[0], "")


# a headline-only feed's report of the seed flood: its headline shares a few of the seeds'
# headline words and nothing of their first sentences
FLOOD_REPORT_HEADLINE = "Families in shelter as Riverton waits for river to fall"


def test_a_headline_only_report_of_the_seed_event_joins_the_seed_story_by_its_headline() -> None:
    (v,) = flood_engine().judge(doc(50, FLOOD_REPORT_HEADLINE, ""))
    j = v.judgement
    assert j.on_topic and j.development == 0 and not j.new_development
    lead = j.reason["development"]["lead"]
    assert lead["headline_only"] and lead["threshold"] == 0.3
    # below the bar of a lead with a first sentence: a few words score lower
    assert 0.3 <= lead["similarity"] < 0.4
    off = EngineConfig(story_dev_headline_lead_threshold=0)
    (alert,) = flood_engine(off).judge(doc(50, FLOOD_REPORT_HEADLINE, ""))
    assert alert.judgement.new_development


# held to the bar of a whole lead (0.4), this headline joins the seed story only through
# the seeds' headlines: against their leads (headline and first sentence) it is below 0.4
HEADLINES_ONLY_CONFIG = EngineConfig(story_dev_headline_lead_threshold=0.4)
SHELTER_HEADLINE = "Riverton shelter full as families wait out the flood"


def test_a_headline_is_compared_with_a_developments_headlines_as_well_as_its_leads() -> None:
    assert _joins(flood_engine(HEADLINES_ONLY_CONFIG), doc(50, SHELTER_HEADLINE, ""), 0)
    # an item with a body is compared with leads only
    body = "The county said the school gym had no beds left by Tuesday night."
    (w,) = flood_engine(HEADLINES_ONLY_CONFIG).judge(doc(50, SHELTER_HEADLINE, body))
    assert "lead" not in w.judgement.reason["development"]


def test_a_headline_only_report_of_a_new_turn_still_opens_a_development() -> None:
    (v,) = flood_engine().judge(doc(51, FLOOD_TURN[0], "", days=4))
    j = v.judgement
    assert j.on_topic and j.new_development and "lead" not in j.reason["development"]


def test_a_snapshot_from_before_headlines_rebuilds_the_seed_storys_from_the_seeds() -> None:
    e = flood_engine(HEADLINES_ONLY_CONFIG)
    state = json.loads(json.dumps(e.snapshot(1)))
    assert "riverton" in state["developments"]["clusters"][0]["headlines"]
    for c in state["developments"]["clusters"]:
        del c["headlines"]
    restored = Engine(
        HEADLINES_ONLY_CONFIG, background=json.loads(json.dumps(e.background_state()))
    )
    restored.track(Story(1, "flood", FLOOD_SEEDS[0].title, FLOOD_SEEDS, T0), state)
    assert _joins(restored, doc(50, SHELTER_HEADLINE, ""), 0)


def test_a_report_that_opens_like_the_seeds_weeks_later_is_a_new_turn() -> None:
    # a lead's pull fades with the development's silence as the whole text's does: the
    # trial after the shooting opens like the first reports but is news
    (soon,) = flood_engine().judge(doc(50, *FLOOD_REPORT, days=1))
    assert soon.judgement.development == 0
    (late,) = flood_engine().judge(doc(50, *FLOOD_REPORT, days=30))
    j = late.judgement
    assert j.on_topic and j.new_development and "lead" not in j.reason["development"]


def test_a_snapshot_from_before_leads_gives_a_later_development_its_headline_as_lead() -> None:
    e = flood_engine()
    (turn,) = e.judge(doc(51, *FLOOD_TURN, days=4))
    assert turn.judgement.development == 1
    state = json.loads(json.dumps(e.snapshot(1)))
    for c in state["developments"]["clusters"]:
        del c["lead"]
    restored = Engine(background=json.loads(json.dumps(e.background_state())))
    restored.track(Story(1, "flood", FLOOD_SEEDS[0].title, FLOOD_SEEDS, T0), state)
    leads = {c["number"]: c["lead"] for c in restored.snapshot(1)["developments"]["clusters"]}
    assert set(leads) == {0, 1} and leads[1] and "governor" in leads[1]
    # another report of the aid, leading as the turn's headline does, joins the turn
    report = (
        "Governor approves disaster aid for Riverton flood victims - Daily Courier",
        "Governor Alan Marsh approved state disaster aid for Riverton flood victims. "
        "The money goes to households whose homes were damaged.",
    )
    assert _joins(restored, doc(53, *report, days=4.5), 1)


def test_a_new_turn_that_retells_the_story_below_its_lead_is_a_new_development() -> None:
    e = flood_engine()
    (v,) = e.judge(doc(51, *FLOOD_TURN, days=4))
    assert v.judgement.on_topic and v.judgement.new_development and v.judgement.development == 1
    # and the next report of that turn joins it, by its lead if not by its whole text
    report = (
        "Riverton flood victims get state disaster aid from Governor Marsh",
        "Governor Alan Marsh approved twelve million dollars in state disaster grants for "
        "Riverton flood victims on Friday. Households on Mill Street and Bank Road can apply "
        "at the county courthouse.",
    )
    assert _joins(e, doc(52, *report, days=4.2), 1)


def test_a_snapshot_from_before_leads_rebuilds_the_seed_storys_lead_from_the_seeds() -> None:
    e = flood_engine()
    state = json.loads(json.dumps(e.snapshot(1)))
    (seed_story,) = state["developments"]["clusters"]
    assert seed_story["lead"]
    del seed_story["lead"]
    restored = Engine(background=json.loads(json.dumps(e.background_state())))
    restored.track(Story(1, "flood", FLOOD_SEEDS[0].title, FLOOD_SEEDS, T0), state)
    report = doc(50, *FLOOD_REPORT)
    assert restored.judge(report) == e.judge(report)
    assert json.dumps(restored.snapshot(1)) == json.dumps(e.snapshot(1))


LAWSUIT = (
    "Anthropic sues the Pentagon over supply chain risk designation",
    "Anthropic filed a lawsuit in federal court in Washington on Monday asking a judge to "
    "block the Pentagon's designation of the company as a supply chain risk. The complaint "
    "argues Hegseth exceeded his authority. A hearing is set for next week before Judge "
    "Amy Berman Jackson.",
)


def test_a_report_published_well_before_the_story_began_is_background_not_news() -> None:
    # the seeds are dated T0: a feed carrying a months-old article on the same subject
    e = warm_engine()
    (old,) = e.judge(doc(6, *LAWSUIT, days=-200))
    j = old.judgement
    assert j.on_topic and not j.new_development and j.development == 0
    assert j.reason["development"]["before_story"] == T0.isoformat()
    # a day before the first seed is within the margin (time zones, a late seed): news
    e = warm_engine()
    (recent,) = e.judge(doc(6, *LAWSUIT, days=-1))
    assert recent.judgement.new_development and recent.judgement.development == 1
    # the margin is a setting
    e = warm_engine(EngineConfig(background_before_days=0.5))
    (recent,) = e.judge(doc(6, *LAWSUIT, days=-1))
    assert recent.judgement.development == 0 and not recent.judgement.new_development


def test_the_longest_background_margin_judges_an_old_report_as_news() -> None:
    # 36,500 days (a century), the most [engine] background_before_days may be: the date
    # arithmetic holds, and a report of 200 days before the story is within the margin
    e = warm_engine(EngineConfig(background_before_days=36_500))
    (old,) = e.judge(doc(6, *LAWSUIT, days=-200))
    assert old.judgement.on_topic and old.judgement.new_development
    assert old.judgement.development == 1


def test_a_story_whose_seed_is_dated_in_year_one_judges_its_reports() -> None:
    # a text seed whose date line says 0001-01-01 (a zero date copied from a CMS; the
    # seed loader takes it): the story "began" then, and "two days before" is no date.
    # An on-topic report that joined no development raised OverflowError, failing the
    # batch it was judged in, every time it was tried again; now nothing is background
    # (nothing is published before year 1) and the report is news.
    zero = datetime(1, 1, 1, tzinfo=UTC)
    seeds = [replace(SEEDS[0], published=zero), *SEEDS[1:]]
    e = Engine()
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "anthropic", seeds[0].title, seeds, T0))
    (report,) = e.judge(doc(6, *LAWSUIT, days=-1))
    assert report.judgement.on_topic and report.judgement.new_development


def test_summary_sentences_are_cited_to_the_report_they_came_from() -> None:
    e = warm_engine()
    lawsuit = EngineDoc(
        6,
        "Anthropic sues the Pentagon over supply chain risk designation",
        "Anthropic filed a lawsuit in federal court in Washington on Monday asking a judge to "
        "block the Pentagon's designation of the company as a supply chain risk. The complaint "
        "argues Hegseth exceeded his authority.",
        "https://courts.example/lawsuit",
        "Courts Daily",
        T0 + timedelta(days=20),
        T0 + timedelta(days=20),
    )
    (v,) = e.judge(lawsuit)
    dev = v.development
    assert dev is not None and v.judgement.new_development and dev.citations
    assert dev.summary == " ".join(c.sentence for c in dev.citations)
    for c in dev.citations:
        assert c.sentence in lawsuit.text
        assert (c.source, c.url) == ("Courts Daily", "https://courts.example/lawsuit")
    seed = e.seed_development(1)
    assert seed.citations and {c.source for c in seed.citations} == {"seed"}
    assert {c.url for c in seed.citations} <= {s.url for s in SEEDS}


def test_snapshot_from_before_citations_restores_with_unknown_sources() -> None:
    e = warm_engine()
    state = json.loads(json.dumps(e.snapshot(1)))
    for dev in state["developments"]["clusters"]:
        dev["sentences"] = [sentence for sentence, _, _ in dev["sentences"]]
    restored = Engine()
    restored.track(story(), state)
    seed = restored.seed_development(1)
    assert seed.summary == e.seed_development(1).summary
    assert {c.source for c in seed.citations} == {""}


def test_seed_development() -> None:
    e = warm_engine()
    d = e.seed_development(1)
    assert d.number == 0 and d.story_id == 1 and d.headline == SEEDS[0].title
    assert "Anthropic" in d.summary


def test_snapshot_is_json_and_restores_identical_decisions() -> None:
    # the story's snapshot and the engine's stream statistics, as the service saves them
    e = warm_engine()
    e.judge(ON_TOPIC)
    state = json.loads(json.dumps(e.snapshot(1)))
    stream = json.loads(json.dumps(e.background_state()))
    restored = Engine(background=stream)
    restored.track(story(), state)
    later = [ON_TOPIC] + [doc(20 + i, t, x, days=3) for i, (t, x) in enumerate(BACKGROUND)]
    later.append(doc(40, "Anthropic deal with Pentagon criticised", ON_TOPIC.text[:200], days=4))
    for d in later:
        assert e.judge(d) == restored.judge(d)
    assert json.dumps(e.snapshot(1)) == json.dumps(restored.snapshot(1))


def test_snapshot_size_is_bounded() -> None:
    cfg = EngineConfig(max_vocab=2000, copy_index_cap=50, max_developments=10)
    e = Engine(cfg)
    e.track(story())
    sizes = []
    for i in range(600):
        words = " ".join(f"w{i}x{k} Anthropic Pentagon" for k in range(30))
        e.judge(
            doc(
                i,
                f"Item {i} about Anthropic Pentagon Claude talks w{i}",
                words,
                f"https://x/{i}",
                days=i / 10,
            )
        )
        if i % 100 == 99:
            sizes.append(len(json.dumps(e.snapshot(1))))
    assert sizes[-1] < 1.3 * sizes[1]
    assert sizes[-1] < 400_000


def test_tracks_several_stories_and_untrack() -> None:
    e = Engine()
    e.track(story(1))
    e.track(Story(2, "storm", "Storm", (SeedDoc("Storm hits Chicago", BACKGROUND[1][1]),), T0))
    assert e.tracked() == [1, 2]
    vs = e.judge(ON_TOPIC)
    assert [v.judgement.story_id for v in vs] == [1, 2]
    e.untrack(1)
    assert e.tracked() == [2]


def test_config_from_mapping() -> None:
    assert EngineConfig.from_mapping({}) == EngineConfig()
    c = EngineConfig.from_mapping({"on_topic_threshold": 0.3, "copy_index_cap": 10})
    assert c.on_topic_threshold == 0.3 and c.copy_index_cap == 10
    with pytest.raises(ValueError):
        EngineConfig.from_mapping({"no_such": 1})
    with pytest.raises(ValueError):
        EngineConfig.from_mapping({"copy_index_cap": "ten"})
    assert not EngineConfig.from_mapping({"url_slug_terms": False}).url_slug_terms
    with pytest.raises(ValueError, match="url_slug_terms must be true or false, got 0"):
        EngineConfig.from_mapping({"url_slug_terms": 0})
    with pytest.raises(ValueError, match="copy_index_cap must be a number, got true"):
        EngineConfig.from_mapping({"copy_index_cap": True})


@pytest.mark.parametrize(
    "name",
    [
        "title_channel_threshold",
        "headline_corroboration",
        "adapt_threshold",
        "dev_join_threshold",
        "story_dev_join_threshold",
    ],
)
def test_config_refuses_a_cosine_threshold_above_one(name: str) -> None:
    # each is compared with a cosine of non-negative weights: above 1 it can never be
    # reached, so a typo (3 for 0.3) would silently turn its rule off
    assert EngineConfig.from_mapping({name: 1.0}) == EngineConfig(**{name: 1.0})
    with pytest.raises(ValueError, match=f"\\[engine\\] {name} must be between 0 and 1"):
        EngineConfig.from_mapping({name: 1.5})


def test_snapshot_from_before_within_story_weights_still_restores() -> None:
    e = warm_engine()
    e.judge(ON_TOPIC)
    state = json.loads(json.dumps(e.snapshot(1)))
    del state["story_df"]
    restored = Engine()
    restored.track(story(), state)
    (v,) = restored.judge(doc(41, ON_TOPIC.title + " - Reuters", ON_TOPIC.text, days=2))
    assert v.judgement.on_topic
    assert restored.snapshot(1)["story_df"]["n_docs"] == len(SEEDS)


def test_restore_rejects_unknown_state() -> None:
    with pytest.raises(ValueError):
        Engine().track(story(), {"version": 999})


def test_copy_of_a_seed_is_the_seed_story() -> None:
    e = warm_engine()
    (v,) = e.judge(doc(50, SEEDS[1].title + " - Reuters", SEEDS[1].text))
    j = v.judgement
    assert j.on_topic and j.duplicate_of is None and j.development == 0
    assert j.reason["copy"]["of_seed"] == 1


def test_decisions_are_deterministic_across_engines() -> None:
    runs = []
    for _ in range(2):
        e = warm_engine()
        runs.append(
            [e.judge(d) for d in (ON_TOPIC, doc(60, *BACKGROUND[0]), doc(61, ON_TOPIC.title))]
        )
    assert runs[0] == runs[1]


def test_copies_do_not_make_the_storys_own_words_look_common() -> None:
    """Twenty outlets running one wire report are one document's worth of evidence.

    The same report syndicated again and again must leave the story's term weights (and
    so the score of its next, different report) exactly where one copy left them.
    """
    once, many = warm_engine(), warm_engine()
    for e, copies in ((once, 1), (many, 20)):
        e.judge(ON_TOPIC)
        for k in range(copies):
            e.judge(
                doc(
                    10 + k,
                    ON_TOPIC.title + f" - Outlet {k}",
                    ON_TOPIC.text,
                    f"https://outlet{k}.example/deal",
                )
            )
    nxt = doc(
        99,
        "Senators demand the text of the Anthropic deal",
        "A group of senators asked the Pentagon on Friday to hand over the agreement with "
        "Anthropic and set a hearing on military use of Claude for March 18.",
        days=2,
    )
    (a,) = once.judge(nxt)
    (b,) = many.judge(nxt)
    assert a.judgement.on_topic
    assert a.judgement.score == b.judgement.score


def test_observing_an_item_counts_the_same_terms_as_judging_it() -> None:
    from bot.engine.analysis import analyse, term_set

    cfg = EngineConfig()
    a = analyse(ON_TOPIC.title, ON_TOPIC.text, ON_TOPIC.url, cfg)
    assert term_set(ON_TOPIC.title, ON_TOPIC.text, cfg) == list(a.tf)
    light, full = Engine(), Engine()
    light.observe(ON_TOPIC)
    full.observe(ON_TOPIC, full.analyse(ON_TOPIC))
    assert light.background_state() == full.background_state()


# ------------------------------------------------------------------ headline-only items

# A headline that names nothing of the story, on a link whose slug does.
_SLUG_ITEM = doc(
    7,
    "Negotiations back on, sources say",
    url="https://news.example.com/2026/03/02/anthropic-pentagon-claude-negotiations-resume/",
)


def test_a_headline_only_item_is_read_with_its_links_slug() -> None:
    (v,) = warm_engine().judge(_SLUG_ITEM)
    assert v.judgement.on_topic
    assert {"anthropic", "pentagon", "claude"} <= set(v.judgement.reason["matched_terms"])
    (w,) = warm_engine(EngineConfig(url_slug_terms=False)).judge(_SLUG_ITEM)
    assert not w.judgement.on_topic


def test_a_long_body_is_not_read_with_its_slug() -> None:
    from bot.engine.analysis import analyse

    cfg = EngineConfig()
    body = " ".join(
        ["Firefighters battled a wildfire near Los Angeles as residents were told to leave."] * 4
    )  # 56 words: a report, which says what it is about itself
    a = analyse("Wildfire spreads", body, _SLUG_ITEM.url, cfg)
    assert "anthropic" not in a.tf
    b = analyse(_SLUG_ITEM.title, "", _SLUG_ITEM.url, cfg)
    assert {"anthropic", "negotiation", "resume"} <= set(b.tf)


# An RSS summary: a teaser of a detail, under 50 words; the slug names the story.
_SUMMARY = "Negotiations will resume on Monday after a week without them, two people familiar with the matter said."


def test_a_short_body_is_read_with_the_slug_words_its_headline_and_body_lack() -> None:
    from bot.engine.analysis import analyse

    cfg = EngineConfig()
    alone = analyse(_SLUG_ITEM.title, _SUMMARY, None, cfg)
    with_slug = analyse(_SLUG_ITEM.title, _SUMMARY, _SLUG_ITEM.url, cfg)
    added = set(with_slug.tf) - set(alone.tf)
    assert {"anthropic", "pentagon", "claude"} <= added
    # "negotiations" and "resume" are the headline's and the summary's words already:
    # the slug does not weigh them twice
    assert with_slug.tf["negotiation"] == alone.tf["negotiation"]
    assert with_slug.tf["resume"] == alone.tf["resume"]


def test_short_body_slug_words_0_reads_a_short_body_alone() -> None:
    from bot.engine.analysis import analyse

    cfg = EngineConfig(short_body_slug_words=0)
    alone = analyse(_SLUG_ITEM.title, _SUMMARY, None, cfg)
    assert analyse(_SLUG_ITEM.title, _SUMMARY, _SLUG_ITEM.url, cfg).tf == alone.tf


def test_a_summary_that_names_the_story_only_in_its_slug_is_taken() -> None:
    item = doc(8, _SLUG_ITEM.title, _SUMMARY, _SLUG_ITEM.url)
    (v,) = warm_engine().judge(item)
    assert v.judgement.on_topic
    assert {"anthropic", "pentagon", "claude"} <= set(v.judgement.reason["matched_terms"])
    (w,) = warm_engine(EngineConfig(short_body_slug_words=0)).judge(item)
    assert not w.judgement.on_topic


def test_observing_a_summary_counts_its_slug_words_as_judging_does() -> None:
    from bot.engine.analysis import analyse, term_set

    cfg = EngineConfig()
    a = analyse(_SLUG_ITEM.title, _SUMMARY, _SLUG_ITEM.url, cfg)
    assert term_set(_SLUG_ITEM.title, _SUMMARY, cfg, _SLUG_ITEM.url) == list(a.tf)


def test_observing_a_headline_only_item_counts_its_slug_as_judging_does() -> None:
    from bot.engine.analysis import analyse, term_set

    cfg = EngineConfig()
    a = analyse(_SLUG_ITEM.title, "", _SLUG_ITEM.url, cfg)
    assert term_set(_SLUG_ITEM.title, "", cfg, _SLUG_ITEM.url) == list(a.tf)
    light, full = Engine(), Engine()
    light.observe(_SLUG_ITEM)
    full.observe(_SLUG_ITEM, full.analyse(_SLUG_ITEM))
    assert light.background_state() == full.background_state()


def _judge(e: Engine, i: int, title: str) -> dict:
    (v,) = e.judge(doc(i, title))
    return {"on_topic": v.judgement.on_topic, **v.judgement.reason}


def test_a_headline_naming_the_storys_names_and_event_is_on_topic() -> None:
    r = _judge(warm_engine(), 1, "Pentagon and Anthropic resume Claude talks")
    assert r["on_topic"] and r["headline_only"]
    assert {"anthropic", "pentagon", "claude"} <= set(r["matched_terms"])


def test_a_headline_sharing_one_common_word_is_off_topic() -> None:
    r = _judge(warm_engine(), 1, "Talks resume between rail unions and operators")
    assert not r["on_topic"]
    assert r["matched_terms"] == ["talk"]


def test_a_headline_is_closer_to_the_storys_headlines_than_to_its_bodies() -> None:
    # the full-text profile spreads its weight over body terms a headline cannot hold
    r = _judge(warm_engine(), 1, "Pentagon and Anthropic resume Claude talks")
    assert r["headlines_score"] > r["profile_score"]
    assert r["score"] == round((r["headlines_score"] + r["profile_score"]) / 2, 4)


def test_with_headline_only_seeds_both_channels_are_the_same() -> None:
    seeds = tuple(SeedDoc(s.title, "", s.url, s.published) for s in SEEDS)
    e = Engine()
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "anthropic-pentagon", seeds[0].title, seeds, T0))
    r = _judge(e, 1, "Pentagon and Anthropic resume Claude talks")
    assert r["on_topic"]
    assert r["headlines_score"] == r["profile_score"] == r["score"]


def test_the_headline_channel_survives_a_snapshot() -> None:
    e = warm_engine()
    state = json.loads(json.dumps(e.snapshot(1)))
    assert state["profile"]["title_seed"]
    restored = Engine(background=e.background_state())
    restored.track(story(), state)
    title = "Pentagon and Anthropic resume Claude talks"
    assert _judge(restored, 1, title) == _judge(warm_engine(), 1, title)


def test_a_snapshot_from_before_the_headline_channel_judges_headlines_on_the_profile() -> None:
    e = warm_engine()
    state = json.loads(json.dumps(e.snapshot(1)))
    del state["profile"]["title_seed"], state["profile"]["title_adapted"]
    p = Profile.from_state(state["profile"], e.config)
    assert p.title_seed == p.seed and p.title_adapted == p.adapted
    restored = Engine()
    restored.track(story(), state)
    r = _judge(restored, 1, "Pentagon and Anthropic resume Claude talks")
    assert r["on_topic"] and r["headlines_score"] == r["profile_score"]


# --------------------------------------------------------------------------- first reports

_WIRE = (
    "Regional rail workers will strike for three days next week after wage talks with the "
    "operator collapsed on Monday, the union said, cancelling most commuter services."
)
_OTHER = (
    "A wildfire near the coast forced thousands of residents from their homes overnight as "
    "strong winds pushed the flames towards the highway, officials said."
)


def test_first_report_names_the_first_outlet_of_a_text_whatever_the_stories() -> None:
    e = warm_engine()  # the story follows something else: none of these is on-topic
    wire = doc(1, "Rail workers to strike", _WIRE, "https://wire.example/rail")
    copy = doc(
        2,
        "Rail workers to strike - Courier",
        _WIRE + " Subscribe now.",
        "https://courier.example/r",
    )
    copy_of_copy = doc(
        3, "Rail strike | Ledger", _WIRE + " Subscribe now. Share.", "https://ledger.example/r"
    )
    other = doc(4, "Wildfire forces evacuations", _OTHER, "https://wire.example/fire")
    for d in (wire, copy, copy_of_copy, other):
        a = e.analyse(d)
        (v,) = e.judge(d, a)
        assert not v.judgement.on_topic
        assert v.judgement.duplicate_of is None, "the story's own copy logic is not involved"
    assert [e.first_report(d) for d in (wire, copy, copy_of_copy, other)] == [1, 1, 1, 4]
    # asked again (a batch judged again after a crash): the same answers
    assert [e.first_report(d) for d in (copy_of_copy, copy, wire)] == [1, 1, 1]


def test_first_reports_are_bounded() -> None:
    e = Engine(EngineConfig(stream_copy_cap=3))
    texts = [f"Item {i} says {' '.join(f'w{i}x{k}' for k in range(20))}" for i in range(10)]
    for i, text in enumerate(texts):
        assert e.first_report(doc(i, f"Headline number {i} of ten", text)) == i
    assert len(e._first_reports) == 3
    # the oldest were forgotten: their copy is a first report again, a recent one's is not
    assert e.first_report(doc(20, "x", texts[0])) == 20
    assert e.first_report(doc(21, "y", texts[9])) == 9


# --------------------------------------------------------------------------- updates in place


def _counts(e: Engine) -> dict:
    """What an update must not change: the statistics and the profile."""
    state = e.snapshot(1)
    return {k: state[k] for k in ("n_judged", "story_df", "profile", "copies", "background")} | {
        "stream": e.background_state()
    }


def test_amend_adds_an_updated_reports_new_sentences_and_counts_nothing_again() -> None:
    e = warm_engine()
    (v,) = e.judge(doc(6, *LAWSUIT, url="https://news.example/sues", days=20))
    number = v.judgement.development
    assert number is not None and v.development is not None
    counts = _counts(e)
    added = "A federal judge on Friday temporarily blocked the Pentagon's supply chain risk designation."
    updated = doc(6, LAWSUIT[0], LAWSUIT[1] + " " + added, url="https://news.example/sues", days=20)

    amended = e.amend(1, number, updated, [added])

    assert amended is not None and amended.sentences == (added,)
    write = amended.development
    assert write.number == number and write.item_ids == ()
    # in the development's pool, cited to the report (the summary picks its few best)
    pool = json.dumps(e.snapshot(1)["developments"])
    assert json.dumps([added, "example.com", "https://news.example/sues"]) in pool
    assert _counts(e) == counts, "no statistic counts the report again"
    assert e.amend(1, number, updated, [added]) is None, "known already: nothing to add"
    assert e.amend(1, 99, updated, [added]) is None, "no such development"
    assert e.amend(2, number, updated, [added]) is None, "no such story"
    assert e.amend(1, number, updated, ["Too short."]) is None, "not fit for a summary"


def test_amend_takes_no_photo_caption_an_update_adds_to_a_punctuated_body() -> None:
    # A scraped page updated with a picture: its caption line, credit first and no full
    # stop, is no fact for the summary or the thread note, as in a first report's body.
    e = warm_engine()
    (v,) = e.judge(doc(6, *LAWSUIT, url="https://news.example/sues", days=20))
    number = v.judgement.development
    assert number is not None
    caption = (
        "Reuters Protesters gather outside the Pentagon as the lawsuit over the designation goes on"
    )
    updated = doc(
        6, LAWSUIT[0], LAWSUIT[1] + "\n" + caption, url="https://news.example/sues", days=20
    )

    assert e.amend(1, number, updated, [caption]) is None
    # a body with no full stop at all keeps its lines, as before
    bare = "officials say the Pentagon designation stays in place while the lawsuit goes on"
    unpunctuated = doc(6, LAWSUIT[0], bare, url="https://news.example/sues", days=20)
    amended = e.amend(1, number, unpunctuated, [bare])
    assert amended is not None and amended.sentences == (bare,)


def test_judge_again_takes_a_rewritten_item_without_counting_it_twice() -> None:
    e = warm_engine()
    title, text = BACKGROUND[0]
    (v,) = e.judge(doc(8, title, text, url="https://news.example/8", days=20))
    assert not v.judgement.on_topic
    state = e.snapshot(1)
    stream = e.background_state()

    rewritten = doc(8, *LAWSUIT, url="https://news.example/8", days=20)
    again = e.judge_again(1, rewritten)

    assert again is not None and again.judgement.on_topic and again.judgement.new_development
    assert again.development is not None and again.development.item_ids == (8,)
    after = e.snapshot(1)
    assert (after["n_judged"], after["background"]) == (
        state["n_judged"],
        state["background"],
    ), "its earlier version is counted already"
    assert e.background_state() == stream
    assert after["story_df"] != state["story_df"], "a new report of the story"
    assert e.judge_again(2, rewritten) is None, "no such story"


# another outlet's report of the lawsuit: four sentences of its own for a development's pool
COURIER = (
    "Anthropic asked the court to block the Pentagon designation while the lawsuit goes on. "
    "The company said the supply chain risk label has already cost it government customers. "
    "Lawyers for Anthropic said the designation breaks federal procurement law. "
    "A spokesperson for the Pentagon declined to comment on the Anthropic lawsuit."
)


def test_amend_makes_room_in_a_full_pool_from_the_least_central_sentences_of_others() -> None:
    e = warm_engine(EngineConfig(summary_pool=6))
    (v,) = e.judge(doc(6, *LAWSUIT, url="https://news.example/sues", days=20))
    number = v.judgement.development
    assert number is not None
    (w,) = e.judge(doc(7, LAWSUIT[0] + " - Courier", COURIER, "https://courier.example/s", 20.1))
    assert w.judgement.development == number
    pool = lambda: e.snapshot(1)["developments"]  # noqa: E731
    dev = next(d for d in pool()["clusters"] if d["number"] == number)
    before = [s for s, _, _ in dev["sentences"]]
    assert len(before) == 6, "the pool is full"
    added = "A federal judge on Friday temporarily blocked the Pentagon's supply chain risk designation."
    updated = doc(6, LAWSUIT[0], LAWSUIT[1] + " UPDATE: " + added, "https://news.example/sues", 20)

    amended = e.amend(1, number, updated, ["UPDATE: " + added])

    # the update's label is page furniture: the pool holds the sentence without it
    assert amended is not None and amended.sentences == (added,)
    dev = next(d for d in pool()["clusters"] if d["number"] == number)
    sentences = [s for s, _, _ in dev["sentences"]]
    assert len(sentences) == 6, "memory stays bounded"
    assert added in sentences
    # a sentence of the other report gave way, none the summary cites
    (gone,) = [s for s in before if s not in sentences]
    assert w.development is not None  # the summary as it stood: none of it gave way
    assert gone in COURIER and gone not in {c.sentence for c in w.development.citations}
    assert e.amend(1, number, updated, ["UPDATE: " + added]) is None, (
        "known already: nothing to add"
    )


def test_amend_keeps_a_reports_lead_when_an_update_only_moves_its_updated_stamp() -> None:
    # The page prints "Updated: <date> <time>" before its lead. The pool holds the lead
    # without the stamp (page furniture is not quoted), and a new version of the page
    # with a later stamp still says it: the lead is no stale sentence to make room with.
    e = warm_engine(EngineConfig(summary_pool=6))
    lead, rest = LAWSUIT[1].split(". ", 1)
    lead += "."

    def page(day: int, extra: str = "") -> str:
        return f"Updated: March {day}, 2026 9:0{day} AM {lead} {rest}{extra}"

    url = "https://news.example/sues"
    (v,) = e.judge(doc(6, LAWSUIT[0], page(5), url, 20))
    number = v.judgement.development
    assert number is not None
    (w,) = e.judge(doc(7, LAWSUIT[0] + " - Courier", COURIER, "https://courier.example/s", 20.1))
    assert w.judgement.development == number

    def pool() -> list[str]:
        devs = e.snapshot(1)["developments"]["clusters"]
        return [s for s, _, _ in next(d for d in devs if d["number"] == number)["sentences"]]

    assert len(pool()) == 6 and lead in pool(), "the pool is full and holds the bare lead"
    added = "A federal judge on Friday temporarily blocked the Pentagon's supply chain risk designation."

    amended = e.amend(1, number, doc(6, LAWSUIT[0], page(6, " " + added), url, 20), [added])

    assert amended is not None and amended.sentences == (added,)
    assert lead in pool() and added in pool() and len(pool()) == 6
    assert not any(s.startswith("Updated") for s in pool())


# Builds an engine from the demo timeline (items judged by two stories, others only
# observed, a vocabulary small enough to be pruned) and prints what the store would save.
_SAVED_STATE_SCRIPT = """
import json
from datetime import UTC, datetime, timedelta
from adapters.demo import seed_files
from adapters.demo.feedserver import DATA_DIR
from adapters.seeds import load_seed
from bot.engine import Engine, EngineConfig, EngineDoc
from bot.model import Story

seeds = [load_seed(str(p)) for p in seed_files()]
t0 = datetime(2026, 3, 5, tzinfo=UTC)
items = json.loads((DATA_DIR / "timeline.json").read_text(encoding="utf-8"))["items"]
docs = [
    EngineDoc(n, i["title"], i.get("content") or i.get("summary") or "", i["url"], i["feed"],
              t0 + timedelta(minutes=i["minute"]), t0 + timedelta(minutes=i["minute"]))
    for n, i in enumerate(sorted(items, key=lambda i: (i["minute"], i["guid"])), 1)
]
e = Engine(EngineConfig(max_vocab=400))
for d in docs[: len(docs) // 3]:
    e.observe(d)
e.track(Story(1, "demo", seeds[0].title, tuple(seeds), t0))
e.track(Story(2, "other", seeds[1].title, tuple(seeds[1:]), t0))
for d in docs[len(docs) // 3 :]:
    e.judge(d)
print(json.dumps({"1": e.snapshot(1), "2": e.snapshot(2), "stream": e.background_state()}))
"""


def test_saved_engine_state_is_the_same_bytes_whatever_the_hash_seed() -> None:
    """The stored state is JSON in the engine's dict order: an order that followed set
    iteration (per-process string hashing) made the same engine save other bytes in
    every process, so identical states could not be compared or deduplicated."""
    import subprocess
    import sys

    saved = [
        subprocess.run(
            [sys.executable, "-c", _SAVED_STATE_SCRIPT],
            env=code_env(PYTHONHASHSEED=seed),
            capture_output=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    ]
    state = json.loads(saved[0])
    assert len(state["stream"]["df"]) > 100 and state["1"]["story_df"]["df"]
    assert saved[1] == saved[0]
    assert saved[2] == saved[0]


def _threshold(seeds: tuple[SeedDoc, ...], item: EngineDoc, config: EngineConfig | None = None):
    """The threshold a story of ``seeds`` holds ``item`` to, and whether it says why."""
    e = Engine(config)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, days=-1))
    e.track(Story(1, "flood", seeds[0].title, seeds, T0))
    (v,) = e.judge(item)
    return v.judgement.reason["threshold"], v.judgement.reason.get("one_seed", False)


def test_a_story_from_one_article_holds_items_with_a_body_to_a_lower_threshold() -> None:
    # against one article a report of its event scores lower than against the mean of
    # several (a single document is no average): 0.7 x on_topic_threshold
    report = doc(50, *FLOOD_REPORT)
    assert _threshold(FLOOD_SEEDS[:1], report) == (0.07, True)
    assert _threshold(FLOOD_SEEDS[:2], report) == (0.1, False)
    # 1 turns it off, and /story why then says nothing of it
    assert _threshold(FLOOD_SEEDS[:1], report, EngineConfig(one_seed_scale=1)) == (0.1, False)
    assert _threshold(FLOOD_SEEDS[:1], report, EngineConfig(on_topic_threshold=0.2)) == (
        0.14,
        True,
    )
    # a headline-only item keeps the headline threshold; a story from one headline is
    # no article (its items with a body keep on_topic_threshold)
    headline = doc(51, FLOOD_REPORT[0])
    assert _threshold(FLOOD_SEEDS[:1], headline) == (0.08, False)
    one_headline = (replace(FLOOD_SEEDS[0], text=""),)
    assert _threshold(one_headline, report) == (0.1, False)
    # an article and a headline are two seeds: their mean is no single document
    assert _threshold((FLOOD_SEEDS[0], one_headline[0]), report) == (0.1, False)
