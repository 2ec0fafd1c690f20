"""Extractive update summaries: what is *new* in a development.

An update summary should tell a reader who already knows the story what changed. So a
candidate sentence is scored by

    centrality(s) - novelty_penalty * max similarity(s, what the reader already knows)

where centrality is the cosine to the development's centroid (sentences that many of
its reports agree on) and "already known" is the seed story and earlier developments.
Sentences are then picked greedily (maximal marginal relevance): a sentence too similar
to one already chosen is skipped, which removes the redundancy of many outlets saying
the same thing. Chosen sentences keep their order of arrival so the summary reads like
a report. A sentence that leans on the one before it in its report ("A separate notice
...", "But ...", "He said ...", see :func:`leans_back`) is chosen with that one, or that
one alone when there is no room for both; with nothing to lean on it is left out (one
opening with a pronoun may still follow another sentence, which may name whom it
means). Everything is extractive: the bot never writes words its sources did not, and
every chosen sentence keeps the report it came from (a :class:`bot.model.Citation`), so
an alert can cite each sentence to its outlet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from bot.engine.capitals import is_title_case
from bot.engine.furniture import BYLINE, CAPS_LABEL, LIST_LINE, strip_dateline, strip_furniture
from bot.engine.language_id import language_of
from bot.engine.sentences import split_run_ons, split_sentences
from bot.engine.stopwords import STOPWORDS
from bot.engine.termstats import DocFreq, Vector, norm, tf_vector
from bot.engine.words import find_words, tokens
from bot.feed_trailers import without_trailers
from bot.model import Citation

_NOVELTY_PENALTY = 0.7
_MIN_WORDS, _MAX_WORDS = 6, 60
LEAD_SENTENCES = 4  # sentences taken from each item: news puts what is new first


def candidate_sentences(title: str, text: str) -> list[str]:
    """The sentences of an item worth considering for a summary.

    Args:
        title: Headline (used when the body is empty).
        text: Body.

    Returns:
        Up to a few leading sentences of reasonable length (sentences a page joined
        without a space apart: :func:`bot.engine.sentences.split_run_ons`), never the footer
        or "read more" link blog software ends an excerpt with
        (:func:`bot.feed_trailers.without_trailers`).
    """
    text = without_trailers(text, title)
    out = citable(split_run_ons(split_sentences(text)))[:LEAD_SENTENCES]
    if not out and title.strip():
        out.append(title.strip())
    return out


# what a complete sentence ends with: a full stop (of any script: Devanagari's danda,
# Urdu's, CJK's, Armenian's, Ethiopic's, Myanmar's) or a closing quote or bracket after one
# (German „…“ closes with “). A body whose sentences end with a full stop of its own script
# would otherwise keep only a line ending in a quote or a bracket. "»" alone is not one:
# English pages end link lines with it ("Related article »"); see _complete.
_SENTENCE_END = (
    *(".", "!", '"', "”", "'", "’", ")", "“", "」", "』"),
    *("।", "॥", "۔", "。", "！", "．", "։", "።", "။"),
)
# French « … » closes a quoted sentence with "»" after its full stop, with a space between
# them or not ("« Le pont a disparu. »"); sentences come whitespace-normalised
_GUILLEMET_END = (".»", "!»", "?»", ". »", "! »", "? »")
# English closing quotes and brackets, which may follow a sentence's end mark
_CLOSING = "\"'”’)"


def _complete(sentence: str) -> bool:
    """Whether a sentence ends as a complete one does (see _SENTENCE_END).

    One ending in an ellipsis ("... in the French resort of Ni...", "... does not
    mean…") trails off: a feed cut it there, mostly, in the middle of a word or of what
    it says. It is quoted as a sentence without end punctuation is, only when the body
    has no complete sentence.
    """
    if sentence.rstrip(_CLOSING).endswith(("...", "…")):
        return False
    return sentence.endswith(_SENTENCE_END) or sentence.endswith(_GUILLEMET_END)


def citable(
    sentences: Iterable[str], body: Iterable[str] | None = None, *, datelines: bool = True
) -> list[str]:
    """The sentences a summary may quote, in order: complete sentences worth citing.

    A line of a body without end punctuation is a photo caption with its credit
    ("Reuters The move comes as ...", "Getty - Contributor Russia shares a border ...")
    or a sentence the feed cut off ("... in the event that conflict breaks ou"); quoted in
    an alert it reads as a garbled or truncated sentence. Such lines are given up when
    the body has complete sentences; a body without any (a feed that drops its full
    stops) keeps them, as before.

    Page furniture is taken out first (:func:`bot.engine.furniture.strip_furniture`): a
    sentence comes back without a stamp, player controls or gallery counter before it,
    and a newsletter prompt, playlist entry or copyright line is not quoted at all. A
    dateline before a colon ("KARACHI: ") is taken off a sentence among the body's first
    ``LEAD_SENTENCES`` only: further down, such a label is a transcript's speaker.

    Args:
        sentences: The sentences to choose from, in order.
        body: All the sentences of the body, when ``sentences`` are only some of them
            (the lines an update added: a caption added to a punctuated body is still a
            caption). None: ``sentences`` are the body.
        datelines: Take a wire report's leading dateline off a sentence (what a summary
            quotes). False keeps it: a development's lead (:func:`bot.engine.analysis.lead_vector`)
            was measured with it (without it, fewer reports of a seed event open a
            development: gva 45 of 111 instead of 47, giveme5w1h 38 of 118 instead of 39),
            and development decisions change only with the figures.
    """

    sentences = list(sentences)
    body = sentences if body is None else list(body)
    where: dict[str, int] = {}  # a sentence's first place in the body
    for i, s in enumerate(body):
        where.setdefault(s, i)

    def clean(s: str) -> str:
        lead = where.get(s, len(body)) < LEAD_SENTENCES
        return strip_furniture(s, datelines=datelines, lead=lead)

    fit = [s for s in map(clean, sentences) if s and worth_citing(s)]
    complete = [s for s in fit if _complete(s)]
    if complete or body is sentences:
        return complete or fit
    punctuated = any(_complete(s) and worth_citing(s) for s in map(clean, body) if s)
    return [] if punctuated else fit


def without_furniture(body: Sequence[str]) -> list[str]:
    """A body's sentences as :func:`citable` cleans them (a dateline before a colon is
    taken off the lead area's only), in order, "" for one that is furniture."""
    return [strip_furniture(s, lead=i < LEAD_SENTENCES) for i, s in enumerate(body)]


