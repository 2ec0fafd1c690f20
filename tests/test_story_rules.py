"""The rules a new story's title and seeds follow, shared by ``storybot story add``, the
config file's [[stories]] and ``/story stories add`` (``bot.validate``)."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.story_admin import StoryAdd, check_add
from bot.validate import (
    STORY_TITLE_MAX,
    repeated_seed_problem,
    story_title,
    story_title_problem,
)
from storage import open_store


@pytest.mark.parametrize(
    ("given", "title"),
    [("Chips Act", "Chips Act"), ("  Chips\n\tAct\r\n ", "Chips Act"), (" \n\t", "")],
)
def test_a_title_is_one_line_of_single_spaces(given, title):
    assert story_title(given) == title


def test_a_title_is_not_empty_nor_longer_than_200_characters():
    assert story_title_problem("x" * STORY_TITLE_MAX) is None
    assert story_title_problem("") == "the title is empty"
    assert story_title_problem("x" * 201) == (
        "the title is 201 characters long; a story's title is at most 200"
    )


def test_the_same_article_is_found_however_its_url_is_spelled():
    url = "https://news.example/a"
    assert repeated_seed_problem([url, "https://news.example/b"]) is None
    assert repeated_seed_problem([url, url]) == f"{url} is given twice: give each article once"
    assert repeated_seed_problem([url, "HTTPS://news.example/a?utm_source=x#top"]) == (
        f"HTTPS://news.example/a?utm_source=x#top is the same article as {url}: give each "
        "article once"
    )


def test_a_caller_says_which_article_a_seed_names():
    paths = ["a.txt", "./a.txt"]
    assert repeated_seed_problem(paths) is None
    assert repeated_seed_problem(paths, key=lambda p: p.removeprefix("./")) == (
        "./a.txt is the same article as a.txt: give each article once"
    )


def test_chat_refuses_a_title_longer_than_200_characters_in_its_own_words():
    store = open_store("sqlite://")
    try:
        add = StoryAdd("chips", ("https://news.example/a",), "x" * 201)
        with pytest.raises(UserError) as refused:
            check_add(store, add)
        assert str(refused.value) == (
            "The title is 201 characters long; a story's title is at most 200."
        )
    finally:
        store.close()
