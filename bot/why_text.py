"""``/story why <url>``: why an item was (or was not) taken as part of each story.

Every decision the engine makes carries its reasons (``Judgement.reason``: the scores and
their thresholds, the words that matched, the item or seed it copies, the development it
was closest to). This turns them into sentences a user can check the decision against:
a verdict line for each story, then its reasons in words, with items and developments
named by their headlines rather than ids. A story that has not judged the item says why
(it was added after the item arrived), an admin's correction of the item (``/story
wrong``) is named with who gave it and when, and the asker's own subscriptions say
whether they match the item, and by which words, as the DMs they would send do.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.correction_text import said
from bot.engine.ages import age_words
from bot.engine.language_id import item_language
from bot.engine.slugs import url_slug
from bot.engine.spellings import written_forms
from bot.matcher import reprints_seed
from bot.mentions import Line
from bot.model import Item, Judgement, Story
from bot.ports import Store
from bot.query import Document, stored_query
from bot.render import clip, counted, format_time, reader_url


def why_lines(store: Store, item: Item, platform: str, user_id: str) -> list[Line]:
    """The explanation of ``/story why`` for a stored item, asked by ``user_id``.

    A line naming a correction holds the admin who gave it as a mention when they are on
    the asker's platform (:mod:`bot.mentions`); every other line is a string.

    Args:
        store: Where the item's decisions, the stories and the subscriptions are.
        item: The item asked about.
        platform: The asker's platform (their subscriptions are per platform).
        user_id: The asker, whose subscriptions are checked against the item.
    """
    decisions = store.decisions_for_item(item.id)
    lines: list[Line] = [f"{item.title} ({item.source}, seen {format_time(item.fetched_at)})"]
    # how the item writes the terms each story matched (read once for every story)
    forms = (
        written_forms(
            item.title,
            item.text,
            url_slug(item.url or ""),
            language=item_language(item.title, item.text),
        )
        if decisions
        else {}
    )
    if item.page_text and item.text == item.page_text:
        lines.append(
            f"Its feed gave the headline only; it was read with its linked page "
            f"({counted(len(item.page_text.split()), 'word')})."
        )
    # an admin's word on the item (/story wrong), said under the story's verdict
    corrections = {c.story_id: c for c in store.item_corrections(item.id)}
    for d in decisions:
        j = d.judgement
        story = store.get_story_by_id(j.story_id)
        name = story.name if story else f"story {j.story_id}"
        verdict = _verdict(store, j, story, name)
        lines.append(f"• {verdict}")
        if j.story_id in corrections:
            lines.append(("    ", *said(corrections[j.story_id], name, platform)))
        if item.version > 1:
            lines.append(f"    {_version_line(d.item_version, item.version, j)}")
        # the verdict says the score: the reasons give it again only where it differs
        scored = f"(score {j.score:.3f}" in verdict
        lines.extend(f"    {line}" for line in _reason_lines(store, j, story, forms, scored))
    # A story judges the items that arrive after it is added, not those stored before:
    # say so for each story without a verdict, or its silence reads as "not relevant".
    judged = {d.judgement.story_id for d in decisions}
    for story in store.list_stories():
        if story.id in judged:
            continue
        if item.fetched_at < story.created_at:
            lines.append(f"• not judged for {story.name}: it arrived before that story was added")
        else:
            lines.append(f"• not judged for {story.name} yet")
        if story.id in corrections:
            lines.append(("    ", *said(corrections[story.id], story.name, platform, False)))
    if len(lines) == 1:
        lines.append("No story has judged this item: there are no stories yet.")
    on_topic = {d.judgement.story_id for d in decisions if d.judgement.on_topic}
    seed_copies = {d.judgement.story_id for d in decisions if reprints_seed(d.judgement)}
    lines.extend(
        _subscription_lines(store, platform, user_id, item, on_topic - seed_copies, seed_copies)
    )
    return lines


def _verdict(store: Store, j: Judgement, story: Story | None, name: str) -> str:
    """What a story decided about the item, in one line (the reasons follow it)."""
    if not j.on_topic and j.reason.get("uncorroborated"):
        return (
            f"off-topic for {name} (score {j.score:.3f}: the text only just passes "
            "and the headline shares nothing with the story)"
        )
    if not j.on_topic and isinstance(bg := j.reason.get("below_background"), dict):
        return (
            f"off-topic for {name} (score {j.score:.3f}: below {_fmt_reason(bg.get('bar'))}, "
            f"the top of the scores of the {bg.get('items')} unrelated items this story "
            "has read)"
        )
    if not j.on_topic and isinstance(ages := j.reason.get("other_ages"), dict):
        return (
            f"off-topic for {name} (score {j.score:.3f}: the headline is about a "
            f"{_ages_text(ages.get('item'))}, this story's headlines about a "
            f"{_ages_text(ages.get('story'))})"
        )
    if not j.on_topic and isinstance(j.reason.get("held_back"), dict):
        return (
            f"off-topic for {name} (score {j.score:.3f}: held back, as it reads like a "
            "report an admin said is not part of the story)"
        )
    if not j.on_topic and isinstance(other := j.reason.get("other_story"), dict):
        return (
            f"off-topic for {name} (score {j.score:.3f}: left to "
            f"{_story_name(store, other.get('story'))}, which it reads as far more clearly)"
        )
    if not j.on_topic:
        return f"off-topic for {name} (score {j.score:.3f})"
    if (copied := _copied(store, j, story)) is not None:
        return f"a copy of {copied} in {name}, development {j.development}"
    if j.new_development:
        return f"started development {j.development} of {name} (score {j.score:.3f})"
    return f"on-topic for {name}, joined development {j.development} (score {j.score:.3f})"


def _ages_text(ages: object) -> str:
    """A judgement's ages ("2y", "9m") as a reader would say them: "2-year-old or
    9-month-old" (:func:`bot.engine.ages.age_words`); anything else as it is."""
    if not isinstance(ages, list) or not ages:
        return _fmt_reason(ages)
    return " or ".join(age_words(str(a)) for a in ages)


