"""Pure translation for Discord: escaping, embeds, replies and command text."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime

import discord
import pytest
from fakes.discord_server import invalid_message, shown
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord_chat.command_text import (
    build,
    follow_text,
    has_spaces,
    spaced_story_name,
    subscribe_text,
)
from adapters.discord_chat.render import (
    DESCRIPTION_MAX,
    REPLY_MESSAGES_MAX,
    escape_reply,
    escape_text,
    link_markdown,
    message_embed,
    reply_messages,
    safe_url,
)
from adapters.discord_chat.slash import story_choices
from bot import mentions
from bot.model import Citation, Link, Mention, MessageKind, OutboundMessage, Reply

ZW = "\u200b"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("@everyone breaking", f"@{ZW}everyone breaking"),
        ("ping @here now", f"ping @{ZW}here now"),
        ("<@123> said", f"<{ZW}@123> said"),
        ("<@!123>", f"<{ZW}@!123>"),
        ("<@&456> team", f"<{ZW}@&456> team"),
        ("see <#1>", f"see <{ZW}#1>"),
        ("polls close <t:1700000000:R>", f"polls close <{ZW}t:1700000000:R>"),
        ("@12345678901234567", f"@{ZW}12345678901234567"),
        ("**x**", r"\*\*x\*\*"),
        ("__init__", r"\_\_init\_\_"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
        ("`code`", r"\`code\`"),
        ("> quoted", r"\> quoted"),
        ("# Heading", r"\# Heading"),
        ("[click](https://evil.example)", r"\[click\](https://evil.example)"),
        ("read https://example.com/a_b*c now", "read https://example.com/a_b*c now"),
        ("plain words", "plain words"),
    ],
)
def test_escape_text_neutralises_markdown_and_mentions(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("https://example.com/a (b)", "https://example.com/a%20%28b%29"),
        ("https://example.com/a%20b", "https://example.com/a%20b"),
        ("javascript:alert(1)", None),
        ("ftp://example.com/x", None),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url_accepts_only_http_links(url: str | None, safe: str | None) -> None:
    assert safe_url(url) == safe


def hostile_message() -> OutboundMessage:
    return OutboundMessage(
        kind=MessageKind.ALERT,
        title="@everyone **Pentagon** <@123> deal",
        body="Talks resume. <@&42> __urgent__ [x](https://evil.example)",
        story_name="anthropic-pentagon",
        sources=("Reuters", "AP", "BBC", "FT", "NYT", "WSJ"),
        links=(
            Link("Reuters **scoop**", "https://reuters.example/a_(b)"),
            Link("bad", "javascript:alert(1)"),
        ),
        when=datetime(2026, 3, 5, 9, 30, tzinfo=UTC),
        footer="storybot · development 3",
    )


def test_message_embed_escapes_feed_text_and_lists_sources() -> None:
    embed = message_embed(hostile_message())
    assert embed.title == f"@{ZW}everyone \\*\\*Pentagon\\*\\* <{ZW}@123> deal"
    assert (
        embed.description
        == f"Talks resume. <{ZW}@&42> \\_\\_urgent\\_\\_ \\[x\\](https://evil.example)"
    )
    assert embed.url == "https://reuters.example/a_%28b%29"
    assert embed.author.name == "anthropic-pentagon"
    assert embed.timestamp == datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    assert embed.footer.text == "storybot · development 3"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Sources"] == "Reuters, AP and 4 more"
    assert fields["Links"].splitlines() == [
        "[Reuters \\*\\*scoop\\*\\*](https://reuters.example/a_%28b%29)",
        "bad: javascript:alert(1)",
    ]


def test_a_citation_label_keeps_its_brackets_inside_the_link_text() -> None:
    assert link_markdown(Link("[1] Wire", "https://wire.example/1")) == (
        "[\\[1\\] Wire](https://wire.example/1)"
    )


def test_message_embed_respects_discord_limits() -> None:
    message = OutboundMessage(MessageKind.DIGEST, "t" * 400, "b" * 5000)
    embed = message_embed(message)
    assert len(embed.title or "") == 256 and embed.title.endswith("…")
    assert len(embed.description or "") == DESCRIPTION_MAX
    assert len(embed) <= 6000


def test_reply_text_is_escaped_and_never_mentions() -> None:
    kwargs = reply_messages(Reply(text="Subscribed: @everyone **now**", ephemeral=True))[0]
    assert kwargs["content"] == f"Subscribed: @{ZW}everyone \\*\\*now\\*\\*"
    assert kwargs["ephemeral"] is True
    mentions = kwargs["allowed_mentions"]
    assert isinstance(mentions, discord.AllowedMentions)
    assert mentions.to_dict() == {"parse": []}


def test_the_commands_a_reply_names_stay_code_and_the_rest_stays_inert() -> None:
    hint = reply_messages(Reply(text="Which story? Say `/story status story:NAME`."))[0]
    assert hint["content"] == "Which story? Say `/story status story:NAME`."
    hostile = "Feed @everyone <@123> [click](https://evil.example) **x** `<@&1> @here` a ` b\\"
    content = reply_messages(Reply(text=hostile))[0]["content"]
    assert content == (
        f"Feed @{ZW}everyone <{ZW}@123> \\[click\\](https://evil.example) \\*\\*x\\*\\* "
        "`<@&1> @here` a \\` b\\\\"
    )


def test_a_status_reply_keeps_its_command_hints_as_code_and_an_alert_escapes_backticks() -> None:
    body = "1. Talks resume `now` @everyone\n… and 3 older developments: `/story developments x 2`"
    status = replace(hostile_message(), kind=MessageKind.DIGEST, body=body)
    [rich] = reply_messages(Reply(text="status", message=status))
    assert rich["embed"].description == (
        f"1. Talks resume `now` @{ZW}everyone\n… and 3 older developments: "
        "`/story developments x 2`"
    )
    assert message_embed(status).description.startswith(r"1. Talks resume \`now\`")


def test_reply_with_a_message_becomes_an_embed_and_long_text_moves_into_one() -> None:
    rich = reply_messages(Reply(text="status", ephemeral=False, message=hostile_message()))[0]
    assert "content" not in rich and rich["embed"].author.name == "anthropic-pentagon"
    assert rich["ephemeral"] is False
    long = reply_messages(Reply(text="\n".join(f"line {i}" for i in range(400))))[0]
    assert "content" not in long and long["embed"].description.startswith("line 0\nline 1")


def test_a_long_text_reply_continues_in_more_embeds_without_losing_a_line() -> None:
    # /story feeds with 50 feeds: far more than one embed's 4096 characters
    lines = ["50 feeds:"] + [
        f"• World {i} <https://news{i}.example.com/world/rss.xml> · error (failed 3× in a row; "
        f"last read 2026-03-01 10:00 UTC): HTTP 503 from upstream · next poll 2026-03-05 11:00 UTC"
        for i in range(50)
    ]
    messages = reply_messages(Reply(text="\n".join(lines), ephemeral=True))
    assert len(messages) > 1
    shown = [m["embed"].description for m in messages]
    assert all(len(d) <= DESCRIPTION_MAX for d in shown)
    assert "\n".join(shown).splitlines() == [escape_text(line) for line in lines]
    assert all(m["ephemeral"] is True and "content" not in m for m in messages)


def test_a_reply_too_long_even_for_several_messages_counts_the_lines_left_out() -> None:
    lines = [f"line {i} " + "x" * 300 for i in range(200)]
    messages = reply_messages(Reply(text="\n".join(lines)))
    assert len(messages) == REPLY_MESSAGES_MAX
    shown = "\n".join(m["embed"].description for m in messages).splitlines()
    assert all(len(m["embed"].description) <= DESCRIPTION_MAX for m in messages)
    *kept, more = shown
    assert kept == lines[: len(kept)]
    assert more == f"… and {len(lines) - len(kept)} more lines"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (build("status", None), "status"),
        (build("status", "pentagon"), "status pentagon"),
        (build("feeds", "add", " https://f.example/rss \n"), "feeds add https://f.example/rss"),
        (build("unsubscribe", "#3"), "unsubscribe #3"),
        (subscribe_text('"supply chain" AND pentagon'), 'subscribe "supply chain" AND pentagon'),
        (
            subscribe_text('"supply chain" AND pentagon', "pentagon"),
            'subscribe "supply chain" AND pentagon --story pentagon',
        ),
        (
            subscribe_text("bakery bread", "pentagon", verb="unsubscribe"),
            "unsubscribe bakery bread --story pentagon",
        ),
        (subscribe_text("#3", verb="unsubscribe"), "unsubscribe #3"),
        (follow_text("pentagon"), "follow pentagon"),
        (follow_text("pentagon", "realtime", 6), "follow pentagon realtime 6"),
        (follow_text("pentagon", "digest", 6.0), "follow pentagon digest 6"),
        (follow_text("pentagon", "digest", 0.5), "follow pentagon digest 0.5"),
        (follow_text("pentagon", None, 12), "follow pentagon digest 12"),
        (follow_text("pentagon", "digest"), "follow pentagon digest"),
    ],
)
def test_command_text_matches_the_neutral_grammar(text: str, expected: str) -> None:
    assert text == expected


RULE = (
    "is not a valid story name: use up to 64 letters (a-z, A-Z), digits, '-', '_' or '.', "
    "starting with a letter or digit (e.g. anthropic-pentagon)."
)


@pytest.mark.parametrize(
    ("value", "spaced"),
    [("anthropic pentagon", True), ("a\tb", True), (" pentagon \n", False), ("pentagon", False)],
)
def test_a_story_option_has_spaces_where_it_holds_words_apart(value: str, spaced: bool) -> None:
    assert has_spaces(value) is spaced
    assert has_spaces(None) is False


def test_a_spaced_story_name_is_refused_whole_with_the_story_meant() -> None:
    # the command text would split it: "status anthropic pentagon" refused 'pentagon'
    names = ["chips-act", "anthropic-pentagon"]

    assert spaced_story_name("anthropic  pentagon", names) == (
        f"'anthropic pentagon' {RULE} Did you mean `anthropic-pentagon`?"
    )
    assert spaced_story_name("Anthropic Pentagon", names).endswith(
        "Did you mean `anthropic-pentagon`?"
    )
    # nothing close: the known stories, as "There is no story named" lists them
    assert spaced_story_name("solar storm", names) == (
        f"'solar storm' {RULE} Known stories: chips-act, anthropic-pentagon."
    )
    # a new story's name (stories add): the rule alone
    assert spaced_story_name("bad name!", None) == f"'bad name!' {RULE}"


def test_a_spaced_story_name_says_the_story_holding_its_words() -> None:
    # the rule of chat's "no story named" (bot.meant.stories_meant): words of a longer
    # name are too far from it by edit distance, and nothing was suggested
    names = ["chips-act", "anthropic-pentagon-talks"]
    assert spaced_story_name("pentagon talks", names) == (
        f"'pentagon talks' {RULE} Did you mean `anthropic-pentagon-talks`?"
    )
    assert spaced_story_name("anthropic_pentagon talks", names).endswith(
        "Did you mean `anthropic-pentagon-talks`?"
    )


def test_story_choices_put_prefix_matches_first_and_cap_at_25() -> None:
    names = ["chips-act", "anthropic-pentagon", "pentagon-budget"] + [f"s{i}" for i in range(40)]
    assert [c.value for c in story_choices(names, "PENT")] == [
        "pentagon-budget",
        "anthropic-pentagon",
    ]
    assert len(story_choices(names, "")) == 25


# --------------------------------------------------------------- embed limits, any input

LONG_URL = st.builds(
    lambda n, tail: f"https://news.google.com/rss/articles/CBMi{'x' * n}?oc=5&utm_source={tail}",
    st.integers(0, 1900),
    st.text("abc&()[]_*", max_size=20),
)
LINKS = st.lists(
    st.builds(Link, st.text(max_size=300), LONG_URL | st.just("https://a.example/")),
    max_size=12,
)
TEXT = st.text(max_size=6000) | st.builds(
    lambda w, n: (w + " ") * n,
    st.sampled_from(["*", "@everyone", "word", "Ü" * 50]),
    st.integers(0, 2000),
)


@settings(max_examples=60, deadline=None)
@given(
    title=TEXT,
    body=TEXT,
    story=st.text(max_size=400),
    sources=st.lists(st.text(max_size=1500), max_size=30),
    links=LINKS,
    note=st.none() | TEXT,
    footer=st.none() | st.text(max_size=3000),
    kind=st.sampled_from(list(MessageKind)),
)
def test_every_embed_stays_within_discord_limits_whatever_the_links_and_text(
    title, body, story, sources, links, note, footer, kind
) -> None:
    message = OutboundMessage(
        kind,
        title,
        body,
        story_name=story or None,
        sources=tuple(sources),
        links=tuple(links),
        footer=footer,
        thread_note=note,
    )
    embed = message_embed(message)
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= DESCRIPTION_MAX
    assert len(embed.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in embed.fields)
    assert len(embed.footer.text or "") <= 2048 and len(embed.author.name or "") <= 256
    assert len(embed) <= 6000


def test_links_that_do_not_fit_are_dropped_whole_and_counted_keeping_short_ones() -> None:
    tracking = "https://news.google.com/rss/articles/CBMi" + "x" * 530
    links = (
        Link("[1] Wire", tracking + "1"),
        Link("[2] Daily", tracking + "2"),
        Link("Courier", "https://courier.example/a"),
    )
    value = {f.name: f.value for f in message_embed(hostile_message_with(links)).fields}["Links"]
    assert value.splitlines() == [
        f"[\\[1\\] Wire]({tracking}1)",
        "[Courier](https://courier.example/a)",
        "… and 1 more",
    ]


def test_a_cited_link_keeps_its_place_when_uncited_ones_before_it_leave_no_room() -> None:
    # links in number order: [1] and [2] (not cited) would fill the field before [3]
    wide = [Link(f"[{n}] Outlet {n}", f"https://o{n}.example/" + "a" * 460) for n in (1, 2)]
    links = (*wide, Link("[3] Daily", "https://daily.example/3"))
    message = OutboundMessage(MessageKind.ALERT, "Hearing", "A hearing is set. [3]", links=links)
    value = {f.name: f.value for f in message_embed(message).fields}["Links"]
    lines = value.splitlines()
    assert lines[0].startswith("[\\[1\\] Outlet 1](https://o1.example/"), lines
    assert lines[1:] == ["[\\[3\\] Daily](https://daily.example/3)", "… and 1 more"]


def test_a_bracketed_number_quoted_in_a_cited_sentence_does_not_take_the_cited_links_room():
    # Google News links of 540 characters: two do not fit the 1,024 of the field. The
    # sentence quotes "report [1]"; the link it is cited to is [3], which must show.
    tracking = "https://news.google.com/rss/articles/CBMi" + "x" * 500
    links = tuple(Link(f"[{n}] Outlet {n}", f"{tracking}{n}") for n in (1, 2, 3))
    sentence = "The inquiry's report [1] found faults."
    message = OutboundMessage(
        MessageKind.ALERT,
        "Hearing",
        f"{sentence} [3]",
        links=links,
        citations=(Citation(sentence, "Outlet 3", f"{tracking}3"),),
    )
    value = {f.name: f.value for f in message_embed(message).fields}["Links"]
    assert value.splitlines() == [f"[\\[3\\] Outlet 3]({tracking}3)", "… and 2 more"]


def test_a_long_alert_with_long_links_keeps_the_embed_under_6000() -> None:
    message = OutboundMessage(
        MessageKind.ALERT,
        "T" * 300,
        "Sentence with & and <b>. " * 600,
        story_name="s" * 64,
        sources=tuple(f"Outlet {i}" for i in range(30)),
        links=tuple(
            Link(f"[{i}] " + "L" * 300, "https://news.example/" + "a" * 1900) for i in range(5)
        ),
        footer="Development 3 of " + "T " * 1000,
    )
    embed = message_embed(message)
    assert len(embed) <= 6000
    assert embed.description.endswith("…") and not embed.description.endswith(" …")


def hostile_message_with(links: tuple[Link, ...]) -> OutboundMessage:
    return replace(hostile_message(), links=links)


def test_the_new_field_keeps_each_fact_whole_with_its_marker() -> None:
    facts = [f"Outlet {n}: " + "word " * 110 + f"end. [{n}]" for n in (2, 3)]
    message = replace(hostile_message_with(()), thread_note="\n".join(facts))

    value = {f.name: f.value for f in message_embed(message).fields}["New"]

    marked = escape_text(facts[0])  # "\\[2\\]": shown as "[2]"
    assert value.splitlines() == [marked, "… and 1 more"], "never a fact without its marker"


def test_links_are_shown_without_the_parameters_that_only_track_the_reader() -> None:
    tagged = "https://restofworld.org/2026/polymarket-china-betting-ban/?utm_source=rss&utm_medium=rss&utm_campaign=feeds"
    message = OutboundMessage(
        MessageKind.NOTICE, "Headline", "Body.", links=(Link("Rest of World", tagged),)
    )

    embed = message_embed(message)

    assert embed.url == "https://restofworld.org/2026/polymarket-china-betting-ban/"
    links = {f.name: f.value for f in embed.fields}["Links"]
    assert links == "[Rest of World](https://restofworld.org/2026/polymarket-china-betting-ban/)"


def test_the_fake_refuses_an_embed_field_without_a_value_as_discord_does() -> None:
    embed = {"title": "T", "fields": [{"name": "New", "value": " "}, {"name": "", "value": "x"}]}

    errors = invalid_message({"embeds": [embed]})

    assert set(errors["embeds"]["0"]["fields"]) == {"0", "1"}


def test_the_fake_refuses_embeds_over_discords_counts_and_field_lengths() -> None:
    field = {"name": "n" * 257, "value": "v" * 1025}
    embed = {"title": "T", "fields": [field] + [{"name": "n", "value": "v"}] * 25}

    errors = invalid_message({"embeds": [embed] * 11})

    assert errors["embeds"]["_errors"][0]["message"] == "Must be 10 or fewer in length."
    fields = errors["embeds"]["0"]["fields"]
    assert fields["_errors"][0]["message"] == "Must be 25 or fewer in length."
    assert fields["0"]["name"]["_errors"][0]["message"] == "Must be 256 or fewer in length."
    assert fields["0"]["value"]["_errors"][0]["message"] == "Must be 1024 or fewer in length."


def test_no_field_is_sent_without_a_value() -> None:
    # blank facts and outlet names have nothing to show: no "New" or "Sources" field
    message = OutboundMessage(
        MessageKind.ALERT, "Headline", "Body.", sources=("", " "), thread_note="\n \n"
    )

    embed = message_embed(message)

    assert [f.name for f in embed.fields] == []
    assert invalid_message({"embeds": [embed.to_dict()]}) == {}


def test_the_new_field_names_a_fact_the_description_already_quotes() -> None:
    # an edited alert whose summary now ends with the new report's sentence: the "New"
    # field repeated that sentence right under it
    fact = "Contractors restarted their Claude pilots on Thursday."
    message = OutboundMessage(
        MessageKind.ALERT,
        "Administration shelves designation",
        f"Hegseth closed the review. [1] {fact} [3]",
        thread_note=f"Bay Tech Daily: {fact} [3]\nWire: Senators asked for the memo. [1]",
    )

    value = {f.name: f.value for f in message_embed(message).fields}["New"]

    assert value.splitlines() == [
        "Bay Tech Daily \\[3\\], quoted in the summary above",
        "Wire: Senators asked for the memo. \\[1\\]",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "[x](y) [bank.com](https://evil.example/login)",
        "see [1](2) then [Click here to verify](https://evil.example)",
        "[a](b)[c](d)[e](f)",
    ],
)
def test_no_masked_link_in_feed_text_survives_escaping(raw: str) -> None:
    escaped = escape_text(raw)
    # every bracket escaped: Discord renders no masked link without a bare "["
    assert escaped.count("\\[") == raw.count("[")
    assert escaped.count("\\]") == raw.count("]")


def test_escaping_hostile_text_takes_linear_time() -> None:
    # "[](" repeated made discord.utils.escape_markdown's "\[.+\]\(.+\)" backtrack
    # cubically: 12,000 characters took over a minute, with the event loop blocked.
    for raw in ("[](" * 3_000, "[](" * 100_000, "*" * 300_000, "[" * 300_000, "_a" * 150_000):
        started = time.process_time()
        escape_text(raw)
        escape_reply(raw)
        assert time.process_time() - started < 2.0, raw[:10]


@pytest.mark.parametrize(
    "label",
    [
        "https://bank.example](https://evil.example) (feeds.example)",
        "Log in at https://bank.example/\\](https://evil.example)",
    ],
)
def test_a_web_address_in_a_link_label_cannot_end_the_label_early(label: str) -> None:
    # Bare URLs are kept whole in feed text (Discord auto-links them), but a link's text
    # auto-links nothing: a "](" inside one would close the label and link it elsewhere.
    rendered = link_markdown(Link(label, "https://feeds.example/1"))
    unescaped_closes = re.findall(r"(?<!\\)(?:\\\\)*\]\(", rendered)
    assert len(unescaped_closes) == 1 and rendered.endswith("](https://feeds.example/1)")
    assert shown(rendered[1 : rendered.rindex("](")]) == label


def test_a_web_address_a_reply_cut_short_is_not_a_link() -> None:
    # "/story why" of a long link echoes it cut: Discord would link the cut address
    # (a page that is none); a backslash before its ":" keeps it text, shown as typed
    cut = "https://news.example/nation/a-very-long-article-slug-that-goes-on-and-on-…"
    content = reply_messages(Reply(text=f"storybot has not seen an item at {cut}."))[0]["content"]
    assert content == (
        "storybot has not seen an item at "
        "https\\://news.example/nation/a-very-long-article-slug-that-goes-on-and-on-…."
    )
    whole = reply_messages(Reply(text="at https://news.example/a_b."))[0]["content"]
    assert whole == "at https://news.example/a_b."


# ---------------------------------------------------------------- mentions storybot writes

ADMIN_ID = "1400000000000000001"


@pytest.mark.parametrize(
    ("mention", "written"),
    [
        (Mention("discord", ADMIN_ID, f"@{ADMIN_ID}"), f"<@{ADMIN_ID}>"),
        (Mention("discord", "42", "@42"), "<@42>"),
        # not a Discord user's id: the stand-in, escaped as text
        (Mention("discord", "12&3", "@12&3"), "@12&3"),
        (Mention("discord", "1" * 21, "@" + "1" * 21), escape_reply("@" + "1" * 21)),
        (Mention("discord", "42> <@&1", "@42> <@&1"), f"@42> <{ZW}@&1"),
        (Mention("discord", "٤٢", "@٤٢"), "@٤٢"),  # digits, but not Discord's
        (Mention("slack", "U04ABCDEF", "@U04ABCDEF"), "@U04ABCDEF"),  # another platform's
    ],
)
def test_only_a_discord_users_id_in_a_reply_is_written_as_a_mention_and_pings_no_one(
    mention: Mention, written: str
) -> None:
    reply = mentions.reply([("said by ", mention, " on 2026-03-05.")])

    [kwargs] = reply_messages(reply)

    assert kwargs["content"] == f"said by {written} on 2026-03-05."
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_feed_text_beside_a_mention_stays_escaped() -> None:
    hostile = "Feed @everyone <@123> <@!7> <@&1> <#5> [click](https://evil.example) **x**"
    reply = mentions.reply([hostile, (f"{hostile} ` by ", Mention("discord", "42", "@42"), " `.")])

    content = reply_messages(reply)[0]["content"]

    # each side escaped on its own: the backticks around the mention pair with nothing
    escaped = escape_reply(hostile)
    assert content == f"{escaped}\n{escaped} \\` by <@42> \\`."
    assert content.count("<@") == 1
