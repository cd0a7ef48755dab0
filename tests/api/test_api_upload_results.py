"""What an upload answers (issue 16, item 7): the kind chosen or detected from the columns and said
so, every rejection's line, field and reason, all rejected rows as a formula-safe CSV (audited),
and the server's processing state under the upload's own name."""

from __future__ import annotations

import csv
import io
import secrets
import uuid

from tests.support.web_server import LiveServer


def _teams_csv(team: str) -> bytes:
    # Line 3: an unknown tier; line 4: a formula in the name and an unknown tier too.
    return (
        "id,name,support_tier\n"
        f"{team},Upload team,L2\n"
        f"{team}-bad,Bad tier,L9\n"
        f'{team}-evil,"=HYPERLINK(""http://x"")",L7\n'
    ).encode()


def test_kind_is_detected_rejections_are_listed_and_downloadable(server: LiveServer) -> None:
    team = f"T-{uuid.uuid4().hex[:6]}"
    upload_id = secrets.token_urlsafe(12)
    with server.client("admin") as c:
        r = c.post(
            "/api/v1/ingest",
            data={"kind": "auto", "upload_id": upload_id},
            files={"file": ("teams.csv", _teams_csv(team), "text/csv")},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["kind"] == "teams" and body["kind_detected"]
        assert "3 of the file's 3 columns are teams fields" in body["kind_note"]
        assert (body["received"], body["accepted"], body["rejected"]) == (3, 1, 2)
        assert [(x["line"], x["field"]) for x in body["rejections"]] == [
            (3, "support_tier"),
            (4, "support_tier"),
        ]
        assert all("support_tier" in x["reason"] or x["value"] in x["reason"] for x in body["rejections"])
        assert body["rejections"][0]["record_key"] == f"{team}-bad"

        progress = c.get(f"/api/v1/ingest/progress/{upload_id}").json()
        assert progress["phase"] == "done" and progress["batch_id"] == body["batch_id"]
        assert progress["fraction"] == 1.0
        with server.client("analyst") as other:  # another account does not see this upload
            assert other.get(f"/api/v1/ingest/progress/{upload_id}").status_code == 404

        download = c.get(body["rejected_csv"])
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert [r["id"] for r in rows] == [f"{team}-bad", f"{team}-evil"]
        assert list(rows[0])[:3] == ["id", "name", "support_tier"]
        assert [r["rejected_line"] for r in rows] == ["3", "4"] and rows[0][
            "rejected_field"
        ] == "support_tier"
        # A spreadsheet shows the formula as text: the cell starts with a quote.
        assert rows[1]["name"] == '\'=HYPERLINK("http://x")'
        log = c.get("/api/v1/audit", params={"action": "export", "limit": 5}).json()["items"]
        assert any(e["target"] == "quarantine" and body["batch_id"] in str(e["record_ids"]) for e in log)
        assert c.get("/api/v1/ingest/no-such-batch/rejected.csv").status_code == 404


def test_columns_that_fit_no_kind_ask_the_user_to_choose(server: LiveServer) -> None:
    with server.client("admin") as c:
        r = c.post(
            "/api/v1/ingest",
            data={"kind": "auto"},
            files={"file": ("odd.csv", b"colour,size\nred,4\n", "text/csv")},
        )
        error = r.json()["error"]
        assert r.status_code == 422 and error["code"] == "kind_not_detected", r.text
        assert "choose the kind" in error["message"]
        vendor = c.post(
            "/api/v1/ingest",
            data={"kind": "auto", "profile": "zendesk"},
            files={"file": ("users.jsonl", b'{"id": 1, "name": "A"}\n', "application/json")},
        )
        assert vendor.status_code == 422 and "choose the kind" in vendor.json()["error"]["message"]
        bad_id = c.post(
            "/api/v1/ingest",
            data={"kind": "teams", "upload_id": "no spaces!"},
            files={"file": ("t.csv", b"id,name\nx,y\n", "text/csv")},
        )
        assert bad_id.status_code == 422