def worth_citing(sentence: str) -> bool:
    """Whether a sentence may stand in a summary: of reasonable length, no heading,
    caption or question."""
    n = len(sentence.split())
    # a sentence keeps the closing quotes and brackets after its end mark: a quoted
    # question ('He asked, "Why?"') is still a question, "(… in 2016.)" ends with a stop
    bare = sentence.rstrip(_CLOSING)
    # headings and captions are title-cased lines without end punctuation (a quotation
    # closed after its full stop has one: German „…“, French « … »), unless they read as
    # prose (_reads_as_prose)
    end = (".", "!", '"', "”", "'", "’", "“", *_GUILLEMET_END)
    heading = (
        not sentence.endswith(end)
        and not bare.endswith(end)
        and is_title_case(sentence)
        and not _reads_as_prose(sentence, n)
    )
    return _MIN_WORDS <= n <= _MAX_WORDS and not bare.endswith((":", "?")) and not heading


# A feed may send a report's one sentence without its full stop, and a sentence full of
# names is as capitalised as a heading (TIME: "President Donald Trump pressed for the U.S.
# to annex Greenland during a combative address at the World Economic Forum in Davos").
# It is told from a heading by its length and by the words it writes in lower case that
# are no function words ("pressed", "annex", "combative", "address"): a heading in title
# case capitalises those too, and one in sentence case is no title-cased line at all. A
# caption reads as prose too, but ends with its credit in brackets ("... at news
# conference (Source: WTOL)"), and the page's other lines of that kind hold a colon, a
# bar or a handle ("Tornado Watch issued May 8 ... in effect for: Caddo, ...", "When: 7
# p.m. Friday ...", a tweet's "— Name (@handle) March 18, 2016") or open with a counter
# ("25/30 Hubble Peers into ..."); so the line opens with a capital, ends with a word and
# holds none of those.
_PROSE_WORDS = 12
_PROSE_LOWER_WORDS = 3
_NO_PROSE_MARKS = (":", "|", "@", "(", "[")


