"""``/story status`` after a story has run for weeks: updates of older developments and
quiet spells.

"What's new" lists the latest developments by their first report; a development first
reported long ago that later reports added facts to (what a digest's "Updated since the
last digest" tells) is listed too, by its newest report, so the newest news comes first.
When the newest news is more than a day old, the status says for how long nothing came.
Decisions are committed as the pipeline commits them (``DevelopmentWrite.fact``) on a real
SQLite store; the clock is injected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import new_item

from adapters.discord_chat.render import message_embed
from adapters.slack_chat.render import TEXT_MAX, message_blocks
from bot.commands import Commands
from bot.model import CommandRequest, SeedDoc
from bot.ports import DevelopmentWrite
from bot.status_text import STATUS_BODY_MAX, STATUS_NEWS_HEADING, STATUS_UPDATES_MAX
from storage import open_store


@pytest.fixture
def store(migrated_sqlite_url, clock):
    s = open_store(migrated_sqlite_url)
    s.add_story("pentagon", "Anthropic reopens Pentagon talks", [SeedDoc("t", "x")], clock.now())
    yield s
    s.close()


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock)


def req(text: str, platform: str = "slack") -> CommandRequest:
    return CommandRequest(text=text, platform=platform, user_id="U1", channel_id="C1")


def report(store, clock, number: int, n: int, *, fact: str | None = None, summary: str = ""):
    """Item ``n`` (Outlet ``n``, published 5 minutes before now) reports development
    ``number``, adding ``fact`` (a development update, once the development exists)."""
    story = store.get_story("pentagon")
    item = store.ingest_item(new_item(n, at=clock.now()))[1]
    write = DevelopmentWrite(
        story.id,
        number,
        f"Turn {number}",
        summary or f"Turn {number} came.",
        (item.id,),
        fact=fact,
        fact_item_id=item.id if fact else None,
    )
    store.commit_decisions([], [write], {}, [], clock.now())


def news(text: str) -> list[str]:
    """The headline lines of status's "What's new", in order."""
    lines = text.splitlines()
    start = lines.index(STATUS_NEWS_HEADING) + 1
    return [line for line in lines[start:] if line[:1].isdigit()]


async def test_status_lists_an_old_development_updated_lately_by_its_newest_report(
    commands, store, clock
):
    # seven developments a day apart: status lists the latest five (7 to 3) whole
    for number in range(1, 8):
        clock.advance(days=1)
        report(store, clock, number, number)
    # then development 1, a week old, gets two more reports, one adding a fact
    clock.advance(hours=2)
    report(store, clock, 1, 20, fact="Outlet 20: The toll rose to 59 on Tuesday. [2]")
    report(store, clock, 1, 21)  # the wire story again: counted, no fact
    updated_at = clock.now() - timedelta(minutes=5)  # when Outlet 21 published it

    text = (await commands.handle(req("status"))).text

    assert news(text) == [
        f"1. Turn 1 (updated {updated_at:%Y-%m-%d %H:%M} UTC; first reported 2026-03-06 07:55 UTC)",
        "7. Turn 7 (first reported 2026-03-12 07:55 UTC)",
        "6. Turn 6 (first reported 2026-03-11 07:55 UTC)",
        "5. Turn 5 (first reported 2026-03-10 07:55 UTC)",
        "4. Turn 4 (first reported 2026-03-09 07:55 UTC)",
        "3. Turn 3 (first reported 2026-03-08 07:55 UTC)",
    ]
    lines = text.splitlines()
    at = lines.index(news(text)[0])
    assert lines[at + 1 : at + 3] == [
        "   New: Outlet 20: The toll rose to 59 on Tuesday. <https://news.example/20?utm=x>",
        "   2 more reports (Outlet 20 and Outlet 21) · 3 reports in all",
    ]
    # development 1 is listed, so only development 2 is older and not shown
    assert "… and 1 older development: `/story developments pentagon 2`" in text


async def test_status_lists_an_updated_recent_development_once_by_its_update(
    commands, store, clock
):
    for number in (1, 2, 3):
        clock.advance(days=1)
        report(store, clock, number, number)
    clock.advance(hours=1)
    report(store, clock, 2, 9, fact="Outlet 9: Talks resumed. [2]")

    text = (await commands.handle(req("status"))).text

    assert [line.split(" (")[0] for line in news(text)] == ["2. Turn 2", "3. Turn 3", "1. Turn 1"]
    assert "(updated 2026-03-08 08:55 UTC; first reported 2026-03-07 07:55 UTC)" in news(text)[0]
    assert text.count("Turn 2 came.") == 0, "its news is the fact, not its first sentence"
    assert "older development" not in text


