"""The platform-neutral /story commands against a real SQLite store."""

from __future__ import annotations

import pytest
from store_builders import new_item

from adapters.feeds.netguard import AddressGuard
from bot.commands import COMMANDS, Commands, help_text
from bot.model import CommandRequest, DeliveryMode, Judgement, SeedDoc
from storage import open_store


@pytest.fixture
def store(sqlite_url, clock):
    s = open_store(sqlite_url)
    s.add_story(
        "pentagon",
        "Anthropic reopens Pentagon talks",
        [SeedDoc("Anthropic reopens talks", "text")],
        clock.now(),
    )
    yield s
    s.close()


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock)


def req(
    text: str, *, admin: bool = False, user: str = "U1", channel: str | None = "C1"
) -> CommandRequest:
    return CommandRequest(
        text=text, platform="slack", user_id=user, channel_id=channel, is_admin=admin
    )


async def test_help_lists_every_command(commands):
    reply = await commands.handle(req("help"))
    assert reply.ok
    for spec in COMMANDS:
        assert spec.usage in reply.text


async def test_help_for_one_command_and_unknown_ones(commands):
    assert "subscribe <keywords>" in (await commands.handle(req("help subscribe"))).text
    reply = await commands.handle(req("help nope"))
    assert not reply.ok and "no command 'nope'" in reply.text


async def test_unknown_command_names_it_and_shows_help(commands):
    reply = await commands.handle(req("frobnicate now"))
    assert not reply.ok
    assert "Unknown command 'frobnicate'" in reply.text and "/story status" in reply.text


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("why", True),
        ("frobnicate", True),
        ("help nope", True),
        ("follow", True),
        ("status nosuch", False),
        ("unsubscribe 99", False),
    ],
)
async def test_usage_errors_are_marked_apart_from_other_errors(commands, text, usage):
    reply = await commands.handle(req(text, admin=True))
    assert not reply.ok and reply.usage_error is usage


async def test_empty_command_shows_help(commands):
    assert (await commands.handle(req(""))).text == help_text()


async def test_status_describes_the_story_and_feed_health(commands, store, clock):
    store.add_feed("https://feeds.example/a.xml", clock.now())
    reply = await commands.handle(req("status"))
    assert reply.ok
    assert "Anthropic reopens Pentagon talks (pentagon)" in reply.text
    assert "Feeds: 0 ok, 0 failing, 1 not polled yet." in reply.text


async def test_status_of_an_unknown_story_lists_known_ones(commands):
    reply = await commands.handle(req("status nosuch"))
    assert not reply.ok and "Known stories: pentagon" in reply.text


async def test_a_story_name_typed_in_other_case_finds_the_story(commands):
    reply = await commands.handle(req("status PENTAGON"))
    assert reply.ok and "Anthropic reopens Pentagon talks (pentagon)" in reply.text


async def test_stories_lists_them(commands):
    assert (
        "pentagon: Anthropic reopens Pentagon talks" in (await commands.handle(req("stories"))).text
    )


async def test_subscribe_list_and_unsubscribe_by_id_and_by_text(commands, store):
    reply = await commands.handle(req('subscribe "supply chain" AND pentagon'))
    assert reply.ok, reply.text
    assert "Subscribed (#" in reply.text
    reply = await commands.handle(req("subscribe claude --story pentagon"))
    assert reply.ok and "on-topic for pentagon" in reply.text

    listing = (await commands.handle(req("subscriptions"))).text
    assert '"supply chain" AND pentagon' in listing and "claude (story pentagon)" in listing
    assert "no subscriptions" in (await commands.handle(req("subscriptions", user="U2"))).text

    subs = store.list_subscriptions("slack", "U1")
    assert (await commands.handle(req(f"unsubscribe #{subs[0].id}"))).ok
    assert (await commands.handle(req("unsubscribe CLAUDE"))).ok
    assert store.list_subscriptions("slack", "U1") == []
    assert not (await commands.handle(req("unsubscribe 999"))).ok


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "NOT pentagon", "()", ""])
async def test_subscribe_rejects_bad_queries_clearly(commands, query):
    reply = await commands.handle(req(f"subscribe {query}"))
    assert not reply.ok
    assert reply.text  # a message, not an exception


