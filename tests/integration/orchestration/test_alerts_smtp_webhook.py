"""Alerts delivered to real servers the tests start: an HTTP server (webhooks) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from weir.orchestration.alerts import AlertError, AlertEvent, EmailAlert, WebhookAlert, alerts_for, dispatch

pytestmark = pytest.mark.integration

EVENT = AlertEvent(kind="failure", pipeline="daily_sales_etl", task="load_to_warehouse",
                   run_id="scheduled__2024-03-05T06:00:00+00:00",
                   interval_start=dt.datetime(2024, 3, 5, 6, tzinfo=dt.UTC),
                   interval_end=dt.datetime(2024, 3, 6, 6, tzinfo=dt.UTC), try_number=4,
                   error="EngineError: Catalog Error: Table with name fact_sales does not exist!",
                   log_path="/proj/.weir/logs/daily_sales_etl/load_to_warehouse/2024-03-05/4.log")


# --------------------------------------------------------------------------- a webhook receiver


class Receiver:
    """Records POSTs; answers each with the next status of ``statuses`` (200 once they run out)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.requests: list[tuple[dict[str, str], Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), json.loads(body)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"nope")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/weir/T0123SECRET"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


# --------------------------------------------------------------------------- an SMTP server


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"weir", b"s3cr3t-pw")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_authenticator,
                            auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


# --------------------------------------------------------------------------- tests


def test_webhook_posts_the_event_as_json_with_a_header_from_the_environment(
        receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_TEST_HOOK_TOKEN", "Bearer tok-123")
    WebhookAlert(receiver.url, headers_env={"Authorization": "WEIR_TEST_HOOK_TOKEN"}).send(EVENT)
    [(headers, body)] = receiver.requests
    assert headers["Authorization"] == "Bearer tok-123"
    assert headers["Content-Type"] == "application/json"
    assert body == {"kind": "failure", "pipeline": "daily_sales_etl", "task": "load_to_warehouse",
                    "run_id": "scheduled__2024-03-05T06:00:00+00:00",
                    "interval_start": "2024-03-05T06:00:00+00:00", "interval_end": "2024-03-06T06:00:00+00:00",
                    "try_number": 4, "error": EVENT.error, "log_path": EVENT.log_path}


def test_webhook_retries_twice_on_5xx_then_succeeds(receiver: Receiver) -> None:
    receiver.statuses = [503, 502]
    WebhookAlert(receiver.url, backoff=0.01).send(EVENT)
    assert len(receiver.requests) == 3
    assert all(body["task"] == "load_to_warehouse" for _, body in receiver.requests)


def test_webhook_gives_up_after_three_attempts_without_leaking_the_url_token(receiver: Receiver) -> None:
    receiver.statuses = [500, 500, 500, 500]
    with pytest.raises(AlertError) as info:
        WebhookAlert(receiver.url, backoff=0.01).send(EVENT)
    assert len(receiver.requests) == 3
    assert "HTTP 500" in str(info.value) and "after 3 attempts" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_webhook_does_not_retry_a_4xx(receiver: Receiver) -> None:
    receiver.statuses = [401]
    with pytest.raises(AlertError, match="HTTP 401"):
        WebhookAlert(receiver.url, backoff=0.01).send(EVENT)
    assert len(receiver.requests) == 1


def test_webhook_retries_a_refused_connection() -> None:
    url = f"http://127.0.0.1:{_free_port()}/hook"
    with pytest.raises(AlertError, match=r"could not be reached.*after 3 attempts"):
        WebhookAlert(url, backoff=0.01, timeout=2).send(EVENT)


def test_email_names_pipeline_task_interval_try_and_carries_error_and_log(
        smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp
    monkeypatch.setenv("WEIR_TEST_SMTP_PW", "s3cr3t-pw")
    EmailAlert(["oncall@example.com", "data@example.com"], smtp_host="127.0.0.1", smtp_port=port,
               smtp_user="weir", smtp_password_env="WEIR_TEST_SMTP_PW", sender="weir@example.com").send(EVENT)
    [msg] = inbox.messages
    assert msg["Subject"] == ("[weir] failure: daily_sales_etl.load_to_warehouse "
                              "(interval 2024-03-05T06:00:00+00:00 to 2024-03-06T06:00:00+00:00, try 4)")
    assert msg["From"] == "weir@example.com"
    assert inbox.envelopes[0].rcpt_tos == ["oncall@example.com", "data@example.com"]
    body = msg.get_payload(decode=True).decode()
    assert "Table with name fact_sales does not exist" in body
    assert "/proj/.weir/logs/daily_sales_etl/load_to_warehouse/2024-03-05/4.log" in body


def test_a_wrong_smtp_password_is_reported_without_the_password(
        smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port = smtp
    monkeypatch.setenv("WEIR_TEST_SMTP_PW", "wrong-pw-value")
    with pytest.raises(AlertError) as info:
        EmailAlert("a@example.com", smtp_host="127.0.0.1", smtp_port=port, smtp_user="weir",
                   smtp_password_env="WEIR_TEST_SMTP_PW").send(EVENT)
    assert "refused the login of 'weir'" in str(info.value)
    assert "wrong-pw-value" not in str(info.value)
    assert inbox.messages == []


def test_channels_from_airflow_args_and_weir_yml_reach_both_servers_and_a_broken_one_stops_none(
        smtp: tuple[Inbox, int], receiver: Receiver, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    inbox, port = smtp
    monkeypatch.setenv("WEIR_TEST_SMTP_PW", "s3cr3t-pw")
    dead = f"http://127.0.0.1:{_free_port()}/dead"
    settings = {"smtp": {"host": "127.0.0.1", "port": port, "user": "weir", "password_env": "WEIR_TEST_SMTP_PW",
                         "from": "alerts@example.com"},
                "webhooks": [{"url": dead, "on": ["failure"], "timeout": 2}, {"url": receiver.url}]}
    channels = alerts_for({"owner": "data-team", "email": ["oncall@example.com"], "email_on_failure": True},
                          settings)
    caplog.set_level(logging.INFO, logger="weir.alerts")
    dispatch(channels["failure"], EVENT)

    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["[weir] failure"]
    assert inbox.messages[0]["From"] == "alerts@example.com"
    assert [body["try_number"] for _, body in receiver.requests] == [4]
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "weir.alerts"]
    assert any(level == "ERROR" and "load_to_warehouse" in text and "fact_sales" in text for level, text in records)
    failed = [text for level, text in records if level == "WARNING"]
    assert len(failed) == 1 and "could not be reached" in failed[0] and "/dead" in failed[0]
    assert all("s3cr3t-pw" not in text for _, text in records)
