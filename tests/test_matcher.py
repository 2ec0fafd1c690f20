"""Tests for bot.matcher: the index agrees with evaluating every subscription."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matcher import SubscriptionMatcher
from bot.model import Subscription
from bot.query import Document, Query, QueryError, parse_query
from bot.query_tree import Not, Term

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sub(sub_id: int, query: str, story_id: int | None = None) -> Subscription:
    return Subscription(sub_id, "slack", f"U{sub_id}", query, story_id, T0)


def brute_force(
    subs: dict[int, tuple[Query, int | None]], title: str, text: str, on_topic: set[int]
) -> list[int]:
    """What the matcher must return: every subscription evaluated in full."""
    doc = Document.from_text(title, text)
    return sorted(
        sub_id
        for sub_id, (query, story_id) in subs.items()
        if (story_id is None or story_id in on_topic) and query.matches_doc(doc)
    )


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("query", "title", "body", "on_topic", "expected"),
    [
        # (query, title, body, on-topic stories, matches for unscoped / scoped to story 7)
        ("pentagon", "Pentagon deal", "", set(), (True, False)),
        ("pentagon", "Pentagon deal", "", {7}, (True, True)),
        ("pentagon", "Pentagon deal", "", {8}, (True, False)),
        ("pentagon", "Navy deal", "", {7}, (False, False)),
        ("the AND pentagon", "The cat", "", {7}, (False, False)),
        ("pentagon OR dod", "", "DoD says", {7}, (True, True)),
        ("-(-anthropic -openai)", "", "OpenAI says", set(), (True, False)),
    ],
)
def test_story_scope(
    query: str, title: str, body: str, on_topic: set[int], expected: tuple[bool, bool]
) -> None:
    matcher = SubscriptionMatcher()
    matcher.add(1, parse_query(query), None)
    matcher.add(2, parse_query(query), 7)
    got = matcher.match(title, body, on_topic)
    assert (1 in got, 2 in got) == expected


@pytest.mark.parametrize(
    ("query", "title", "is_candidate"),
    [
        # An AND is indexed by its rarest term only.
        ("the AND pentagon", "the cat sat", False),
        ("the AND pentagon", "pentagon", True),
        ('"the who"', "the band", False),  # a phrase is anchored on its rarest word
        ('"the who"', "who knows", True),
        # An OR is indexed by every branch, including branches under De Morgan.
        ("pentagon OR dod", "dod", True),
        ("-(-anthropic -openai)", "openai", True),
        ("-(-anthropic -openai)", "google", False),
        # A negated term is never an anchor.
        ("pentagon -openai", "openai", False),
        # A phrase is also anchored on its words written whole, which an item may hold
        # alone ("Email", "F35"); a word written whole finds them hyphenated ("E-mail").
        ("e-mail", "Email scam", True),
        ("F-35", "F35 jets", True),
        ("email", "E-mail scam", True),
        ("ai", "The A.I. race", True),
        # "U.S." is also anchored on the key of "US" in capitals, as an item writes it
        ("U.S.", "US troops", True),
        ("U.S.", "Join us", False),
        # a phrase also by its words with those written in parts joined: "email scam"
        # has no "mail", "US military" no "u" (and "military" is cheaper than "u.s.")
        ('"e-mail scam"', "Email scam", True),
        ('"U.S. military"', "US military", True),
        ('"U.S. U.N."', "US UN", True),
        # a name written with its symbol by its key
        ("C++", "C++ 26", True),
        (".NET", "ASP.NET", True),
        ("AT&T", "AT&T deal", True),
        # a CamelCase hashtag by its words too; letters and digits inside a compound
        ("#ClimateChange", "Climate change summit", True),
        ("#ClimateChange", "#climatechange trends", True),
        ("covid19", "COVID-19-related deaths", True),
        ("sarscov2", "SARS-CoV-2 variant", True),
    ],
)
def test_index_anchors(query: str, title: str, is_candidate: bool) -> None:
    matcher = SubscriptionMatcher()
    matcher.add(1, parse_query(query), None)
    assert (1 in matcher.candidates(Document.from_text(title))) is is_candidate


def test_add_replaces_and_remove_forgets() -> None:
    matcher = SubscriptionMatcher()
    matcher.add(1, parse_query("pentagon"), None)
    matcher.add(1, parse_query("openai"), None)
    assert len(matcher) == 1 and 1 in matcher
    assert matcher.match("Pentagon", "", set()) == []
    assert matcher.match("OpenAI", "", set()) == [1]
    assert matcher.remove(1) is True
    assert matcher.remove(1) is False
    assert matcher.match("OpenAI", "", set()) == []
    assert matcher.candidates(Document.from_text("OpenAI")) == set()


def test_hand_built_query_without_anchor_is_still_correct() -> None:
    # parse_query refuses this, but a Query built directly must not be silently dropped.
    query = Query(Not(Term(("openai",), "openai")))
    matcher = SubscriptionMatcher()
    matcher.add(1, query, None)
    assert matcher.match("Pentagon", "", set()) == [1]
    assert matcher.match("OpenAI", "", set()) == []


def test_from_subscriptions_reports_bad_queries() -> None:
    subs = [sub(1, "pentagon"), sub(2, "NOT openai"), sub(3, "dod", story_id=5), sub(4, "(a")]
    matcher, errors = SubscriptionMatcher.from_subscriptions(subs)
    assert len(matcher) == 2
    assert [sub_id for sub_id, _ in errors] == [2, 4]
    assert all(isinstance(err, QueryError) and str(err) for _, err in errors)
    assert matcher.match("Pentagon and DoD", "", {5}) == [1, 3]
    assert matcher.match("Pentagon and DoD", "", set()) == [1]


def test_a_subscription_stored_before_common_words_were_refused_keeps_working() -> None:
    # "US" is refused when typed now (nearly every item says "us"), but a stored one is
    # its owner's choice: it stays in the index rather than silently stop
    with pytest.raises(QueryError):
        parse_query("US")
    matcher, errors = SubscriptionMatcher.from_subscriptions([sub(1, "US")])
    assert errors == [] and len(matcher) == 1
    assert matcher.match("US and China talk trade", "", set()) == [1]


# --------------------------------------------------------------------------- agreement

VOCAB = ["pentagon", "dod", "ai", "said", "supply", "chain", "talks", "talk", "the", "élysée"]

_word = st.sampled_from(VOCAB)
_phrase = st.lists(_word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
_query_text = st.recursive(
    _word | _phrase,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"({t[0]} {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} OR {t[1]})"),
        inner.map(lambda s: f"NOT ({s})"),
        inner.map(lambda s: f"-{s}"),
    ),
    max_leaves=6,
)


def _parse_or_none(text: str) -> Query | None:
    try:
        return parse_query(text)
    except QueryError:
        return None


_query = _query_text.map(_parse_or_none).filter(lambda q: q is not None)
_text = st.lists(
    st.sampled_from(
        VOCAB + ["Elysee", "Talk", "SAID", "x", "-", ".", "supply-chain", "supplychain", "A.I."]
    )
).map(" ".join)


@settings(max_examples=200)
@given(
    subs=st.lists(st.tuples(_query, st.sampled_from([None, 1, 2])), max_size=12),
    removed=st.sets(st.integers(0, 11), max_size=4),
    items=st.lists(st.tuples(_text, _text, st.sets(st.sampled_from([1, 2]))), min_size=1),
)
def test_matcher_agrees_with_brute_force(
    subs: list[tuple[Query, int | None]],
    removed: set[int],
    items: list[tuple[str, str, set[int]]],
) -> None:
    matcher = SubscriptionMatcher()
    live: dict[int, tuple[Query, int | None]] = {}
    for sub_id, (query, story_id) in enumerate(subs):
        matcher.add(sub_id, query, story_id)
        live[sub_id] = (query, story_id)
    for sub_id in removed:
        assert matcher.remove(sub_id) is (sub_id in live)
        live.pop(sub_id, None)
    for title, text, on_topic in items:
        assert matcher.match(title, text, on_topic) == brute_force(live, title, text, on_topic)


# --------------------------------------------------------------------------- selectivity


def test_candidates_stay_few_with_10000_subscriptions() -> None:
    """Not a timing test: counts how many subscriptions one item makes us evaluate."""
    rng = random.Random(20261122)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = sorted({"".join(rng.choices(letters, k=rng.randint(4, 10))) for _ in range(6000)})
    common = ["the", "said", "a", "of", "and", "to", "in", "is", "new", "year", "on", "for"]

    def random_query() -> str:
        w = rng.sample(vocab, 3)
        shapes = [
            f"{w[0]}",
            f"{w[0]} {w[1]}",
            f"{w[0]} OR {w[1]}",
            f'"{w[0]} {w[1]}" -{w[2]}',
            f"the {w[0]}",  # must be anchored on w0, not on "the"
            f'"{rng.choice(common)} {w[0]}"',  # likewise inside a phrase
            f"said ({w[0]} OR {w[1]})",
        ]
        return rng.choice(shapes)

    parsed = {i: (parse_query(random_query()), rng.choice([None, 1, 2])) for i in range(10_000)}
    matcher = SubscriptionMatcher()
    for sub_id, (query, story_id) in parsed.items():
        matcher.add(sub_id, query, story_id)

    words = [rng.choice(common) for _ in range(250)] + rng.sample(vocab, 50)
    rng.shuffle(words)
    title, text = " ".join(words[:12]), " ".join(words[12:])
    doc = Document.from_text(title, text)

    candidates = matcher.candidates(doc)
    # ~10,000 subscriptions x ~1.3 anchors x 50/6000 chance per anchor: about a hundred.
    assert len(candidates) < 500, len(candidates)
    assert matcher.match(title, text, {1}) == brute_force(parsed, title, text, {1})