@pytest.mark.parametrize("query", ["a", "the", "The OR a"])
async def test_subscribe_refuses_words_every_item_has(commands, store, query):
    reply = await commands.handle(req(f"subscribe {query}"))
    assert not reply.ok
    assert "would match almost every item" in reply.text and "too common" in reply.text
    assert "\n" not in reply.text
    assert store.list_subscriptions("slack", "U1") == []


async def test_admin_commands_need_an_admin(commands, store):
    reply = await commands.handle(req("feeds add https://feeds.example/x.xml"))
    assert not reply.ok and "admins" in reply.text
    assert store.list_feeds() == []
    reply = await commands.handle(req("feeds add https://feeds.example/x.xml", admin=True))
    assert reply.ok and store.get_feed("https://feeds.example/x.xml") is not None
    assert not (await commands.handle(req("follow pentagon"))).ok


async def test_everyone_may_run_admin_commands_when_configured(store, clock):
    commands = Commands(store, clock, admin_policy="everyone")
    assert (await commands.handle(req("follow pentagon"))).ok


async def test_feeds_add_remove_and_list(commands, store):
    assert not (await commands.handle(req("feeds add ftp://x", admin=True))).ok
    assert (await commands.handle(req("feeds add <https://feeds.example/a.xml>", admin=True))).ok
    assert not (await commands.handle(req("feeds add https://feeds.example/a.xml", admin=True))).ok
    assert "https://feeds.example/a.xml" in (await commands.handle(req("feeds"))).text
    assert (await commands.handle(req("feeds remove https://feeds.example/a.xml", admin=True))).ok
    assert not (
        await commands.handle(req("feeds remove https://feeds.example/a.xml", admin=True))
    ).ok


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://", "has no host name"),
        ("http:///path", "has no host name"),
        ("https://example.com:99999/", "port must be a number from 1 to 65535"),
        ("<https://feeds.example/b.xml|feeds.example/b.xml>", None),  # Slack link form
    ],
)
async def test_feeds_add_refuses_a_url_that_can_never_be_polled(commands, store, url, problem):
    reply = await commands.handle(req(f"feeds add {url}", admin=True))
    if problem is None:
        assert reply.ok
        return
    assert not reply.ok and problem in reply.text and "not a valid feed URL" in reply.text
    assert store.list_feeds() == []


async def test_feeds_add_with_a_space_in_the_url_shows_the_usage(commands, store):
    reply = await commands.handle(req("feeds add http://exa mple.com/rss", admin=True))
    assert not reply.ok and "Usage: /story feeds add <url>" in reply.text
    assert store.list_feeds() == []


async def test_feeds_add_refuses_a_host_the_poller_refuses_with_the_same_message(store, clock):
    commands = Commands(store, clock, host_check=AddressGuard().refusal)
    reply = await commands.handle(req("feeds add http://127.0.0.1:8080/rss", admin=True))
    assert not reply.ok
    assert reply.text.startswith("refused: 127.0.0.1 is a loopback address; feeds and seed URLs")
    assert "STORYBOT_ALLOWED_HOSTS" in reply.text and store.list_feeds() == []
    allowed = Commands(store, clock, host_check=AddressGuard({"127.0.0.1"}).refusal)
    assert (await allowed.handle(req("feeds add http://127.0.0.1:8080/rss", admin=True))).ok


