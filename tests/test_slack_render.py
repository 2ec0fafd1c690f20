"""Block Kit rendering and escaping: hostile feed text must never ping, link or format."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack_chat import render
from adapters.slack_chat.commands import command_request, reply_payloads
from bot import mentions
from bot.model import Link, Mention, MessageKind, OutboundMessage, Reply

ZWJ = render.ZWJ
# The only <...> tokens we emit ourselves: links to validated URLs and date tokens.
OUR_TOKENS = re.compile(r"<https?://[^|<>\s]+\|[^<>]*>|<!date\^\d+\^[^|<>]*\|[^<>]*>")

HOSTILE = [
    "<!channel> markets crash",
    "<!here> please read",
    "<!everyone> look",
    "ping <@U123> and <@W999|boss>",
    "join <#C1> now <#C2|general>",
    "<http://evil.example|click here for the Reuters story>",
    "<mailto:x@example.com|mail>",
    "<!subteam^S123|@oncall> alert",
    "<!date^1^{date}|fake date>",
    "AT&T buys &lt;script&gt; & more",
    "*bold* _italic_ ~strike~ `code` ```block```",
    "> quoted\n> twice",
    "@everyone @here @channel",
    "line one\nline two\nline three",
]


def message(title: str = "Title", **kw: Any) -> OutboundMessage:
    fields: dict[str, Any] = {"kind": MessageKind.ALERT, "title": title, "body": "Body."}
    fields.update(kw)
    return OutboundMessage(**fields)


def text_objects(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if "text" in block:
            yield block["text"]
        yield from block.get("elements", [])


def assert_no_formatting(text: str) -> None:
    for marker in "*_~`":
        for m in re.finditer(re.escape(marker), text):
            before = text[m.start() - 1] if m.start() else ""
            after = text[m.end()] if m.end() < len(text) else ""
            assert before == ZWJ and after == ZWJ, f"unneutralised {marker!r} in {text!r}"


def assert_inert_mrkdwn(text: str) -> None:
    labels = [
        m.group(0).split("|", 1)[1][:-1]
        for m in OUR_TOKENS.finditer(text)
        if m.group(0).startswith("<http")
    ]
    rest = OUR_TOKENS.sub(" ", text)
    assert "<" not in rest and ">" not in rest, text
    for part in [rest, *labels]:
        assert_no_formatting(part)
    assert "\n" not in text


# A command reply may also link a URL as itself (no label to disguise it) and show its
# own `code`; it may span lines, none of which starts a quote.
URL_AS_ITSELF = re.compile(r"<https?://[^|<>\s]+>")
CODE_SPAN = re.compile(r"`[^`\n]+`")


def assert_inert_reply_mrkdwn(text: str) -> None:
    labels = [
        m.group(0).split("|", 1)[1][:-1]
        for m in OUR_TOKENS.finditer(text)
        if m.group(0).startswith("<http")
    ]
    for label in labels:
        assert_no_formatting(label)
    rest = URL_AS_ITSELF.sub(" ", OUR_TOKENS.sub(" ", text))
    assert "<" not in rest and ">" not in rest, text
    for marker in "*_~`":
        rest = rest.replace(f"{ZWJ}{marker}{ZWJ}", "")
    rest = CODE_SPAN.sub(" ", rest)
    assert not any(marker in rest for marker in "*_~`"), text
    assert not any(line.lstrip().startswith(("&gt;", ">")) for line in text.split("\n")), text


def assert_inert(blocks: list[dict[str, Any]], fallback: str, reply: bool = False) -> None:
    for obj in text_objects(blocks):
        if obj["type"] == "plain_text":
            assert "<" not in obj["text"] and ">" not in obj["text"], obj
        else:
            assert obj["type"] == "mrkdwn" and obj.get("verbatim") is True
            (assert_inert_reply_mrkdwn if reply else assert_inert_mrkdwn)(obj["text"])
    # a reply's notification text keeps its `code` as its blocks do, on one line
    (assert_inert_reply_mrkdwn if reply else assert_inert_mrkdwn)(fallback)
    assert "\n" not in fallback


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_in_every_field_stays_inert(hostile: str) -> None:
    msg = message(
        title=hostile,
        body=hostile,
        story_name=hostile,
        sources=(hostile, "AP"),
        links=(Link(hostile, "https://news.example/a"),),
        footer=hostile,
        when=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
    )
    assert_inert(render.message_blocks(msg), render.fallback_text(msg))
    for reply in (Reply(text=hostile), Reply(text=hostile, message=msg)):
        [payload] = reply_payloads(reply)
        assert_inert(payload["blocks"], payload["text"], reply=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<http://evil|click>", "&lt;http://evil|click&gt;"),
        ("AT&T", "AT&amp;T"),
        ("&amp;", "&amp;amp;"),
        ("plain", "plain"),
    ],
)
def test_escape_slack_control_characters(raw: str, expected: str) -> None:
    assert render.escape(raw) == expected
    assert render.message_blocks(message(title=raw))[0]["text"]["text"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("*bold*", f"{ZWJ}*{ZWJ}bold{ZWJ}*{ZWJ}"),
        ("_x_", f"{ZWJ}_{ZWJ}x{ZWJ}_{ZWJ}"),
        ("~x~", f"{ZWJ}~{ZWJ}x{ZWJ}~{ZWJ}"),
        ("`x`", f"{ZWJ}`{ZWJ}x{ZWJ}`{ZWJ}"),
        ("a\n> b", "a &gt; b"),
        ("<!here>", "&lt;!here&gt;"),
    ],
)
def test_mrkdwn_is_neutralised(raw: str, expected: str) -> None:
    assert render.escape_mrkdwn(raw) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a", "https://news.example/a"),
        ("http://news.example/a?b=1&c=2", "http://news.example/a?b=1&amp;c=2"),
        ("https://news.example/x|<!channel>", "https://news.example/x%7C&lt;!channel&gt;"),
        ("HTTPS://News.Example/", "HTTPS://News.Example/"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("ftp://news.example/file", None),
        ("//news.example/a", None),
        ("http://", None),
        ("https://news.example/a b", None),
        ("https://news.example/\nx", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_urls_are_linked(url: str | None, expected: str | None) -> None:
    assert render.safe_url(url) == expected


def test_a_link_is_shown_without_the_parameters_that_only_track_the_reader() -> None:
    # as Rest of World's feed tags every link (one of the 200 real feeds)
    tagged = "https://restofworld.org/2026/polymarket-china-betting-ban/?utm_source=rss&utm_medium=rss&utm_campaign=feeds"
    msg = message(
        links=(
            Link("[1] Rest of World", tagged),
            Link("Wire", "https://w.example/a?id=3&utm_source=rss"),
        )
    )

    links = render.message_blocks(msg)[-1]["text"]["text"]

    assert "utm_" not in links
    assert links.startswith("<https://restofworld.org/2026/polymarket-china-betting-ban/|")
    assert "<https://w.example/a?id=3|Wire>" in links


def test_links_render_validated_and_escaped() -> None:
    msg = message(
        links=(
            Link("Reuters *exclusive*", "https://reuters.example/a?x=1&y=2"),
            Link("<!channel>", "javascript:alert(1)"),
        )
    )
    links = render.message_blocks(msg)[-1]["text"]["text"]
    label = f"Reuters {ZWJ}*{ZWJ}exclusive{ZWJ}*{ZWJ}"
    assert links == f"<https://reuters.example/a?x=1&amp;y=2|{label}> · &lt;!channel&gt;"


def test_alert_layout_headline_summary_sources_time() -> None:
    when = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    msg = message(
        title="Pentagon signs deal",
        body="First line.\nSecond line.\nThird line is cut.",
        story_name="anthropic-pentagon",
        sources=("Reuters", "AP", "BBC", "FT", "NYT", "WSJ"),
        when=when,
    )
    blocks = render.message_blocks(msg)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Pentagon signs deal", "emoji": True},
    }
    assert blocks[1]["text"] == {
        "type": "plain_text",
        "text": "First line.\nSecond line.",
        "emoji": True,
    }
    context = [e["text"] for e in blocks[2]["elements"]]
    assert context[:2] == ["anthropic-pentagon", "Reuters, AP and 4 more"]
    assert (
        context[2]
        == f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|2026-11-22 09:30 UTC>"
    )
    assert (
        render.fallback_text(msg)
        == "[anthropic-pentagon] Pentagon signs deal (Reuters, AP and 4 more)"
    )


def test_lengths_fit_slack_limits() -> None:
    msg = message(title="&" * 400, body="<" * 10000, kind=MessageKind.DIGEST)
    blocks = render.message_blocks(msg)
    assert len(blocks[0]["text"]["text"]) <= render.HEADER_MAX
    assert len(blocks[1]["text"]["text"]) <= render.TEXT_MAX
    assert blocks[0]["text"]["text"].endswith("…")


def test_reply_translation() -> None:
    long = "\n".join(f"line {i} " + "x" * 100 for i in range(80))
    [payload] = reply_payloads(Reply(text=long))
    assert payload["response_type"] == "ephemeral"
    assert len(payload["blocks"]) > 1
    assert all(len(b["text"]["text"]) <= render.TEXT_MAX for b in payload["blocks"])
    [shared] = reply_payloads(Reply(text="status", ephemeral=False, message=message(title="T")))
    assert shared["response_type"] == "in_channel"
    assert shared["blocks"][0]["type"] == "header"


def test_command_request_from_slack_payload() -> None:
    payload = {
        "text": "  status  anthropic ",
        "user_id": "U1",
        "channel_id": "C1",
        "user_name": "alice",
    }
    request = command_request(payload, is_admin=True)
    assert (request.text, request.platform, request.user_id) == ("status  anthropic", "slack", "U1")
    assert (request.channel_id, request.user_name, request.is_admin) == ("C1", "alice", True)


def test_command_text_is_unescaped_as_slack_escapes_it() -> None:
    payload = {
        "text": "feeds add <https://example.com/rss?a=1&amp;b=2> &lt;x&gt; AT&amp;T",
        "user_id": "U1",
    }
    assert command_request(payload, is_admin=False).text == (
        "feeds add <https://example.com/rss?a=1&b=2> <x> AT&T"
    )


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("status iran\u200d_\u200ddeal", "status iran_deal"),
        # echoed twice (a refusal quoting a copied name), then copied again
        ("status iran\u200d\u200d_\u200d\u200ddeal", "status iran_deal"),
        ("subscribe \u200d*\u200dbold\u200d*\u200d AND \u200d~\u200dx", "subscribe *bold* AND ~x"),
        ("why \u200d&gt; quoted", "why > quoted"),
        # a joiner that joins emoji (a person at a computer) is the user's own
        ("subscribe \U0001f469\u200d\U0001f4bb", "subscribe \U0001f469\u200d\U0001f4bb"),
    ],
)
def test_text_copied_from_a_reply_is_read_without_the_joiners_the_reply_added(
    sent: str, typed: str
) -> None:
    assert command_request({"text": sent, "user_id": "U1"}).text == typed


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        # "Escape channels, users, and links" on: a word naming a channel or a person
        # arrives as a mention, and is read as the word typed
        ("subscribe <#C024BE7LR|general>", "subscribe #general"),
        ("subscribe <@U024BE7LH|bob> AND x", "subscribe @bob AND x"),
        ("subscribe <!subteam^SAZ94GDB8|@oncall>", "subscribe @oncall"),
        ("subscribe <!here> <!channel|channel>", "subscribe @here @channel"),
        # without a label there is nothing to give back: the command refuses it
        ("subscribe <#C024BE7LR|>", "subscribe <#C024BE7LR|>"),
        ("subscribe <#C024BE7LR>", "subscribe <#C024BE7LR>"),
        # a link keeps the form the commands that take one read
        ("why <https://a.example/x|a.example/x>", "why <https://a.example/x|a.example/x>"),
        # a typed "<#" is escaped by Slack, so it is no mention
        ("subscribe &lt;#C1|x&gt;", "subscribe <#C1|x>"),
    ],
)
def test_mentions_slack_sends_for_typed_words_are_read_as_those_words(
    sent: str, typed: str
) -> None:
    assert command_request({"text": sent, "user_id": "U1"}).text == typed


@pytest.mark.parametrize(
    ("title", "header"), [("a\nb  c", "a b c"), ("", "(no headline)"), ("   ", "(no headline)")]
)
def test_header_is_one_non_empty_line(title: str, header: str) -> None:
    assert render.message_blocks(message(title=title))[0]["text"]["text"] == header


# --------------------------------------------------------------- Block Kit limits, any input

LONG_URL = st.builds(
    lambda n, tail: f"https://news.google.com/rss/articles/CBMi{'x' * n}?oc=5&utm_source={tail}",
    st.integers(0, 1900),
    st.text("abc&<>|_*", max_size=20),
)
LINKS = st.lists(
    st.builds(Link, st.text(max_size=300), LONG_URL | st.just("https://a.example/")),
    max_size=12,
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=6000) | st.builds(
    lambda w, n: (w + " ") * n,
    st.sampled_from(["&", "<b>", "word", "Ü" * 50]),
    st.integers(0, 2000),
)


def message_text(blocks: list[dict[str, Any]]) -> int:
    """How many characters of text one message's blocks hold in all."""
    return sum(len(obj["text"]) for obj in text_objects(blocks))