def _reads_as_prose(sentence: str, n: int) -> bool:
    """Whether a title-cased line of ``n`` words without end punctuation reads as a
    sentence of prose."""
    if n < _PROSE_WORDS or not sentence[:1].isupper() or not sentence[-1:].isalnum():
        return False
    if any(mark in sentence for mark in _NO_PROSE_MARKS):
        return False
    lower = [w for w in find_words(sentence) if w[0].islower() and w.lower() not in STOPWORDS]
    return len(lower) >= _PROSE_LOWER_WORDS


def _vec(sentence: str, df: DocFreq) -> Vector:
    tf: dict[str, int] = {}
    for t in tokens(sentence, language_of(sentence)):
        tf[t] = tf.get(t, 0) + 1
    return {t: v * max(df.idf(t), 0.0) for t, v in tf_vector(tf).items()}


def _cos(a: Mapping[str, float], b: Mapping[str, float], nb: float | None = None) -> float:
    na = norm(a)
    nb = norm(b) if nb is None else nb
    if na == 0 or nb == 0:
        return 0.0
    if len(a) > len(b):
        s = sum(v * a[t] for t, v in b.items() if t in a)
    else:
        s = sum(v * b[t] for t, v in a.items() if t in b)
    return s / (na * nb)


# Sentences that lean on the one before them: a connective ("But", "However,", "A
# separate"), a demonstrative ("This", "That", but not "This week") or a pronoun whose
# antecedent is in the sentence before ("He said", "Their lawyer"). Quoted in a summary
# without that sentence they refer to nothing ("A separate notice from the Office of
# Management and Budget paused the directive ..." with the memo it is separate from
# left out). Per language (bot.engine.language_id.language_of); a language without a list
# here has no sentence that leans back, so nothing changes for it.
_TIME = r"(?:week|weekend|year|month|morning|afternoon|evening|night|summer|winter|spring|autumn|fall|season|decade|century)"
# A pronoun may stand for a name an earlier sentence of the summary gives ("Her cousin
# ..." after "Rihanna is mourning ..."): such a sentence is never a summary's first, but
# may follow other sentences when its own support cannot come along (see summarise).
_PRONOUN = (
    r"(?:He|She|They|His|Her|Their|Its|"
    r"It (?:said|says|added|also|has|had|will|would|did|does|plans|wants|comes|came))"
)
_PRONOUN_EN = re.compile(rf"{_PRONOUN}(?=[\s,’'])")
_LEANS_BACK = {
    "en": re.compile(
        r"(?:But|And|Or|Yet|However|Also|Meanwhile|Moreover|Furthermore|Additionally|"
        r"Nevertheless|Nonetheless|Consequently|Therefore|Thus|Hence|Separately|Likewise|"
        r"Similarly|Still,|Instead,|Even so|In addition|In contrast|By contrast|"
        r"On the other hand|As a result|At the same time|A separate|Another|"
        # "The decision to ...", "The comments by ..." say which one they mean
        r"The (?:move|decision|announcement|comments|remarks|latter|former|same)"
        r"(?!\s+(?:by|of|to|from|on|that)\b)|"
        rf"(?:This|That|These|Those)(?!\s+{_TIME}s?\b)|That's|"
        rf"{_PRONOUN})(?=[\s,’'])"
    ),
    "de": re.compile(
        r"(?:Aber|Doch|Jedoch|Allerdings|Außerdem|Zudem|Dennoch|Trotzdem|Ebenso|"
        r"Darüber hinaus|Unterdessen|Indes|Deshalb|Daher|Dies|Diese Entscheidung|Er|Sie sagte|"
        r"Sie sagten|Die Entscheidung|Der Schritt)(?=[\s,])"
    ),
    "es": re.compile(
        r"(?:Pero|Sin embargo|Además|También|Asimismo|No obstante|Por otra parte|"
        r"Por otro lado|Por ello|Por eso|Mientras tanto|Esto|Esta decisión|"
        r"Él|Ella|Ellos|La decisión|La medida)(?=[\s,])"
    ),
    "fr": re.compile(
        r"(?:Mais|Cependant|Toutefois|Pourtant|Par ailleurs|En outre|De plus|Néanmoins|"
        r"Ainsi|Donc|Cela|Ceci|Ce dernier|Cette décision|Cette mesure|Il a|Elle a|Ils ont|"
        r"Elles ont)(?=[\s,])"
    ),
}


