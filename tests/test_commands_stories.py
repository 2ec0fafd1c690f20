"""``/story stories add|remove``: admins create and delete stories from chat.

Through the real ``Commands`` with the real seed loader (``adapters.seeds.UrlSeedLoader``,
as ``build_app`` wires it) against a local HTTP server; the SSRF guard lets 127.0.0.1
through only where a test allows it, as ``STORYBOT_ALLOWED_HOSTS`` does.
"""

from __future__ import annotations

import pytest
from feedserver import FeedServer, feed_server  # noqa: F401  (fixture)
from seed_pages import CHIPS_1, CHIPS_2, RSS
from test_commands import store  # noqa: F401  (fixture)

from adapters.app import build_app
from adapters.seeds import UrlSeedLoader
from bot.commands import Commands, admin_command
from bot.model import CommandRequest, DeliveryMode
from bot.settings import load_settings
from bot.stories import Declarations
from bot.story_admin import parse_add

LOCAL = {"127.0.0.1"}


@pytest.fixture
def pages(feed_server: FeedServer) -> dict[str, str]:
    """Two articles on one story, and what is no article: a 404, an image, a feed."""
    return {
        "chips1": feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html"),
        "chips2": feed_server.add_feed("/chips-2", CHIPS_2, content_type="text/html"),
        "missing": feed_server.add_status("/gone", 404),
        "image": feed_server.add_feed(
            "/photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, content_type="image/png"
        ),
        "feed": feed_server.add_feed("/rss.xml", RSS, content_type="application/rss+xml"),
    }


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock, seed_loader=UrlSeedLoader(LOCAL))


def req(
    text: str,
    *,
    admin: bool = True,
    platform: str = "slack",
    channel: str | None = "C1",
    user: str = "U1",
) -> CommandRequest:
    return CommandRequest(
        text=text, platform=platform, user_id=user, channel_id=channel, is_admin=admin
    )


def hits(feed_server: FeedServer) -> int:
    return sum(feed_server.hits(p) for p in ("/chips-1", "/chips-2", "/gone", "/photo.png"))


