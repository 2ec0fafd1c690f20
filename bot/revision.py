"""Whether an item updated in place says something new (a *material* revision).

Outlets edit articles after publishing them: a typo fixed, a timestamp line bumped, a
tracking parameter or markup changed, or a real development ("UPDATE: a suspect was
arrested" appended, a headline rewritten). The store records every text change as a new
version (:mod:`storage.items`); only a material one is worth judging again
(:meth:`bot.pipeline.Pipeline.rejudge_updates`), since judging again can edit posted
alerts and send keyword notices.

A revision is material when

* the headline changed in words: not only in whitespace, case, punctuation, the
  outlet suffix (" - WRAL") or a misspelt word, or
* the body holds a sentence the earlier version did not: one with a word that no
  sentence of the earlier version has, where a word spelt almost like one it replaced
  (a typo fixed) and a sentence made only of date and time words (an "Updated 10:42
  a.m. EDT" line) do not count.

A changed number is a changed fact (a death toll "5" becoming "7"), so numbers count,
except in a date/time line, and count per sentence: a number the closest earlier sentence
lacks is new even when another sentence of the earlier version has it. The test works on the words only (:func:`bot.textnorm.tokens`),
so markup, spacing and case never make a revision material.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.sentences import split_sentences
from bot.engine.stopwords import STOPWORDS
from bot.textnorm import tokens

# words of a dateline or "updated" stamp: a sentence of these (and numbers) only is a stamp
_STAMP_WORDS = frozenset(
    """
    updated update published posted modified last edited am pm a m p m gmt utc bst cet cest
    est edt cst cdt mst mdt pst pdt et ct mt pt at on by
    jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june
    july august september october november december
    mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday
    saturday sunday today yesterday
    """.split()
)
# Function words ("and", "were") join and rephrase sentences without news; a negation
# turns a fact around ("was arrested" → "was not arrested"), so it counts.
_FUNCTION_WORDS = STOPWORDS - {"not", "no", "never", "nor", "without"}
_TYPO_RATIO = 0.8  # a word this close in spelling to one it replaced is the same word
_TYPO_MIN_LEN = 4  # shorter words differ by one letter and mean something else


@dataclass(frozen=True)
class Revision:
    """What an update of an item changed, as far as news goes.

    Attributes:
        headline_changed: The headline changed in words.
        new_sentences: The sentences of the new body the earlier one did not hold, in
            order (:func:`revision` says what counts).
    """

    headline_changed: bool
    new_sentences: tuple[str, ...]

    @property
    def material(self) -> bool:
        """Whether the update is worth judging again."""
        return self.headline_changed or bool(self.new_sentences)


def _is_stamp(words: Sequence[str]) -> bool:
    return all(w in _STAMP_WORDS or _is_number(w) for w in words)


def _typo_of(word: str, replaced: Sequence[str], earlier: _Earlier | None = None) -> bool:
    # ``earlier`` counts the spellings compared against its budget (``_SPELLINGS_MAX``)
    if len(word) < _TYPO_MIN_LEN or word.isdigit():
        return False
    for old in replaced:
        # ratio() is at most 2 * min(lengths) / (sum of lengths): skip what cannot reach it
        if len(old) < _TYPO_MIN_LEN or 2 * min(len(word), len(old)) < _TYPO_RATIO * (
            len(word) + len(old)
        ):
            continue
        if earlier is not None:
            earlier.spellings += 1
            if earlier.spellings > _SPELLINGS_MAX:
                return False  # past the budget: a word the text lacked is new
        if SequenceMatcher(None, word, old).ratio() >= _TYPO_RATIO:
            return True
    return False


def _is_number(word: str) -> bool:
    # a word of letters only (most words) has no digit: no character is both
    return not word.isalpha() and any(ch.isdigit() for ch in word)


# Work one revision may do on its comparisons: earlier sentences looked at (through the
# word index) and spellings compared (each about 0.1 s of CPU in all). An edit of an
# article (a paragraph added, sentences reworded, even in a 100 kB text) stays well
# below; past it (a feed rewriting every sentence of a huge body, maybe on every poll)
# the comparisons stop refining: a word no earlier sentence has is new, respelt or not,
# and a number is new unless it was found by then. So the cost stays linear in the
# text, and such a revision errs on the side of being judged again.
_LOOKUPS_MAX = 2_000_000
_SPELLINGS_MAX = 20_000


class _Earlier:
    """The earlier version's sentences, as :func:`_adds_words` compares each new one with.

    Worked out once per version, not once per new sentence: rebuilding every earlier
    sentence's word set for each new one made the test quadratic (a 100 kB article's
    revision took 3 s of CPU, now 75 ms). Sentences are found through an index of
    their words, not by scanning them all for each new sentence (quadratic too: 4,000
    rewritten sentences took 9 s), within a budget (``_LOOKUPS_MAX``).
    """

    def __init__(self, sentences: Sequence[Sequence[str]]) -> None:
        self.sentences = tuple(sentences)  # each sentence's words, in order
        self.sets = tuple(frozenset(s) for s in self.sentences)  # the same, as sets
        self.everywhere: frozenset[str] = frozenset().union(*self.sets)
        self._having: dict[str, list[int]] = {}  # word -> the sentences having it, in order
        for i, words in enumerate(self.sets):
            for w in words:
                self._having.setdefault(w, []).append(i)
        self._lookups = 0
        self.spellings = 0  # spellings compared (see _typo_of)

    @classmethod
    def of(cls, sentences: Sequence[Sequence[str]]) -> _Earlier:
        return cls(sentences)

    def _spend(self, n: int) -> bool:
        self._lookups += n
        return self._lookups <= _LOOKUPS_MAX

    def closest(self, mine: set[str]) -> Sequence[str]:
        """The first earlier sentence sharing most words with ``mine`` (none: ``()``).

        Past the budget: ``()``, as if there were none (no word counts as respelt).
        """
        if not self.sets:
            return ()
        shared: Counter[int] = Counter()
        for w in mine:
            having = self._having.get(w)
            if having:
                if not self._spend(len(having)):
                    return ()
                shared.update(having)
        if not shared:
            return self.sentences[0]  # none shares a word: the first, as max() gives
        best = max(shared.items(), key=lambda kv: (kv[1], -kv[0]))[0]
        return self.sentences[best]

    def near(self, number: str, words: set[str]) -> bool:
        """Whether an earlier sentence sharing one of ``words`` has ``number``.

        Past the budget: False (the number counts as new).
        """
        for i in self._having.get(number, ()):
            if not self._spend(1):
                return False
            if not words.isdisjoint(self.sets[i]):
                return True
        return False


def _adds_words(new: Sequence[str], earlier: _Earlier) -> bool:
    """Whether a sentence's words say something no earlier sentence did.

    It is compared with the earlier sentence sharing most of its words: a word of it
    not in that sentence, nor anywhere in the earlier text, and no respelling of a word
    that sentence lost, is new. A number is new unless an earlier sentence sharing a
    word with this one (other than numbers and function words) has it: "killed 7" is news after "killed 5",
    even if another sentence said that 7 workers were taken to hospital. Function words
    (stop words but negations) are never new on their own: two sentences joined into
    one ("killed 5 people. 12 were hurt." → "killed 5 people and 12 were hurt") say
    nothing new.
    """
    if not new or _is_stamp(new):
        return False
    everywhere = earlier.everywhere
    mine = set(new)
    words = {w for w in mine if not _is_number(w) and w not in _FUNCTION_WORDS}
    added = [
        w
        for w in new
        if w not in _FUNCTION_WORDS
        and (w not in everywhere or (_is_number(w) and not earlier.near(w, words)))
    ]
    if not added:
        return False
    replaced = [w for w in earlier.closest(mine) if w not in mine]
    return any(not _typo_of(w, replaced, earlier) for w in added)


def revision(old_title: str, old_text: str, new_title: str, new_text: str) -> Revision:
    """Compare two versions of an item (headline and body each).

    Args:
        old_title: The headline of the version judged before.
        old_text: Its body (may be empty: a headline-only item).
        new_title: The headline of the new version.
        new_text: Its body.

    Returns:
        The :class:`Revision`; ``material`` says whether to judge the item again.
    """
    old_head = tokens(strip_outlet_suffix(old_title) or old_title)
    new_head = tokens(strip_outlet_suffix(new_title) or new_title)
    headline_changed = new_head != old_head and _adds_words(new_head, _Earlier.of([old_head]))
    if not headline_changed and new_head != old_head:
        # words dropped or reordered only: a rewrite when most of the headline went
        gone = set(old_head) - set(new_head)
        headline_changed = 2 * len(gone) > len(set(old_head))
    earlier = _Earlier.of([tokens(s) for s in split_sentences(old_text)])
    fresh = tuple(s for s in split_sentences(new_text) if _adds_words(tokens(s), earlier))
    return Revision(headline_changed, fresh)
