"""Single quotes in queries, one name for a subscription, and quotes in a story's --title."""

from __future__ import annotations

import pytest
from store_builders import T0, new_item

from bot.commands import Commands
from bot.errors import UsageError
from bot.model import CommandRequest, Item, SeedDoc, Subscription
from bot.notice_text import notice_message
from bot.query import QueryError, parse_query
from bot.story_admin import parse_add
from storage import open_store

pytest_plugins = ["store_fixtures"]  # fixtures: pg_url and what it needs


@pytest.fixture
def store(migrated_sqlite_url, clock):
    s = open_store(migrated_sqlite_url)
    s.add_story("pentagon", "Pentagon talks", [SeedDoc("Pentagon talks", "text")], clock.now())
    yield s
    s.close()


@pytest.fixture
def commands(store, clock):
    return Commands(store, clock)


def req(text: str) -> CommandRequest:
    return CommandRequest(text=text, platform="slack", user_id="U1", channel_id="C1")


# --------------------------------------------------------------------------- single quotes


@pytest.mark.parametrize(
    "typed",
    [
        "'supply chain'",
        "\u2018supply chain\u2019",  # as Slack and phones type it
        "'supply   chain'",
        "\u2019supply chain\u2019",  # the apostrophe a phone types at a word's start
    ],
)
def test_single_quotes_around_words_are_a_phrase_as_double_quotes_are(typed: str) -> None:
    query = parse_query(typed)

    assert query == parse_query('"supply chain"')
    assert query.describe() == '"supply chain"'
    assert query.matches("Supply chain risk") and not query.matches("A chain of supply")


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        # an apostrophe inside a word is part of it, also inside a single-quoted phrase
        ("'Trump's wall' O'Brien don't", "\"trump's wall\" AND o'brien AND don't"),
        ("\u2018Trump\u2019s wall\u2019 pentagon", '"trump\'s wall" AND pentagon'),
        # one with no partner is an apostrophe, shown without it: no phrase a re-read
        # of the reply could make of two of them
        ("students' union '90s", "students AND union AND 90s"),
        ("'supply chain", "supply AND chain"),
        ("-'supply chain' (pentagon OR 'dod')", 'NOT "supply chain" AND (pentagon OR "dod")'),
    ],
)
def test_the_reply_reads_single_quotes_and_apostrophes_as_the_query_does(
    typed: str, reading: str
) -> None:
    query = parse_query(typed)

    assert query.describe() == reading
    assert parse_query(reading) == query


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        # an apostrophe at either end of a word, with no partner, is no part of it: a
        # name with its symbol ("AT&T", "C++", ".NET") stays that name, as an item's text
        # reads it, and a CamelCase hashtag stays a hashtag (Hypothesis found "'0&0")
        ("'0&0", "0&0"),
        ("'AT&T", "AT&T"),
        ("AT&T’", "AT&T"),
        ("’AT&T's", "AT&T's"),
        ("'C++ jobs", "C++ jobs"),
        ("'.NET", ".NET"),
        ("R&D' budget", "R&D budget"),
        ("'#ClimateChange", "#ClimateChange"),
    ],
)
def test_an_apostrophe_at_a_words_end_leaves_a_name_with_a_symbol_whole(
    typed: str, plain: str
) -> None:
    query = parse_query(typed)

    assert query == parse_query(plain)
    assert query.describe() == parse_query(plain).describe()
    assert parse_query(query.describe()) == query


@pytest.mark.parametrize(
    ("typed", "reading"),
    [
        # without the apostrophe the word would read otherwise (a NOT, a refused "!"
        # or link): it is shown as typed, quoted, which reads as it did
        ("oil '-gas", 'oil AND "\'-gas"'),
        ("’-a‘0.-", "\"'-a'0.-\""),
    ],
)
def test_a_word_that_an_apostrophe_keeps_from_reading_otherwise_is_shown_quoted(
    typed: str, reading: str
) -> None:
    query = parse_query(typed)

    assert query.describe() == reading
    assert parse_query(reading) == query


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("'!openai", "to leave a word out, write -openai or NOT openai"),
        ("'www.reuters.com", "is a link"),
    ],
)
def test_misread_punctuation_behind_an_apostrophe_is_refused_as_without_it(
    typed: str, fragment: str
) -> None:
    with pytest.raises(QueryError) as refused:
        parse_query(typed)

    assert fragment in str(refused.value)