def _subscription_lines(
    store: Store,
    platform: str,
    user_id: str,
    item: Item,
    on_topic: set[int],
    seed_copies: set[int],
) -> list[str]:
    """Which of the asker's subscriptions an item matches, and by which words.

    What a DM names by the subscription (and, for an OR, the words found), this
    says in full: the words found, and for a subscription scoped to a story whether
    the item is on-topic for it (without that, it does not match).
    """
    doc = Document.from_text(item.title, item.text)
    lines = []
    for sub in store.list_subscriptions(platform, user_id):
        query = stored_query(sub.query)
        if query is None or not query.matches_doc(doc):
            continue
        found = ", ".join(sorted(query.matched_terms(doc)))
        story = store.get_story_by_id(sub.story_id) if sub.story_id else None
        scope = f", for {story.name}" if story else ""
        mine = f"• your subscription #{sub.id} ({clip(query.describe(), 80)}{scope})"
        if story is None:
            lines.append(f"{mine} matches it: found {found}")
        elif story.id in on_topic:
            lines.append(f"{mine} matches it: found {found}; on-topic for {story.name}")
        else:
            why_not = (
                "a copy of one of its seed articles"
                if story.id in seed_copies
                else f"not on-topic for {story.name}"
            )
            lines.append(f"{mine} does not match it: found {found}, but it is {why_not}")
    return lines


def _version_line(judged: int | None, latest: int, j: Judgement) -> str:
    """Which version of an item updated in place the judgement read."""
    if judged is None:
        return f"judged on an earlier version (the item is at version {latest} now)"
    said = f"judged on version {judged}"
    updated = j.reason.get("updated")
    if isinstance(updated, dict):
        if updated.get("again"):
            said += ", judged again after the update"
        elif updated.get("sentences"):
            said += f", whose {counted(int(updated['sentences']), 'new sentence')} went to the development"
        else:
            said += ", which added no sentence to the development"
    if judged < latest:
        said += (
            f"; it has changed since (version {latest}): only a change of substance is judged again"
        )
    return said


