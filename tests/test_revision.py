"""Which updates of an item are material (:mod:`bot.revision`): table-driven."""

from __future__ import annotations

import pytest

from bot.revision import Revision, revision

TITLE = "Senators demand text of Anthropic-Pentagon AI deal - WRAL"
BODY = (
    "A bipartisan group of senators demanded the full text of the agreement. "
    "Five people were hurt in the crash. The committee will hold a hearing on March 18."
)

CASES = [
    # (what changed, new title, new body, headline changed, new sentences)
    ("nothing", TITLE, BODY, False, ()),
    (
        "spacing and case",
        "  SENATORS demand text of Anthropic-Pentagon AI deal - WRAL",
        BODY,
        False,
        (),
    ),
    (
        "outlet suffix",
        "Senators demand text of Anthropic-Pentagon AI deal | Reuters",
        BODY,
        False,
        (),
    ),
    ("punctuation", "Senators demand text of Anthropic–Pentagon AI deal!", BODY, False, ()),
    ("typo fixed", TITLE, BODY.replace("bipartisan", "bipartisian"), False, ()),
    ("headline typo", TITLE.replace("Senators", "Senatros"), BODY, False, ()),
    (
        "timestamp line",
        TITLE,
        BODY + "\nUpdated 10:42 a.m. EDT, March 5, 2026",
        False,
        (),
    ),
    ("markup", TITLE, BODY.replace("crash.", "crash. \n\n  "), False, ()),
    ("sentence dropped", TITLE, BODY.split(". ", 1)[1], False, ()),
    (
        "fact appended",
        TITLE,
        BODY + "\nUPDATE: Police said a suspect was arrested.",
        False,
        ("UPDATE: Police said a suspect was arrested.",),
    ),
    (
        "number changed",
        TITLE,
        BODY.replace("Five", "7"),
        False,
        ("7 people were hurt in the crash.",),
    ),
    (
        "headline rewritten",
        "Pentagon agrees to show senators the Anthropic deal",
        BODY,
        True,
        (),
    ),
    ("headline gains words", TITLE.replace("deal", "deal after leak"), BODY, True, ()),
    ("headline cut to a word", "Senators", BODY, True, ()),
]