async def test_add_from_two_urls_then_listed_and_tracked_at_the_next_cycle(
    feed_server, pages, sqlite_url, clock
):
    env = {"STORYBOT_DATABASE_URL": sqlite_url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    # a Discord token: the command comes from chat, so the console follows nothing
    settings = load_settings(env={**env, "DISCORD_BOT_TOKEN": "not-used"})
    app = build_app(settings, clock=clock)  # the loader `storybot run`, chat and ask get
    try:
        text = f'stories add chips-act {pages["chips1"]} {pages["chips2"]} --title "Chips Act"'
        reply = await app.commands.handle(req(text))
        assert reply.ok, reply.text
        lines = reply.text.splitlines()
        assert lines[0] == "Created story chips-act: Chips Act (2 seeds)"
        assert lines[1].startswith("1. Chipmakers win new subsidies under the Chips Act (")
        assert lines[2].startswith("2. Chips Act grants draw criticism from lawmakers (")
        assert "at its next poll cycle" in reply.text
        assert "To get its alerts here: `/story follow chips-act` (admins)." in reply.text

        story = app.store.get_story("chips-act")
        assert story is not None and story.title == "Chips Act"
        assert [s.url for s in story.seeds] == [pages["chips1"], pages["chips2"]]
        assert "Commerce Department awarded new grants" in story.seeds[0].text
        listed = await app.commands.handle(req("stories", admin=False))
        assert "• chips-act: Chips Act (" in listed.text
        assert "chips-act: Chips Act" in (await app.commands.handle(req("stories list"))).text

        assert story.id not in app.engine.tracked()
        await app.pipeline.poll_due()  # the service's next cycle, with no feed due
        assert story.id in app.engine.tracked()
        assert app.store.get_development(story.id, 0) is not None  # its baseline, stored
    finally:
        await app.aclose()


async def test_add_without_a_title_takes_the_first_article_s_and_reads_slack_links(
    commands, store, pages
):
    text = f"stories add Chips.Act <{pages['chips1']}|Chipmakers win> <{pages['chips2']}>"
    reply = await commands.handle(req(text))
    assert reply.ok, reply.text
    story = store.get_story("Chips.Act")
    assert story.title == "Chipmakers win new subsidies under the Chips Act"
    assert len(story.seeds) == 2
    # fewer than three seeds: the reply says what more would do
    assert "Three to five seeds work best" in reply.text


async def test_a_seed_page_with_little_text_is_named_with_how_to_give_the_article(
    commands, store, pages, feed_server
):
    login = feed_server.add_feed(
        "/signin",
        b"<html><head><title>Sign in to keep reading</title></head><body><main>"
        b"<p>Please sign in to continue reading this article.</p></main></body></html>",
        content_type="text/html",
    )
    reply = await commands.handle(req(f"stories add chips {pages['chips1']} {login}"))
    assert reply.ok, reply.text
    assert "Seed 2 (" in reply.text and "has little text: a page behind a sign-in" in reply.text
    assert "`storybot story add --seed FILE`" in reply.text, reply.text
    # whole articles are not named
    reply = await commands.handle(req(f"stories add chips2 {pages['chips1']} {pages['chips2']}"))
    assert reply.ok and "little text" not in reply.text, reply.text


async def test_a_story_from_undated_pages_is_told_it_begins_now(store, clock, pages, feed_server):
    """As ``storybot story add`` says it: reports published more than the engine's
    ``background_before_days`` before the story began are no alerts."""
    commands = Commands(store, clock, seed_loader=UrlSeedLoader(LOCAL), background_days=3)
    reply = await commands.handle(req(f"stories add chips {pages['chips1']}"))
    assert reply.ok, reply.text
    assert (
        "\nNo seed has a date, so the story begins now: reports published more than 3 days "
        "before that join the seed story instead of being alerted (a seed's date comes from "
        "its page, where the page gives one).\n"
    ) in reply.text
    dated = CHIPS_2.replace(
        "</head>", '<meta property="article:published_time" content="2026-03-03"></head>'
    )
    page = feed_server.add_feed("/chips-dated", dated, content_type="text/html")
    reply = await commands.handle(req(f"stories add chips2 {pages['chips1']} {page}"))
    assert reply.ok and "No seed has a date" not in reply.text, reply.text
    assert store.get_story("chips2").seeds[1].published is not None


async def test_the_title_is_the_rest_of_the_text_and_discord_is_told_its_own_forms(
    commands, store, pages
):
    text = f"stories add chips {pages['chips1']} —title Chips Act money, “round two”"
    reply = await commands.handle(req(text, platform="discord"))
    assert reply.ok, reply.text
    assert store.get_story("chips").title == "Chips Act money, “round two”"
    assert "`/story follow story:chips`" in reply.text


async def test_a_title_cannot_turn_text_around_or_hold_terminal_codes(commands, store, pages):
    # a title is shown to every channel that follows the story and in the operator's
    # terminal: bidirectional overrides are dropped as feed text's are, controls too
    title = "Chips\u202e moc.knab\u202c \x1b[2J A\u2068c\u2069t"
    text = f"stories add chips {pages['chips1']} --title {title}"
    reply = await commands.handle(req(text))
    assert reply.ok, reply.text
    assert store.get_story("chips").title == "Chips moc.knab [2J Act"


async def test_a_non_admin_may_not_add_or_remove_a_story(commands, store, pages, feed_server):
    assert admin_command(f"stories add x {pages['chips1']}") == "stories add"
    assert admin_command("stories REMOVE pentagon") == "stories remove"
    assert admin_command("stories") is None and admin_command("stories list") is None
    reply = await commands.handle(req(f"stories add chips {pages['chips1']}", admin=False))
    assert not reply.ok and "Only admins may use `stories add`" in reply.text
    reply = await commands.handle(req("stories remove pentagon --yes", admin=False))
    assert not reply.ok and "Only admins may use `stories remove`" in reply.text
    assert [s.name for s in store.list_stories()] == ["pentagon"]
    assert hits(feed_server) == 0  # refused before anything was fetched
    unknown = await commands.handle(
        CommandRequest(f"stories add chips {pages['chips1']}", "slack", "U1", "C1", is_admin=None)
    )
    assert "couldn't check your Slack role" in unknown.text


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("missing", "could not fetch seed {url}: HTTP 404 Not Found"),
        ("image", "{url} is not an article's web page (image/png)"),
        (
            "feed",
            "{url} is a feed (RSS/Atom), not an article: an admin polls it with "
            "`/story feeds add {url}`",
        ),
    ],
)
async def test_a_url_that_is_no_article_is_named_and_nothing_is_created(
    commands, store, pages, bad, why
):
    url = pages[bad]
    reply = await commands.handle(req(f"stories add chips {pages['chips1']} {url}"))
    assert not reply.ok
    expected = why.format(url=url)
    assert reply.text.startswith(
        expected[0].upper() + expected[1:] if bad == "missing" else expected
    )
    assert reply.text.endswith("No story was created.")
    assert pages["chips1"] not in reply.text  # the one that was fine is not blamed
    assert [s.name for s in store.list_stories()] == ["pentagon"]


