"""``/story wrong`` end to end over Slack: the app as ``storybot run`` builds it and the
fake Slack's Socket Mode; the item and its judgement are stored as a poll would."""

from __future__ import annotations

from fakes.slack_fixtures import fake  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from store_builders import new_item
from test_slack_stories import answer, app  # noqa: F401  (fixture)

from bot.model import Judgement


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
    assert "Only workspace/server admins may use `wrong`" in refused["text"]
    assert app.store.all_corrections() == {}

    fake.users["UADMIN"] = {"is_admin": True}
    recorded = await answer(fake, text, "UADMIN")
    assert recorded["response_type"] == "ephemeral"
    assert 'Recorded: "Title 1" is not part of chips-act.' in recorded["text"]
    assert "its alert stays posted" in recorded["text"]
    assert app.store.all_corrections() == {story.id: {item.id: False}}

    why = await answer(fake, f"why <{item.url}>", "U0PLAIN")
    # the reply is escaped as every reply is: the mention pings no one
    assert (
        "An admin (&lt;@UADMIN&gt;) said on 2026-03-05 this is not part of chips-act: the decision above stands"
        in (why["text"])
    )
