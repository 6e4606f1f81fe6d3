"""Data docs: a real report rendered from a small synthetic ledger."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from weir.checks.anomaly import check_anomalies
from weir.checks.metrics import MetricValue, TableMetrics
from weir.checks.report import display_name, format_value, sparkline, write_report
from weir.state import Ledger

DAY = 86400.0
T0 = 1_704_110_400.0  # 2024-01-01 12:00 UTC


def orders_metrics(rows: float, nulls: float) -> TableMetrics:
    return TableMetrics([
        MetricValue(None, "row_count", rows), MetricValue("order_id", "null_count", 0),
        MetricValue("order_id", "distinct_count", rows), MetricValue("amount", "mean", 50.0 + rows % 7),
        MetricValue("customer_id", "null_count", nulls),
        MetricValue("ordered_at", "max", T0, "2024-01-01 12:00:00"),
    ])


def fill(ledger: Ledger) -> None:
    """Eight runs of orders (the last one drops rows and fails a check, with quarantine),
    four of customers, and a metrics-only table."""
    for i in range(8):
        run_id, at = f"run-{i}", T0 + i * DAY
        ledger.start_run(run_id, "build", "shop", "dev", {})
        ledger.finish_run(run_id, "error" if i == 7 else "success")
        last = i == 7
        metrics = orders_metrics(300 if last else 1000 + i, 40 if last else 0)
        anomalies = check_anomalies(ledger, "model.shop.orders", metrics, None, run_id=run_id, at=at)
        ledger.record_metrics(run_id, "model.shop.orders", '"main"."orders"', metrics, recorded_at=at)
        ledger.record_check_results(run_id, "model.shop.orders", [
            {"check_name": "not_null", "column_name": "order_id", "status": "pass", "observed": 0,
             "unexpected_count": 0, "unexpected_percent": 0.0},
            {"check_name": "accepted_values", "column_name": "status", "status": "fail" if last else "pass",
             "observed": ["placed", "lost"] if last else ["placed"], "unexpected_count": 12 if last else 0,
             "unexpected_percent": 4.0 if last else 0.0,
             "message": "12 rows with status <lost> & not in set" if last else None},
            *[a.as_check_result() for a in anomalies],
            *([{"check_name": "quarantine", "status": "warn", "unexpected_count": 12,
                "message": "accepted_values(status)"}] if last else []),
        ], recorded_at=at)
        if i % 2 == 0:
            ledger.record_metrics(run_id, "model.shop.customers", '"main"."customers"',
                                  TableMetrics([MetricValue(None, "row_count", 50 + i)]), recorded_at=at + 1)
            ledger.record_check_results(run_id, "model.shop.customers", [
                {"check_name": "unique", "column_name": "customer_id", "severity": "warn",
                 "status": "warn", "observed": 2, "unexpected_count": 2, "unexpected_percent": 4.0}],
                recorded_at=at + 1)
    ledger.record_metrics("run-7", "model.shop.revenue", '"main"."revenue"',
                          TableMetrics([MetricValue(None, "row_count", 31)]), recorded_at=T0 + 7 * DAY + 2)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    led = Ledger(tmp_path / "ledger.db")
    fill(led)
    yield led
    led.close()


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def test_report_html_shows_tables_statuses_and_sparklines(ledger: Ledger, tmp_path: Path) -> None:
    path = write_report(ledger, tmp_path / "out", "shop")
    assert path == tmp_path / "out" / "index.html"
    html = path.read_text()
    assert "<title>shop · data quality</title>" in html
    assert "<script" not in html.replace("&lt;script", "")  # static: no scripts
    assert "http://" not in html and "https://" not in html  # no network
    # overview: failing table first, with names as people write them
    overview = section(html, "overview")
    names = re.findall(r'<a href="#t-[^"]+"><code>([^<]+)</code>', overview)
    assert names == ["main.orders", "main.customers", "main.revenue"]
    assert 'class="badge s-fail">fail<' in overview and 'class="badge s-warn">warn<' in overview
    assert ">no checks<" in overview
    # orders: latest checks with observed / unexpected count / percent, escaped messages
    orders = section(html, "t-model.shop.orders")
    assert "accepted_values" in orders and "placed, lost" in orders and "4.00 %" in orders
    assert "12 rows with status &lt;lost&gt; &amp; not in set" in orders
    assert "12 rows quarantined" in orders
    # the anomaly found by check_anomalies for the row-count drop is among the checks
    assert "anomaly_row_count" in orders and "row_count = 300 is outside the expected" in orders
    # sparklines: one per metric, eight points, linked to runs, the anomaly marked
    svgs = re.findall(r"<svg class=\"spark\".*?</svg>", orders)
    assert len(svgs) == 6
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed SVG
        assert root.tag == "svg"
    assert orders.count('<circle class="spark-anomaly"') >= 2  # row_count and customer_id nulls
    assert 'href="#run-run-7"' in orders
    assert "2024-01-01 12:00:00" in orders  # temporal metric shown as text
    # runs: one anchor per run, linking back to the tables it checked
    runs = section(html, "runs")
    assert len(re.findall(r'<tr id="run-run-\d">', runs)) == 8
    row7 = runs[runs.index('id="run-run-7"'):runs.index("</tr>", runs.index('id="run-run-7"'))]
    assert 'href="#t-model.shop.orders"' in row7 and 'href="#t-model.shop.revenue"' in row7
    assert ">error<" in row7


def test_report_json_has_the_same_data(ledger: Ledger, tmp_path: Path) -> None:
    write_report(ledger, tmp_path / "out", "shop")
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["project"] == "shop"
    assert data["summary"]["tables"] == 3 and data["summary"]["quarantined_rows"] == 12
    orders = next(t for t in data["tables"] if t["unique_id"] == "model.shop.orders")
    assert orders["status"] == "fail" and orders["checks_run_id"] == "run-7"
    assert {c["check_name"]: c["status"] for c in orders["checks"]}["accepted_values"] == "fail"
    assert orders["quarantine"][0]["unexpected_count"] == 12
    assert [h["status"] for h in orders["status_history"]] == ["pass"] * 7 + ["fail"]
    row_count = next(m for m in orders["metrics"] if m["metric"] == "row_count")
    assert [p["value"] for p in row_count["points"]] == [1000, 1001, 1002, 1003, 1004, 1005, 1006, 300]
    assert row_count["points"][-1]["anomaly"] is True
    customers = next(t for t in data["tables"] if t["unique_id"] == "model.shop.customers")
    assert customers["status"] == "warn" and len(customers["status_history"]) == 4
    assert [r["run_id"] for r in data["runs"]][:2] == ["run-7", "run-6"]


def test_empty_ledger_still_writes_a_page(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "empty.db")
    html = write_report(led, tmp_path / "out", "shop").read_text()
    led.close()
    assert "No checks or metrics recorded yet" in html


def test_sparkline_handles_gaps_constant_and_single_points() -> None:
    def pts(*values: float | None) -> list[dict[str, object]]:
        return [{"value": v, "run_id": f"r{i}", "recorded_at": T0, "text": None} for i, v in enumerate(values)]

    gap = ET.fromstring(sparkline(pts(1, 2, None, 3, 4)))
    ns = "{http://www.w3.org/2000/svg}"
    assert len(gap.findall("polyline")) + len(gap.findall(f"{ns}polyline")) == 2
    flat = sparkline(pts(5, 5, 5))
    assert flat.count('cy="14.0"') == 3  # a constant series is a line through the middle
    assert "no data" in sparkline(pts(None))
    single = ET.fromstring(sparkline(pts(7)))
    assert single.find("a") is not None


def test_value_formatting_and_names() -> None:
    assert format_value(1234567.0) == "1,234,567"
    assert format_value(0.5) == "0.5"
    assert format_value(99842.81) == "99,842.8"
    assert format_value(None) == "\u2013"
    assert format_value(1.7e9, "2024-01-01") == "2024-01-01"
    assert display_name('"main"."orders"') == "main.orders"
    assert display_name("read_parquet('x')") == "read_parquet('x')"  # not a plain name: unchanged
    assert display_name('"main"."odd name"') == "main.odd name"


def test_cli_writes_the_report_into_target(tmp_path: Path) -> None:
    from weir.cli.main import cli
    from weir.cli.scaffold import create_project

    root = create_project(tmp_path / "shop")
    led = Ledger(root / ".weir" / "ledger.db")
    fill(led)
    led.close()
    result = CliRunner().invoke(cli, ["checks", "report", "--project-dir", str(root)])
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == root / "target" / "checks" / "index.html"
    assert "main.orders" in path.read_text() and (path.parent / "report.json").exists()
    out = tmp_path / "docs"
    result = CliRunner().invoke(cli, ["checks", "report", "--project-dir", str(root), "--out", str(out)])
    assert result.exit_code == 0 and Path(result.output.strip()) == out / "index.html"
