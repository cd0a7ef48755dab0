"""Small hand-made source files for ingestion tests (generic profile)."""

from __future__ import annotations

import gzip
from pathlib import Path

TICKETS_CSV = """id,type,channel,subject,status,priority,customer_id,team_id,created_at,first_response_at,resolved_at,reopen_count
T1,incident,email,Printer broken,resolved,high,C1,G1,2026-01-05T09:00:00Z,2026-01-05T09:30:00Z,2026-01-05T12:00:00Z,0
T2,service_request,chat,Need access,open,medium,C2,G1,2026-01-06 10:00:00,,,0
T3,incident,pigeon,Bad channel,open,low,C1,G2,2026-01-07T08:00:00+01:00,,,1
T4,incident,phone,Bad time,open,low,C3,G2,yesterday,,,0
T5,incident,phone,"Multi
line subject",open,low,C3,G2,2026-01-08T08:00:00+01:00,,,x
T6,question,web,Fine,new,low,C3,G2,2026-01-09T08:00:00-05:00,,,0
"""

FEEDBACK_CSV = """id,scale,score,comment,ticket_id,answered_at
F1,csat,5,Great,T1,2026-01-06T10:00:00Z
F2,nps,11,Too high,T1,2026-01-06T10:00:00Z
F3,csat,2,Unknown ticket,T99,2026-01-06T10:00:00Z
F4,ces,3,,T2,2026-01-07T10:00:00Z
F5,nps,0,Terrible,T6,2026-01-07T10:00:00Z
"""


def write(tmp: Path, name: str, text: str, *, encoding: str = "utf-8", gz: bool = False) -> Path:
    path = tmp / (name + (".gz" if gz else ""))
    data = text.encode(encoding)
    if gz:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path