async def test_status_leaves_out_updates_older_than_the_developments_it_lists(
    commands, store, clock
):
    # development 1 was updated before the five latest developments came: not "what's new"
    clock.advance(days=1)
    report(store, clock, 1, 1)
    clock.advance(hours=1)
    report(store, clock, 1, 20, fact="Outlet 20: An old fact. [2]")
    for number in range(2, 7):
        clock.advance(days=1)
        report(store, clock, number, number)

    text = (await commands.handle(req("status"))).text

    assert "An old fact" not in text and "updated" not in text
    assert [line.split(" (")[0] for line in news(text)] == [
        f"{n}. Turn {n}" for n in range(6, 1, -1)
    ]


async def test_status_tells_the_latest_updated_developments_at_most(commands, store, clock):
    for number in range(1, 11):
        clock.advance(hours=1)
        report(store, clock, number, number)
    for number in range(1, 6):  # five old developments updated, development 5 the last
        clock.advance(hours=1)
        report(
            store, clock, number, 100 + number, fact=f"Outlet {100 + number}: Fact {number}. [2]"
        )

    text = (await commands.handle(req("status"))).text

    updated = [line.split(" (")[0] for line in news(text) if "(updated" in line]
    assert len(updated) == STATUS_UPDATES_MAX
    assert updated == ["5. Turn 5", "4. Turn 4", "3. Turn 3"]


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_status_with_long_updates_stays_within_one_embed(commands, store, clock, platform):
    long = " ".join(["The committee heard more testimony about the contract terms"] * 6) + "."
    for number in range(1, 9):
        clock.advance(hours=1)
        report(store, clock, number, number, summary=long)
    for number in (1, 2, 3):
        clock.advance(hours=1)
        report(store, clock, number, 100 + number, fact=f"Outlet {100 + number}: {long} [2]")

    reply = await commands.handle(req("status", platform))

    assert len(reply.message.body) <= STATUS_BODY_MAX
    # and each chat shows it whole: Slack in sections of 3,000 characters, lines not
    # split; Discord in one embed of 4,096
    if platform == "slack":
        sections = [
            b["text"]["text"] for b in message_blocks(reply.message) if b["type"] == "section"
        ]
        assert all(len(t) <= TEXT_MAX for t in sections)
        assert "Feeds: none yet" in sections[-1] and "…" not in sections[-1][-100:]
    else:
        description = message_embed(reply.message).description
        assert len(description) <= 4096
        assert description.endswith(
            r"Feeds: none yet (add one with \`/story feeds add url:URL\`)."
            "\nThis channel follows no story: admins get its alerts here with "
            r"\`/story follow story:pentagon\`."
        )
    # the feed health and the channel's line (it follows nothing: how it gets alerts)
    # are never cut
    *_, health, follow = reply.text.splitlines()
    assert health.startswith("Feeds:") and follow.startswith("This channel follows no story")
    # the oldest news gave way, and is counted: the newest, the three updates, is kept
    assert "4. Turn 4" not in reply.text
    assert "… and 1 older development: `" in reply.text
    assert [line.split(" (")[0] for line in news(reply.text)][:3] == [
        "3. Turn 3",
        "2. Turn 2",
        "1. Turn 1",
    ]


async def test_status_says_how_long_nothing_new_came(commands, store, clock):
    clock.advance(days=1)
    report(store, clock, 1, 1)
    clock.advance(days=2)
    report(store, clock, 1, 2, fact="Outlet 2: Talks ended. [2]")
    last = clock.now() - timedelta(minutes=5)

    clock.advance(hours=23)  # within a day of the last news: nothing to say
    assert "Nothing new" not in (await commands.handle(req("status"))).text

    clock.advance(days=6)
    text = (await commands.handle(req("status"))).text
    lines = text.splitlines()
    at = lines.index(STATUS_NEWS_HEADING)
    assert lines[at + 1] == f"Nothing new for 6 days; last: {last:%Y-%m-%d %H:%M} UTC."
    assert lines[at + 2].startswith("1. Turn 1 (updated")


async def test_status_says_a_quiet_spell_after_a_new_development_too(commands, store, clock):
    clock.advance(days=1)
    report(store, clock, 1, 1)
    clock.advance(days=1, minutes=6)
    text = (await commands.handle(req("status"))).text
    assert "Nothing new for 1 day; last: 2026-03-06 07:55 UTC." in text


async def test_status_of_a_story_without_developments_says_no_quiet_spell(commands, clock):
    clock.advance(days=30)
    text = (await commands.handle(req("status"))).text
    assert "No new developments yet beyond the seed story." in text
    assert "Nothing new" not in text