def leans_back(sentence: str) -> bool:
    """Whether ``sentence`` opens with a reference to the sentence before it.

    A connective ("But", "However,", "A separate"), a demonstrative ("This", "The
    move"; "This week" is a time, not one) or a pronoun ("He said", "Their lawyer")
    that stands for something only the sentence before it names. English openers, and
    German, Spanish and French ones for a sentence in those languages
    (:func:`bot.engine.language_id.language_of`).
    """
    text = sentence.lstrip("\"“”‘’'«»„ ")
    pattern = _LEANS_BACK.get(language_of(text))
    return pattern is not None and pattern.match(text) is not None


def _opens_with_pronoun(sentence: str) -> bool:
    text = sentence.lstrip("\"“”‘’'«»„ ")
    return language_of(text) == "en" and _PRONOUN_EN.match(text) is not None


# Openers that only add one more piece of news to a list ("And, the U.S. and Iran are set
# for ..." after "Jesse Jackson dies at age 84." in a newsletter): a roundup opens each of
# its items so. Such a sentence leans back on the one before it only grammatically; when
# that one tells another story, it is quoted alone, without the opener (see off_story).
# Not "Meanwhile,", "Separately," or "In addition to": a report of one story goes on to
# its next turn with them ("Meanwhile, Jones' father ... has been charged with ...").
_ADDITIVE_EN = re.compile(r"(?:(?:And|Also|Plus)(?:\s*,\s*|\s+)|In other news,\s*)(?=\S)")
# A piece of a report (see off_story) is about another story when none of its sentences
# comes to this share of the similarity to the story of the report's best sentence: a
# tenth, so that only what shares next to nothing with the story (another item of a
# roundup, a newsletter's greeting) is set aside
OFF_STORY_SHARE = 0.1

# A newsletter's or a briefing's opening words to its reader ("Good morning, here is what
# you need to know ..."): as the first sentence of an item, on nothing the item goes on to
# say, a greeting (see off_story). The reader is named: a report's own lead may share no
# word with what follows it either ("Back in 2016, German trust in the United States was
# at an all-time high. Today the situation could not be more different.").
_GREETING_EN = re.compile(r"(?i)\b(?:you|your|good (?:morning|afternoon|evening)|welcome|hello)\b")


def _greets(sentence: str) -> bool:
    return language_of(sentence) == "en" and _GREETING_EN.search(sentence) is not None


def without_opener(sentence: str) -> str | None:
    """``sentence`` without an additive opener ("And, the U.S. ..." -> "The U.S. ..."),
    or None when it has none or what follows still leans back ("And he said ...")."""
    text = sentence.lstrip("\"“”‘’'«»„ ")
    if text != sentence or language_of(text) != "en":
        return None
    m = _ADDITIVE_EN.match(text)
    if m is None:
        return None
    rest = text[m.end() :]
    rest = rest[:1].upper() + rest[1:]
    if len(rest.split()) < _MIN_WORDS or leans_back(rest):
        return None
    return rest