def assert_within_block_kit_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= render.MAX_BLOCKS
    for block in blocks:
        limit = render.HEADER_MAX if block["type"] == "header" else render.TEXT_MAX
        for obj in text_objects([block]):
            assert len(obj["text"]) <= limit, (block["type"], len(obj["text"]))


@settings(max_examples=60, deadline=None)
@given(
    title=TEXT,
    body=TEXT,
    links=LINKS,
    kind=st.sampled_from(list(MessageKind)),
    footer=st.text(max_size=3000),
)
def test_every_block_stays_within_block_kit_limits_whatever_the_links_and_text(
    title: str, body: str, links: list[Link], kind: MessageKind, footer: str
) -> None:
    msg = message(title=title, body=body, links=tuple(links), kind=kind, footer=footer or None)
    assert_within_block_kit_limits(render.message_blocks(msg))
    for reply in (Reply(text=body), Reply(text=body, message=msg)):
        payloads = reply_payloads(reply)
        assert 1 <= len(payloads) <= render.REPLY_MESSAGES_MAX
        for payload in payloads:
            assert_within_block_kit_limits(payload["blocks"])
            assert message_text(payload["blocks"]) <= render.MESSAGE_TEXT_MAX


def test_links_that_do_not_fit_are_dropped_whole_and_counted() -> None:
    tracking = "https://news.google.com/rss/articles/CBMi" + "x" * 1900 + "?oc=5"
    links = tuple(Link(f"[{i}] Outlet {i}", f"{tracking}&n={i}") for i in range(5))
    text = render.message_blocks(message(links=links))[-1]["text"]["text"]
    assert len(text) <= render.TEXT_MAX
    kept = re.findall(r"<https://[^|<>]+\|[^<>]*>", text)
    assert len(kept) == 1 and kept[0].endswith("|[0] Outlet 0>"), "whole links, cited first"
    assert text.endswith(" · … and 4 more")


