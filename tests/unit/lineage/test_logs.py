"""Structured logs: run id and node on every record, JSON lines, secrets redacted."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest

from weir.logs import log_context, redact, setup_logging


@pytest.fixture
def capture():
    stream = io.StringIO()
    handler = setup_logging(level=logging.INFO, fmt="json", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_run_id_node_and_extras(capture: io.StringIO) -> None:
    log = logging.getLogger("weir.test")
    log.info("outside")
    with log_context(run_id="r1"):
        log.info("run level")
        with log_context(node="model.p.a"):
            log.warning("rows %d", 3, extra={"rows": 3})
    out = lines(capture)
    assert [(o["message"], o["run_id"], o["node"]) for o in out] == [
        ("outside", None, None), ("run level", "r1", None), ("rows 3", "r1", "model.p.a")]
    assert out[2]["level"] == "warning" and out[2]["logger"] == "weir.test" and out[2]["rows"] == 3
    assert out[2]["ts"].endswith("+00:00")


def test_context_is_per_thread(capture: io.StringIO) -> None:
    log = logging.getLogger("weir.test")

    def work(name: str) -> None:
        with log_context(run_id="r2", node=name):
            log.info("in %s", name)

    threads = [threading.Thread(target=work, args=(f"model.p.n{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted((o["message"], o["node"]) for o in lines(capture)) == [
        (f"in model.p.n{i}", f"model.p.n{i}") for i in range(4)]


def test_secrets_never_appear(capture: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("MY_API_TOKEN", "tok_ABCDEF123456")
    log = logging.getLogger("weir.test")
    log.info("connecting with hunter2-very-secret to postgresql://bob:pa55word@db:5432/x")
    log.info("headers %s", {"Authorization": "Bearer tok_other_42"}, extra={"dsn": "mysql://u:pw9@h/db",
                                                                          "secret_value": "tok_ABCDEF123456"})
    try:
        raise RuntimeError("failed with token tok_ABCDEF123456")
    except RuntimeError:
        log.exception("boom")
    text = capture.getvalue()
    for secret in ("hunter2-very-secret", "pa55word", "tok_other_42", "pw9", "tok_ABCDEF123456"):
        assert secret not in text
    out = lines(capture)
    assert "postgresql://bob:***@db:5432/x" in out[0]["message"]
    assert out[1]["dsn"] == "mysql://u:***@h/db"
    assert "Traceback" in out[2]["exception"]


def test_text_format_and_redact() -> None:
    stream = io.StringIO()
    handler = setup_logging(level=logging.INFO, fmt="text", stream=stream)
    try:
        with log_context(run_id="r3", node="model.p.x"):
            logging.getLogger("weir.t").info("Authorization: Basic dXNlcjpwYXNz")
    finally:
        logging.getLogger().removeHandler(handler)
    assert stream.getvalue().strip() == "INFO weir.t [r3 model.p.x]: Authorization: Basic ***"
    assert redact("plain text stays") == "plain text stays"
