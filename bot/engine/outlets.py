"""What an outlet always says: its template, discounted when a whole stream is clustered.

Scraped article bodies carry the outlet's page furniture ("Close Get email notifications
on ... daily!", "KSLA News 12 Shreveport, Louisiana | News, Weather, Sports") and its
home town in every piece. Two reports of *different* events from one outlet therefore
look alike, and that is the main source of wrong merges when local news about incidents
of one kind (shootings) is clustered into events. Two signals, both learned online from
the outlet's own earlier items (no look-ahead):

* **Template lines**: a body line (whitespace-normalised, case-folded) that the same
  outlet already printed in an earlier item is dropped before the item's terms are
  counted. The headline is never dropped. Exact copies are unaffected: they are found by
  the copy index on the full text.
* **Outlet term share**: a term's weight is multiplied by
  ``1 - discount * df_outlet(t) / (n_outlet + prior)``, the share of the outlet's earlier
  items that contain it, smoothed so that an outlet's first few items are barely touched.

Headline terms are then boosted (``dev_title_boost``): the headline names the event,
the body often does not.

The same memory says which of an item's capitalised phrases (full names, street and
place names: "Codarrell Lee", "Pleasant Oak Road") are *marks* of its event rather than
of its outlet (:meth:`OutletMemory.marks`): those the outlet printed in at most one
earlier item. One earlier item is allowed because an outlet's own follow-up repeats the
names of its first report; its name, station and home town recur in most of its items.
Marks let a late report revive a retired event (:mod:`bot.engine.archive`).

Memory is bounded: at most ``max_outlets`` outlets (least recently seen forgotten), each
remembering at most ``max_lines`` lines and ``max_terms`` terms.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable

from bot.engine.config import EngineConfig
from bot.engine.item_terms import term_counts
from bot.engine.termstats import Vector, tf_vector, unit

_PRIOR_ITEMS = 3.0  # pseudo-items of an outlet that contain no term
_MARK_MAX_REPEATS = 1  # earlier items of the outlet a mark may appear in


class _Outlet:
    def __init__(self) -> None:
        self.n_items = 0
        self.terms: Counter[str] = Counter()
        self.lines: OrderedDict[str, None] = OrderedDict()


def _line_key(line: str) -> str:
    return " ".join(line.split()).casefold()


class OutletMemory:
    """Per-outlet memory of lines and term counts, for stream event clustering."""

    def __init__(
        self,
        config: EngineConfig,
        max_outlets: int = 5000,
        max_lines: int = 2000,
        max_terms: int = 5000,
    ) -> None:
        """Create an empty memory.

        Args:
            config: Engine configuration (``title_weight``, ``dev_title_boost``,
                ``dev_source_discount``).
            max_outlets: Outlets remembered.
            max_lines: Lines remembered per outlet.
            max_terms: Terms counted per outlet.
        """
        self.config = config
        self.max_outlets = max_outlets
        self.max_lines = max_lines
        self.max_terms = max_terms
        self._outlets: OrderedDict[str, _Outlet] = OrderedDict()

    def strip_template(self, source: str | None, text: str) -> str:
        """The body without the lines this outlet printed in earlier items.

        Args:
            source: The outlet (feed host); None or empty means unknown.
            text: The body.

        Returns:
            The remaining lines, in order.
        """
        outlet = self._outlets.get(source) if source else None
        if outlet is None:
            return text
        return "\n".join(
            ln for ln in text.splitlines() if ln.strip() and _line_key(ln) not in outlet.lines
        )

    def vector(
        self, source: str | None, title: str, text: str, title_terms: Iterable[str]
    ) -> Vector:
        """An item's unit vector for event clustering.

        Args:
            source: The outlet.
            title: The headline.
            text: The body (template lines are removed here).
            title_terms: The headline's terms (their weight is multiplied by
                ``dev_title_boost``).

        Returns:
            The unit term vector (empty when the item has no terms).
        """
        cfg = self.config
        body = self.strip_template(source, text)
        counts, _ = term_counts(title, body, title_weight=cfg.title_weight)
        vec = tf_vector(counts)
        heads = set(title_terms)
        if cfg.dev_title_boost != 1.0:
            vec = {t: v * cfg.dev_title_boost if t in heads else v for t, v in vec.items()}
        outlet = self._outlets.get(source) if source else None
        if outlet is not None and cfg.dev_source_discount:
            scale = cfg.dev_source_discount / (outlet.n_items + _PRIOR_ITEMS)
            vec = {t: v * (1.0 - scale * outlet.terms.get(t, 0)) for t, v in vec.items()}
        return unit(vec)

    def marks(self, source: str | None, entities: Iterable[str]) -> list[str]:
        """An item's marks: its capitalised phrases that its outlet does not print habitually.

        Phrases only (terms joined by ``_``): a shared full name or street name is strong
        evidence of one event, a shared first name, county or number is not.

        Args:
            source: The outlet; unknown means every phrase is a mark.
            entities: The item's entity-like terms (:func:`bot.engine.item_terms.term_counts`).

        Returns:
            The phrases found in at most ``_MARK_MAX_REPEATS`` earlier items of the
            outlet, sorted.
        """
        phrases = {e for e in entities if "_" in e}
        outlet = self._outlets.get(source) if source else None
        if outlet is None:
            return sorted(phrases)
        seen = outlet.terms
        return sorted(e for e in phrases if seen.get(e, 0) <= _MARK_MAX_REPEATS)

    def add(self, source: str | None, text: str, terms: Iterable[str]) -> None:
        """Remember an item of an outlet (after it has been placed).

        Args:
            source: The outlet; nothing is remembered when unknown.
            text: The item's full body.
            terms: The item's terms (each counted once).
        """
        if not source:
            return
        outlet = self._outlets.get(source)
        if outlet is None:
            outlet = self._outlets[source] = _Outlet()
            while len(self._outlets) > self.max_outlets:
                self._outlets.popitem(last=False)
        else:
            self._outlets.move_to_end(source)
        outlet.n_items += 1
        outlet.terms.update(set(terms))
        if len(outlet.terms) > self.max_terms:
            keep = sorted(outlet.terms.items(), key=lambda kv: (-kv[1], kv[0]))
            outlet.terms = Counter(dict(keep[: int(self.max_terms * 0.8)]))
        for ln in text.splitlines():
            if ln.strip():
                key = _line_key(ln)
                outlet.lines[key] = None
                outlet.lines.move_to_end(key)
        while len(outlet.lines) > self.max_lines:
            outlet.lines.popitem(last=False)