def off_story(
    pool: Sequence[Citation], vectors: Sequence[Vector], story: Mapping[str, float]
) -> set[int]:
    """The places in ``pool`` of sentences that tell another story than the one tracked.

    A report may tell several stories: a newsletter or a roundup goes from one piece of
    news to the next with an additive opener ("Rev. Jesse Jackson dies at age 84. And,
    the U.S. and Iran are set for ..."; "Also, the Winter Olympics closed ..."), and a
    newsletter may open with a greeting (a dateline is cut off its sentence before:
    :func:`bot.engine.furniture.strip_furniture`). So a report's
    sentences are cut into pieces at each sentence opening with an additive opener
    (:func:`without_opener`), and a piece is off the story when none of its sentences
    comes within ``OFF_STORY_SHARE`` of the report's sentence most similar (cosine) to
    the story. The report's first sentence is also off the story when it speaks to the
    reader ("Good morning, here is what you need to know ..."), shares no term with the
    report's other sentences, the second does not lean on it ("But ...", "He ...") and it
    is that far from the story itself: a newsletter's greeting. Any other sentence is
    never set aside on its own: a report's lead or its second sentence often says what
    it adds in words the story has not used ("Now, they feel betrayed by his lack of
    action."). A report without an additive opener or a greeting (most) has none.

    Args:
        pool: Candidate sentences, a report's together and in order.
        vectors: Each sentence's weighted term vector (:func:`_vec`), by place.
        story: The story's weighted term vector (its profile).

    Returns:
        The places of the sentences off the story.
    """
    ns = norm(story)
    off: set[int] = set()
    start = 0
    while start < len(pool):
        end = start + 1
        while end < len(pool) and _before(pool, end) == end - 1:
            end += 1
        run = range(start, end)
        start = end
        if len(run) < 2:
            continue
        about = {i: _cos(vectors[i], story, ns) for i in run}
        bar = OFF_STORY_SHARE * max(about.values())
        if bar <= 0:
            continue
        pieces: list[list[int]] = [[run[0]]]
        for i in run[1:]:
            if without_opener(pool[i].sentence) is not None:
                pieces.append([i])
            else:
                pieces[-1].append(i)
        for piece in pieces:
            if max(about[i] for i in piece) < bar:
                off.update(piece)
        first, second = run[0], pool[run[1]].sentence
        if (
            about[first] < bar
            and _greets(pool[first].sentence)
            and not any(vectors[first].keys() & vectors[i].keys() for i in run[1:])
            and not (leans_back(second) and without_opener(second) is None)
        ):
            off.add(first)
    return off


def _before(pool: Sequence[Citation], i: int) -> int | None:
    """The place in ``pool`` of the sentence its report says just before ``pool[i]``:
    the one before it in the pool when it has the same report, else None (the
    sentences of a report go into a pool together and in order)."""
    if i == 0:
        return None
    a, b = pool[i - 1], pool[i]
    return i - 1 if (a.source, a.url) == (b.source, b.url) else None


