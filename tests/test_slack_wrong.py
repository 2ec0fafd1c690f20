"""``/story wrong`` end to end over Slack: the app as ``storybot run`` builds it and the
fake Slack's Socket Mode; the item and its judgement are stored as a poll would."""

from __future__ import annotations

from fakes.slack_fixtures import fake  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from store_builders import new_item
from test_slack_stories import answer, app  # noqa: F401  (fixture)

from bot.model import Correction, Item, Judgement


async def test_an_admin_says_a_report_is_not_the_story_and_why_then_says_so(
    fake: FakeSlack, app, clock
) -> None:
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now()))
    taken = Judgement(story.id, item.id, True, 0.4, development=1, new_development=True)
    app.store.commit_decisions([taken], [], {}, [], clock.now())
    # Slack sends a pasted link as <url>
    text = f"wrong <{item.url}>"

    refused = await answer(fake, text, "U0PLAIN")
    assert "Only admins may use `wrong`" in refused["text"]
    assert app.store.all_corrections() == {}

    fake.users["UADMIN"] = {"is_admin": True}
    recorded = await answer(fake, text, "UADMIN")
    assert recorded["response_type"] == "ephemeral"
    assert 'Recorded: "Title 1" is not part of chips-act.' in recorded["text"]
    assert "its alert stays posted" in recorded["text"]
    assert app.store.all_corrections() == {story.id: {item.id: False}}

    why = await answer(fake, f"why <{item.url}>", "U0PLAIN")
    # the admin is a mention, which Slack shows as their name, in the ephemeral reply
    assert why["response_type"] == "ephemeral"
    said = "An admin (<@UADMIN>) said on 2026-03-05 this is not part of chips-act: the decision"
    assert said in shown(why) and said in why["text"]


def shown(response: dict) -> str:
    """The mrkdwn of a reply's sections, as sent to Slack (unescaped by nobody)."""
    return "\n".join(b["text"]["text"] for b in response["blocks"] if b["type"] == "section")


async def correct_as_admin(fake: FakeSlack, app, clock, **item_fields) -> Item:
    """Item 1, taken by chips-act and then said by UADMIN over Slack not to be part of it."""
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now(), **item_fields))
    taken = Judgement(story.id, item.id, True, 0.4, development=1, new_development=True)
    app.store.commit_decisions([taken], [], {}, [], clock.now())
    fake.users["UADMIN"] = {"is_admin": True}
    recorded = await answer(fake, f"wrong <{item.url}>", "UADMIN")
    assert "Recorded:" in recorded["text"]
    return item


async def test_withdrawing_a_correction_over_slack_names_the_admin_who_gave_it_as_a_mention(
    fake: FakeSlack, app, clock
) -> None:
    item = await correct_as_admin(fake, app, clock)

    withdrawn = await answer(fake, f"wrong <{item.url}>", "UADMIN")

    assert withdrawn["response_type"] == "ephemeral"
    assert "chips-act: an admin (<@UADMIN>) had said on 2026-03-05 it is not part" in shown(
        withdrawn
    )


async def test_feed_text_in_why_stays_escaped_beside_the_admins_mention(
    fake: FakeSlack, app, clock
) -> None:
    # a headline and an outlet written like mentions, one like the reply's own words
    item = await correct_as_admin(
        fake, app, clock, title="<@U999> <!channel> an admin (@UADMIN)", source="<@W998>"
    )

    why = await answer(fake, f"why <{item.url}>", "U0PLAIN")

    text = shown(why)
    assert "&lt;@U999&gt; &lt;!channel&gt; an admin (@UADMIN) (&lt;@W998&gt;, seen" in text
    # the one mention in the reply is storybot's own, of the admin who corrected the item
    assert text.count("<@") == 1 and "An admin (<@UADMIN>) said on" in text
    assert "<!channel>" not in text and "<!channel>" not in why["text"]
    # the notification text says the same in one line
    fallback = why["text"]
    assert fallback.startswith("&lt;@U999&gt; &lt;!channel&gt; an admin (@UADMIN) (&lt;@W998&gt;")
    assert fallback.count("<@") == 1 and "An admin (<@UADMIN>) said on" in fallback


async def test_a_correction_given_on_discord_is_no_mention_over_slack(
    fake: FakeSlack, app, clock
) -> None:
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now()))
    passed = Judgement(story.id, item.id, False, 0.02)
    app.store.commit_decisions([passed], [], {}, [], clock.now())
    app.store.set_correction(
        Correction(story.id, item.id, True, "discord", "1400000000000000001", clock.now())
    )

    why = await answer(fake, f"why <{item.url}>", "U0PLAIN")

    text = shown(why)
    assert "An admin on Discord said on 2026-03-05 this is part of chips-act" in text
    assert "<@" not in text and "1400000000000000001" not in text