async def test_a_text_page_whose_date_line_gives_no_date_is_named_and_nothing_is_created(
    commands, store, pages, feed_server
):
    url = feed_server.add_feed(
        "/seed.txt", "date 2026-02-30\nChips\n\nThe act passed.\n", content_type="text/plain"
    )
    reply = await commands.handle(req(f"stories add chips {pages['chips1']} {url}"))
    assert not reply.ok
    assert reply.text.startswith(
        f'{url}: line 1: "date 2026-02-30" is not a date '
        '(write "date YYYY-MM-DD", e.g. "date 2026-03-05")'
    ), reply.text
    assert reply.text.endswith("No story was created.")
    assert [s.name for s in store.list_stories()] == ["pentagon"]


async def test_the_ssrf_guard_applies_to_chat_seeds(store, clock, pages, feed_server):
    guarded = Commands(store, clock, seed_loader=UrlSeedLoader())  # no allowed hosts
    reply = await guarded.handle(req(f"stories add chips {pages['chips1']}"))
    assert not reply.ok
    assert f"Could not fetch seed {pages['chips1']}: refused: 127.0.0.1 is a loopback" in (
        reply.text
    )
    assert feed_server.hits("/chips-1") == 0
    assert [s.name for s in store.list_stories()] == ["pentagon"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("stories add Pentagon {url}", "A story named 'pentagon' already exists."),
        ("stories add pentagon {url}", "A story named 'pentagon' already exists."),
        ("stories add 'Bad!' {url}", "is not a valid story name"),
        ("stories add chips {url} /etc/passwd", "'/etc/passwd' is not a valid article URL"),
        ("stories add chips {url} {url}", "is given twice"),
        # the same article spelled otherwise would be fetched twice and count as two seeds
        ("stories add chips {url} {url}#comments", "#comments is the same article as http"),
        ("stories add chips {url}?utm_source=x {url}", "is the same article as"),
        ("stories add chips {url} {URL}", "is the same article as"),
        ("stories add chips " + " ".join(["{url}"] * 11), "at most 10 seed URLs from chat; 11"),
    ],
)
async def test_refused_before_any_page_is_fetched(commands, store, pages, feed_server, text, why):
    url = pages["chips1"]
    reply = await commands.handle(req(text.format(url=url, URL=url.replace("http:", "HTTP:"))))
    assert not reply.ok and why in reply.text, reply.text
    assert hits(feed_server) == 0
    assert [s.name for s in store.list_stories()] == ["pentagon"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("stories add", "Usage: /story stories add <name> <url>"),
        ("stories add chips", "Give at least one article's URL"),
        ("stories add https://news.example/a", "Give the story a name before"),
        ("stories add chips https://news.example/a --story x", "'--story' is not an option"),
        ("stories add chips https://news.example/a --title", "--title needs the story's title"),
        ("stories add chips --title Chips https://news.example/a", "--title comes last"),
        ("stories add chips https://a.example/1 --title T https://a.example/2", "--title comes"),
        ("stories add chips https://a.example/1 --title A --title B", "Give --title once"),
        ("stories add chips https://a.example/1 --title A --TITLE=B", "Give --title once"),
        ("stories remove", "Usage: /story stories remove <name> [--yes]"),
        ("stories remove pentagon --force", "'--force' is not an option"),
        ("stories remove pentagon chips", "Usage: /story stories remove"),
        ("stories list all", "`stories` does not take 'all'"),
    ],
)
async def test_usage_mistakes(commands, store, text, why):
    reply = await commands.handle(req(text))
    assert not reply.ok and reply.usage_error and why in reply.text, reply.text
    assert [s.name for s in store.list_stories()] == ["pentagon"]