def summarise(
    pool: list[Citation],
    centroid: Mapping[str, float],
    known: Iterable[Mapping[str, float]],
    df: DocFreq,
    *,
    k: int = 3,
    redundancy: float = 0.5,
    story: Mapping[str, float] | None = None,
) -> list[Citation]:
    """Pick up to ``k`` central, new, non-redundant sentences about the story.

    Args:
        pool: Candidate sentences in order of arrival, each with its source.
        centroid: The development's term centroid (raw term weights).
        known: Term centroids of what the reader already knows (seeds, earlier
            developments); empty for development 0.
        df: Stream document frequencies (IDF weighting).
        k: Sentences to pick.
        redundancy: A sentence this similar to a chosen one is skipped.
        story: The story's term profile (raw term weights), to leave out what a report
            says about another story (:func:`off_story`); None: nothing is left out.

    Returns:
        The chosen sentences with their sources, in order of arrival (the first report
        of a sentence that several outlets ran is the one cited), except that a sentence
        leaning on another comes right after it. A sentence that leans on one about
        another story only with an additive opener is quoted without it
        (:func:`without_opener`).
    """
    vecs = [_vec(c.sentence, df) for c in pool]
    off: set[int] = set()
    if story:
        sw = {t: v * max(df.idf(t), 0.0) for t, v in story.items()}
        off = off_story(pool, vecs, sw)
    cw = {t: v * max(df.idf(t), 0.0) for t, v in centroid.items()}
    kw = [{t: v * max(df.idf(t), 0.0) for t, v in kv.items()} for kv in known]
    kn = [norm(x) for x in kw]
    ncw = norm(cw)
    scored = []
    first: dict[str, int] = {}  # a sentence's first place in the pool
    for i, cited in enumerate(pool):
        s = cited.sentence
        key = s.lower()
        if key in first:
            continue
        first[key] = i
        v = vecs[i]
        if not v or i in off:
            continue
        old = max((_cos(v, x, n) for x, n in zip(kw, kn, strict=True)), default=0.0)
        scored.append((_cos(v, cw, ncw) - _NOVELTY_PENALTY * old, i, v))
    scored.sort(key=lambda x: (-x[0], x[1]))
    vectors = {i: v for _, i, v in scored}
    chosen: dict[int, Vector] = {}
    after: dict[int, int] = {}  # a sentence that leans back -> the one it follows
    alone: dict[int, str] = {}  # one quoted without its opener -> what is quoted
    pronouns: list[int] = []  # ones opening with a pronoun, nothing to lean on

    def fits(v: Vector) -> bool:
        return all(_cos(v, cv) < redundancy for cv in chosen.values())

    for _, i, v in scored:
        if len(chosen) >= k:
            break
        if not fits(v):
            continue
        # A sentence leaning on the one before it comes with that one (see leans_back):
        # both when there is room, else that one alone; with nothing to lean on, neither
        lead = [i]
        links: dict[int, int] = {}
        other_story = False  # it leans on a sentence about another story
        while leans_back(pool[lead[0]].sentence):
            j = _before(pool, lead[0])
            if j is not None and j in off:
                # it leans on another story's sentence: alone without its "And,", if
                # that is all it leans on, else not at all
                rest = without_opener(pool[lead[0]].sentence)
                if rest is None:
                    lead, other_story = [], True
                else:
                    alone[lead[0]] = rest
                break
            j = first.get(pool[j].sentence.lower()) if j is not None else None
            if j is None or j not in vectors:
                lead = []
                break
            links[lead[0]] = j
            if j in chosen:
                break
            lead.insert(0, j)
        added = [j for j in lead if j not in chosen]
        added = added[: k - len(chosen)]
        if added and all(fits(vectors[j]) for j in added):
            chosen.update((j, vectors[j]) for j in added)
            after.update((j, p) for j, p in links.items() if j in chosen)
        elif not lead and not other_story and _opens_with_pronoun(pool[i].sentence):
            pronouns.append(i)
    for i in pronouns:  # room left: after a sentence that may name whom they mean
        if len(chosen) < k and chosen and min(chosen) < i and fits(vectors[i]):
            chosen[i] = vectors[i]
    if not chosen and off:  # nothing about the story stands on its own: as if all were
        return summarise(pool, centroid, known, df, k=k, redundancy=redundancy)
    if not chosen and scored:  # nothing stands on its own: the best sentence, as it is
        chosen[scored[0][1]] = scored[0][2]

    def place(i: int) -> tuple[int, ...]:
        # in order of arrival, but a sentence that leans back right after its support
        # (which an earlier report may have said first)
        return (*place(after[i]), i) if i in after else (i,)

    def quoted(i: int) -> Citation:
        c = pool[i]
        return Citation(alone[i], c.source, c.url) if i in alone else c

    return [quoted(i) for i in sorted(chosen, key=place)]


