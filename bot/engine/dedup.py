"""Near-duplicate (syndicated copy) detection with MinHash over word shingles.

A wire report reappears in many outlets with small edits: an outlet suffix on the
headline (" - Reuters", " | AP News"), boilerplate added or trimmed, a paragraph
dropped, tracking parameters on the URL. Readers want one alert per report, so the
engine marks later copies with the item they copy.

How:

* The body is reduced to word 4-shingles (lowercased, punctuation dropped). Two copies
  share most shingles even when paragraphs are added or dropped; two different articles
  about the same event share almost none, because independent writers do not produce
  the same four words in a row often. The resemblance is the Jaccard index of the
  shingle sets.
* The shingle set is sketched with *one-permutation MinHash* (one 64-bit hash per
  shingle, the minimum kept in each of ``bins`` bins, empty bins filled from their
  neighbour): the fraction of equal bins estimates the Jaccard index, at one hash per
  shingle instead of one per shingle and permutation.
* Candidates come from LSH banding of the sketch, so a lookup costs the same whatever
  the number of items indexed; the index keeps only the last ``cap`` items.
* Items without a usable body (headline-only feeds) fall back to the headline with its
  outlet suffix removed: equal normalised headlines, or a near-identical one of enough
  words, are copies. The canonical URL (no scheme, ``www.``, fragment or tracking
  parameters) also identifies a re-published item.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.engine.outlet_labels import strip_outlet_suffix
from bot.engine.words import letters_are_ascii, words_of
from bot.hostname import ascii_host

if TYPE_CHECKING:
    from bot.engine.config import EngineConfig

# letters and digits of any script (``\w`` without "_"), on text lowered by words_of; the
# ASCII form is the same on ASCII text, and faster
_WORDS = re.compile(r"[^\W_]+")
_WORDS_ASCII = re.compile(r"[a-z0-9]+")


def _lower_words(text: str) -> list[str]:
    if letters_are_ascii(text):
        return _WORDS_ASCII.findall(text.lower())
    return _WORDS.findall(words_of(text).lower())


_TRACKING = re.compile(
    r"^(utm_|fbclid$|gclid$|mc_|cmpid$|ocid$|ref$|src$|smid$|taid$|_ga$|rss$|feed)"
)
_MASK = (1 << 64) - 1
_EMPTY = (1 << 16) - 1


def canonical_url(url: str | None) -> str | None:
    """Normalise a URL for identity: no scheme, ``www.``, port 80, fragment or trackers.

    An internationalised host is in its ASCII form (:func:`bot.hostname.ascii_host`).

    Args:
        url: A URL or None.

    Returns:
        ``host/path?sorted-query`` in lower case for host, or None.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = ascii_host(parts.hostname or "").removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())]
    q = urlencode(sorted(query))
    return f"{host}{path}" + (f"?{q}" if q else "")


# a newsroom label before a headline that says how the report is filed, not what it says
# ("UPDATE: Man shot on Main St", "BREAKING NEWS - ..."): a re-filed headline is a copy
_LABEL_WORDS = (
    r"update[ds]?|breaking(?: news)?|developing(?: story)?|just in|watch|video|live|exclusive"
)
_LABEL = re.compile(
    rf"^\s*(?:\[\s*(?:{_LABEL_WORDS})\s*\]|(?:{_LABEL_WORDS})(?=\s*:|\s+[|\-—–]\s))"
    r"\s*(?:[:|\-—–]\s*)?",
    re.IGNORECASE,
)


def title_key(title: str) -> str:
    """The headline reduced for comparison: outlet suffix and filing label removed, words
    lowercased."""
    prev = None
    while prev != title:  # labels stack up: "[VIDEO] UPDATE: ..."
        prev, title = title, _LABEL.sub("", title, count=1)
    return " ".join(_lower_words(strip_outlet_suffix(title)))


@dataclass(frozen=True)
class Fingerprint:
    """What the copy detector keeps of an item."""

    sig: tuple[int, ...]  # one-permutation MinHash, () when the body is too short
    title: str  # normalised headline
    url: str | None  # canonical URL
    size: int = 0  # number of distinct shingles


def _h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")


