"""What the server is doing with an upload, for the upload page's progress bar.

The browser knows how many bytes it has sent; after that only the server knows: waiting for the
upload before it, reading and validating, merging, done or failed. The page names its upload with
a random `upload_id` form field (sent before the file) and polls
`GET /api/v1/ingest/progress/{upload_id}`. Entries belong to the account that uploaded (another
account reads nothing), live 10 minutes, and at most 1,000 are kept (the oldest go first).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
TTL_S = 600.0
MAX_ENTRIES = 1000


@dataclass
class UploadState:
    phase: str  # receiving, queued, the ingest's stage (read + validate, validate, merge), done, failed
    fraction: float  # of the server's work, 0..1 (receiving counts as 0)
    message: str = ""
    batch_id: str | None = None
    updated: float = 0.0


class UploadProgress:
    """A small, thread-safe table of upload states keyed by (account, upload id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: OrderedDict[tuple[str, str], UploadState] = OrderedDict()

    def update(
        self,
        owner: str,
        upload_id: str | None,
        phase: str,
        fraction: float,
        message: str = "",
        batch_id: str | None = None,
    ) -> None:
        if not upload_id:
            return
        now = time.monotonic()
        with self._lock:
            self._states[(owner, upload_id)] = UploadState(phase, round(fraction, 3), message, batch_id, now)
            self._states.move_to_end((owner, upload_id))
            while len(self._states) > MAX_ENTRIES:
                self._states.popitem(last=False)
            for key in [k for k, s in self._states.items() if now - s.updated > TTL_S]:
                del self._states[key]

    def get(self, owner: str, upload_id: str) -> UploadState | None:
        with self._lock:
            state = self._states.get((owner, upload_id))
        if state is None or time.monotonic() - state.updated > TTL_S:
            return None
        return state


PROGRESS = UploadProgress()
