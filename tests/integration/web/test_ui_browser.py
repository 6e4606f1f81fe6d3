"""`weir ui` end to end in headless Chromium on a real run of the sales example: the pages load
and show the run, its Gantt, a task log, the lineage graph, a model's history and checks, and
/metrics; a screenshot of each page is saved."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = pytest.mark.integration

TASKS = ["extract_from_source", "transform_data", "load_to_warehouse", "data_quality_check"]


def _open(browser: Any, url: str, shots: Path, name: str) -> None:
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.save_screenshot(str(shots / f"{name}.png"))
    assert (shots / f"{name}.png").stat().st_size > 10_000


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


def test_home_lists_the_pipeline_run_and_the_build(ui: Any, browser: Any, shots: Path) -> None:
    _open(browser, ui.url + "/", shots, "home")
    runs = browser.find_element(By.ID, "pipeline-runs").text
    assert "daily_sales_etl" in runs and "2024-01-15 00:00:00" in runs and "success" in runs
    builds = browser.find_element(By.ID, "builds").text
    assert "build" in builds and "success" in builds
    link = browser.find_element(By.LINK_TEXT, "daily_sales_etl")
    link.click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "gantt")))


def test_pipeline_page_shows_the_gantt_of_the_run(ui: Any, browser: Any, shots: Path) -> None:
    _open(browser, ui.url + "/pipelines/daily_sales_etl", shots, "pipeline")
    rows = browser.find_elements(By.CSS_SELECTOR, "#gantt .grow")
    assert [r.get_attribute("data-task") for r in rows] == TASKS
    assert {r.get_attribute("data-state") for r in rows} == {"success"}
    bars = browser.find_elements(By.CSS_SELECTOR, "#gantt .bar.ok")
    assert len(bars) == 4
    # bars follow each other in time: each starts where (or after) the previous one starts
    lefts = [float(re.search(r"left:\s*([\d.]+)%", b.get_attribute("style")).group(1)) for b in bars]
    assert lefts == sorted(lefts) and bars[0].size["width"] > bars[2].size["width"]
    assert browser.find_element(By.ID, "run-state").text == "success"
    _open(browser, ui.url + "/pipelines", shots, "pipelines")
    table = browser.find_element(By.ID, "pipelines").text
    assert "daily_sales_etl" in table and "0 6 * * *" in table and "dynamic_etl_pipeline" in table


def test_task_log_page_shows_the_attempt_log(ui: Any, browser: Any, shots: Path) -> None:
    _open(browser, ui.url + "/pipelines/daily_sales_etl", shots, "pipeline-again")
    browser.find_element(By.LINK_TEXT, "extract_from_source").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "pre.log")))
    assert browser.save_screenshot(str(shots / "log.png"))
    assert "Try 1" in browser.find_element(By.TAG_NAME, "main").text
    log = browser.find_element(By.CSS_SELECTOR, "pre.log").text
    assert "extracted" in log and "orders/day=01.parquet" in log


def test_lineage_page_draws_the_graph_and_traces_a_column(ui: Any, browser: Any, shots: Path) -> None:
    browser.get(ui.url + "/lineage")
    node = WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, '.gnode[data-uid="model.sales.fct_daily_sales"]')))
    assert "fct_daily_sales" in node.text
    assert len(browser.find_elements(By.CSS_SELECTOR, "path.edge")) >= 10
    node.click()
    assert browser.find_element(By.ID, "panel-title").text == "fct_daily_sales"
    row = browser.find_element(By.CSS_SELECTOR, '#panel-columns tr[data-column="total_revenue"]')
    assert "stg_orders.order_amount" in row.text
    row.click()
    trace = browser.find_element(By.ID, "column-lineage").text
    assert "stg_orders.order_amount" in trace
    lit = {g.get_attribute("data-uid") for g in browser.find_elements(By.CSS_SELECTOR, ".gnode.hl")}
    assert {"model.sales.fct_daily_sales", "model.sales.stg_orders"} <= lit
    assert browser.save_screenshot(str(shots / "lineage.png"))


def test_model_page_shows_history_checks_and_metrics(ui: Any, browser: Any, shots: Path) -> None:
    _open(browser, ui.url + "/models/model.sales.fct_daily_sales", shots, "model")
    history = browser.find_elements(By.CSS_SELECTOR, "#history tr")[1:]
    assert len(history) == 2  # the pipeline's build wrote version 0, the full build merged version 1
    newest = history[0].text
    assert newest.startswith("1 ") and "MERGE" in newest and "fct_daily_sales" in newest
    run_ids = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#history td a code")]
    assert len(run_ids) == 2 and all(re.fullmatch(r"[0-9a-f]{12}", r) for r in run_ids)
    checks = browser.find_element(By.ID, "checks").text
    assert "not_null_fct_daily_sales_sale_date" in checks and "pass" in checks
    assert "row_count" in browser.find_element(By.ID, "metrics").text
    assert browser.find_elements(By.CSS_SELECTOR, "#metrics svg.spark")
    assert "sum(" in browser.find_element(By.ID, "sql").text.lower()


def test_tables_and_run_pages(ui: Any, browser: Any, shots: Path) -> None:
    _open(browser, ui.url + "/tables", shots, "tables")
    assert "main.fct_daily_sales" in browser.find_element(By.ID, "tables").text
    browser.find_element(By.LINK_TEXT, "main.fct_daily_sales").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "history")))
    assert "MERGE" in browser.find_element(By.ID, "history").text
    browser.find_elements(By.CSS_SELECTOR, "#history td a code")[0].click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "nodes")))
    assert browser.save_screenshot(str(shots / "run.png"))
    written = browser.find_element(By.ID, "tables").text
    assert "main.fct_daily_sales" in written and "MERGE" in written and "KiB" in written


def test_metrics_endpoint_has_the_run_in_prometheus_format(ui: Any) -> None:
    text = urllib.request.urlopen(ui.url + "/metrics", timeout=30).read().decode()
    values = dict(re.findall(r"^(weir_\S+) (\S+)$", text, re.M))
    assert float(values['weir_pipeline_runs_total{pipeline="daily_sales_etl",state="success"}']) == 1
    assert float(values['weir_node_rows_written{node="model.sales.fct_daily_sales"}']) > 0
    assert float(values['weir_node_bytes_written{node="model.sales.fct_daily_sales"}']) > 1000
    assert float(values['weir_table_version{format="delta",table="main.fct_daily_sales"}']) == 1
    assert float(values['weir_task_duration_seconds{pipeline="daily_sales_etl",task="extract_from_source"}']) > 0
    assert float(values['weir_node_runs_total{node="model.sales.fct_daily_sales",status="success"}']) == 2
    assert any(k.startswith("weir_check_results_total{check=\"not_null_fct_daily_sales_sale_date\"")
               for k in values)