def minhash(text: str, bins: int = 64, shingle: int = 4) -> tuple[tuple[int, ...], int]:
    """One-permutation MinHash of the word shingles of ``text``.

    Args:
        text: A body text.
        bins: Signature length.
        shingle: Words per shingle.

    Returns:
        ``(signature, n_shingles)``: ``bins`` 16-bit values, or () when the text has
        fewer than ``2 * shingle`` words.
    """
    words = _lower_words(text)
    if len(words) < 2 * shingle:
        return (), 0
    mins = [_MASK] * bins
    # the distinct shingles (each window of ``shingle`` words); the minima do not depend
    # on the order in which they are hashed
    seen = set(map(" ".join, zip(*(words[k:] for k in range(shingle)), strict=False)))
    blake2b = hashlib.blake2b
    from_bytes = int.from_bytes
    # hashed in one comprehension, then binned: the same values as _h64 of each, for less
    hashes = [
        from_bytes(blake2b(data, digest_size=8).digest(), "little")
        for data in map(str.encode, seen)
    ]
    for h in hashes:
        b = h % bins
        v = h >> 48
        if v < mins[b]:
            mins[b] = v
    if _MASK not in mins:
        # no bin empty (most bodies): each value is its own, as the rotation below
        # leaves it (k = 0, and a value of 16 bits is its own & _EMPTY)
        return tuple(mins), len(seen)
    # densify: an empty bin borrows the next non-empty bin's value (rotation), so two
    # sketches of similar sets still agree on it
    out = []
    for b in range(bins):
        k = 0
        while mins[(b + k) % bins] == _MASK:
            k += 1
        out.append((mins[(b + k) % bins] + k) & _EMPTY)
    return tuple(out), len(seen)


def fingerprint(title: str, text: str, url: str | None, bins: int = 64) -> Fingerprint:
    """Compute the copy detector's view of an item.

    Args:
        title: Headline.
        text: Body (may be empty).
        url: Link, if any.
        bins: MinHash signature length.

    Returns:
        The fingerprint.
    """
    sig, size = minhash(text, bins)
    return Fingerprint(sig, title_key(title), canonical_url(url), size)