def test_a_cited_link_keeps_its_place_when_uncited_ones_before_it_leave_no_room() -> None:
    # links in number order: [1] and [2] (not cited) would fill the line before [3]
    wide = [Link(f"[{n}] Outlet {n}", f"https://o{n}.example/" + "a" * 1455) for n in (1, 2)]
    links = (*wide, Link("[3] Daily", "https://daily.example/3"))
    blocks = render.message_blocks(message(body="A hearing is set. [3]", links=links))
    line = next(b["text"]["text"] for b in blocks if "…" in b.get("text", {}).get("text", ""))
    assert "<https://daily.example/3|[3] Daily>" in line
    assert line.startswith("<https://o1.example/") and line.endswith(" · … and 1 more")


def test_a_short_link_after_a_long_one_still_shows() -> None:
    long = Link("[1] Wire", "https://news.example/" + "a" * 2990)
    short = Link("[2] Daily", "https://daily.example/2")
    text = render.links_mrkdwn((long, short))
    assert text == "<https://daily.example/2|[2] Daily> · … and 1 more"


# --------------------------------------------------------------- alert summaries


def test_an_updated_alert_shows_the_fact_added_last_with_its_marker() -> None:
    first = "A bipartisan group of senators on Thursday demanded the full text of the deal. " * 6
    added = "Michael will appear before the committee on March 18, an aide said."
    msg = message(
        body=f"{first.strip()} [1] {added} [2]",
        links=(
            Link("[1] Wire", "https://wire.example/1"),
            Link("[2] Other", "https://other.example/2"),
        ),
    )
    summary = render.message_blocks(msg)[1]["text"]["text"]
    assert summary.endswith(f"{added} [2]")


