"""``/story wrong`` end to end over Discord: the app as ``storybot run`` builds it, the
fake Discord gateway and its slash-command options; the item and its judgement are
stored as a poll would."""

from __future__ import annotations

from fakes.discord_server import APP_ID, MANAGE_GUILD, USER_ID, FakeDiscord
from store_builders import new_item
from test_discord_gateway import fake  # noqa: F401  (fixture)
from test_discord_stories import answer as answer_to
from test_discord_stories import app  # noqa: F401  (fixture)

from bot.model import Correction, Item, Judgement

EPHEMERAL = 64
ADMIN_MENTION = f"<@{USER_ID}>"


async def answer(fake: FakeDiscord, options: dict, **kw) -> str:
    """The text the user finally sees of ``/story wrong``."""
    _, content = await answer_to(fake, options, "wrong", **kw)
    return content


async def test_an_admin_says_a_passed_over_report_is_the_story_with_slash_options(
    fake: FakeDiscord, app, clock
):
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    app.store.add_story("other", "Other", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now()))
    passed = Judgement(story.id, item.id, False, 0.02)
    app.store.commit_decisions([passed], [], {}, [], clock.now())
    options = {"url": item.url, "story": "chips-act"}

    refused = await answer(fake, options)
    assert "Only admins may use `wrong`" in refused
    assert app.store.all_corrections() == {}

    recorded = await answer(fake, options, permissions=MANAGE_GUILD)
    assert 'Recorded: "Title 1" is part of chips-act. It counts as a seed from now on' in recorded
    # Discord's own form of the command that undoes it
    assert f"`/story wrong url:{item.url} story:chips-act`" in recorded
    assert app.store.all_corrections() == {story.id: {item.id: True}}

    withdrawn = await answer(fake, options, permissions=MANAGE_GUILD)
    assert 'Withdrew the correction of "Title 1" for chips-act' in withdrawn
    assert app.store.all_corrections() == {}


async def sent(fake: FakeDiscord, options: dict, command: str, **kw) -> dict:
    """The message that carries the answer to ``/story command``, as sent to Discord: the
    interaction response's data, or the follow-up after a defer."""
    interaction = await fake.interact([command], options, **kw)
    path = rf"/interactions/{interaction['id']}/{interaction['token']}/callback"
    first = (await fake.wait_for_call("POST", path, timeout=30)).json
    if first["type"] == 5:  # deferred: the answer is the first follow-up
        webhook = rf"/webhooks/{APP_ID}/{interaction['token']}"
        return (await fake.wait_for_call("POST", webhook, timeout=30)).json
    return first["data"]


def pings_no_one(message: dict) -> bool:
    """Whether ``allowed_mentions`` lets no mention in the message ping anybody."""
    allowed = message["allowed_mentions"]
    return allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles")


async def taken_and_corrected(fake: FakeDiscord, app, clock, **item_fields) -> Item:
    """Item 1, taken by chips-act and then said by an admin over Discord not to be part of it."""
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now(), **item_fields))
    taken = Judgement(story.id, item.id, True, 0.4, development=1, new_development=True)
    app.store.commit_decisions([taken], [], {}, [], clock.now())
    recorded = await answer(fake, {"url": item.url}, permissions=MANAGE_GUILD)
    assert "Recorded:" in recorded
    return item


async def test_why_over_discord_names_the_admin_who_corrected_an_item_as_a_mention_that_pings_no_one(
    fake: FakeDiscord, app, clock
):
    item = await taken_and_corrected(fake, app, clock)

    message = await sent(fake, {"url": item.url}, "why", user_id=USER_ID + 1)

    assert message["flags"] == EPHEMERAL and pings_no_one(message)
    assert (
        f"An admin ({ADMIN_MENTION}) said on 2026-03-05 this is not part of chips-act"
        in message["content"]
    )


async def test_withdrawing_a_correction_over_discord_names_the_admin_as_a_mention(
    fake: FakeDiscord, app, clock
):
    item = await taken_and_corrected(fake, app, clock)

    message = await sent(fake, {"url": item.url}, "wrong", permissions=MANAGE_GUILD)

    assert message["flags"] == EPHEMERAL and pings_no_one(message)
    assert f"chips-act: an admin ({ADMIN_MENTION}) had said on 2026-03-05" in message["content"]


async def test_feed_text_in_why_over_discord_stays_escaped_beside_the_admins_mention(
    fake: FakeDiscord, app, clock
):
    # the reply's own words for the admin, as a headline
    stand_in = f"an admin (@{USER_ID})"
    item = await taken_and_corrected(
        fake, app, clock, title=f"<@123> <@&5> @everyone {stand_in}", source="<@42>"
    )

    message = await sent(fake, {"url": item.url}, "why", user_id=USER_ID + 1)

    content = message["content"]
    assert pings_no_one(message)
    # each mention in a headline is broken with a zero-width space, @everyone and the
    # look-alike of the admin's too
    assert content.startswith(
        f"<\u200b@123> <\u200b@&5> @\u200beveryone an admin (@\u200b{USER_ID}) "
    )
    assert "(<\u200b@42>, seen" in content
    # the one mention in the reply is storybot's own, of the admin who corrected the item
    assert content.count("<@") == 1 and f"An admin ({ADMIN_MENTION}) said on" in content


async def test_a_correction_given_on_slack_is_no_mention_over_discord(
    fake: FakeDiscord, app, clock
):
    story = app.store.add_story("chips-act", "Chips Act", [], clock.now())
    _, item = app.store.ingest_item(new_item(1, at=clock.now()))
    passed = Judgement(story.id, item.id, False, 0.02)
    app.store.commit_decisions([passed], [], {}, [], clock.now())
    app.store.set_correction(Correction(story.id, item.id, True, "slack", "UADMIN", clock.now()))

    message = await sent(fake, {"url": item.url}, "why")

    content = message["content"]
    assert "An admin on Slack said on 2026-03-05 this is part of chips-act" in content
    assert "<@" not in content and "UADMIN" not in content