async def test_remove_refuses_without_yes_when_people_depend_on_the_story(commands, store, clock):
    story = store.get_story("pentagon")
    store.add_subscription("slack", "U2", "bakery", story.id, clock.now())
    store.bind(story.id, "discord", "42", DeliveryMode.REALTIME, 24, clock.now())
    store.bind(story.id, "console", "terminal", DeliveryMode.REALTIME, 24, clock.now())

    refused = await commands.handle(req("stories remove Pentagon"))
    assert not refused.ok
    assert refused.text == (
        "Story pentagon has 1 subscription and 1 channel follow; removing the story removes "
        "them too (its subscribers are told by direct message, the channels are not). To go "
        "ahead: `/story stories remove pentagon --yes`"
    )
    assert store.get_story("pentagon") is not None
    on_discord = await commands.handle(req("stories remove pentagon", platform="discord"))
    assert "`/story stories action:remove name:pentagon yes:True`" in on_discord.text

    removed = await commands.handle(req("stories remove pentagon --yes"))
    assert removed.ok and removed.text == (
        "Removed story pentagon (also removed 1 subscription and 1 channel follow; its "
        "subscribers are told by direct message, the channels are not)."
    )
    assert store.list_stories() == [] and store.all_subscriptions() == []
    assert store.list_bindings() == []
    gone = await commands.handle(req("stories remove pentagon --yes"))
    assert not gone.ok and "There is no story named 'pentagon'. There are no stories yet." in (
        gone.text
    )


async def test_remove_of_a_story_nobody_follows_needs_no_yes(store, clock):
    rebuilt: list[bool] = []
    commands = Commands(store, clock, on_subscriptions_changed=lambda: rebuilt.append(True))
    store.bind(
        store.get_story("pentagon").id,
        "console",
        "terminal",
        DeliveryMode.REALTIME,
        24,
        clock.now(),
    )
    reply = await commands.handle(req("stories remove pentagon"))
    assert reply.ok and reply.text == "Removed story pentagon."  # the console's follow: no ask
    assert rebuilt == []  # no subscription went with it


async def test_remove_with_subscriptions_rebuilds_the_matcher(store, clock):
    rebuilt: list[bool] = []
    commands = Commands(store, clock, on_subscriptions_changed=lambda: rebuilt.append(True))
    store.add_subscription("slack", "U2", "bakery", store.get_story("pentagon").id, clock.now())
    assert (await commands.handle(req("stories remove pentagon —yes"))).ok
    assert rebuilt == [True]


async def test_without_a_seed_loader_adding_points_to_the_cli(store, clock, feed_server, pages):
    commands = Commands(store, clock)
    reply = await commands.handle(req(f"stories add chips {pages['chips1']}"))
    assert not reply.ok
    assert "Adding stories from chat is not available in this process" in reply.text
    assert "`storybot story add NAME --seed URL ... [--title T]`" in reply.text
    assert hits(feed_server) == 0 and store.get_story("chips") is None
    store.remove_story("pentagon")
    empty = await commands.handle(req("stories"))
    assert "An operator adds one with `storybot story add NAME --seed FILE_OR_URL`." in empty.text
    assert "/story stories add" not in empty.text


async def test_an_empty_list_says_how_admins_add_a_story(commands, store):
    store.remove_story("pentagon")
    reply = await commands.handle(req("stories", admin=False))
    assert reply.text.startswith("No stories yet. Admins add one with `/story stories add <name>")
    on_discord = await commands.handle(req("stories", platform="discord"))
    assert "`/story stories action:add name:NAME urls:<url url ...> [title:T]`" in on_discord.text


async def test_help_shows_stories_add_and_remove(commands):
    text = (await commands.handle(req("help stories"))).text
    assert text.startswith(
        '/story stories [list | add <name> <url> ... [--title "T"] | remove <name> [--yes]]'
    )
    on_discord = (await commands.handle(req("help stories", platform="discord"))).text
    assert on_discord.startswith("/story stories [action:list|add|remove]")


async def test_remove_says_it_of_one_thing_that_goes_with_the_story(commands, store, clock):
    story = store.get_story("pentagon")
    store.add_subscription("slack", "U2", "bakery", story.id, clock.now())
    refused = await commands.handle(req("stories remove pentagon"))
    assert "has 1 subscription; removing the story removes it too" in refused.text


def test_urls_may_be_separated_by_commas_with_or_without_spaces() -> None:
    from bot.story_admin import parse_add

    a, b, c = "https://a.example/1", "https://b.example/x,y", "HTTP://c.example/3"
    assert parse_add(f"n {a},{b}, {c},").urls == (a, b, c)  # a comma inside a path stays


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        ("--title 'Chips Act'", "Chips Act"),
        ("--title ‘Chips Act’", "Chips Act"),
        ('--title "Chips Act"', "Chips Act"),
        ("--title Chips Act's second round", "Chips Act's second round"),
        ("--title 'Chips' act", "'Chips' act"),
    ],
)
def test_quotes_around_the_whole_title_are_not_part_of_it(typed, title):
    assert parse_add(f"chips https://a.example/1 {typed}").title == title