def resemblance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard index of two MinHash signatures (0 if either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    # the number of equal bins (True counts 1); the lengths were checked above
    return sum(map(operator.eq, a, b)) / len(a)


def containment(jaccard: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller shingle set found in the larger one.

    From ``J = |A∩B| / |A∪B|`` and the set sizes: ``|A∩B| = J (|A| + |B|) / (1 + J)``.

    Args:
        jaccard: Estimated Jaccard index.
        size_a: Shingles in A.
        size_b: Shingles in B.

    Returns:
        The containment of the smaller set, in [0, 1] (0 when a size is unknown).
    """
    small = min(size_a, size_b)
    if small <= 0:
        return 0.0
    return min(1.0, jaccard * (size_a + size_b) / (1 + jaccard) / small)


@functools.lru_cache(maxsize=256)
def _band_keys(sig: tuple[int, ...], rows: int) -> tuple[str, ...]:
    # Memoised: every tracked story's index looks up (and may add) the same item's
    # signature, so its LSH band keys are formatted once an item, not once a story.
    return tuple(f"{i}:" + ",".join(map(str, sig[i : i + rows])) for i in range(0, len(sig), rows))


class CopyIndex:
    """A capped LSH index of fingerprints answering "which earlier item does this copy?"."""

    def __init__(
        self,
        cap: int = 300,
        rows: int = 2,
        min_resemblance: float = 0.5,
        min_title_words: int = 5,
        min_containment: float = 0.8,
    ) -> None:
        self.min_containment = min_containment
        self.cap = cap
        self.rows = rows
        self.min_resemblance = min_resemblance
        self.min_title_words = min_title_words
        self._items: OrderedDict[int, Fingerprint] = OrderedDict()
        self._bands: dict[str, list[int]] = {}
        self._titles: dict[str, list[int]] = {}
        self._urls: dict[str, list[int]] = {}

    @classmethod
    def from_config(cls, config: EngineConfig) -> CopyIndex:
        """An index with the engine configuration's caps and thresholds."""
        return cls(
            config.copy_index_cap,
            config.lsh_rows,
            config.copy_resemblance,
            config.copy_title_words,
            config.copy_containment,
        )

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._items

    def _band_keys(self, sig: tuple[int, ...]) -> tuple[str, ...]:
        return _band_keys(sig, self.rows)

    def find(self, fp: Fingerprint) -> tuple[int, float, str] | None:
        """Find the earliest indexed item that ``fp`` copies.

        Args:
            fp: The new item's fingerprint.

        Returns:
            ``(item_id, resemblance, how)`` with ``how`` one of "body", "title", "url";
            or None.
        """
        best: tuple[int, float, str] | None = None
        if fp.sig:
            # the items sharing a band with it (every tracked story looks each item up)
            cands = chain.from_iterable(map(self._bands.get, self._band_keys(fp.sig), repeat(())))
            for cid in sorted(set(cands)):
                other = self._items[cid]
                r = resemblance(fp.sig, other.sig)
                c = containment(r, fp.size, other.size)
                # a trimmed copy or an excerpt has a low Jaccard index with the full text
                # but is (almost) contained in it
                is_copy = r >= self.min_resemblance or c >= self.min_containment
                if is_copy and (best is None or r > best[1]):
                    best = (cid, r, "body")
            if best is not None:
                return best
        if fp.url and fp.url in self._urls:
            return (self._urls[fp.url][0], 1.0, "url")
        words = fp.title.split()
        if len(words) >= self.min_title_words and fp.title in self._titles:
            for cid in self._titles[fp.title]:
                other = self._items[cid]
                # with two bodies the body decides: equal headlines over different
                # bodies are recurring headlines ("2 shot in Chicago"), not copies
                if not (fp.sig and other.sig):
                    return (cid, 1.0, "title")
        return None

    def add(self, item_id: int, fp: Fingerprint) -> None:
        """Index an item, evicting the oldest beyond the cap.

        Args:
            item_id: The item's id.
            fp: Its fingerprint.
        """
        if item_id in self._items:
            return
        self._items[item_id] = fp
        if fp.sig:
            for key in self._band_keys(fp.sig):
                self._bands.setdefault(key, []).append(item_id)
        if fp.title:
            self._titles.setdefault(fp.title, []).append(item_id)
        if fp.url:
            self._urls.setdefault(fp.url, []).append(item_id)
        while len(self._items) > self.cap:
            old_id, old = self._items.popitem(last=False)
            self._forget(old_id, old)

    def discard(self, item_id: int) -> None:
        """Take an item out of the index, if it is in it."""
        fp = self._items.pop(item_id, None)
        if fp is not None:
            self._forget(item_id, fp)

    def _forget(self, item_id: int, fp: Fingerprint) -> None:
        keyed = [(self._titles, fp.title), (self._urls, fp.url)]
        keyed += [(self._bands, k) for k in (self._band_keys(fp.sig) if fp.sig else [])]
        for table, key in keyed:
            if not key:
                continue
            ids = table.get(key)
            if ids and item_id in ids:
                ids.remove(item_id)
                if not ids:
                    del table[key]

    def to_state(self) -> list[list[Any]]:
        """JSON-serialisable entries, oldest first: ``[id, sig-hex, title, url, size]``."""
        return [
            [i, "".join(f"{v:04x}" for v in fp.sig), fp.title, fp.url, fp.size]
            for i, fp in self._items.items()
        ]

    def load_state(self, entries: list[Any]) -> None:
        """Re-index entries produced by :meth:`to_state` (an entry saved before shingle
        counts were kept has none: its size is unknown, 0, as ``containment`` allows)."""
        for i, sig_hex, title, url, *size in entries:
            sig = tuple(int(sig_hex[k : k + 4], 16) for k in range(0, len(sig_hex), 4))
            self.add(int(i), Fingerprint(sig, title, url, int(size[0]) if size else 0))

    @staticmethod
    def describe(fp: Fingerprint) -> Mapping[str, Any]:
        """A short JSON-able description of a fingerprint for decision reasons."""
        return {"title": fp.title, "url": fp.url, "has_body": bool(fp.sig)}


class FirstReports:
    """The first report of each syndicated text among the stream's recent items.

    A story's copy index only holds items on-topic for that story; this one holds every
    item it is shown, so that a wire report printed by several outlets is known as one
    text whether or not any story follows it (keyword notices are sent once per text).
    Each item is answered with the id of the earliest item of its copy cluster: a copy of
    a copy names the same first report as its original did. Bounded: the index keeps the
    last ``cap`` items, and the cluster links only copies still indexed.
    """

    def __init__(self, index: CopyIndex) -> None:
        """Wrap an empty copy index (its ``cap`` bounds the memory)."""
        self._index = index
        # copy id -> first report of its cluster, oldest first; originals are not listed
        self._first: OrderedDict[int, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._index)

    def first_report(self, item_id: int, fp: Fingerprint) -> int:
        """Index an item and tell which earlier item first carried its text.

        An item indexed already gets the answer it got then, so judging an item again
        (a cycle re-run after a crash) names the same first report.

        Args:
            item_id: The item's id.
            fp: Its fingerprint.

        Returns:
            The id of the first report of its copy cluster; ``item_id`` itself when no
            indexed item carries the same text.
        """
        if item_id in self._index:
            return self._first.get(item_id, item_id)
        found = self._index.find(fp)
        self._index.add(item_id, fp)
        if found is None:
            return item_id
        first = self._first.get(found[0], found[0])
        self._first[item_id] = first
        # a copy older than the last ``cap`` copies has left the index already
        while len(self._first) > self._index.cap:
            self._first.popitem(last=False)
        return first
