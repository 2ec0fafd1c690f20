"""``/story wrong <item url> [story]`` and what ``/story why`` says of corrections, against
a real SQLite store (the platform-neutral commands, as every chat front end calls them)."""

from __future__ import annotations

import pytest
from store_builders import new_item

from bot.commands import Commands
from bot.model import CommandRequest, Correction, DeliveryMode, Judgement, Mention, SeedDoc
from storage import open_store

ADMIN = "UADMIN"


@pytest.fixture
def store(migrated_sqlite_url, clock):
    s = open_store(migrated_sqlite_url)
    s.add_story("pentagon", "Anthropic and the Pentagon", [SeedDoc("Talks", "text")], clock.now())
    yield s
    s.close()


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock)


def req(
    text: str, *, admin: bool = True, platform: str = "slack", channel: str | None = "C1"
) -> CommandRequest:
    return CommandRequest(text, platform, ADMIN, channel_id=channel, is_admin=admin)


def judged(store, clock, n: int, **by_story: bool):
    """Item ``n``, judged by each named story: on-topic (in development 1) or not."""
    _, item = store.ingest_item(new_item(n, at=clock.now()))
    judgements = [
        Judgement(
            store.get_story(name).id,
            item.id,
            on,
            0.3 if on else 0.02,
            development=1 if on else None,
            new_development=on,
        )
        for name, on in by_story.items()
    ]
    store.commit_decisions(judgements, [], {}, [], clock.now())
    return item


def add_story(store, clock, name: str):
    return store.add_story(name, name.title(), [SeedDoc(name, "text")], clock.now())


async def test_a_report_taken_wrongly_is_said_not_to_be_the_story_and_again_withdrawn(
    commands, store, clock
):
    item = judged(store, clock, 1, pentagon=True)
    story = store.get_story("pentagon")

    reply = await commands.handle(req(f"wrong {item.url}"))

    assert reply.ok, reply.text
    assert reply.text == (
        'Recorded: "Title 1" is not part of pentagon. Reports like it will be held back '
        "from now on; its alert stays posted.\n"
        f"To undo it: `/story wrong {item.url}`."
    )
    assert store.item_corrections(item.id) == [
        Correction(story.id, item.id, False, "slack", ADMIN, clock.now())
    ]
    # the decision made stays: the correction is about reports like it from now on
    [decision] = store.decisions_for_item(item.id)
    assert decision.judgement.on_topic

    clock.advance(hours=1)
    undone = await commands.handle(req(f"wrong {item.url}"))

    assert undone.ok, undone.text
    assert undone.text == (
        'Withdrew the correction of "Title 1" for pentagon: an admin (@UADMIN) had said '
        "on 2026-03-05 it is not part of the story.\n"
        f"storybot judges reports like it by itself again; `/story wrong {item.url}` "
        "records it again."
    )
    # the admin is a mention beside the text (each adapter writes it its platform's way)
    [(at, admin)] = undone.mentions
    assert admin == Mention("slack", ADMIN, "@UADMIN")
    assert undone.text[at:].startswith("@UADMIN) had said")
    assert store.all_corrections() == {}


async def test_a_report_passed_over_is_said_to_be_the_story(commands, store, clock):
    item = judged(store, clock, 1, pentagon=False)

    reply = await commands.handle(req(f"wrong {item.url} pentagon"))

    assert reply.text == (
        'Recorded: "Title 1" is part of pentagon. It counts as a seed from now on, so reports '
        "like it are taken more readily.\n"
        f"To undo it: `/story wrong {item.url}`."
    )
    assert store.all_corrections().get(store.get_story("pentagon").id, {}) == {item.id: True}


async def test_a_report_in_the_seed_story_has_no_alert_to_keep(commands, store, clock):
    _, item = store.ingest_item(new_item(1))
    story = store.get_story("pentagon")
    seed_copy = Judgement(story.id, item.id, True, 0.9, development=0)
    store.commit_decisions([seed_copy], [], {}, [], clock.now())

    reply = await commands.handle(req(f"wrong {item.url}"))

    assert "held back from now on.\n" in reply.text and "alert" not in reply.text