def _reason_lines(
    store: Store,
    j: Judgement,
    story: Story | None,
    forms: Mapping[str, str],
    scored: bool = False,
) -> list[str]:
    """The engine's reasons for a judgement, in words, with each score's threshold.

    Faithful to ``Judgement.reason`` (this is how users audit a decision) but
    readable: items and developments are named by their headlines rather than ids,
    matched terms are shown as the item writes them (``forms``: "classified", not "classifi"),
    flags that only restate the verdict line are left out, and any key this does not
    know is shown as it is rather than dropped. ``scored``: the verdict line above says
    ``j.score`` ("(score 0.400"), so the score is not said again on the next line when
    it is the same (its threshold is: "on-topic from 0.100"); a copy's verdict says none.
    """
    r = dict(j.reason)
    out: list[str] = []
    r.pop("uncorroborated", None)  # the verdict line says it
    r.pop("updated", None)  # the version line says it
    background = r.pop("below_background", None)
    headline_only = bool(r.pop("headline_only", False))
    score, threshold = r.pop("score", None), r.pop("threshold", None)
    one_seed = bool(r.pop("one_seed", False))
    embedding = r.pop("embedding", None)
    said = scored and isinstance(score, (int, float)) and f"{score:.3f}" == f"{j.score:.3f}"
    if score is not None and not (said and threshold is None):
        parts = [] if said else [f"score {_fmt_reason(score)}"]
        if threshold is not None:
            parts.append(f"on-topic from {_fmt_reason(threshold)}")
        out.append(
            "; ".join(parts)
            + (" (the threshold of a headline without article text)" if headline_only else "")
            + (
                " (lower for a story from one seed article: scores against one article run"
                " lower than against several)"
                if one_seed
                else ""
            )
        )
    if "profile_score" in r or "headlines_score" in r:
        out.append(
            f"the headline scores {_fmt_reason(r.pop('profile_score', None))} against the story's "
            f"profile and {_fmt_reason(r.pop('headlines_score', None))} against its headlines; "
            "the score is their mean"
        )
    if isinstance(embedding, dict):
        seed = embedding.get("seed")
        seeds = story.seeds if story else ()
        which = (
            f"seed article {seed + 1} ('{clip(seeds[seed].title, 60)}')"
            if isinstance(seed, int) and 0 <= seed < len(seeds)
            else f"seed article {seed}"
        )
        out.append(
            f"meaning (embeddings): similarity {_fmt_reason(embedding.get('similarity'))} to {which}; "
            f"with the score, {_fmt_reason(embedding.get('combined'))} is compared with the threshold"
        )
    elif embedding is not None:
        out.append(f"embedding: {_fmt_reason(embedding)}")
    matched = r.pop("matched_terms", None)
    if matched:
        out.append(f"matched terms: {_fmt_reason(_as_written(matched, forms))}")
    if "support" in r:
        decisive = embedding.get("combined", score) if isinstance(embedding, dict) else score
        too_little = (
            not j.on_topic
            and not j.reason.get("uncorroborated")
            and not headline_only
            and background is None
            # held back as like a corrected report, or left to another story: support was
            # enough (the line below says why)
            and "held_back" not in j.reason
            and "other_story" not in j.reason
            and isinstance(decisive, (int, float))
            and isinstance(threshold, (int, float))
            and decisive >= threshold
        )
        support = r.pop("support")
        # off-topic for another reason, support decided nothing: a line only to skip
        if j.on_topic or too_little:
            out.append(
                f"support {_fmt_reason(support)}: the score without its strongest matching name"
                + (
                    "; too little of it, so off-topic (one shared name is not the story)"
                    if too_little
                    else ""
                )
            )
    rescued = r.pop("rescued", None)
    if "headline_score" in r:
        by_headline = bool(r.pop("by_headline", False))
        limit = r.pop("headline_threshold", None)
        headline = r.pop("headline_score")
        # an off-topic item whose headline came nowhere near it: nothing to explain
        if j.on_topic or not _far_below(headline, limit):
            out.append(
                f"the headline alone scores {_fmt_reason(headline)}"
                + (
                    f"; from {_fmt_reason(limit)} it makes an item on-topic whatever its text says"
                    if limit is not None
                    else ""
                )
                + (" (it did here)" if by_headline else "")
            )
    if isinstance(rescued, dict):
        out.append(
            f"the text nearly passes (from {_fmt_reason(rescued.get('text_from'))}) and the "
            f"headline names the story (from {_fmt_reason(rescued.get('headline_from'))}): "
            + (
                "on-topic, a report in other words than the seed articles'"
                if j.on_topic
                else "it would be on-topic but for this story's unrelated items (below)"
            )
        )
    elif rescued is not None:
        out.append(f"rescued: {_fmt_reason(rescued)}")
    if isinstance(background, dict):
        out.append(
            f"this story's unrelated items score {_fmt_reason(background.get('mean'))} on average "
            f"(standard deviation {_fmt_reason(background.get('std'))}, {background.get('items')} items); "
            f"an item must also reach {_fmt_reason(background.get('bar'))}, the top of that noise"
        )
    elif background is not None:
        out.append(f"below_background: {_fmt_reason(background)}")
    other = r.pop("other_story", None)
    if isinstance(other, dict):
        out.append(
            f"{_story_name(store, other.get('story'))}, also followed here, scores it "
            f"{_fmt_reason(other.get('score'))} (on-topic from "
            f"{_fmt_reason(other.get('threshold'))}), {_times(other.get('times'))} times "
            f"as far past its bar as this story's (from {_times(other.get('from'))} times, "
            "an item is the other story's report, not this one's)"
        )
    elif other is not None:
        out.append(f"other_story: {_fmt_reason(other)}")
    ages = r.pop("other_ages", None)
    if isinstance(ages, dict):
        out.append(
            f"a child's age in the headline ({_ages_text(ages.get('item'))}) that none of "
            f"the story's headlines gave ({_ages_text(ages.get('story'))}): another child's "
            "story, unless it scores far above the threshold"
        )
    elif ages is not None:
        out.append(f"other_ages: {_fmt_reason(ages)}")
    held_back = r.pop("held_back", None)
    if isinstance(held_back, dict):
        out.append(_held_back_line(store, held_back, j))
    elif held_back is not None:
        out.append(f"held_back: {_fmt_reason(held_back)}")
    copy = r.pop("copy", None)
    if isinstance(copy, dict):
        out.append(_copy_line(copy))
    elif copy is not None:
        out.append(f"copy: {_fmt_reason(copy)}")
    development = r.pop("development", None)
    if isinstance(development, dict):
        out.append(_development_line(store, development, j))
    elif development is not None:
        out.append(f"development: {_fmt_reason(development)}")
    if r.pop("adapted", False):
        out.append("the story's profile learned from this item (it scored high and is no copy)")
    out.extend(f"{key}: {_fmt_reason(value)}" for key, value in r.items())
    return out