def test_a_cut_summary_ends_at_a_word_with_an_ellipsis() -> None:
    body = "Senators demanded the text of the agreement " * 60
    summary = render.message_blocks(message(body=body))[1]["text"]["text"]
    assert summary.endswith("…") and len(summary) <= render.SUMMARY_MAX
    assert body.startswith(summary[:-1]) and body[len(summary) - 1] == " ", "cut between words"


# --------------------------------------------------------------- digests


def test_a_digest_body_is_split_into_sections_never_cut_mid_line() -> None:
    lines = [f"• Development {i}: " + "AT&T <b> said " * 20 for i in range(12)]
    msg = message(kind=MessageKind.DIGEST, body="\n".join(lines))
    sections = [b["text"]["text"] for b in render.message_blocks(msg) if b["type"] == "section"]
    shown = "\n".join(sections).split("\n")
    assert shown == [render.escape(line) for line in lines]
    assert all(len(s) <= render.TEXT_MAX for s in sections)


def test_a_digest_of_text_that_escapes_long_still_fits_one_slack_message() -> None:
    # A digest body is at most DIGEST_BODY_MAX characters, but "&", "<" and ">" are 4-5
    # characters escaped: feed headlines made of them would be refused by Slack as a
    # whole (msg_blocks_too_long) and the digest given up.
    from bot.digest_text import DIGEST_BODY_MAX

    lines = [f"• {i}. " + "<&>" * 60 for i in range(15)]
    body = "\n".join(lines)[:DIGEST_BODY_MAX]
    links = tuple(Link(f"Outlet {i}", f"https://news{i}.example/" + "a" * 200) for i in range(20))
    msg = message(kind=MessageKind.DIGEST, body=body, links=links, footer="Digest of 6 h")
    blocks = render.message_blocks(msg)
    total = sum(len(obj["text"]) for obj in text_objects(blocks))
    assert total <= render.MESSAGE_TEXT_MAX
    body = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert body.pop()[0] == "<"  # the links section comes after the body
    shown = "\n".join(body).split("\n")
    kept = len(shown) - 1
    assert 0 < kept < len(lines)
    assert shown[:kept] == [render.escape(line) for line in lines[:kept]]  # the first, whole
    assert shown[-1] == render.escape(render.digest_more_text(len(lines) - kept))  # the cut said
    assert blocks[-1]["elements"][0]["text"] == "Digest of 6 h"  # the footer stays


