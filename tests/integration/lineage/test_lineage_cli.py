"""`weir lineage`, `weir docs generate` and `--log-format json` on a built project."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from weir.cli.main import cli

pytestmark = pytest.mark.integration


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def built(shop: Path) -> Path:
    result = run("build", "--project-dir", str(shop))
    assert result.exit_code == 0, result.output
    return shop


def test_lineage_of_a_column_as_json_and_text(built: Path) -> None:
    result = run("lineage", "big_customers.total", "--project-dir", str(built), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    [up] = report["upstream"]
    assert (up["name"], up["column"], up["kind"]) == ("customer_totals", "total", "direct")
    assert [(u["name"], u["column"], u["kind"]) for u in up["upstream"]] == [("orders", "amount", "aggregated")]
    assert report["downstream"] == []

    text = run("lineage", "orders.amount", "--downstream", "--project-dir", str(built)).output
    assert "customer_totals.total" in text and "aggregated" in text and "big_customers.total" in text
    assert "upstream" not in text.splitlines()[0]


def test_lineage_depth_and_errors(built: Path) -> None:
    report = json.loads(run("lineage", "big_customers", "--upstream", "--depth", "1", "--format", "json",
                            "--project-dir", str(built)).output)
    assert [u["name"] for u in report["upstream"]] == ["customer_totals"]
    assert report["upstream"][0]["upstream"] == [] and "downstream" not in report
    bad = run("lineage", "customer_totals.nope", "--project-dir", str(built))
    assert bad.exit_code != 0 and "has no column 'nope'" in str(bad.exception)


def test_docs_site_lists_models_columns_tests_and_lineage(built: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = run("docs", "generate", "--project-dir", str(built), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out / "index.html")
    catalog = json.loads((out / "catalog.json").read_text())
    totals = catalog["nodes"]["model.shop.customer_totals"]
    assert totals["description"] == "Money spent per customer."
    assert [(c["name"], c["type"]) for c in totals["columns"]] == [
        ("id", "INTEGER"), ("name", "VARCHAR"), ("total", "DOUBLE"), ("order_count", "BIGINT")]
    assert totals["columns"][2]["description"] == "Sum of the customer's order amounts."
    assert sorted((t["test"], t["status"]) for t in totals["tests"]) == [("not_null", "pass"), ("unique", "pass")]
    assert "sum(o.amount)" in totals["compiled_sql"] and '"main"."orders"' in totals["compiled_sql"]
    assert {catalog["nodes"][u]["resource_type"] for u in catalog["nodes"]} == {"model", "seed"}
    lineage = json.loads((out / "lineage.json").read_text())
    assert ["seed.shop.orders", "model.shop.customer_totals"] in lineage["edges"]
    assert lineage["layout"]["seed.shop.orders"]["x"] < lineage["layout"]["model.shop.customer_totals"]["x"]
    html = (out / "index.html").read_text()
    assert "<script src" not in html and "http://" not in html.split("<script", 1)[0]
    assert '"Money spent per customer."' in html  # the data is inlined: works from file://


def test_json_logs_carry_run_id_and_node_and_hide_secrets(shop: Path, write_files: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_DB_PASSWORD", "s3cr3t-Pa55")
    write_files(shop, {"models/broken.sql": "{% if execute %}{{ exceptions.raise_compiler_error('login failed for "
                                            "postgresql://app:' ~ env_var('SHOP_DB_PASSWORD') ~ '@db/shop') }}"
                                            "{% endif %}select 1 as x\n"})
    result = CliRunner().invoke(cli, ["--log-format", "json", "build", "--project-dir", str(shop)])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert "s3cr3t-Pa55" not in result.stderr
    failed = [r for r in records if r.get("event") == "node_finished" and r["status"] == "error"]
    assert [r["node"] for r in failed] == ["model.shop.broken"]
    assert "postgresql://app:***@db/shop" in failed[0]["message"]
    run_ids = {r["run_id"] for r in records}
    assert len(run_ids) == 1 and None not in run_ids
    assert {"run_started", "run_finished"} <= {r.get("event") for r in records}