async def test_subscribing_with_single_quotes_gets_the_phrase_and_says_so(commands) -> None:
    phrase = await commands.handle(req("subscribe 'supply chain'"))
    words = await commands.handle(req("subscribe supply chain"))
    again = await commands.handle(req("subscribe \u2018supply chain\u2019"))

    assert phrase.text.startswith('Subscribed (#1): "supply chain". ')
    assert words.text.startswith("Subscribed (#2): supply AND chain. "), words.text
    assert again.text == (
        'You are already subscribed to "supply chain" (#1). See `/story subscriptions`.'
    )


# --------------------------------------------------------------------------- one name


async def test_the_list_and_unsubscribe_name_a_subscription_as_the_subscribe_reply_did(
    commands,
) -> None:
    subscribed = await commands.handle(req("subscribe Supply  chain"))
    listed = await commands.handle(req("subscriptions"))
    removed = await commands.handle(req("unsubscribe 1"))

    assert subscribed.text.startswith("Subscribed (#1): supply AND chain. ")
    assert "#1: supply AND chain" in listed.text, listed.text
    assert removed.text == "Unsubscribed #1: supply AND chain", removed.text


def test_shown_query_is_the_subscribe_replys_form_of_a_stored_query() -> None:
    from bot.query import shown_query

    assert shown_query("Supply  chain") == "supply AND chain"
    assert shown_query("'supply chain' -Openai") == '"supply chain" AND NOT openai'
    assert shown_query('"never closed') == '"never closed', "stored text that does not parse"


def test_a_keyword_dm_names_the_subscription_as_the_subscribe_reply_did() -> None:
    item = Item(1, "k1", 1, None, None, "Supply chain risk", "Text.", "", T0, T0, "Wire", "h")
    sub = Subscription(1, "slack", "U1", "Supply  chain", None, T0)

    footer = notice_message([(sub, parse_query(sub.query))], item, None).footer

    assert footer == "Matched your subscription #1: supply AND chain"


async def test_why_names_the_subscription_as_the_subscribe_reply_did(commands, store, clock):
    _, item = store.ingest_item(new_item(7, title="Supply chain risk", content="Text."))
    sub = store.add_subscription("slack", "U1", "Supply  chain", None, clock.now())

    text = (await commands.handle(req(f"why {item.url}"))).text

    assert f"• your subscription #{sub.id} (supply AND chain) matches it" in text, text


# --------------------------------------------------------------------------- --title


@pytest.mark.parametrize(
    "typed",
    [
        '--title "Third story',
        "--title \u201cThird story",
        '--title Third "story',
        "--title \"Third story'",  # a single quote does not close a double one
    ],
)
def test_a_title_with_a_quote_never_closed_is_refused_as_a_query_is(typed: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_add(f"s2 https://a.example/1 {typed}")

    assert str(refused.value).startswith('A quote (") is never closed in --title. ')


@pytest.mark.parametrize(
    ("typed", "title"),
    [
        # the first quote and the last are no pair: each closes or opens its own phrase
        ('--title "Chips Act" and "CHIPS"', '"Chips Act" and "CHIPS"'),
        ("--title 'Chips Act' and 'CHIPS'", "'Chips Act' and 'CHIPS'"),
    ],
)
def test_only_quotes_around_the_whole_title_are_taken_off(typed: str, title: str) -> None:
    assert parse_add(f"s2 https://a.example/1 {typed}").title == title


# --------------------------------------------------------------------------- emoji


async def test_a_query_of_emoji_alone_says_emoji_are_not_searched(commands) -> None:
    refused = await commands.handle(req("subscribe \U0001f680 \u2708"))
    mixed = await commands.handle(req("subscribe \U0001f680 rocket"))

    assert refused.text.startswith(
        "The query has no words to search for (letters and numbers are searched, not emoji "
        "or symbols)"
    ), refused.text
    # with a word beside them, the reply's reading shows what is searched
    assert mixed.text.startswith("Subscribed (#1): rocket. "), mixed.text