# --------------------------------------------------------------- command replies


def test_reply_links_are_clickable_and_mentions_stay_inert() -> None:
    text = (
        "• Wire <https://wire.example/rss?a=1&b=2> · ok\n"
        "  failing: https://bad.example/feed.xml (failed 3× in a row): <!channel> `code` *x*"
    )
    [payload] = reply_payloads(Reply(text=text))
    [block] = payload["blocks"]
    assert block["text"]["type"] == "mrkdwn" and block["text"]["verbatim"] is True
    assert block["text"]["text"] == (
        "• Wire <https://wire.example/rss?a=1&amp;b=2> · ok\n"
        f"  failing: <https://bad.example/feed.xml> (failed 3× in a row): &lt;!channel&gt; `code` {ZWJ}*{ZWJ}x{ZWJ}*{ZWJ}"
    )


def test_a_replys_notification_text_keeps_its_code_and_neutralises_the_rest() -> None:
    hint = "demo has no developments yet (`/story status demo` shows the story)."
    assert render.reply_text(Reply(text=hint)) == hint
    hostile = "<!channel> *x*\n> quote `<!here> *y*` stray ` tick"
    assert render.reply_text(Reply(text=hostile)) == (
        f"&lt;!channel&gt; {ZWJ}*{ZWJ}x{ZWJ}*{ZWJ} &gt; quote `&lt;!here&gt; *y*` stray "
        f"{ZWJ}`{ZWJ} tick"
    )