def _far_below(score: object, limit: object) -> bool:
    """Whether ``score`` is under half of ``limit`` (both numbers; else False)."""
    numbers = (int, float)
    return isinstance(score, numbers) and isinstance(limit, numbers) and score < limit / 2


def _copied(store: Store, j: Judgement, story: Story | None) -> str | None:
    """What a copy copies, as people know it (never an internal id); None if no copy."""
    copy = j.reason.get("copy")
    seed = copy.get("of_seed") if isinstance(copy, dict) else None
    if isinstance(seed, int):
        seeds = story.seeds if story else ()
        title = f" ('{clip(seeds[seed].title, 80)}')" if 0 <= seed < len(seeds) else ""
        return f"seed article {seed + 1}{title}"
    of = (
        j.duplicate_of
        if j.duplicate_of is not None
        else copy.get("of")
        if isinstance(copy, dict)
        else None
    )
    if not isinstance(of, int):
        return None
    orig = store.get_item(of)
    return _item_label(orig) if orig else "an earlier report that is no longer stored"


def _times(value: object) -> str:
    """A ratio as people say it: "3.1 times", not "3.120"."""
    return f"{value:.1f}" if isinstance(value, (int, float)) else _fmt_reason(value)


def _story_name(store: Store, story_id: object) -> str:
    """A story named as users type it, or by its id once it is gone."""
    story = store.get_story_by_id(story_id) if isinstance(story_id, int) else None
    return story.name if story else f"story {story_id} (since removed)"