@pytest.mark.parametrize(
    "title, body, headline, sentences", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_revision(title, body, headline, sentences) -> None:
    change = revision(TITLE, BODY, title, body)
    assert change == Revision(headline, sentences)
    assert change.material == (headline or bool(sentences))


def test_a_headline_only_item_gaining_a_body_is_material() -> None:
    change = revision(TITLE, "", TITLE, "Police said a suspect was arrested on Friday.")
    assert change.material and change.new_sentences


TOLL = "The blast killed 5 people at the plant. 7 workers were taken to hospital."

NUMBER_CASES = [
    # (what changed, old body, new body, new sentences): numbers are compared per sentence
    (
        "toll raised to a number said elsewhere",
        TOLL,
        TOLL.replace("killed 5", "killed 7"),
        ("The blast killed 7 people at the plant.",),
    ),
    (
        "a number moved to another sentence",
        TOLL,
        "The blast killed 7 people at the plant. 5 workers were taken to hospital.",
        (
            "The blast killed 7 people at the plant.",
            "5 workers were taken to hospital.",
        ),
    ),
    (
        "sentences reordered",
        TOLL,
        "7 workers were taken to hospital. " + TOLL.split(". ")[0] + ".",
        (),
    ),
    ("the same numbers", TOLL, TOLL + " Updated 10:42 a.m. EDT", ()),
    (
        "toll raised to a number a sentence sharing only 'the' has",
        "The blast killed 5 people at the plant. 7 workers were taken to the hospital.",
        "The blast killed 7 people at the plant. 7 workers were taken to the hospital.",
        ("The blast killed 7 people at the plant.",),
    ),
    (
        "a fact negated",
        "The driver was arrested at the scene.",
        "The driver was not arrested at the scene.",
        ("The driver was not arrested at the scene.",),
    ),
    (
        "two sentences joined into one",
        "The quake killed 5 people. 12 were hurt.",
        "The quake killed 5 people and 12 were hurt.",
        (),
    ),
]


@pytest.mark.parametrize(
    "old, new, sentences", [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES]
)
def test_a_number_or_negation_is_new_unless_an_earlier_sentence_says_it(
    old, new, sentences
) -> None:
    assert revision("Plant blast", old, "Plant blast", new) == Revision(False, sentences)


def _plain_adds_words(new: list[str], old_sentences: list[list[str]]) -> bool:
    """The rule as first written: every earlier sentence's words rebuilt for each new one."""
    from bot.revision import _FUNCTION_WORDS, _is_stamp, _typo_of

    def number(w: str) -> bool:
        return any(ch.isdigit() for ch in w)

    if not new or _is_stamp(new):
        return False
    everywhere = {w for s in old_sentences for w in s}
    mine = set(new)
    closest = max(old_sentences, key=lambda s: len(mine & set(s)), default=())
    words = {w for w in mine if not number(w) and w not in _FUNCTION_WORDS}
    near = {w for s in old_sentences if words & set(s) for w in s}
    added = [
        w
        for w in new
        if w not in _FUNCTION_WORDS and (w not in everywhere or (number(w) and w not in near))
    ]
    if not added:
        return False
    replaced = [w for w in closest if w not in mine]
    return any(not _typo_of(w, replaced) for w in added)


def _plain_revision(old_title: str, old_text: str, new_title: str, new_text: str) -> Revision:
    from bot.engine.outlet_labels import strip_outlet_suffix
    from bot.engine.sentences import split_sentences
    from bot.textnorm import tokens

    old_head = tokens(strip_outlet_suffix(old_title) or old_title)
    new_head = tokens(strip_outlet_suffix(new_title) or new_title)
    headline_changed = new_head != old_head and _plain_adds_words(new_head, [old_head])
    if not headline_changed and new_head != old_head:
        gone = set(old_head) - set(new_head)
        headline_changed = 2 * len(gone) > len(set(old_head))
    old_sentences = [tokens(s) for s in split_sentences(old_text)]
    fresh = tuple(
        s for s in split_sentences(new_text) if _plain_adds_words(tokens(s), old_sentences)
    )
    return Revision(headline_changed, fresh)


def test_a_revision_says_what_the_rule_applied_sentence_by_sentence_says() -> None:
    """The earlier version is worked out once per revision, not once per new sentence (a
    100 kB article took 3 s): the verdicts are those of the rule as first written."""
    import random

    rng = random.Random(5)
    pool = (BODY + " " + TOLL + " The driver was arrested at the scene. 12 were hurt.").split()
    pool += ["Senatros", "bipartisian", "²", "٣", "7th", "Updated", "10:42", "EDT", "not"]
    for _ in range(300):
        old = " ".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        words = old.split()
        edit = rng.randrange(4)
        if edit == 0 and words:  # a word replaced
            words[rng.randrange(len(words))] = rng.choice(pool)
        elif edit == 1:  # words added
            words += [rng.choice(pool) for _ in range(rng.randint(1, 12))]
        elif edit == 2:  # halves swapped
            words = words[len(words) // 2 :] + words[: len(words) // 2]
        else:  # sentences cut differently
            words = [w.rstrip(".") if rng.random() < 0.5 else w + "." for w in words]
        new = " ".join(words)
        title = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 8)))
        assert revision(TITLE, old, title, new) == _plain_revision(TITLE, old, title, new)


def _word(rng) -> str:
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7))


def test_a_long_revision_whose_every_sentence_changed_is_compared_in_linear_time() -> None:
    # Each new sentence was compared with every earlier one (its closest sentence, and
    # each of its numbers): 4,000 changed sentences (about 200 kB) took 9 s, twice as
    # many four times that; a feed may revise every item on every poll.
    import random
    import time

    rng = random.Random(11)
    n = 4000
    old = " ".join(f"Officials {_word(rng)} counted {i} {_word(rng)} cases." for i in range(n))
    new = " ".join(f"Officials {_word(rng)} counted {i + 1} {_word(rng)} cases." for i in range(n))

    started = time.process_time()
    change = revision(TITLE, old, TITLE, new)

    assert time.process_time() - started < 3
    assert change.material and len(change.new_sentences) == n


def test_a_long_sentence_whose_every_word_is_misspelt_is_compared_in_linear_time() -> None:
    # Each added word was compared, letter by letter, with every word the closest earlier
    # sentence lost: one sentence of 2,000 respelt words took 36 s.
    import random
    import time

    rng = random.Random(12)
    words = [_word(rng) for _ in range(2000)]
    old = " ".join(words) + "."
    new = " ".join(w[:-1] + ("b" if w[-1] == "a" else "a") for w in words) + "."

    started = time.process_time()
    change = revision(TITLE, old, TITLE, new)

    assert time.process_time() - started < 3
    assert change.material  # past its budget the comparison errs on the side of news