def least_central(
    pool: list[Citation],
    centroid: Mapping[str, float],
    df: DocFreq,
    n: int,
    spare: Callable[[Citation], bool],
) -> set[int]:
    """The positions in ``pool`` of its ``n`` sentences least central to a development.

    Centrality is what :func:`summarise` ranks by first (the cosine to the centroid, IDF
    weighted), so the sentences given up are those a summary would pick last. A
    sentence ``spare`` says to keep is never among them; fewer than ``n`` come back when
    too few may go. Ties go to the oldest.
    """
    if n <= 0:
        return set()
    cw = {t: v * max(df.idf(t), 0.0) for t, v in centroid.items()}
    ncw = norm(cw)
    ranked = sorted(
        (_cos(_vec(cited.sentence, df), cw, ncw), i)
        for i, cited in enumerate(pool)
        if not spare(cited)
    )
    return {i for _, i in ranked[:n]}


def summary_text(cited: Iterable[Citation]) -> str:
    """The summary as plain text: the chosen sentences joined by spaces."""
    return " ".join(c.sentence for c in cited)


# A report's lead told as a fact (bot.alert_text.added_fact): a line of the lead area that is
# no plain statement of news is passed over. The rules were read from the leads told over
# the RSS sets and streams and from every report's lead area there (docs/engine.md, "What
# a lead tells"): Dawn's key points as a list ("• EU calls annexation illegal, ..."), The
# Sun's column opening ("YOU get the feeling that whatever Lewis Hamilton tries, ...").
# A headline told because the body has no sentence to quote is a few words ("Alturas
# shooting victims identified") where a body's sentence has six or more.
_MIN_HEADLINE_WORDS = 4
# a list's line and a byline are told by bot.engine.furniture's LIST_LINE and BYLINE (a
# list's line that is no complete sentence, and a byline alone, are no candidates at all);
# the dash a left-out dateline leaves ("— A 29-year-old woman was arrested ...") is taken
# off a told lead
_LEADING_DASH = re.compile(r"[-–—]\s+")
# a picture's credit or caption: its label ("Photo: Reuters ...", "Photos: Mass shooting at
# Las Vegas music festival Debris is ...", "(Photo by ...)"), or the caption naming its
# photo ("This Dec. 28, 2017 photo made available by SpaceX shows ..."); an agency's
# credit glued before or after a sentence ("Getty Images Lewis Hamilton ...") is taken
# off as furniture (bot.engine.furniture)
_PICTURE_CREDIT = re.compile(
    r"\(?(?:(?:Photo|Image|Picture|Photograph|Pic|Credit|Caption)s?(?:\s+(?:credit|by))?"
    r"(?::|\s+[|–—-]\s)|(?:Photos?|Pictures?)\s+by\b|File photo\b"
    r"|(?:In\s+)?This\b.{0,50}?\b(?:photo|picture|image)(?:\s+\S+){0,6}?\s+show(?:s|ing)\b)",
    re.IGNORECASE,
)
# the page speaking of itself ("This video is no longer available.", "This article is
# about the 2014 killing spree.", "This story may not be reproduced ...")
_PAGE_ITSELF = re.compile(r"This\s+(?:video|article|story|page|post|content)\b")
# a label in capitals before a colon (bot.engine.furniture.CAPS_LABEL): a dateline of
# places the candidate sentence has already lost (strip_dateline) or a page's tag
# ("UPDATED: Arrest made ...", "APD: One dead ..."), taken off a told lead; a correction's
# label says the rest is about the report, not news (_NOTE_LABEL)
_NOTE_LABEL = re.compile(r"(?i:correction|clarification|editor['’]s note)\s*:")
# someone speaking for themselves or to the reader, the way a column, a newsletter or an
# explainer opens and news does not ("I ...", "We may have reached peak superhero.", "YOU
# get the feeling ...", "Here's why ...", "Opinion: ..."); someone's words in quotes
# ("“We will not back down,” ...") are reported speech, news. A newsroom telling what it
# learned ("We now know the name of a 16-year-old boy who was shot ...", "We have new
# information about a shooting ...") is news too (_NEWSROOM)
_OPINION_OPENING = re.compile(
    r"(?i:(?:I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|We|We're|We’re|We've|We’ve|We'll|We’ll|"
    r"We'd|We’d|My|Our|You|You're|You’re|You've|You’ve|You'll|You’ll|Your|Let's|Let’s|"
    r"Let me|Let us)(?=[\s,])"
    r"|(?:Here's|Here’s|Here is|Here are|This is|That's|That’s)\s+(?:why|how|what|who|where|when)\b"
    r"|(?:Opinion|Comment|Commentary|Editorial|Op-ed|Column|Viewpoint|Perspective)\s*[:|–—-])"
)
_NEWSROOM = re.compile(
    r"We(?:\s+now|\s+have|['’]ve|\s+are|['’]re)?\s+(?:now\s+)?(?:know|learned|learning|"
    r"(?:got\s+|have\s+)?(?:new|more)\s+(?:information|details)|(?:have\s+)?an\s+update)\b"
)
# someone's words reported without quotes, as headlines do ("We won't take part in
# immigration roundups, Tulare County sheriff says"), or the end of a quotation ("... for
# all the world leaders,” said Newsom.")
_REPORTED = re.compile(r"[,”\"’']\s+(?:[^,]{1,60}?\s)?(?:says|said)\b[^,]{0,60}$")
# a headline asking its question without a question mark ("Why the talks collapsed",
# "What we know about the crash"): an explainer's title, no news in itself
_QUESTION_TITLE = re.compile(r"(?:Why|How|What|Who|Where|Which|When)\s")


