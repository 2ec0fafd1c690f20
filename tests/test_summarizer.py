"""The optional summarizer: off by default; when configured, an LLM API (a local fake at
the wire) rewrites each alert's cited sentences at delivery, and any failure or unusable
answer sends the extractive summary instead."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from fakes.llm_server import FakeLLM
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import as_entry, feed_of, make_world, sample, samples

from bot.alert_text import alert_message
from bot.errors import ConfigError
from bot.model import Citation, Development, Story
from bot.outbox_keys import alert_key
from bot.ports import SummaryRequest
from bot.settings import load_settings
from bot.summarizer import check_rewrite, summary_request

DEV = "congress-hearing"


def llm_env(url: str) -> dict[str, str]:
    return {
        "STORYBOT_SUMMARIZER": "openai",
        "STORYBOT_SUMMARIZER_URL": url,
        "STORYBOT_SUMMARIZER_MODEL": "test-model",
        "STORYBOT_SUMMARIZER_API_KEY": "sk-test-key",
    }


async def _alert_world(feed_server, sqlite_url, clock, env=None):
    world = make_world(sqlite_url, clock, env=env)
    turn = sample(next(i["guid"] for i in samples("development", DEV)))
    feed_server.add_feed("/a.xml", feed_of(as_entry(turn)), etag=True)
    world.app.store.add_feed(feed_server.url("/a.xml"), clock.now())
    await world.app.pipeline.poll_due()
    await world.app.delivery.deliver_due(limit=100)
    return world


async def test_by_default_no_summarizer_is_called_and_the_alert_is_extractive(
    feed_server, sqlite_url, clock
):
    world = await _alert_world(feed_server, sqlite_url, clock)
    assert world.app.summarizer is None
    (alert,) = world.alerts()
    assert alert.citations and alert.body.endswith("[1]")
    assert alert.links[0].label.startswith("[1] ")
    assert "Summary written by" not in (alert.footer or "")
    await world.app.aclose()


async def test_a_configured_llm_rewrites_the_alert_citing_the_alerts_links(
    feed_server, sqlite_url, clock
):
    async with FakeLLM() as llm:
        llm.answer("Senators set a March 18 hearing and demand the deal's text. [1]")
        world = await _alert_world(feed_server, sqlite_url, clock, llm_env(llm.url))
        (alert,) = world.alerts()
        assert alert.body == "Senators set a March 18 hearing and demand the deal's text. [1]"
        assert alert.footer.endswith("Summary written by test-model from the linked reports")
        assert alert.links[0].label.startswith("[1] ")
        (call,) = llm.requests
        assert call["headers"]["Authorization"] == "Bearer sk-test-key"
        assert call["json"]["model"] == "test-model"
        system, user = call["json"]["messages"]
        assert "Use only facts" in system["content"]
        for c in alert.citations:
            assert f"[1] ({c.source}) {c.sentence}" in user["content"]
        # the outbox keeps the extractive message as the record
        (binding,) = world.app.store.bindings_for_story(world.story.id)
        row = world.app.store.get_outbox(alert_key(world.story.id, 1, binding))
        assert row.message.body.endswith("[1]") and row.message.body != alert.body
        await world.app.aclose()


@pytest.mark.parametrize(
    ("script", "why"),
    [
        (lambda llm: llm.fail(500), "HTTP 500"),
        (lambda llm: llm.fail(429, '{"error": {"message": "rate limit"}}'), "HTTP 429"),
        (
            lambda llm: llm.garbage("<html>proxy error</html>"),
            "did not answer with a chat completion",
        ),
        (lambda llm: llm.answer("Senators invented a fact. [7]"), "cites [7]"),
        (lambda llm: llm.answer("Senators set a hearing."), "cites none of the alert's links"),
        (lambda llm: llm.answer("   "), "empty answer"),
        # a broken or hostile endpoint streaming an endless body is cut off, not held in memory
        (lambda llm: llm.garbage("x" * (3 << 20)), "answered more than 1 MiB"),
    ],
)
async def test_a_failing_or_unusable_llm_answer_sends_the_extractive_summary(
    feed_server, sqlite_url, clock, caplog, script, why
):
    async with FakeLLM() as llm:
        script(llm)
        with caplog.at_level(logging.WARNING, logger="bot.summarizer"):
            world = await _alert_world(feed_server, sqlite_url, clock, llm_env(llm.url))
        (alert,) = world.alerts()
        assert alert.body.endswith("[1]") and "Summary written by" not in (alert.footer or "")
        assert len(llm.requests) == 1
        assert why in caplog.text and "sending the extractive summary" in caplog.text
        assert world.app.store.due_outbox(clock.now(), limit=10) == []  # delivered, not retried
        await world.app.aclose()


async def test_a_password_in_the_llm_url_is_not_logged(feed_server, sqlite_url, clock, caplog):
    async with FakeLLM() as llm:
        llm.fail(500)
        url = llm.url.replace("http://", "http://storybot:s3cret-pw@")
        with caplog.at_level(logging.WARNING, logger="bot.summarizer"):
            world = await _alert_world(feed_server, sqlite_url, clock, llm_env(url))
        assert "HTTP 500" in caplog.text and "storybot:***@127.0.0.1" in caplog.text
        assert "s3cret-pw" not in caplog.text
        await world.app.aclose()


async def test_an_unreachable_llm_sends_the_extractive_summary(feed_server, sqlite_url, clock):
    async with FakeLLM() as llm:
        dead_url = llm.url
    world = await _alert_world(feed_server, sqlite_url, clock, llm_env(dead_url))
    (alert,) = world.alerts()
    assert alert.body.endswith("[1]")
    await world.app.aclose()


def test_check_rewrite_accepts_only_the_requests_markers() -> None:
    request = SummaryRequest(
        "s", "h", (("A.", 1, "Wire"), ("B.", 2, "Daily"), ("C.", None, "seed")), max_words=10
    )
    assert check_rewrite("A and B happened. [1][2]", request) is None
    assert "cites [3]" in check_rewrite("A happened. [3]", request)
    assert "words" in check_rewrite(" ".join(["word"] * 21) + " [1]", request)
    unlinked = SummaryRequest("s", "h", (("C.", None, "seed"),), max_words=10)
    assert check_rewrite("C happened.", unlinked) is None


T0 = datetime(2026, 3, 5, 12, tzinfo=UTC)


def test_summary_request_numbers_sentences_like_the_alerts_links() -> None:
    # the alert of a development whose first, second and third reports are Wire, Other
    # and Daily, citing the first and the third: the rewrite must cite them as [1], [3]
    dev = Development(
        story_id=1,
        number=1,
        headline="h",
        summary="A. B. C. D.",
        created_at=T0,
        updated_at=T0,
        links=(("Wire", "https://w/1"), ("Other", "https://o/2"), ("Daily", "https://d/3")),
        citations=(
            Citation("A.", "Wire", "https://w/1"),
            Citation("B.", "Daily", "https://d/3"),
            Citation("C.", "Wire", "https://w/1"),
            Citation("D.", "seed", None),
        ),
    )
    msg = alert_message(Story(1, "s", "S", (), T0), dev)
    assert summary_request(msg, 50).sentences == (
        ("A.", 1, "Wire"),
        ("B.", 3, "Daily"),
        ("C.", 1, "Wire"),
        ("D.", None, "seed"),
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http:///v1", '"http:///v1"'),  # no host
        ("https://llm.internal:99999/v1", '"https://llm.internal:99999/v1"'),  # no such port
        ("https://llm.internal:0/v1", '"https://llm.internal:0/v1"'),
        ("htps://llm.internal/v1", '"htps://llm.internal/v1"'),
        # a password the URL may carry (it is read from the environment) is not repeated
        ("htps://bob:s3cret-pw@llm.internal/v1", '"htps://bob:***@llm.internal/v1"'),
        ("http://bob:s3cret-pw@:8080/v1", '"http://bob:***@:8080/v1"'),
    ],
)
def test_a_summarizer_url_that_cannot_be_called_is_a_config_error(url, shown):
    # it was taken, and every alert then failed over to the extractive summary with a
    # warning in the log ("Request URL is missing an 'http://' or 'https://' protocol")
    env = {**llm_env(url), "STORYBOT_SUMMARIZER_API_KEY": ""}
    with pytest.raises(ConfigError) as err:
        load_settings(env=env)
    said = str(err.value)
    assert said.startswith("STORYBOT_SUMMARIZER_URL must be an http(s) URL with a host")
    assert said.endswith(f"got {shown}") and "s3cret-pw" not in said


def test_a_summarizer_url_in_the_config_file_is_checked_as_the_variable_is(tmp_path):
    conf = tmp_path / "c.toml"
    conf.write_text('[summarizer]\nkind = "openai"\nurl = "http://:8080/v1"\nmodel = "m"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(conf, env={})
    assert str(err.value) == (
        f"{conf}: [summarizer] url must be an http(s) URL with a host and a port from 1 to "
        '65535 (if it has one), got "http://:8080/v1"'
    )
    for good in ("http://127.0.0.1:8080/v1", "https://api.openai.com/v1", "HTTPS://x/v1"):
        conf.write_text(f'[summarizer]\nkind = "openai"\nurl = "{good}"\nmodel = "m"\n')
        assert load_settings(conf, env={}).summarizer.url == good


def test_summarizer_settings_are_checked_and_the_key_comes_from_the_environment(tmp_path):
    assert not load_settings(env={}).summarizer.enabled
    with pytest.raises(ConfigError, match="needs url and model"):
        load_settings(env={"STORYBOT_SUMMARIZER": "openai"})
    with pytest.raises(ConfigError, match="kind must be one of"):
        load_settings(env={"STORYBOT_SUMMARIZER": "gpt"})
    conf = tmp_path / "c.toml"
    conf.write_text(
        '[summarizer]\nkind = "openai"\nurl = "http://x/v1"\nmodel = "m"\napi_key = "sk-1"\n'
    )
    with pytest.raises(ConfigError, match="looks like a secret"):
        load_settings(conf, env={})
    conf.write_text('[summarizer]\nkind = "openai"\nurl = "http://x/v1"\nmodel = "m"\n')
    s = load_settings(conf, env={"STORYBOT_SUMMARIZER_API_KEY": "sk-1"}).summarizer
    assert (s.kind, s.url, s.model, s.api_key) == ("openai", "http://x/v1", "m", "sk-1")
    assert "sk-1" not in repr(s)