def _held_back_line(store: Store, held_back: dict[str, object], j: Judgement) -> str:
    """Which report an admin said is not part of the story this item reads like
    (``/story wrong``; :mod:`bot.engine.corrections`), named by its headline, and the
    item's score against it beside its score against the story."""
    like = held_back.get("like")
    found = store.get_item(like) if isinstance(like, int) else None
    report = _item_label(found) if found else "an earlier report that is no longer stored"
    return (
        f"held back: it reads like {report} (score {_fmt_reason(held_back.get('score'))} "
        f"against that report, {j.score:.3f} against the story), which an admin said is "
        "not part of the story"
    )


def _copy_line(copy: dict[str, object]) -> str:
    """How a copy was recognised (the verdict line names what it copies)."""
    how = {"body": "its text", "title": "its headline", "url": "its link"}.get(
        str(copy.get("by")), copy.get("by")
    )
    return f"recognised as a copy by {how} (resemblance {_fmt_reason(copy.get('resemblance'))})"


def _development_line(store: Store, dev: dict[str, object], j: Judgement) -> str:
    """Which development the item was closest to, how close, and from what it joins."""
    closest = dev.get("closest")
    if began := dev.get("before_story"):
        day = str(began)[:10]
        return (
            f"published well before the story began ({day}): background to the seed story "
            "(development 0), not a new development"
        )
    join = f"an item joins a development from similarity {_fmt_reason(dev.get('join_threshold'))}"
    if closest is None:
        line = f"no development was close to it; {join}"
    else:
        label = _development_label(store, j, closest)
        revived = " (revived: it had gone quiet)" if dev.get("revived") else ""
        sim = _fmt_reason(dev.get("similarity"))
        raw = _fmt_reason(dev.get("similarity_undecayed"))
        # similarity fades with the time since the development's last report
        faded = f" ({raw} before fading with the time since its last report)" if raw != sim else ""
        line = f"closest development {label}{revived}: similarity {sim}{faded}; {join}"
    lead = dev.get("lead")
    if isinstance(lead, dict):
        # too far by its whole text, it joined a development whose reports lead alike
        # a headline-only item's lead is its headline, also compared with the headlines
        what, theirs = (
            ("headline", "headlines and leads")
            if lead.get("headline_only")
            else ("lead (headline and first sentence)", "leads")
        )
        line += (
            f"; its {what} is {_fmt_reason(lead.get('similarity'))} "
            f"close to the {theirs} of development {_development_label(store, j, lead.get('development'))} "
            f"(from {_fmt_reason(lead.get('threshold'))}), so it joined that one"
        )
    return line


def _development_label(store: Store, j: Judgement, number: object) -> str:
    """A development named for people: its number and headline."""
    if number == 0:
        return "0 (the seed story)"
    found = store.get_development(j.story_id, number) if isinstance(number, int) else None
    return f"{number} ('{clip(found.headline, 80)}')" if found else str(number)


def _as_written(terms: object, forms: Mapping[str, str]) -> object:
    """The engine's matched terms in the item's own spelling (``terms`` as it is if no list).

    The engine stems and lowercases ("classifi", "u_s"); the item says "classified" and
    "U.S." (``forms``: :func:`bot.engine.spellings.written_forms` of its texts). A term the
    item's text does not show (the engine read it elsewhere) stays as the engine has it.
    """
    if not isinstance(terms, (list, tuple)):
        return terms
    return [forms.get(t, t) if isinstance(t, str) else t for t in terms]


def _item_label(item: Item) -> str:
    """An item as people know it: headline, outlet and link (without the feed's tracking
    parameters: :func:`bot.render.reader_url`)."""
    link = f" <{reader_url(item.url)}>" if item.url else ""
    return f"'{clip(item.title, 80)}' ({item.source}){link}"


def _fmt_reason(value: object) -> str:
    """A value of ``Judgement.reason`` as shown: scores to 3 places, lists and maps cut."""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_reason(v) for v in value[:12])
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt_reason(v)}" for k, v in list(value.items())[:12])
    return clip(str(value), 200)
