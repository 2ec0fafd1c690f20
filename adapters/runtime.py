"""Process-wide tuning for the long-running storybot processes (``run``, ``worker``, ``poll``).

CPython's cyclic garbage collector runs a young-generation pass every 700 net container
allocations by default, and now and then a full pass over every tracked object. Judging
one item allocates thousands of short-lived containers (term dicts, score tuples, SQL
parameter rows) that reference counting frees at once, so with the default threshold the
collector runs many times per item and finds almost nothing (profiles of the engine
benchmark put it at about a fifth of the pipeline's time). Two standard service-level
measures, which together cut the benchmark's CPU time per item by about a tenth:

* :func:`gc.freeze` after start-up moves everything alive then (modules, the SQLAlchemy
  metadata and mappers, settings, the app's wiring) to a permanent generation that later
  passes no longer traverse. Those objects live as long as the process anyway.
* A young-generation threshold of ``GEN0_THRESHOLD`` instead of 700: passes are rarer, and
  each still finds the few real reference cycles. The older generations keep their
  defaults, so long-lived garbage is collected as before. The cost is that cyclic garbage
  waits a little longer: at most ``GEN0_THRESHOLD`` allocations' worth (a few MB).

Only the command line calls this, for the process it is about to run; library code, tests
and the demo leave the interpreter's defaults alone.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000


def tune_gc_for_service(gen0: int = GEN0_THRESHOLD) -> None:
    """Freeze the objects alive now and raise the young-generation GC threshold.

    Call once, after the app is built and before the service's loop starts.

    Args:
        gen0: Net container allocations between young-generation collections.
    """
    gc.collect()  # what is garbage now need not be frozen
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, gen2)
