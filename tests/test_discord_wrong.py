"""``/story wrong`` end to end over Discord: the app as ``storybot run`` builds it, the
fake Discord gateway and its slash-command options; the item and its judgement are
stored as a poll would."""

from __future__ import annotations

from fakes.discord_server import MANAGE_GUILD, FakeDiscord
from store_builders import new_item
from test_discord_gateway import fake  # noqa: F401  (fixture)
from test_discord_stories import answer as answer_to
from test_discord_stories import app  # noqa: F401  (fixture)

from bot.model import Judgement


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
    assert "Only workspace/server admins may use `wrong`" in refused
    assert app.store.all_corrections() == {}

    recorded = await answer(fake, options, permissions=MANAGE_GUILD)
    assert 'Recorded: "Title 1" is part of chips-act. It counts as a seed from now on' in recorded
    # Discord's own form of the command that undoes it
    assert f"`/story wrong url:{item.url} story:chips-act`" in recorded
    assert app.store.all_corrections() == {story.id: {item.id: True}}

    withdrawn = await answer(fake, options, permissions=MANAGE_GUILD)
    assert 'Withdrew the correction of "Title 1" for chips-act' in withdrawn
    assert app.store.all_corrections() == {}
