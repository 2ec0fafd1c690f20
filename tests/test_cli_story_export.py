"""``storybot story export``: a story's record as Markdown or JSON, run in-process.

One story is followed through the real pipeline (a local feed server, the engine, a
SQLite file the CLI then reads); others are built with the store builders where the
test needs exact headlines, citations and dates (escaping, order, paging).
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from store_builders import T0, new_item
from storyworld import as_entry, feed_of, make_world, sample, samples

from adapters.cli import main
from bot.model import Citation, Judgement, SeedDoc
from bot.ports import DevelopmentWrite
from bot.story_export import EXPORT_PAGE, markdown_text, timeline
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file)

DEV = "congress-hearing"  # the sample turn the engine takes as new right after the seeds
COPIES = ("Wire B", "Wire C", "Wire D", "Wire E")


def _followed(db: str, clock, feed_server) -> None:
    """The demo story followed through one poll: three copies of the seed story, a new
    turn first reported by Wire A and copied by four other outlets."""
    first = sample(next(i["guid"] for i in samples("development", DEV)))
    feeds = {
        "Seed Wire": [as_entry(c, i) for i, c in enumerate(samples("copy", "seed")[:3])],
        "Wire A": [as_entry(first, published="Thu, 05 Mar 2026 10:00:00 GMT")],
    }
    for n, outlet in enumerate(COPIES, 1):
        slug = outlet.lower().replace(" ", "-")
        copy = dict(
            first,
            guid=f"{slug}-1",
            url=f"https://{slug}.example/senators-demand-deal-text?utm_source=rss",
            title=f"{first['title']} - {outlet}",
        )
        feeds[outlet] = [as_entry(copy, published=f"Thu, 05 Mar 2026 10:{n:02d}:00 GMT")]

    async def poll() -> None:
        world = make_world(db, clock)
        clock.advance(hours=4)  # polled at noon: the reports' own times (10:00) count
        for n, (title, entries) in enumerate(feeds.items()):
            feed_server.add_feed(f"/{n}.xml", feed_of(*entries, title=title))
            world.app.store.add_feed(feed_server.url(f"/{n}.xml"), clock.now())
        report = await world.app.pipeline.poll_due()
        assert (report.new_developments, report.copies) == (1, 4), report
        await world.app.aclose()

    asyncio.run(poll())


def test_markdown_export_of_a_story_followed_through_the_pipeline(db, clock, feed_server, capsys):
    _followed(db, clock, feed_server)
    first = sample(next(i["guid"] for i in samples("development", DEV)))

    assert main(["story", "export", "DEMO"]) == 0  # a name in any case, as other commands

    out = capsys.readouterr().out
    assert out.startswith("# Anthropic Reopens Pentagon Negotiations")
    assert "\nStory `demo`, began " in out
    assert "\n## Seed articles\n\n1. " in out
    seed_part = out.split("\n## The seed story\n", 1)[1].split("\n## Timeline", 1)[0]
    assert "3 reports from Seed Wire" in seed_part
    assert seed_part.count("\n- ") == 3, "each report taken as part of the seed story"
    timeline_part = out.split("\n## Timeline (oldest first)\n", 1)[1]
    assert timeline_part.startswith(
        "\nIn the order they were first reported. Each development keeps the number storybot "
        "gave it when it found it, as its alert and `/story developments` name it.\n\n"
        f"### Development 1: {markdown_text(first['title'])}\n"
    )
    assert "First reported 2026-03-05 10:00 UTC · 5 reports from Wire A, Wire B and 3 more" in (
        timeline_part
    )
    # one report, its four copies folded as an alert folds outlets
    [report] = [
        line for line in timeline_part.splitlines() if line.startswith("- \\[1\\] Wire A: [")
    ]
    assert report.startswith(
        f"- \\[1\\] Wire A: [{markdown_text(first['title'])}](<{first['url']}>)"
    )
    assert report.endswith(", published 2026-03-05 10:00 UTC · 4 copies: Wire B, Wire C and 2 more")
    assert "wire-b.example" not in out, "a folded copy is named, not linked"
    # the summary cites the report, and the cited link is listed under it
    assert "\\[1\\]\n\nCited:\n\n- \\[1\\] Wire A: <" + first["url"] + ">\n" in timeline_part
    assert re.search(
        r"\n---\n\nExported \d{4}-\d\d-\d\d \d\d:\d\d UTC by storybot .+\. The story judged "
        r"8 items: 8 reports of it \(4 of them copies\) from 6 outlets, 0 off-topic; "
        r"1 development after the seed story\.\n$",
        out,
    ), out[-400:]


def test_json_export_has_the_same_content_as_data(db, clock, feed_server, capsys):
    _followed(db, clock, feed_server)
    first = sample(next(i["guid"] for i in samples("development", DEV)))

    assert main(["story", "export", "demo", "--format", "json"]) == 0

    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == [
        "format",
        "version",
        "story",
        "seeds",
        "seed_story",
        "developments",
        "exported_at",
        "exported_by",
        "totals",
    ]
    assert (doc["format"], doc["version"]) == ("storybot-story-export", 1)
    assert doc["story"]["name"] == "demo" and doc["story"]["added_at"] == "2026-03-05T08:00:00Z"
    assert datetime.fromisoformat(doc["exported_at"]).utcoffset() == timedelta(0)
    assert len(doc["seeds"]) == 5 and set(doc["seeds"][0]) == {
        "title",
        "outlet",
        "url",
        "published",
    }
    assert doc["seed_story"]["number"] == 0 and len(doc["seed_story"]["reports"]) == 3
    [dev] = doc["developments"]
    assert (dev["number"], dev["headline"], dev["first_reported_at"]) == (
        1,
        first["title"],
        "2026-03-05T10:00:00Z",
    )
    assert dev["outlets"] == ["Wire A", *COPIES] and dev["report_count"] == 5
    [report] = dev["reports"]
    assert (report["marker"], report["outlet"], report["url"]) == (1, "Wire A", first["url"])
    # every copy kept as data, its link as readers see it (no tracking parameters)
    assert [c["outlet"] for c in report["copies"]] == list(COPIES)
    assert report["copies"][0]["url"] == "https://wire-b.example/senators-demand-deal-text"
    assert report["copies"][0]["published"] == "2026-03-05T10:01:00Z"
    # each sentence's marker names a cited link, and each cited link a report
    markers = {s["marker"] for s in dev["sentences"]}
    assert markers == {c["marker"] for c in dev["cited"]} == {1}
    assert dev["cited"] == [{"marker": 1, "outlet": "Wire A", "url": first["url"]}]
    assert dev["summary"].endswith(" [1]")
    assert doc["totals"] == {
        "items_judged": 8,
        "reports": 8,
        "copies": 4,
        "off_topic": 0,
        "outlets": 6,
        "developments": 1,
    }


def _built(db: str, count: int = 3) -> None:
    """A story built with the store builders: developments committed out of order,
    headlines and outlets with Markdown in them, a cited copy, tracking parameters."""
    store = open_store(db)
    seeds = [
        SeedDoc("Seed *one*", "text", "https://www.seed.example/a?utm_source=x", T0),
        SeedDoc("Seed two", "text"),
    ]
    story = store.add_story("chips", "Chips [act] | *vote*", seeds, T0)
    writes, judgements = [], []
    for n in range(count, 0, -1):  # committed newest first: exported oldest first
        at = T0 + timedelta(hours=n)
        _, a = store.ingest_item(
            new_item(
                n,
                at=at,
                title=f"Turn {n}: *Exclusive* [update] | #{n}",
                source="Pipe | Times",
                url=f"https://news.example/{n}?utm_source=rss&id={n}",
            )
        )
        _, b = store.ingest_item(new_item(100 + n, at=at + timedelta(minutes=1)))
        lead = f"Turn {n} *came* <b>today</b>."
        writes.append(
            DevelopmentWrite(
                story.id,
                n,
                f"Turn {n}: *Exclusive* [update] | #{n}",
                lead,
                (a.id, b.id),
                (
                    Citation(lead, "Pipe | Times", a.url),
                    Citation("A copy said more.", f"Outlet {100 + n}", b.url),
                ),
            )
        )
        judgements += [
            Judgement(story.id, a.id, True, 0.9, development=n, new_development=True),
            Judgement(story.id, b.id, True, 0.9, duplicate_of=a.id, development=n),
        ]
    _, off = store.ingest_item(new_item(999))
    judgements.append(Judgement(story.id, off.id, False, 0.01))
    store.commit_decisions(judgements, writes, {}, [], T0 + timedelta(days=1))
    store.close()


def test_markdown_escapes_feed_text_and_lists_developments_oldest_first(db, capsys):
    _built(db)

    assert main(["story", "export", "chips"]) == 0

    out = capsys.readouterr().out
    assert out.startswith("# Chips \\[act\\] \\| \\*vote\\*\n")
    assert "1. [Seed \\*one\\*](<https://www.seed.example/a>) — seed.example, published " in out
    assert "\n2. Seed two\n" in out
    headings = re.findall(r"^### Development (\d+): (.*)$", out, re.MULTILINE)
    assert headings == [
        (str(n), f"Turn {n}: \\*Exclusive\\* \\[update\\] \\| \\#{n}") for n in (1, 2, 3)
    ]
    assert "Turn 1 \\*came\\* \\<b\\>today\\</b\\>. \\[1\\] A copy said more. \\[2\\]" in out
    assert "- \\[1\\] Pipe \\| Times: <https://news.example/1?id=1>\n" in out
    assert "- \\[2\\] Outlet 101: <https://news.example/101?utm=x>\n" in out
    assert (
        "- \\[1\\] Pipe: [Turn 1: \\*Exclusive\\* \\[update\\] \\| \\#1]"
        "(<https://news.example/1?id=1>), published 2026-03-05 08:55 UTC · 1 copy: Outlet 101\n"
    ) in out
    assert "utm_source" not in out
    assert "No report of the seed story yet." in out
    assert "The story judged 7 items: 6 reports of it (3 of them copies)" in out
    assert "1 off-topic; 3 developments after the seed story." in out


def test_a_long_story_is_read_a_page_at_a_time_in_order(db, clock):
    _built(db, EXPORT_PAGE + 7)
    store = open_store(db)
    story = store.get_story("chips")
    try:
        numbers = [r["number"] for r in timeline(store, story, page=4)]
        assert numbers == list(range(1, EXPORT_PAGE + 8))
        whole = [r["number"] for r in timeline(store, story)]
        assert whole == numbers
        # a development dated before those read already pushes them along a page: none
        # is written twice
        pages = timeline(store, story, page=4)
        read = [next(pages)["number"] for _ in range(4)]
        _, early = store.ingest_item(new_item(5000, at=T0 - timedelta(days=1)))
        store.commit_decisions(
            [], [DevelopmentWrite(story.id, 5000, "Early", "", (early.id,))], {}, [], clock.now()
        )
        rest = [r["number"] for r in pages]
        assert read + rest == list(range(1, EXPORT_PAGE + 8))
    finally:
        store.close()


def test_out_writes_a_file_and_keeps_an_existing_one_unless_forced(db, tmp_path, capsys):
    _built(db)
    target = tmp_path / "chips.md"

    assert main(["story", "export", "chips", "--out", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"wrote story 'chips' (3 developments after the seed story) to {target}" in captured.err
    written = target.read_text(encoding="utf-8")
    assert written.startswith("# Chips") and "### Development 3: " in written

    target.write_text("the team's notes", encoding="utf-8")
    assert main(["story", "export", "chips", "--format", "json", "--out", str(target)]) == 2
    assert "chips.md exists: give another --out FILE, or --force to replace it" in (
        capsys.readouterr().err
    )
    assert target.read_text(encoding="utf-8") == "the team's notes"

    assert (
        main(["story", "export", "chips", "--format", "json", "--out", str(target), "--force"]) == 0
    )
    assert json.loads(target.read_text(encoding="utf-8"))["story"]["name"] == "chips"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chips.md", "cli.db"], "no partial file"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--force"], "--force goes with --out FILE"),
        (["--out", "nowhere/chips.md"], "--out nowhere/chips.md: there is no directory nowhere"),
        (["--out", "."], "--out . is a directory: give a file name"),
    ],
)
def test_out_refusals_are_usage_errors_before_anything_is_read(db, capsys, argv, said):
    assert main(["story", "export", "chips", *argv]) == 2
    assert said in capsys.readouterr().err


def test_an_unknown_story_exits_2_naming_the_known_ones(db, tmp_path, capsys):
    _built(db)
    assert main(["story", "export", "chip", "--out", str(tmp_path / "x.md")]) == 2
    err = capsys.readouterr().err
    assert "there is no story named 'chip' (did you mean 'chips'?); known stories: chips" in err
    assert not (tmp_path / "x.md").exists()


def test_without_a_database_it_says_so_and_creates_none(db, tmp_path, capsys):
    assert main(["story", "export", "chips"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "cli.db").exists()


def test_json_times_are_whole_seconds_as_documented(db, clock, feed_server, capsys):
    """A real clock has microseconds: the story's, the development's and the reports' own
    times (added, updated, fetched, exported) are written as docs/cli.md shows them,
    "2026-03-05T10:00:00Z", not "2026-03-05T10:00:00.250000Z" beside "…T10:00:00Z"."""
    clock.advance(seconds=0.25)
    _followed(db, clock, feed_server)

    assert main(["story", "export", "demo", "--format", "json"]) == 0

    text = capsys.readouterr().out
    times = re.findall(r'"(\d{4}-\d\d-\d\dT[^"]*)"', text)
    assert len(times) > 10 and "2026-03-05T08:00:00Z" in times, times
    assert [t for t in times if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t)] == []


def _found_late(db: str) -> None:
    """Development 4 of the built story: found after development 3, but first reported
    (published) before it, between developments 2 and 3."""
    _built(db)
    store = open_store(db)
    story = store.get_story("chips")
    _, late = store.ingest_item(
        new_item(
            4, at=T0 + timedelta(hours=2, minutes=30), title="Turn 4", url="https://n.example/4"
        )
    )
    store.commit_decisions(
        [Judgement(story.id, late.id, True, 0.9, development=4, new_development=True)],
        [DevelopmentWrite(story.id, 4, "Turn 4", "Turn 4 came late.", (late.id,))],
        {},
        [],
        T0 + timedelta(days=2),
    )
    store.close()


def test_a_development_found_late_is_placed_by_its_first_report_under_its_number(db, capsys):
    """The timeline is by first report; a development's number is the one its alert and
    `/story developments` give it (the order storybot found them in): shown as a label,
    "Development 4", not as the timeline's ordinal ("1. 2. 4. 3." read as a mistake)."""
    _found_late(db)

    assert main(["story", "export", "chips"]) == 0
    out = capsys.readouterr().out
    headings = re.findall(r"^### (.*?):", out, re.MULTILINE)
    assert headings == ["Development 1", "Development 2", "Development 4", "Development 3"]
    assert not re.search(r"^### \d", out, re.MULTILINE), "no number that reads as an ordinal"
    timeline_part = out.split("\n## Timeline (oldest first)\n", 1)[1]
    firsts = re.findall(r"^First reported (\S+ \S+) UTC", timeline_part, re.MULTILINE)
    assert firsts == sorted(firsts) and len(firsts) == 4
    assert "In the order they were first reported. Each development keeps the number" in out

    assert main(["story", "export", "chips", "--format", "json"]) == 0
    devs = json.loads(capsys.readouterr().out)["developments"]
    assert [d["number"] for d in devs] == [1, 2, 4, 3]
    assert [d["first_reported_at"] for d in devs] == sorted(d["first_reported_at"] for d in devs)


