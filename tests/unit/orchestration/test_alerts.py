"""Alert events, channel selection from Airflow args and weir.yml, the log channel, and dispatch."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from weir.errors import ConfigError, WeirError
from weir.orchestration.alerts import (
    AlertEvent,
    EmailAlert,
    LogAlert,
    WebhookAlert,
    alerts_for,
    dispatch,
)

UTC = dt.UTC


def event(kind: str = "failure", error: str | None = "ZeroDivisionError: division by zero") -> AlertEvent:
    return AlertEvent(kind=kind, pipeline="daily_sales_etl", task="transform_data",  # type: ignore[arg-type]
                      run_id="scheduled__2024-01-01", interval_start=dt.datetime(2024, 1, 1, 6, tzinfo=UTC),
                      interval_end=dt.datetime(2024, 1, 2, 6, tzinfo=UTC), try_number=3, error=error,
                      log_path="/p/.weir/logs/daily_sales_etl/transform_data/3.log")


def test_subject_and_body_name_pipeline_task_interval_try_and_error() -> None:
    e = event()
    assert e.subject == ("[weir] failure: daily_sales_etl.transform_data "
                         "(interval 2024-01-01T06:00:00+00:00 to 2024-01-02T06:00:00+00:00, try 3)")
    body = e.body()
    assert "ZeroDivisionError: division by zero" in body
    assert "/p/.weir/logs/daily_sales_etl/transform_data/3.log" in body
    assert "run id: scheduled__2024-01-01" in body
    assert e.to_json()["interval_start"] == "2024-01-01T06:00:00+00:00"


def test_log_alert_level_follows_the_kind(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="weir.alerts")
    for kind in ("failure", "retry", "sla_miss", "success"):
        LogAlert().send(event(kind, error=None if kind == "success" else "boom"))
    levels = [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records]
    assert levels == [("ERROR", "[weir] failure"), ("WARNING", "[weir] retry"),
                      ("WARNING", "[weir] sla_miss"), ("INFO", "[weir] success")]
    assert "boom" in caplog.records[0].getMessage()


def test_log_channel_is_always_there_for_failure_retry_and_sla_miss() -> None:
    got = alerts_for({}, None)
    assert {k: [type(a).__name__ for a in v] for k, v in got.items()} == {
        "failure": ["LogAlert"], "retry": ["LogAlert"], "success": [], "sla_miss": ["LogAlert"]}


def test_airflow_email_args_default_to_failure_and_retry_like_airflow() -> None:
    got = alerts_for({"email": "oncall@example.com"}, {"smtp": {"host": "mail.local", "port": 2525}})
    mail = [a for a in got["failure"] if isinstance(a, EmailAlert)]
    assert len(mail) == 1 and mail[0].to == ["oncall@example.com"]
    assert (mail[0].smtp_host, mail[0].smtp_port) == ("mail.local", 2525)
    assert any(isinstance(a, EmailAlert) for a in got["retry"])
    assert not got["success"]


def test_email_on_retry_false_and_on_failure_false_are_honoured() -> None:
    got = alerts_for({"email": ["a@x", "b@x"], "email_on_retry": False}, None)
    assert [a.to for a in got["failure"] if isinstance(a, EmailAlert)] == [["a@x", "b@x"]]
    assert not any(isinstance(a, EmailAlert) for a in got["retry"])
    got = alerts_for({"email": ["a@x"], "email_on_failure": False, "email_on_retry": False}, None)
    assert not any(isinstance(a, EmailAlert) for kind in got.values() for a in kind)


def test_weir_yml_webhooks_and_project_email_go_to_their_kinds() -> None:
    settings = {"webhooks": [{"url": "https://hooks.example.com/a", "on": ["failure", "sla_miss"]},
                             {"url_env": "SUCCESS_HOOK", "on": ["success"]}],
                "email": {"to": ["team@example.com"], "on": ["sla_miss"]}}
    got = alerts_for({}, settings)
    assert [repr(a) for a in got["failure"]] == ["LogAlert()", "WebhookAlert(https://hooks.example.com/a)"]
    assert [repr(a) for a in got["success"]] == ["WebhookAlert($SUCCESS_HOOK)"]
    assert [type(a).__name__ for a in got["sla_miss"]] == ["LogAlert", "EmailAlert", "WebhookAlert"]


def test_bad_settings_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"alerts\.webhooks\.0\.on\.0"):
        alerts_for({}, {"webhooks": [{"url": "http://x", "on": ["failed"]}]})
    with pytest.raises(ConfigError, match=r"alerts\.smtp\.hostname"):
        alerts_for({}, {"smtp": {"hostname": "x"}})
    with pytest.raises(ConfigError, match="neither url nor url_env"):
        alerts_for({}, {"webhooks": [{"on": ["failure"]}]})


def test_repr_hides_the_secret_part_of_a_webhook_url() -> None:
    hook = WebhookAlert("https://hooks.slack.com/services/T000/B000/XXXXSECRET")
    assert "SECRET" not in repr(hook)
    assert repr(hook) == "WebhookAlert(https://hooks.slack.com/services/...)"


def test_missing_secret_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEIR_TEST_SMTP_PASSWORD", raising=False)
    mail = EmailAlert("a@x", smtp_user="u", smtp_password_env="WEIR_TEST_SMTP_PASSWORD")
    with pytest.raises(WeirError, match=r"WEIR_TEST_SMTP_PASSWORD.*is not set"):
        mail.send(event())


class Recorder:
    def __init__(self) -> None:
        self.events: list[AlertEvent] = []

    def send(self, event: AlertEvent) -> None:
        self.events.append(event)


class Broken:
    def send(self, event: AlertEvent) -> None:
        raise RuntimeError("channel is down")

    def __repr__(self) -> str:
        return "Broken()"


def test_dispatch_never_raises_and_still_sends_the_others(caplog: pytest.LogCaptureFixture) -> None:
    first, last = Recorder(), Recorder()
    dispatch([first, Broken(), last], event())
    assert len(first.events) == 1 and len(last.events) == 1
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1 and "Broken()" in warning[0] and "channel is down" in warning[0]