async def test_remove_of_a_declared_story_or_feed_says_it_comes_back(store, clock):
    declared = Declarations(
        "/etc/storybot/storybot.toml", frozenset({"Pentagon"}), frozenset({"https://a.example/f"})
    )
    commands = Commands(store, clock, declared=declared)
    store.add_feed("https://a.example/f", clock.now())
    reply = await commands.handle(req("stories remove pentagon", platform="discord"))
    assert reply.ok and reply.text.splitlines() == [
        "Removed story pentagon.",
        "Note: 'pentagon' is declared in [[stories]] of /etc/storybot/storybot.toml: the next "
        "storybot command run with that file (storybot run included) adds it again; remove "
        "it there to keep it removed.",
    ]
    gone = await commands.handle(req("feeds remove HTTPS://A.example:443/f"))
    assert gone.ok and gone.text.splitlines()[1].startswith(
        "Note: https://a.example/f is declared in [feeds] urls of /etc/storybot/storybot.toml:"
    )


async def test_the_note_on_a_removed_declared_feed_hides_its_key(store, clock):
    # The reply names the feed as /story feeds lists it; its note named it in full.
    url = "https://bob:s3cret-pass@a.example/feeds/9f2c4e0b7a1d5e3f8a6b1c2d/rss"
    declared = Declarations("/etc/storybot/storybot.toml", feeds=frozenset({url}))
    commands = Commands(store, clock, declared=declared)
    store.add_feed(url, clock.now())
    gone = await commands.handle(req("feeds remove https://bob:***@a.example/feeds/***/rss"))
    assert gone.ok and store.list_feeds() == []
    assert gone.text.splitlines() == [
        "Removed feed https://bob:***@a.example/feeds/***/rss. Items already stored are kept.",
        "Note: https://bob:***@a.example/feeds/***/rss is declared in [feeds] urls of "
        "/etc/storybot/storybot.toml: the next storybot command run with that file (storybot "
        "run included) adds it again; remove it there to keep it removed.",
    ]


async def test_a_declared_feed_on_an_ipv4_form_host_is_noted_as_its_removal_finds_it(store, clock):
    # stored before the IPv4-form rule: the removal finds it in any spelling (the stored
    # form, bot.validate.stored_form), and the note says the same of the declaration
    declared = Declarations("/etc/storybot/storybot.toml", feeds=frozenset({"http://127.1/feed"}))
    assert declared.feed("HTTP://127.1/feed")
    commands = Commands(store, clock, declared=declared)
    store.add_feed("http://127.1/feed", clock.now())
    gone = await commands.handle(req("feeds remove HTTP://127.1/feed", admin=True))
    assert gone.ok and store.list_feeds() == []
    assert gone.text.splitlines()[1].startswith(
        "Note: http://127.1/feed is declared in [feeds] urls of /etc/storybot/storybot.toml:"
    ), gone.text


def _dms(store) -> dict[tuple[str, str], str]:
    """The direct messages queued, by (platform, user): their title and body."""
    return {
        (e.target.platform, e.target.user_id or ""): f"{e.message.title}\n{e.message.body}"
        for e in store.undelivered_outbox(dead=False, limit=100)
        if e.target.user_id
    }


async def test_remove_tells_each_subscriber_of_the_story_once_by_dm(commands, store, clock):
    story = store.get_story("pentagon")
    a = store.add_subscription("slack", "U2", "pentagon deal", story.id, clock.now())
    b = store.add_subscription("slack", "U2", "hearing", story.id, clock.now())
    c = store.add_subscription("discord", "77", "claude", story.id, clock.now())
    store.add_subscription("slack", "U3", "pentagon", None, clock.now())  # every story: kept

    refused = await commands.handle(req("stories remove pentagon"))
    assert "(its subscribers are told by direct message)" in refused.text, refused.text
    removed = await commands.handle(req("stories remove pentagon --yes"))
    assert removed.ok and removed.text == (
        "Removed story pentagon (also removed 3 subscriptions; its subscribers are told by "
        "direct message)."
    )
    dms = _dms(store)
    assert sorted(dms) == [("discord", "77"), ("slack", "U2")], "one a user, none for U3"
    assert (
        f"The story pentagon was removed by an admin, and with it your subscriptions "
        f"#{a.id} pentagon AND deal, #{b.id} hearing." in dms[("slack", "U2")]
    )
    assert f"your subscription #{c.id} claude." in dms[("discord", "77")]
    assert [s.user_id for s in store.all_subscriptions()] == ["U3"]