def test_a_lone_backtick_in_the_notification_text_pairs_with_nothing_on_a_later_line() -> None:
    reply = Reply(
        text="1. Rock`n'roll band <!channel> *wins*\n"
        "… and 3 older developments: `/story developments demo 2`"
    )
    assert render.reply_text(reply) == (
        f"1. Rock{ZWJ}`{ZWJ}n'roll band &lt;!channel&gt; {ZWJ}*{ZWJ}wins{ZWJ}*{ZWJ} "
        "… and 3 older developments: `/story developments demo 2`"
    )
    # as the reply's blocks render each line
    blocks = render.reply_mrkdwn(reply.text.splitlines())["text"]
    assert render.reply_text(reply) == blocks.replace("\n", " ")


def test_status_reply_links_are_clickable() -> None:
    status = message(
        title="Talks (talks)",
        body="Latest developments:\n1. Senators set a hearing\n   3 reports · Wire <https://wire.example/1>",
        kind=MessageKind.DIGEST,
    )
    [payload] = reply_payloads(Reply(text="status", message=status))
    blocks = payload["blocks"]
    assert blocks[0]["type"] == "header"
    body = blocks[1]["text"]
    assert body["type"] == "mrkdwn" and "Wire <https://wire.example/1>" in body["text"]


# --------------------------------------------------------------- replies in several messages


def body_lines(payloads: list[dict[str, Any]]) -> list[str]:
    """The reply lines the messages show, in order (sections only, not header or context)."""
    return [
        line
        for payload in payloads
        for block in payload["blocks"]
        if block["type"] == "section" and "<https://" not in block["text"]["text"]
        for line in block["text"]["text"].split("\n")
    ]


def test_a_long_rich_reply_continues_with_its_header_first_and_its_links_last() -> None:
    lines = [f"{n}. Development {n}: " + "senators said " * 40 for n in range(60)]
    status = message(
        title="Talks (talks)",
        body="\n".join(lines),
        kind=MessageKind.DIGEST,
        story_name="talks",
        links=(Link("Wire", "https://wire.example/1"),),
        footer="storybot",
    )
    payloads = reply_payloads(Reply(text="status", ephemeral=False, message=status))
    assert 1 < len(payloads) <= render.REPLY_MESSAGES_MAX
    kinds = [[block["type"] for block in payload["blocks"]] for payload in payloads]
    assert kinds[0][0] == "header" and all("header" not in k for k in kinds[1:])
    assert kinds[-1][-3:] == ["context", "section", "context"]  # story, links, footer
    assert all(k == ["section"] * len(k) for k in kinds[1:-1])  # only the body between
    assert body_lines(payloads) == lines  # every line once, in order, none cut
    for n, payload in enumerate(payloads, start=1):
        assert payload["response_type"] == "in_channel"
        assert_within_block_kit_limits(payload["blocks"])
        assert message_text(payload["blocks"]) <= render.MESSAGE_TEXT_MAX
        if n > 1:
            assert payload["text"] == f"(continued, {n} of {len(payloads)})"


