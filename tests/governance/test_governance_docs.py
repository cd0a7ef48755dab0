"""docs/security.md shows the role matrix the API enforces."""

from __future__ import annotations

from pathlib import Path

from insightdesk.governance.roles import render_matrix

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_security_doc_matrix_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- matrix:start")
    block = text[text.index("\n", start) + 1 : text.index("<!-- matrix:end -->")]
    assert block == render_matrix(), (
        "docs/security.md is stale: paste insightdesk.governance.roles.render_matrix()"
    )