async def test_follow_binds_the_channel_with_its_mode(commands, store):
    assert (await commands.handle(req("follow pentagon digest 6", admin=True))).ok
    [binding] = store.bindings_for_channel("slack", "C1")
    assert binding.mode is DeliveryMode.DIGEST and binding.digest_hours == 6
    assert (await commands.handle(req("follow pentagon realtime", admin=True))).ok
    [binding] = store.bindings_for_channel("slack", "C1")
    assert binding.mode is DeliveryMode.REALTIME
    assert not (await commands.handle(req("follow pentagon weekly", admin=True))).ok
    assert not (await commands.handle(req("follow pentagon digest zero", admin=True))).ok
    assert not (await commands.handle(req("follow pentagon", admin=True, channel=None))).ok
    assert (await commands.handle(req("unfollow pentagon", admin=True))).ok
    assert store.bindings_for_channel("slack", "C1") == []
    assert not (await commands.handle(req("unfollow pentagon", admin=True))).ok


async def test_status_dates_a_development_by_its_first_report(commands, store, clock):
    from datetime import timedelta

    from bot.ports import DevelopmentWrite

    published = clock.now() - timedelta(days=2)  # fetched late: a backlog poll
    _, item = store.ingest_item(new_item(8, at=published + timedelta(minutes=5)))
    story = store.get_story("pentagon")
    judgement = Judgement(
        story.id, item.id, on_topic=True, score=0.5, development=1, new_development=True
    )
    dev = DevelopmentWrite(
        story.id, 1, "Senators demand the deal text", "A hearing is set.", (item.id,)
    )
    store.commit_decisions([judgement], [dev], {}, [], clock.now())
    text = (await commands.handle(req("status"))).text
    assert f"1. Senators demand the deal text ({published:%Y-%m-%d %H:%M} UTC)" in text


async def test_status_lists_developments_newest_first_though_an_old_one_has_a_late_copy(
    commands, store, clock
):
    from bot.ports import DevelopmentWrite

    story = store.get_story("pentagon")
    for number in (1, 2, 3):
        _, item = store.ingest_item(new_item(number, at=clock.advance(86400)))
        write = DevelopmentWrite(story.id, number, f"Turn {number}", f"Turn {number} came.", (item.id,))
        store.commit_decisions([], [write], {}, [], clock.now())
    _, copy = store.ingest_item(new_item(9, at=clock.advance(3600)))  # a copy of turn 1, late
    write = DevelopmentWrite(story.id, 1, "Turn 1", "Turn 1 came.", (copy.id,))
    store.commit_decisions([], [write], {}, [], clock.now())
    assert store.get_development(story.id, 1).updated_at > store.get_development(story.id, 3).updated_at

    text = (await commands.handle(req("status"))).text

    listed = [line.split(" (")[0] for line in text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert listed == ["3. Turn 3", "2. Turn 2", "1. Turn 1"]
    assert "What's new: Turn 3 came. Turn 2 came. Turn 1 came." in text


async def test_why_explains_a_weak_text_under_an_unrelated_headline(commands, store, clock):
    _, item = store.ingest_item(new_item(7))
    story = store.get_story("pentagon")
    reason = {"score": 0.11, "threshold": 0.1, "headline_score": 0.0, "uncorroborated": True}
    judgement = Judgement(story.id, item.id, on_topic=False, score=0.11, reason=reason)
    store.commit_decisions([judgement], [], {}, [], clock.now())
    reply = await commands.handle(req(f"why {item.url}"))
    assert reply.ok, reply.text
    assert "off-topic for pentagon (score 0.110: the text only just passes" in reply.text
    assert "uncorroborated: True" in reply.text


async def test_why_for_an_unknown_url_says_so(commands):
    reply = await commands.handle(req("why https://nowhere.example/x"))
    assert not reply.ok and "has not seen" in reply.text
    assert not (await commands.handle(req("why"))).ok


def test_whats_new_does_not_cut_a_sentence_at_an_abbreviation() -> None:
    from bot.commands import _first_sentence

    text = "Anthropic and the U.S. Department of Defense reached a deal. Talks went on."
    assert _first_sentence(text) == "Anthropic and the U.S. Department of Defense reached a deal."