@pytest.mark.parametrize("rich", [False, True], ids=["text", "rich"])
def test_lines_beyond_the_messages_slack_takes_are_counted(rich: bool) -> None:
    lines = [f"line {n} " + "word " * 400 for n in range(100)]  # 200,000 characters
    text = "\n".join(lines)
    links = (Link("Wire", "https://wire.example/1"),)
    reply = Reply(text=text, message=message(body=text, links=links) if rich else None)
    payloads = reply_payloads(reply)
    assert len(payloads) == render.REPLY_MESSAGES_MAX
    shown = body_lines(payloads)
    *listed, more = shown
    assert listed == lines[: len(listed)]
    assert more.startswith(f"… and {len(lines) - len(listed)} more lines not shown: ")
    for payload in payloads:
        assert_within_block_kit_limits(payload["blocks"])
        assert message_text(payload["blocks"]) <= render.MESSAGE_TEXT_MAX
    if rich:  # the links are still shown, after the count
        assert "<https://wire.example/1|Wire>" in payloads[-1]["blocks"][-1]["text"]["text"]


def test_a_reply_that_fits_is_one_message_as_before() -> None:
    lines = [f"• Feed {n} <https://feeds.example/{n}.xml> · ok" for n in range(50)]
    [payload] = reply_payloads(Reply(text="\n".join(lines)))
    [block] = payload["blocks"]
    assert block["text"]["text"].split("\n") == lines


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_thread_note_neutralises_each_fact_line(hostile: str) -> None:
    text = render.thread_note_text(f"AP: {hostile} [2]\nBBC: calm. [3]")
    assert not OUR_TOKENS.sub("", text).count("<")  # no mention, link or date token
    assert text.endswith("\nBBC: calm. [3]")


def test_a_thread_note_keeps_facts_whole_and_counts_the_rest() -> None:
    facts = [f"Outlet {n}: " + "word " * 30 + f"[{n}]" for n in range(5)]
    text = render.thread_note_text("\n".join(facts), limit=450)
    lines = text.split("\n")
    assert len(text) <= 450
    assert lines[:-1] == [" ".join(f.split()) for f in facts[: len(lines) - 1]]
    assert lines[-1] == f"… and {5 - len(lines) + 1} more"


def test_a_thread_note_fact_longer_than_the_reply_is_cut_at_a_word() -> None:
    text = render.thread_note_text("AP: " + "&amp " * 200 + "[2]", limit=300)
    assert len(text) <= 300 and text.endswith("…") and "\n" not in text


def test_no_line_of_a_thread_note_or_notification_can_start_a_block_quote() -> None:
    # A feed titled "> Breaking" is the outlet every fact of its thread notes starts
    # with; "&gt;" at the start of a mrkdwn line is rendered as a quote by Slack.
    text = render.thread_note_text("> Breaking: Talks resume. [2]\n>>> Wire: More. [3]")
    assert not any(line.startswith("&gt;") for line in text.split("\n"))
    assert text.split("\n")[0].endswith("&gt; Breaking: Talks resume. [2]")
    notice = OutboundMessage(MessageKind.NOTICE, title="> Talks resume", body="")
    assert not render.fallback_text(notice).startswith("&gt;")


def test_a_long_host_added_to_a_link_label_keeps_its_end_within_the_label() -> None:
    # The site is the end of a host: a long one must not be cut off by the label's limit.
    from bot.link_labels import honest_label

    host = "bank.com.secure-login-verify-account-" + "a" * 60 + ".evil.example"
    label = honest_label("bank.com: log in to keep your account open today", f"https://{host}/x")

    assert render.link_mrkdwn(Link(label, f"https://{host}/x")).endswith(".evil.example)>")


