"""The closed loop over HTTP on the served sample: a rule saved, dry-run over the sample's history,
activated after a second person's approval; the inbox within each role's scope."""

from __future__ import annotations

RULE = """
rule: sample-detractors
event: feedback_received
when: {all: [{field: satisfaction, op: eq, value: low}]}
actions:
  - {type: task, kind: callback, title: "Call back about {ticket_id}", owner: team_lead, due_business_hours: 8}
"""


def test_rule_lifecycle_and_inbox_over_http(server):
    with (
        server.client("analyst") as analyst,
        server.client("admin") as admin,
        server.client("agent") as agent,
    ):
        saved = analyst.post("/api/v1/actions/rules", json={"spec": RULE})
        assert saved.status_code == 201, saved.text
        assert saved.json()["status"] == "draft"
        bad = analyst.post("/api/v1/actions/rules", json={"spec": "rule: x\nevent: nope\nactions: []"})
        assert bad.status_code == 422 and "field" in bad.json()["error"]["message"]
        dry = analyst.post("/api/v1/actions/rules/sample-detractors/dry-run", json={"days": 30}).json()
        assert dry["events"] > 0 and 0 < dry["matched"] < dry["events"] and dry["examples"]
        # The sample's dry-run contacts more customers than the bulk limit: a second person approves.
        asked = analyst.post("/api/v1/actions/rules/sample-detractors/versions/1/activate").json()
        assert asked["status"] == ("awaiting_approval" if dry["customers"] > 50 else "active")
        if asked["status"] == "awaiting_approval":
            same = analyst.post("/api/v1/actions/rules/sample-detractors/versions/1/approve")
            assert same.status_code == 422 and "second person" in same.json()["error"]["message"]
            assert (
                admin.post("/api/v1/actions/rules/sample-detractors/versions/1/approve").json()["status"]
                == "active"
            )
        assert agent.get("/api/v1/actions/rules").status_code == 403
        assert agent.get("/api/v1/actions/tasks").json() == {"items": []}
        assert agent.get("/api/v1/actions/tasks", params={"owner": "admin"}).status_code == 403
        assert analyst.get("/api/v1/actions/tasks", params={"owner": "admin"}).status_code == 200
        page = analyst.get("/rules")
        assert page.status_code == 200 and "sample-detractors" in page.text and "Dry-run" in page.text
        assert agent.get("/rules").status_code == 403
        assert agent.get("/tasks").status_code == 200
        kpis = agent.get("/api/v1/actions/kpis").json()
        assert kpis["opened"] >= 0 and "formula" in kpis["recovery_rate"]