async def test_only_admins_may_correct_storybot(commands, store, clock):
    item = judged(store, clock, 1, pentagon=True)

    reply = await commands.handle(req(f"wrong {item.url}", admin=False))

    assert not reply.ok
    assert "Only admins may use `wrong`" in reply.text
    assert store.all_corrections() == {}


async def test_the_story_is_the_one_that_took_the_item_else_the_channels_else_the_only_one(
    commands, store, clock
):
    iran = add_story(store, clock, "iran")
    took = judged(store, clock, 1, pentagon=False, iran=True)
    await commands.handle(req(f"wrong {took.url}"))
    assert store.all_corrections() == {iran.id: {took.id: False}}

    store.bind(iran.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    missed = judged(store, clock, 2, pentagon=False, iran=False)
    reply = await commands.handle(req(f"wrong {missed.url}"))
    assert "is part of iran" in reply.text
    # two stories: the name is in the command that undoes it
    assert f"To undo it: `/story wrong {missed.url} iran`." in reply.text
    assert store.all_corrections().get(iran.id, {}) == {took.id: False, missed.id: True}


async def test_a_correction_is_withdrawn_without_naming_its_story(commands, store, clock):
    # the channel follows another story: the correction's own story is the one meant
    iran = add_story(store, clock, "iran")
    store.bind(iran.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    item = judged(store, clock, 1, pentagon=False, iran=False)
    await commands.handle(req(f"wrong {item.url} pentagon"))

    reply = await commands.handle(req(f"wrong {item.url}"))

    assert reply.text.startswith('Withdrew the correction of "Title 1" for pentagon'), reply.text
    assert store.all_corrections() == {}


@pytest.mark.parametrize(
    ("follows", "listed"),
    [
        (("pentagon", "iran"), "This channel follows iran, pentagon."),
        ((), "Stories that judged it: iran, pentagon."),
    ],
)
async def test_when_the_story_cannot_be_told_the_reply_asks_for_it(
    commands, store, clock, follows, listed
):
    add_story(store, clock, "iran")
    for name in follows:
        store.bind(store.get_story(name).id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())
    item = judged(store, clock, 1, pentagon=False, iran=False)

    reply = await commands.handle(req(f"wrong {item.url}"))

    assert not reply.ok
    assert reply.text == f"Which story? Say `/story wrong {item.url} NAME`. {listed}"
    assert store.all_corrections() == {}


async def test_without_a_name_only_the_stories_that_judged_the_item_are_candidates(
    commands, store, clock
):
    # the console follows every story: one added after the item has no decision on it
    item = judged(store, clock, 1, pentagon=False)
    clock.advance(hours=1)
    rail = add_story(store, clock, "rail")
    for story in (store.get_story("pentagon"), rail):
        store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, clock.now())

    reply = await commands.handle(req(f"wrong {item.url}"))

    assert reply.text.startswith('Recorded: "Title 1" is part of pentagon.'), reply.text
    assert store.all_corrections() == {store.get_story("pentagon").id: {item.id: True}}


async def test_an_item_two_stories_took_asks_which_on_discord_with_its_options(
    commands, store, clock
):
    add_story(store, clock, "iran")
    item = judged(store, clock, 1, pentagon=True, iran=True)

    reply = await commands.handle(req(f"wrong {item.url}", platform="discord"))

    assert reply.text == (
        f"Which story? Say `/story wrong url:{item.url} story:NAME`. "
        "This item was taken by iran, pentagon."
    )


async def test_a_story_that_has_not_judged_the_item_has_nothing_to_correct(commands, store, clock):
    item = judged(store, clock, 1, pentagon=True)
    clock.advance(hours=1)
    add_story(store, clock, "iran")
    before = await commands.handle(req(f"wrong {item.url} iran"))
    later = judged(store, clock, 2)  # stored, judged by no story yet

    assert before.text == (
        'iran never judged "Title 1": it arrived before that story was added, so there '
        "is no decision to correct."
    )
    not_yet = await commands.handle(req(f"wrong {later.url} iran"))
    assert not_yet.text.startswith('iran has not judged "Title 2" yet, so there is no decision')
    nobody = await commands.handle(req(f"wrong {later.url}"))
    assert nobody.text == (
        'No story has judged "Title 2" yet, so there is no decision to correct. '
        "`/story why` says why."
    )
    unknown = await commands.handle(req(f"wrong {item.url} nosuch"))
    assert unknown.text.startswith("There is no story named 'nosuch'. Known stories: ")
    typo = await commands.handle(req(f"wrong {item.url} irann"))
    assert typo.text.startswith("There is no story named 'irann'. Did you mean `iran`? Known ")
    assert not any(r.ok for r in (before, not_yet, nobody, unknown, typo))
    assert store.all_corrections() == {}


async def test_links_that_name_no_item_or_several_record_nothing(commands, store, clock):
    home = "https://news.example/"
    for n in (1, 2):
        store.ingest_item(new_item(n, url=home, canonical_url=home, shared_link=True))

    shared = await commands.handle(req(f"wrong {home}"))
    unseen = await commands.handle(req("wrong https://nowhere.example/x"))
    no_link = await commands.handle(req("wrong pentagon"))
    bare = await commands.handle(req("wrong"))
    extra = await commands.handle(req(f"wrong {home} pentagon more"))

    assert shared.text == (
        "2 items share this link (their feed lists them under one page), so it does not "
        'tell which one you mean: "Title 2", "Title 1". Nothing was recorded.'
    )
    assert unseen.text == "storybot has not seen an item at https://nowhere.example/x."
    assert no_link.usage_error and "`wrong` takes an item's link" in no_link.text
    assert bare.usage_error and bare.text == "Usage: /story wrong <item url> [story]"
    assert extra.usage_error and "does not take 'more'" in extra.text
    assert store.all_corrections() == {}


async def test_a_slack_link_with_a_label_is_read_with_the_story_after_it(commands, store, clock):
    item = judged(store, clock, 1, pentagon=True)

    reply = await commands.handle(req(f"wrong <{item.url}|Title of the report> pentagon"))

    assert reply.ok, reply.text
    assert store.all_corrections().get(store.get_story("pentagon").id, {}) == {item.id: False}


@pytest.mark.parametrize(
    ("platform", "form"),
    [
        ("slack", "/story wrong <item url> [story]"),
        ("discord", "/story wrong url:<item url> [story:NAME]"),
    ],
)
async def test_help_explains_wrong_in_each_platforms_form(commands, platform, form):
    reply = await commands.handle(req("help wrong", platform=platform, admin=False))
    assert reply.text.splitlines()[0] == form
    assert "wrong to take, or to pass over, an item (admins); the same again undoes it" in (
        reply.text
    )
    listed = await commands.handle(req("help", platform=platform, admin=False))
    assert f"`{form}`" in listed.text


# ---------------------------------------------------------------- /story why


async def test_why_says_who_corrected_a_decision_and_when(commands, store, clock):
    add_story(store, clock, "iran")
    item = judged(store, clock, 1, pentagon=True, iran=False)
    await commands.handle(req(f"wrong {item.url} pentagon"))
    iran = store.get_story("iran")
    store.set_correction(Correction(iran.id, item.id, True, "discord", "42", clock.now()))

    why = await commands.handle(req(f"why {item.url}", admin=False))
    lines = why.text.splitlines()

    at = lines.index(next(line for line in lines if line.startswith("• started development 1")))
    assert lines[at + 1] == (
        "    An admin (@UADMIN) said on 2026-03-05 this is not part of pentagon: the "
        "decision above stands, and since then reports like it are held back."
    )
    # an admin on another platform has no mention here, nor an id that means nothing here
    off = lines.index(next(line for line in lines if line.startswith("• off-topic for iran")))
    assert lines[off + 1] == (
        "    An admin on Discord said on 2026-03-05 this is part of iran: the decision "
        "above stands, and since then reports like it are taken more readily."
    )
    assert [admin for _, admin in why.mentions] == [Mention("slack", ADMIN, "@UADMIN")]


async def test_why_in_the_terminal_names_a_chat_admin_by_platform_and_id(commands, store, clock):
    item = judged(store, clock, 1, pentagon=True)
    await commands.handle(req(f"wrong {item.url}"))

    why = await commands.handle(req(f"why {item.url}", admin=False, platform="console"))

    # the operator can look the id up; the terminal has no mentions
    assert (
        "    An admin on Slack (UADMIN) said on 2026-03-05 this is not part of pentagon: "
    ) in why.text
    assert why.mentions == ()


async def test_why_says_an_item_was_held_back_as_like_a_report_said_not_to_be_the_story(
    commands, store, clock
):
    wrongly = judged(store, clock, 1, pentagon=True)
    _, later = store.ingest_item(new_item(2))
    story = store.get_story("pentagon")
    held = {
        "score": 0.31,
        "threshold": 0.1,
        "support": 0.3,
        "held_back": {"like": wrongly.id, "score": 0.52},
    }
    store.commit_decisions(
        [Judgement(story.id, later.id, False, 0.31, reason=held)], [], {}, [], clock.now()
    )

    text = (await commands.handle(req(f"why {later.url}", admin=False))).text

    assert (
        "• off-topic for pentagon (score 0.310: held back, as it reads like a report an "
        "admin said is not part of the story)"
    ) in text
    assert (
        "    held back: it reads like 'Title 1' (Outlet 1) <https://news.example/1?utm=x> "
        "(score 0.520 against that report, 0.310 against the story), which an admin said "
        "is not part of the story"
    ) in text
    assert "held_back" not in text and "like=" not in text
    # its support was enough (it would have been taken): held back is the one reason
    assert "too little" not in text and "support" not in text


@pytest.mark.parametrize(("command", "what"), [("wrong", "correct"), ("why", "explain")])
async def test_a_seed_articles_link_is_named_as_that_storys_seed(
    commands, store, clock, command, what
):
    store.add_story(
        "rail",
        "Rail strike",
        [SeedDoc("Strike", "text", "https://news.example/strike"), SeedDoc("Talks", "text")],
        clock.now(),
    )
    reply = await commands.handle(req(f"{command} https://news.example/strike?utm_source=x"))

    assert reply.text == (
        "That is seed article 1 of rail: the seeds are what the story is, not reports "
        f"storybot judged, so there is nothing to {what}. To change a story's seeds, remove "
        "the story and add it again."
    ), reply.text


async def test_why_says_an_item_was_left_to_another_story_that_reads_it_far_better(
    commands, store, clock
):
    ukraine = add_story(store, clock, "ukraine-talks")
    pentagon = store.get_story("pentagon")
    _, item = store.ingest_item(new_item(1, at=clock.now()))
    left = {
        "score": 0.245,
        "threshold": 0.1,
        "support": 0.12,
        "other_story": {
            "story": pentagon.id,
            "score": 0.765,
            "threshold": 0.1,
            "times": 3.12,
            "from": 2.0,
        },
    }
    store.commit_decisions(
        [
            Judgement(pentagon.id, item.id, True, 0.765, development=0),
            Judgement(ukraine.id, item.id, False, 0.245, reason=left),
        ],
        [],
        {},
        [],
        clock.now(),
    )

    text = (await commands.handle(req(f"why {item.url}", admin=False))).text

    assert (
        "• off-topic for ukraine-talks (score 0.245: left to pentagon, which it reads as far "
        "more clearly)"
    ) in text
    assert (
        "    pentagon, also followed here, scores it 0.765 (on-topic from 0.100), 3.1 times as "
        "far past its bar as this story's (from 2.0 times, an item is the other story's "
        "report, not this one's)"
    ) in text
    assert "other_story" not in text
    # its support was enough (it would have been taken): the other story is the one reason
    assert "too little" not in text