def test_the_facts_later_reports_added_are_exported_though_the_summary_let_them_go(db, capsys):
    """What a digest's "Updated since the last digest" (and an alert's "new:" reply) told
    is kept with the development, its report linked: the summary, as it reads now, may
    no longer hold it, and the export must not lose what the channels were told."""
    _built(db)
    store = open_store(db)
    story = store.get_story("chips")
    [dev] = [d for d in store.list_developments(story.id) if d.number == 2]
    told = []
    for n, at in ((7, T0 + timedelta(hours=5)), (8, T0 + timedelta(hours=6))):
        _, item = store.ingest_item(
            new_item(n, at=at, source="Wire *A*", url=f"https://wire.example/{n}?utm_source=x")
        )
        fact = f"Wire *A*: The toll rose to {n}0. [{n - 4}]"
        told.append(fact)
        store.commit_decisions(
            [Judgement(story.id, item.id, True, 0.9, development=2)],
            # the summary stays as it was: the fact is not in it
            [
                DevelopmentWrite(
                    story.id,
                    2,
                    dev.headline,
                    dev.summary,
                    (item.id,),
                    dev.citations,
                    fact=fact,
                    fact_item_id=item.id,
                )
            ],
            {},
            [],
            at,
        )
    store.close()

    assert main(["story", "export", "chips"]) == 0
    out = capsys.readouterr().out
    dev2 = out.split("### Development 2: ", 1)[1].split("\n### ", 1)[0]
    assert "toll rose" not in dev2.split("\nReports:\n", 1)[0], "not in the summary"
    updates = dev2.split("\nUpdates (what later reports added):\n\n", 1)[1]
    assert updates.splitlines()[:2] == [
        "- 2026-03-05 12:55 UTC · Wire \\*A\\*: The toll rose to 70. \\[3\\] · "
        "<https://wire.example/7>",
        "- 2026-03-05 13:55 UTC · Wire \\*A\\*: The toll rose to 80. \\[4\\] · "
        "<https://wire.example/8>",
    ]
    assert "Updates (" not in out.split("### Development 2: ", 1)[0], "development 1 has none"

    assert main(["story", "export", "chips", "--format", "json"]) == 0
    [record] = [d for d in json.loads(capsys.readouterr().out)["developments"] if d["number"] == 2]
    assert record["updates"] == [
        {
            "fact": told[0],
            "outlet": "Wire *A*",
            "marker": 3,
            "url": "https://wire.example/7",
            "reported_at": "2026-03-05T12:55:00Z",
        },
        {
            "fact": told[1],
            "outlet": "Wire *A*",
            "marker": 4,
            "url": "https://wire.example/8",
            "reported_at": "2026-03-05T13:55:00Z",
        },
    ]
