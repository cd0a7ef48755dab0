"""What the insight features share, and the only thing they may share (the import contract).

- `features`: the per-ticket feature frame (attributes, experience, text signals, outcomes) that
  drivers, risk and impact read, with its column conventions (missing level, heavy-tailed numbers);
- `runs`: persistence every feature uses: run ids, the `insight_runs` row written in the same
  transaction as the results, JSON and nullable number columns, query results as frames;
- `threads`: one BLAS/OpenMP thread for the statistics and models.
"""

from __future__ import annotations

from insightdesk.insights.common.runs import plain, to_json

__all__ = ["plain", "to_json"]