def test_a_web_address_a_reply_cut_short_is_not_a_link() -> None:
    # "/story why" of a long link echoes it cut ("storybot has not seen an item at
    # https://…/this-is-a-very-long-…"): linked, it took the reader to a page that is none
    cut = "https://news.example/nation/a-very-long-article-slug-that-goes-on-and-on-…"
    for text in (f"storybot has not seen an item at {cut}.", f"Added feed #3: <{cut}>"):
        [payload] = reply_payloads(Reply(text=text))
        shown = payload["blocks"][0]["text"]["text"]
        assert "<https://" not in shown, shown
        assert "https://news.example/nation/a-very-long-article-slug-that-goes-on-and-on-…" in shown
    whole = reply_payloads(Reply(text="at https://news.example/a."))[0]["blocks"][0]
    assert whole["text"]["text"] == "at <https://news.example/a>."


# ---------------------------------------------------------------- mentions storybot writes


def named(mention: Mention, *, ephemeral: bool = True, before: str = "said by ") -> Reply:
    """A reply naming ``mention`` after ``before`` (feed text, say), as the core builds it."""
    return mentions.reply([(before, mention, " on 2026-03-05.")], ephemeral=ephemeral)


@pytest.mark.parametrize(
    ("mention", "written"),
    [
        (Mention("slack", "U04ABCDEF", "@U04ABCDEF"), "<@U04ABCDEF>"),
        (Mention("slack", "W0123ABC", "@W0123ABC"), "<@W0123ABC>"),  # an Enterprise Grid user
        # not a Slack user's id: the stand-in, escaped as text
        (Mention("slack", "u04abcdef", "@u04abcdef"), "@u04abcdef"),
        (Mention("slack", "U1><!channel", "@U1><!channel"), "@U1&gt;&lt;!channel"),
        (Mention("slack", "C0123", "@C0123"), "@C0123"),
        (Mention("slack", "", "@?"), "@?"),
        # another platform's user
        (Mention("discord", "1400000000000000001", "@1400"), "@1400"),
    ],
)
def test_only_a_slack_users_id_in_a_reply_is_written_as_a_mention(
    mention: Mention, written: str
) -> None:
    [payload] = reply_payloads(named(mention))
    [block] = payload["blocks"]

    assert block["text"]["text"] == f"said by {written} on 2026-03-05."
    assert payload["text"] == f"said by {written} on 2026-03-05."


def test_a_reply_others_see_shows_the_person_it_names_without_notifying_them() -> None:
    reply = named(Mention("slack", "U04ABCDEF", "@U04ABCDEF"), ephemeral=False)

    [payload] = reply_payloads(reply)

    assert payload["response_type"] == "in_channel"
    assert "<@" not in json.dumps(payload) and "said by @U04ABCDEF on" in payload["text"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_feed_text_beside_a_mention_stays_inert(hostile: str) -> None:
    reply = named(Mention("slack", "U04ABCDEF", "@U04ABCDEF"), before=f"{hostile} ")

    [payload] = reply_payloads(reply)

    for text in [payload["text"], *(b["text"]["text"] for b in payload["blocks"])]:
        assert_inert_reply_mrkdwn(text.replace("<@U04ABCDEF>", ""))
        assert text.count("<@") == 1


def test_a_line_naming_someone_too_long_for_a_section_is_cut_as_text() -> None:
    # the mention would stand past Slack's 3,000 characters a section
    reply = named(Mention("slack", "U04ABCDEF", "@U04ABCDEF"), before="word " * 700)

    [[block]] = render.reply_pages(reply)

    text = block["text"]["text"]
    assert len(text) <= render.TEXT_MAX and text.endswith("…")
    assert "<@" not in text and "@U04ABCDEF" not in text
