"""The footer and "read more" link blog software ends a feed excerpt with (bot.feed_trailers).

The snippets are shaped on real feeds of the real-world corpus (a WordPress news site's
footer, themes' "Continue reading" links, WordPress's "[…]"): what users read, a keyword
DM's text and the sentences an alert quotes, must not carry them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.engine.summary import candidate_sentences
from bot.feed_trailers import without_trailers
from bot.model import Item, Subscription
from bot.notice_text import notice_message
from bot.query import parse_query

T0 = datetime(2026, 2, 17, 12, tzinfo=UTC)
# boston.com's World feed (WordPress), 17 Feb 2026
BOSTON_TITLE = "Obama shuts down alien buzz and says there’s no evidence they’ve made contact"
BOSTON = (
    '"I saw no evidence during my presidency that extraterrestrials have made contact with '
    "us. Really!”\n\nThe post Obama shuts down alien buzz and says there’s no evidence "
    "they’ve made contact appeared first on Boston.com."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BOSTON,
            '"I saw no evidence during my presidency that extraterrestrials have made '
            "contact with us. Really!”",
        ),
        # "first appeared on", and a footer that is all there is but a byline
        (
            "by G. K. Chesterton on 1909-07-10 for The Daily News\n\nThe post Cheese "
            "first appeared on Society of Gilbert Keith Chesterton.",
            "by G. K. Chesterton on 1909-07-10 for The Daily News",
        ),
        # a theme's link to the rest, after the cut, with or without an arrow or title
        (
            "Can you place a queen on the first row and then, via some sequence of … "
            "Continue reading →",
            "Can you place a queen on the first row and then, via some sequence of…",
        ),
        (
            "Apart from the companies I started, I was never employed … Continue reading "
            "I’ve never been one for ‘taking sides’ →",
            "Apart from the companies I started, I was never employed …",
        ),
        (
            "It was able to do things it ... Read more",
            "It was able to do things it…",
        ),
        (
            "the transfer is guaranteed to be...Read More",
            "the transfer is guaranteed to be…",
        ),
        # the link, then the footer, then WordPress's own mark of the cut
        (
            "“Oh Darling, what is it you truly long for beyond depression”, I replied in a…"
            "\n\nContinue Reading\n\nThe post The Hidden Super Power of Being Human: F29 "
            "Challenge 3/29 appeared first on Bravely She Blogs.",
            "“Oh Darling, what is it you truly long for beyond depression”, I replied in a…",
        ),
        (
            "Bluesky is built on the open AT protocol, so users have […]",
            "Bluesky is built on the open AT protocol, so users have…",
        ),
        (
            "This is definitely the most recently-recorded music I’ve written about so far "
            "on my humble blog, […]",
            "This is definitely the most recently-recorded music I’ve written about so far "
            "on my humble blog…",
        ),
        # a cut after a whole sentence needs no "…"
        (
            "It destroyed the town of Altadena, which sits between Pasadena and the San "
            "Gabriel mountains. […]",
            "It destroyed the town of Altadena, which sits between Pasadena and the San "
            "Gabriel mountains.",
        ),
    ],
)
def test_the_trailer_is_taken_off_the_end(text: str, expected: str) -> None:
    # a footer names the entry's title: the one it names here
    named = re.search(r"The post (.+?) (?:appeared first|first appeared) on", text)
    assert without_trailers(text, named[1] if named else "A headline") == expected


@pytest.mark.parametrize(
    "text",
    [
        # the writer's own words: prose that says "read more", an elision inside a quote
        "You can read more about both in my guide.",
        "Continue reading for some helpful advice! The challenge is to use frozen fruit.",
        "Wikipedia says the sanity test […] determines whether it is possible to proceed.",
        "The post office in the village appeared first on the list of closures.",
        "If you're interested in the rationale for why I'm making this transition, read on.",
        "Read More: Americans Don’t Want Greenland.",
        # a label in other letters, or a cut mark written otherwise, is no trailer
        "The page said: … read more →",
        "Thousands came [ … ] to the square",
        "A label mid-text… Continue reading → and the text goes on.",
        "",
    ],
)
def test_text_without_a_trailer_is_unchanged(text: str) -> None:
    assert without_trailers(text, "The post office closes") == text


def test_a_footer_naming_another_title_is_the_texts_own() -> None:
    text = "Villagers met.\n\nThe post Cheese appeared first on the list of closures."
    assert without_trailers(text, "Village news") == text
    assert without_trailers(text, "Cheese") == "Villagers met."


def test_a_keyword_dm_does_not_show_the_wordpress_footer() -> None:
    item = Item(
        1,
        "k1",
        1,
        "https://www.boston.com/news/1",
        None,
        BOSTON_TITLE,
        BOSTON,
        "",
        T0,
        T0,
        "boston.com",
        "h",
    )
    sub = Subscription(1, "slack", "U1", "obama", None, T0)

    notice = notice_message([(sub, parse_query(sub.query))], item, None)

    assert notice.body == (
        '"I saw no evidence during my presidency that extraterrestrials have made contact '
        "with us. Really!”"
    )


def test_a_summary_does_not_quote_the_wordpress_footer() -> None:
    # the footer reads as a sentence of the report, and an alert could quote it
    body = (
        "Lopez Belloza, who has no criminal history, was detained at Boston's airport Nov. "
        "20 as she prepared to fly home to Texas for the holiday.\n\nThe post Judge orders "
        "release of college student deported to Honduras appeared first on Boston.com."
    )
    title = "Judge orders release of college student deported to Honduras"
    assert candidate_sentences(title, body) == [
        "Lopez Belloza, who has no criminal history, was detained at Boston's airport Nov. "
        "20 as she prepared to fly home to Texas for the holiday."
    ]


def test_a_summary_quotes_an_excerpt_cut_before_its_read_more_link_as_cut() -> None:
    # the only sentence, cut by the feed: quoted as cut ("…"), without the link's label
    body = (
        "One key reason why the Commodore 64 was so successful in the 80s was that it was "
        "able to do things it ... Read more"
    )
    assert candidate_sentences("Freezer cartridge theory", body) == [
        "One key reason why the Commodore 64 was so successful in the 80s was that it was "
        "able to do things it…"
    ]
