"""Process-wide settings made once, at the start of every `insightdesk` process.

The garbage collector: InsightDesk imports large libraries (Ibis, sqlglot, pandas, scikit-learn,
FastAPI) and then builds and compiles query expressions, which allocate hundreds of thousands of
short-lived container objects. With CPython's defaults (a pass every 700 net allocations) a
process running the metrics and insights tests made about 7,000 passes in two minutes, and every
full pass walked the whole import-time heap: 10% of its CPU (18.7 s of 181 s, measured with
`gc.callbacks`; 4.9 s with the settings below). The import-time objects live as long as the
process, so they are frozen out of the collector's reach, and the youngest generation holds more
objects before a pass. Reference cycles are still collected, only in fewer, larger passes.
"""

from __future__ import annotations

import gc

# Objects allocated (net) before a pass over the youngest generation; then how many passes of one
# generation before the next is walked. CPython's defaults are (700, 10, 10).
GC_THRESHOLDS = (20_000, 20, 20)


def tune_garbage_collector() -> None:
    """Freeze what is allocated so far (imports, registries) and collect in larger steps.

    No collection first: imports leave next to no garbage, and a full pass over them costs 0.14 s,
    which every command would pay at start.
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
