"""``/story developments``: every development of a story, a page at a time.

Through the real ``Commands`` against a real SQLite store (the store's paging itself is
in the contract tests, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from store_builders import new_item
from test_commands import commands, store  # noqa: F401  (fixtures)

from adapters.discord_chat.render import message_embed
from bot.model import Citation, CommandRequest, DeliveryMode, SeedDoc
from bot.ports import DevelopmentWrite
from bot.status_text import DEVELOPMENTS_PAGE, STATUS_BODY_MAX, STATUS_LEAD_MAX


def req(text: str, *, platform: str = "slack", channel: str | None = "C1") -> CommandRequest:
    return CommandRequest(text=text, platform=platform, user_id="U1", channel_id=channel)


def develop(store, clock, count: int, story: str = "pentagon") -> None:
    """The seed story with a report of its own, then developments 1..count, an hour apart."""
    story_id = store.get_story(story).id
    _, seed_report = store.ingest_item(new_item(1000, at=clock.now()))
    store.commit_decisions(
        [],
        [DevelopmentWrite(story_id, 0, "The seed story", "Talks.", (seed_report.id,))],
        {},
        [],
        clock.now(),
    )
    for n in range(1, count + 1):
        _, item = store.ingest_item(new_item(n, at=clock.advance(3600)))
        lead = f"Turn {n} came on day {n}."
        write = DevelopmentWrite(
            story_id,
            n,
            f"Turn {n}",
            f"{lead} More followed.",
            (item.id,),
            (Citation(lead, f"Outlet {n}", f"https://news.example/{n}?utm=x"),),
        )
        store.commit_decisions([], [write], {}, [], clock.now())


def numbers(text: str) -> list[int]:
    """The development numbers a page lists, in order."""
    return [int(m[1]) for m in re.finditer(r"^(\d+)\. ", text, re.MULTILINE)]


async def test_pages_list_every_new_development_newest_first(commands, store, clock):
    start = clock.now()
    develop(store, clock, 23)

    pages = [await commands.handle(req(f"developments pentagon {page}")) for page in range(1, 6)]

    assert all(p.ok and p.ephemeral for p in pages)
    listed = [numbers(p.text) for p in pages]
    assert listed == [
        [23, 22, 21, 20, 19],
        [18, 17, 16, 15, 14],
        [13, 12, 11, 10, 9],
        [8, 7, 6, 5, 4],
        [3, 2, 1],
    ]
    assert DEVELOPMENTS_PAGE == 5
    first = pages[0].text
    assert first.startswith(
        "Anthropic reopens Pentagon talks (pentagon)\n"
        "23 developments after the seed story, newest first:\n"
    )
    # each entry as /story status shows it: number, headline, first report, lead with
    # the outlet and link it is from, report count and outlets
    reported = start + timedelta(hours=23, minutes=-5)
    assert (
        f"23. Turn 23 (first reported {reported:%Y-%m-%d %H:%M} UTC)\n"
        "   Turn 23 came on day 23. — Outlet 23 <https://news.example/23?utm=x>\n"
        "   1 report · Outlet 23\n"
    ) in first
    assert first.endswith("\nPage 1 of 5 · `/story developments pentagon 2` for older")
    assert pages[2].text.endswith("\nPage 3 of 5 · `/story developments pentagon 4` for older")
    assert pages[4].text.endswith("\nPage 5 of 5 · `/story developments pentagon 4` for newer")
    # the text (the console) and the message (Slack's blocks, Discord's embed) agree
    assert pages[4].message is not None
    assert pages[4].message.title == "Anthropic reopens Pentagon talks (pentagon)"
    assert pages[4].text == f"{pages[4].message.title}\n{pages[4].message.body}"


async def test_the_seed_story_is_not_listed(commands, store, clock):
    develop(store, clock, 2)
    reply = await commands.handle(req("developments"))
    assert reply.ok and numbers(reply.text) == [2, 1]
    assert "The seed story" not in reply.text and "Talks." not in reply.text
    assert "2 developments after the seed story" in reply.text
    assert "Page " not in reply.text, "one page: no footer"


async def test_without_page_it_is_the_first_and_without_story_the_channels(commands, store, clock):
    develop(store, clock, 7)
    store.add_story("chips", "Chips act", [SeedDoc("Chips", "text")], clock.now())
    # two stories and no follow here: which one? said for this command
    which = await commands.handle(req("developments"))
    assert not which.ok and "Which story? Say `/story developments NAME`." in which.text
    # a page asked for is kept in the command to retype, on either platform
    page_two = await commands.handle(req("developments 2"))
    assert "Which story? Say `/story developments NAME 2`." in page_two.text
    on_discord = await commands.handle(req("developments 2", platform="discord"))
    assert "Which story? Say `/story developments story:NAME page:2`." in on_discord.text
    store.bind(
        store.get_story("pentagon").id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now()
    )
    assert numbers((await commands.handle(req("developments"))).text) == [7, 6, 5, 4, 3]
    assert numbers((await commands.handle(req("developments 2"))).text) == [2, 1]
    assert numbers((await commands.handle(req("developments PENTAGON"))).text) == [7, 6, 5, 4, 3]
    nothing = await commands.handle(req("developments chips"))
    assert nothing.ok and nothing.text == (
        "chips has no developments yet beyond the seed story "
        "(`/story status chips` shows the story)."
    )


async def test_a_channel_following_several_stories_is_asked_which_of_its_own(
    commands, store, clock
):
    """A desk channel follows two of the newsroom's three stories: ``status`` and
    ``developments`` without a name list the two it follows, not every story."""
    for name in ("chips", "rail"):
        store.add_story(name, name.title(), [SeedDoc(name.title(), "text")], clock.now())
    for name in ("pentagon", "rail"):
        store.bind(store.get_story(name).id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
        store.bind(store.get_story(name).id, "discord", "9", DeliveryMode.DIGEST, 24, clock.now())
    for command in ("status", "developments"):
        which = await commands.handle(req(command))
        assert not which.ok and which.text == (
            f"Which story? Say `/story {command} NAME`. This channel follows pentagon, rail; "
            "`/story stories` lists every story."
        )
    on_discord = await commands.handle(req("status", platform="discord", channel="9"))
    assert on_discord.text == (
        "Which story? Say `/story status story:NAME`. This channel follows pentagon, rail; "
        "`/story stories action:list` lists every story."
    )
    # a channel following none of them still hears every story's name
    elsewhere = await commands.handle(req("status", channel="C2"))
    assert "Stories: pentagon, chips, rail" in elsewhere.text


async def test_a_lone_number_naming_a_story_is_the_story(commands, store, clock):
    store.add_story("2024", "The 2024 story", [SeedDoc("Election", "text")], clock.now())
    develop(store, clock, 1, story="2024")
    reply = await commands.handle(req("developments 2024"))
    assert (
        reply.ok and reply.text.startswith("The 2024 story (2024)") and numbers(reply.text) == [1]
    )


async def test_a_page_beyond_the_last_says_how_many_there_are(commands, store, clock):
    develop(store, clock, 23)
    reply = await commands.handle(req("developments pentagon 6"))
    assert not reply.ok and not reply.usage_error
    assert reply.text == (
        "pentagon has 5 pages of developments (23), so there is no page 6; "
        "`/story developments pentagon 5` shows the oldest."
    )
    on_discord = await commands.handle(req("developments 99", platform="discord"))
    assert "`/story developments story:pentagon page:5` shows the oldest" in on_discord.text


@pytest.mark.parametrize(
    "text",
    [
        "developments pentagon 0",
        "developments pentagon -1",
        "developments pentagon two",
        "developments pentagon 1.5",
        "developments 0",
        "developments -3",
        "developments pentagon 2 3",
    ],
)
async def test_a_page_that_is_no_page_number_is_a_usage_error(commands, store, clock, text):
    develop(store, clock, 7)
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.usage_error, reply.text
    assert "Usage: /story developments [story] [page]" in reply.text


async def test_a_story_without_developments_says_so(commands, store, clock):
    develop(store, clock, 0)  # the seed story has a report: still no new development
    reply = await commands.handle(req("developments pentagon"))
    assert reply.ok
    assert reply.text.startswith("pentagon has no developments yet beyond the seed story")


async def test_on_discord_the_footer_names_the_options(commands, store, clock):
    develop(store, clock, 12)
    reply = await commands.handle(req("developments pentagon 2", platform="discord"))
    assert reply.text.endswith(
        "\nPage 2 of 3 · `/story developments story:pentagon page:3` for older"
    )


async def test_every_page_fits_one_discord_embed_whatever_its_entries_hold(commands, store, clock):
    """Long headlines, leads, outlet names and links: each entry gives up room, never its
    place on the page (the next page starts where this one ends) nor the footer."""
    story_id = store.get_story("pentagon").id
    tracking = "https://news.example/" + "tracking-" * 40  # 381 characters
    for n in range(1, 12):
        url = {9: "https://news.example/" + "x" * 3000, 5: "https://news.example/5"}.get(
            n, f"{tracking}{n}"
        )
        outlet = f"Outlet {n}" + (" with a very long feed title" * 6 if n == 5 else "")
        reports = [
            new_item(100 * n + k, at=clock.advance(60), source=f"{outlet} {k}") for k in range(4)
        ]
        ids = tuple(store.ingest_item(report)[1].id for report in reports)
        lead = f"Lead {n}: " + "the senators asked for more detail about the deal " * 12
        write = DevelopmentWrite(
            story_id, n, "A long headline " * 12, lead, ids, (Citation(lead, outlet, url),)
        )
        store.commit_decisions([], [write], {}, [], clock.now())

    for page, expected in ((1, [11, 10, 9, 8, 7]), (2, [6, 5, 4, 3, 2]), (3, [1])):
        for platform in ("slack", "discord"):
            reply = await commands.handle(req(f"developments pentagon {page}", platform=platform))
            assert reply.message is not None
            assert len(reply.message.body) <= STATUS_BODY_MAX, (page, platform)
            assert numbers(reply.text) == expected
            assert reply.text.splitlines()[-1].startswith(f"Page {page} of 3 · ")
            # escaped for Discord's Markdown, the whole page is still one embed's text
            embed = message_embed(reply.message)
            assert embed.description is not None
            assert embed.description.splitlines()[-1].startswith(f"Page {page} of 3 · ")
    first = (await commands.handle(req("developments pentagon"))).text
    # a long tracking link is kept whole (the lead is cut for it) ...
    assert "   Lead 11: the senators asked for more detail about" in first
    assert f"… — Outlet 11 <{tracking}11>\n" in first and f"<{tracking}10>" in first
    # ... one of thousands of characters gives way, not the development
    assert "9. A long headline" in first and "xxxxxxxxxx" not in first
    second = (await commands.handle(req("developments pentagon 2"))).text
    assert "— Outlet 5 with a very long feed title… <https://news.example/5>" in second


async def test_help_names_the_command_in_each_platforms_form(commands):
    typed = await commands.handle(req("help developments"))
    assert typed.text.startswith("/story developments [story] [page]\nEvery development")
    everything = (await commands.handle(req("help"))).text
    assert "/story developments [story] [page]" in everything
    on_discord = await commands.handle(req("help developments", platform="discord"))
    assert on_discord.text.startswith("/story developments [story:NAME] [page:N]\n")


@pytest.mark.parametrize("platform", ["slack", "discord", "console"])
async def test_the_developments_help_says_an_entry_tells_its_last_update_and_newest_fact(
    commands, platform
):
    # the entries say when a development was last updated and the newest fact later
    # reports added (test_an_entry_tells_the_newest_fact_later_reports_added_and_when):
    # the help did not say so
    said = (await commands.handle(req("help developments", platform=platform))).text
    assert said.endswith(
        "one that later reports added facts to also says when it was last updated and its "
        "newest fact."
    ), said
    # the list of every command gives it one line naming this help
    option = "command:" if platform == "discord" else ""
    everything = (await commands.handle(req("help", platform=platform))).text
    assert (
        f"Every development of the story, newest first, 5 a page "
        f"(`/story help {option}developments` tells how)."
    ) in everything


def test_a_status_entry_does_not_repeat_its_headline_as_its_lead() -> None:
    from datetime import UTC, datetime

    from bot.model import Citation, Development
    from bot.status_text import _status_entry

    headline = "The Problem With Representative Democracy"
    url = "https://foreignpolicy.com/2026/02/13/landemore/"
    dev = Development(
        story_id=1,
        number=1,
        headline=headline,
        summary=headline,
        created_at=datetime(2026, 2, 13, 19, tzinfo=UTC),
        updated_at=datetime(2026, 2, 13, 19, tzinfo=UTC),
        item_count=1,
        sources=("Foreign Policy",),
        links=(("Foreign Policy", url),),
        citations=(Citation(headline, "Foreign Policy", url),),
    )
    # was a lead line "The Problem With Representative Democracy — Foreign Policy <url>"
    assert _status_entry(dev) == [
        f"1. {headline} (first reported 2026-02-13 19:00 UTC)",
        f"   1 report · Foreign Policy <{url}>",
    ]


def add_report(
    store, clock, number: int, n: int, *, fact: str | None = None, lead: str = "", cited=False
):
    """Item ``n`` (Outlet ``n``, published 5 minutes before now) reports development
    ``number``, whose summary leads with ``lead``, cited from Outlet ``number`` (``cited``:
    from item ``n``); ``fact``: what it added (a development update), as the pipeline
    commits it."""
    story_id = store.get_story("pentagon").id
    item = store.ingest_item(new_item(n, at=clock.now()))[1]
    lead = lead or f"Turn {number} came."
    write = DevelopmentWrite(
        story_id,
        number,
        f"Turn {number}",
        f"{lead} More followed.",
        (item.id,),
        (
            Citation(lead, f"Outlet {n}", item.url)
            if cited
            else Citation(lead, f"Outlet {number}", f"https://news.example/{number}"),
        ),
        fact=fact,
        fact_item_id=item.id if fact else None,
    )
    store.commit_decisions([], [write], {}, [], clock.now())


async def test_an_entry_tells_the_newest_fact_later_reports_added_and_when(commands, store, clock):
    """A digest's "… and N more updated" needs a reply that tells every updated
    development: each entry of the page says when later reports last updated it and the
    newest fact they added, with its outlet and link, as /story status does."""
    for number in range(1, 8):
        clock.advance(hours=1)
        add_report(store, clock, number, number)
        if number == 2:
            first_of_2 = clock.now() - timedelta(minutes=5)
    clock.advance(hours=1)
    add_report(store, clock, 2, 20, fact="Outlet 20: The toll rose to 40. [2]")
    clock.advance(hours=1)
    add_report(store, clock, 2, 21, fact="Outlet 21: The toll rose to 59 on Tuesday. [3]")
    clock.advance(hours=1)
    add_report(store, clock, 2, 22)  # the wire story again: counted, no fact
    updated = clock.now() - timedelta(minutes=5)
    add_report(store, clock, 6, 23)  # no fact: no update to tell

    page_2 = (await commands.handle(req("developments pentagon 2"))).text

    assert numbers(page_2) == [2, 1]
    assert (
        f"2. Turn 2 (updated {updated:%Y-%m-%d %H:%M} UTC; "
        f"first reported {first_of_2:%Y-%m-%d %H:%M} UTC)\n"
        "   Turn 2 came. — Outlet 2 <https://news.example/2>\n"
        "   New: Outlet 21: The toll rose to 59 on Tuesday. <https://news.example/21?utm=x>\n"
        "   4 reports · Outlet 2, Outlet 20 and 2 more\n"
    ) in page_2
    assert "toll rose to 40" not in page_2, "the newest fact only"
    assert "1. Turn 1 (first reported" in page_2 and page_2.count("New:") == 1
    page_1 = (await commands.handle(req("developments pentagon"))).text
    assert "6. Turn 6 (first reported" in page_1 and "New:" not in page_1
    on_discord = await commands.handle(req("developments pentagon 2", platform="discord"))
    assert "   New: Outlet 21: The toll rose to 59 on Tuesday. <" in on_discord.text


async def test_a_page_of_long_updated_entries_fits_one_embed_and_slacks_sections(
    commands, store, clock
):
    """Every entry updated, leads and facts long: the page still lists its five
    developments, each with its new fact, within one Discord embed (4,096) and Slack
    sections of 3,000 characters; the lead and the fact share what room is left."""
    from adapters.slack_chat.render import TEXT_MAX, message_blocks

    long = " ".join(["The committee heard more testimony about the contract terms"] * 6)
    for number in range(1, 12):
        clock.advance(hours=1)
        add_report(store, clock, number, number, lead=f"Lead {number}: {long}.")
    for number in range(1, 12):
        clock.advance(hours=1)
        n = 100 + number
        fact = f"Outlet {n}: Fact {number}: {long}. [2]"
        add_report(store, clock, number, n, fact=fact, lead=f"Lead {number}: {long}.")

    for page, expected in ((1, [11, 10, 9, 8, 7]), (2, [6, 5, 4, 3, 2]), (3, [1])):
        reply = await commands.handle(req(f"developments pentagon {page}"))
        assert reply.message is not None
        assert numbers(reply.text) == expected
        assert reply.text.count("   New: Outlet 1") == len(expected)
        assert len(reply.message.body) <= STATUS_BODY_MAX
        assert reply.text.splitlines()[-1].startswith(f"Page {page} of 3 · ")
        sections = [
            b["text"]["text"] for b in message_blocks(reply.message) if b["type"] == "section"
        ]
        assert all(len(t) <= TEXT_MAX for t in sections)
        discord = await commands.handle(req(f"developments pentagon {page}", platform="discord"))
        description = message_embed(discord.message).description
        assert description is not None and len(description) <= 4096
        assert description.splitlines()[-1].startswith(f"Page {page} of 3 · ")
    first = (await commands.handle(req("developments pentagon"))).text
    # lead and fact are cut alike, each keeping its link
    assert "   Lead 11: The committee heard" in first and "… — Outlet 11 <" in first
    assert "   New: Outlet 111: Fact 11: The committee heard" in first
    assert "… <https://news.example/111?utm=x>" in first
    # the last page's one entry has the room to itself: as long as status shows a fact
    last = (await commands.handle(req("developments pentagon 3"))).text
    (new_line,) = [line for line in last.splitlines() if line.startswith("   New:")]
    assert new_line.startswith("   New: Outlet 101: Fact 1: The committee")
    assert len(new_line.split(" <")[0]) <= len("   New: ") + STATUS_LEAD_MAX
    assert all(len(line) < len(new_line) for line in first.splitlines() if "New:" in line)


async def test_a_page_reads_its_updates_in_one_query(commands, store, clock):
    from sqlalchemy import event

    for number in range(1, 8):
        clock.advance(hours=1)
        add_report(store, clock, number, number)
        add_report(store, clock, number, 100 + number, fact=f"Outlet {100 + number}: F. [2]")
    statements: list[str] = []

    def log(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", log)
    try:
        reply = await commands.handle(req("developments pentagon"))
    finally:
        event.remove(store.engine, "before_cursor_execute", log)
    assert reply.text.count("New:") == 5
    assert sum("development_updates" in s for s in statements) == 1, statements


async def test_an_entry_does_not_tell_its_newest_fact_again_when_its_lead_quotes_it(
    commands, store, clock
):
    """The report that brought the newest fact often also gave the summary its first
    sentence (the demo's development 1): the lead shows that sentence with the report's
    outlet and link, so the "New:" line tells only what the fact says after it, and no
    line when nothing (the entry still says when it was updated). A fact of another
    outlet than the lead's is told whole."""
    lead = "Amodei told staff the deal keeps both limits."
    for number in (1, 2, 3):
        clock.advance(hours=1)
        add_report(store, clock, number, number)
    clock.advance(hours=1)
    fact = "Outlet 20: Amodei told staff the… [2]"
    add_report(store, clock, 1, 20, lead=lead, fact=fact, cited=True)
    updated = clock.now() - timedelta(minutes=5)
    fact = f"Outlet 21: {lead} The vote is Friday. … [3]"
    add_report(store, clock, 2, 21, lead=lead, fact=fact, cited=True)
    add_report(store, clock, 3, 22, lead=lead, fact=f"Outlet 22: {lead} [4]")

    text = (await commands.handle(req("developments pentagon"))).text

    entry_1 = text.split("\n1. ")[1]
    assert entry_1.startswith(f"Turn 1 (updated {updated:%Y-%m-%d %H:%M} UTC; first reported")
    assert f"   {lead} — Outlet 20 <https://news.example/20?utm=x>\n" in entry_1
    assert entry_1.count("Amodei told staff") == 1 and "New:" not in entry_1, entry_1
    entry_2 = text.split("\n2. ")[1].split("\n1. ")[0]
    assert entry_2.count("Amodei told staff") == 1, entry_2
    assert "   New: Outlet 21: The vote is Friday. … <https://news.example/21?utm=x>\n" in entry_2
    entry_3 = text.split("\n3. ")[1].split("\n2. ")[0]
    assert f"   New: Outlet 22: {lead} <" in entry_3, entry_3
