"""`weir build` sends OpenLineage START/COMPLETE/FAIL events to a real HTTP endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from weir import Workspace
from weir.cli.main import cli
from weir.lineage.openlineage import run_uuid

pytestmark = pytest.mark.integration


def configure(root: Path, receiver: Any, write: Any) -> None:
    write(root, {"weir.yml": f"openlineage:\n  url: {receiver.url}\n  api_key_env: SHOP_OL_KEY\n"})


def build(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["build", "--project-dir", str(root), *args])


def test_build_emits_start_and_complete_with_datasets_and_column_lineage(
        shop: Path, receiver: Any, write_files: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_OL_KEY", "k-123456")
    configure(shop, receiver, write_files)
    result = build(shop)
    assert result.exit_code == 0, result.output
    for job in ("customers", "orders", "customer_totals", "big_customers"):
        assert [e["eventType"] for e in receiver.of(job)] == ["START", "COMPLETE"], job
    with Workspace.load(shop) as ws:
        run_id = ws.ledger.runs(1)[0].run_id
    done = receiver.of("customer_totals")[1]
    assert done["job"]["namespace"] == "shop"
    assert done["run"]["facets"]["parent"]["run"]["runId"] == run_uuid(run_id)
    assert done["run"]["runId"] == receiver.of("customer_totals")[0]["run"]["runId"]
    namespace = (shop / "lakehouse").resolve().as_uri()
    assert sorted((d["namespace"], d["name"]) for d in done["inputs"]) == [
        (namespace, "main.customers"), (namespace, "main.orders")]
    [out] = done["outputs"]
    assert out["name"] == "main.customer_totals"
    assert [f["name"] for f in out["facets"]["schema"]["fields"]] == ["id", "name", "total", "order_count"]
    fields = out["facets"]["columnLineage"]["fields"]
    [total] = fields["total"]["inputFields"]
    assert (total["name"], total["field"], total["transformations"][0]["subtype"]) == (
        "main.orders", "amount", "AGGREGATION")
    assert fields["name"]["inputFields"][0]["field"] == "name"
    joins = {(f["name"], f["field"]) for f in out["facets"]["columnLineage"]["dataset"]}
    assert ("main.orders", "customer_id") in joins and ("main.customers", "id") in joins
    assert "sum(o.amount)" in done["job"]["facets"]["sql"]["query"]
    assert set(receiver.auth) == {"Bearer k-123456"}


def test_failing_model_emits_fail_and_children_emit_nothing(shop: Path, receiver: Any, write_files: Any) -> None:
    write_files(shop, {"models/customer_totals.sql": "select no_such_column from {{ ref('orders') }}\n",
                 "weir.yml": f"openlineage:\n  url: {receiver.url}\n"})
    result = build(shop)
    assert result.exit_code == 1
    events = receiver.of("customer_totals")
    assert [e["eventType"] for e in events] == ["START", "FAIL"]
    assert "no_such_column" in events[1]["run"]["facets"]["errorMessage"]["message"]
    assert receiver.of("big_customers") == []  # skipped: it never started
    assert [e["eventType"] for e in receiver.of("orders")] == ["START", "COMPLETE"]


def test_file_transport_and_a_dead_endpoint_do_not_fail_the_run(shop: Path, write_files: Any) -> None:
    # nothing listens on port 9 (discard): sending fails, the run succeeds, the file gets every event
    write_files(shop, {"weir.yml": "openlineage:\n  url: http://127.0.0.1:9\n  file: lineage/events.jsonl\n"
                             "  timeout: 2\n"})
    result = build(shop, "--select", "orders")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in (shop / "lineage/events.jsonl").read_text().splitlines()]
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [("orders", "START"), ("orders", "COMPLETE")]