def lead_fact(title: str, text: str) -> str | None:
    """The sentence a report's lead tells as a fact, or None when it tells none.

    The first of the report's lead sentences (:func:`candidate_sentences`: the few a
    summary would consider, or the headline when the body has none) that is a plain
    statement of news (:func:`is_plain_fact`), without a label in capitals before it
    (``CAPS_LABEL``: "UPDATED: ", "APD: "; a dateline's is gone already) or a dash a left-out
    dateline left. A report whose lead opens with its key points as a list, a byline, a
    picture's credit or a column's opening is told by the news sentence after it (unless
    that one leans on the line passed over: "But the World Championship ..."); one whose
    lead area holds none tells nothing.
    """
    candidates = candidate_sentences(title, text)
    headline = candidates == [title.strip()]
    for i, sentence in enumerate(candidates):
        if dash := _LEADING_DASH.match(sentence):
            sentence = strip_dateline(sentence[dash.end() :])
        if _NOTE_LABEL.match(sentence):
            continue
        if label := CAPS_LABEL.match(sentence):
            sentence = sentence[label.end() :]
        # the first may lean on the headline it is read with; a later one on the line
        # passed over, which is not told
        if is_plain_fact(sentence, headline=headline) and not (i and leans_back(sentence)):
            return sentence
    return None


def is_plain_fact(sentence: str, *, headline: bool = False) -> bool:
    """Whether a lead sentence can stand alone as a fact a report brought.

    Not a list's line, a byline, a picture's credit or caption, the page speaking of
    itself, a question, someone speaking for themselves or to the reader (English: see
    ``_OPINION_OPENING``), nor a line too short or too long to be one (``_MIN_WORDS`` to
    ``_MAX_WORDS`` words, as a summary's sentences; a ``headline`` from
    ``_MIN_HEADLINE_WORDS``).
    """
    n = len(sentence.split())
    if not (_MIN_HEADLINE_WORDS if headline else _MIN_WORDS) <= n <= _MAX_WORDS:
        return False
    if LIST_LINE.match(sentence) or BYLINE.match(sentence):
        return False
    if _PICTURE_CREDIT.match(sentence) or _PAGE_ITSELF.match(sentence):
        return False
    bare = sentence.rstrip(_CLOSING)
    if bare.endswith("?"):
        return False
    if not bare.endswith((".", "!", "।", "۔", "。", "！")) and _QUESTION_TITLE.match(sentence):
        return False
    if language_of(sentence) != "en" or _NEWSROOM.match(sentence) or _REPORTED.search(sentence):
        return True
    return _OPINION_OPENING.match(sentence) is None
