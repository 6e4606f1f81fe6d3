"""Alerts on failure, retry, success and missed SLA: a webhook (HTTP POST of JSON), email over SMTP, the log.

Channels come from a pipeline's Airflow-style arguments (``email``, ``email_on_failure``,
``email_on_retry``) and from weir.yml's ``alerts:`` section. Secrets (the SMTP password, webhook
tokens, a webhook URL that is itself a secret) are read from environment variables named in the
config when an alert is sent; they are never logged, put in a repr or in error text.
``dispatch`` never raises: a failing channel is logged and the others are still sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from typing import Any, Literal, Protocol, get_args
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from weir.errors import ConfigError, TransientError, WeirError

LOGGER = logging.getLogger("weir.alerts")
Kind = Literal["failure", "retry", "success", "sla_miss"]
KINDS: tuple[str, ...] = get_args(Kind)
_LOG_LEVELS = {"failure": logging.ERROR, "retry": logging.WARNING, "sla_miss": logging.WARNING,
               "success": logging.INFO}


class AlertError(TransientError):
    """An alert could not be delivered (the channel's server refused it or could not be reached)."""


@dataclass(frozen=True)
class AlertEvent:
    """What happened to which task of which run: everything an alert names."""

    kind: Kind
    pipeline: str
    task: str | None
    run_id: str
    interval_start: dt.datetime
    interval_end: dt.datetime
    try_number: int
    error: str | None
    log_path: str | None = None

    @property
    def interval(self) -> str:
        return f"{self.interval_start.isoformat()} to {self.interval_end.isoformat()}"

    @property
    def subject(self) -> str:
        """One line: ``[weir] failure: daily_sales.load (interval ... to ..., try 2)``."""
        where = f"{self.pipeline}.{self.task}" if self.task else self.pipeline
        return f"[weir] {self.kind}: {where} (interval {self.interval}, try {self.try_number})"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["interval_start"] = self.interval_start.isoformat()
        out["interval_end"] = self.interval_end.isoformat()
        return out

    def body(self) -> str:
        lines = [self.subject, "", f"pipeline: {self.pipeline}", f"task: {self.task or '(whole run)'}",
                 f"run id: {self.run_id}", f"interval: {self.interval}", f"try: {self.try_number}"]
        if self.error:
            lines += ["", "error:", self.error]
        if self.log_path:
            lines += ["", f"log: {self.log_path}"]
        return "\n".join(lines) + "\n"


class Alert(Protocol):
    """One channel an event can be sent to."""

    def send(self, event: AlertEvent) -> None: ...


# --------------------------------------------------------------------------- channels


class LogAlert:
    """A line in the ``weir.alerts`` log: error for failures, warning for retries and SLA misses, info for success."""

    def send(self, event: AlertEvent) -> None:
        tail = f": {event.error}" if event.error else ""
        log = f" (log: {event.log_path})" if event.log_path else ""
        LOGGER.log(_LOG_LEVELS[event.kind], "%s%s%s", event.subject, tail, log)

    def __repr__(self) -> str:
        return "LogAlert()"


class WebhookAlert:
    """HTTP POST of the event as JSON; retried twice on a 5xx answer or a connection error.

    ``headers_env`` maps a header to the environment variable holding its value (e.g.
    ``{"Authorization": "ALERT_TOKEN"}``); ``url_env`` names a variable holding the URL itself
    (Slack-style URLs are secrets). Only scheme, host, port and the first path segment appear in errors.
    """

    def __init__(self, url: str | None = None, *, url_env: str | None = None, headers: Mapping[str, str] | None = None,
                 headers_env: Mapping[str, str] | None = None, timeout: float = 10.0, retries: int = 2,
                 backoff: float = 0.5) -> None:
        if not url and not url_env:
            raise ConfigError("a webhook alert needs url or url_env")
        self.url, self.url_env = url, url_env
        self.headers, self.headers_env = dict(headers or {}), dict(headers_env or {})
        self.timeout, self.retries, self.backoff = timeout, retries, backoff

    def __repr__(self) -> str:
        return f"WebhookAlert({_redact(self.url) if self.url else '$' + str(self.url_env)})"

    def send(self, event: AlertEvent) -> None:
        url = self.url or _env(self.url_env or "", "url_env of a webhook alert")
        headers = {"Content-Type": "application/json", "User-Agent": "weir-alerts", **self.headers}
        headers.update({name: _env(var, f"the {name} header of a webhook alert")
                        for name, var in self.headers_env.items()})
        body = json.dumps(event.to_json(), default=str).encode()
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                problem = f"answered HTTP {exc.code} {exc.reason}"
                if exc.code < 500:
                    raise AlertError(f"webhook {_redact(url)} {problem}",
                                     hint="check the URL and the authorization header") from None
            except (urllib.error.URLError, OSError) as exc:
                problem = f"could not be reached ({getattr(exc, 'reason', exc)})"
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise AlertError(f"webhook {_redact(url)} {problem} after {self.retries + 1} attempts")


class EmailAlert:
    """An email over SMTP whose subject names pipeline, task, interval, try and kind; the body has error and log."""

    def __init__(self, to: Sequence[str] | str, *, smtp_host: str = "localhost", smtp_port: int = 25,
                 smtp_user: str | None = None, smtp_password_env: str | None = None, starttls: bool = False,
                 use_ssl: bool = False, sender: str = "weir@localhost", timeout: float = 30.0) -> None:
        self.to = [to] if isinstance(to, str) else list(to)
        if not self.to:
            raise ConfigError("an email alert needs at least one recipient")
        self.smtp_host, self.smtp_port, self.smtp_user = smtp_host, smtp_port, smtp_user
        self.smtp_password_env, self.starttls, self.use_ssl = smtp_password_env, starttls, use_ssl
        self.sender, self.timeout = sender, timeout

    def __repr__(self) -> str:
        return f"EmailAlert(to={self.to!r}, smtp={self.smtp_host}:{self.smtp_port})"

    def message(self, event: AlertEvent) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = event.subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg.set_content(event.body())
        return msg

    def send(self, event: AlertEvent) -> None:
        password = _env(self.smtp_password_env, "alerts.smtp.password_env") if self.smtp_password_env else None
        smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
        try:
            with smtp_class(self.smtp_host, self.smtp_port, timeout=self.timeout) as server:
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
                if self.smtp_user:
                    server.login(self.smtp_user, password or "")
                server.send_message(self.message(event))
        except smtplib.SMTPAuthenticationError as exc:
            raise AlertError(f"SMTP server {self.smtp_host}:{self.smtp_port} refused the login of "
                             f"{self.smtp_user!r} (code {exc.smtp_code})",
                             hint="check alerts.smtp.user and the password variable") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertError(f"email to {', '.join(self.to)} via {self.smtp_host}:{self.smtp_port} failed: "
                             f"{type(exc).__name__}: {exc}") from None


def dispatch(alerts: Iterable[Alert], event: AlertEvent) -> None:
    """Send ``event`` on every channel; never raises — a failing channel is logged, the others still sent."""
    for alert in alerts:
        try:
            alert.send(event)
        except Exception as exc:  # one broken channel must not hide the alert from the others
            LOGGER.warning("alert %r for %s failed: %s", alert, event.subject, exc)


# --------------------------------------------------------------------------- configuration


def _failure_only() -> list[Kind]:
    return ["failure"]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SmtpSettings(_Settings):
    host: str = "localhost"
    port: int = 25
    user: str | None = None
    password_env: str | None = None
    starttls: bool = False
    ssl: bool = False
    sender: str = Field("weir@localhost", alias="from")
    timeout: float = 30.0


class WebhookSettings(_Settings):
    url: str | None = None
    url_env: str | None = None
    on: list[Kind] = Field(default_factory=_failure_only)
    headers: dict[str, str] = Field(default_factory=dict)
    headers_env: dict[str, str] = Field(default_factory=dict)
    timeout: float = 10.0


class EmailSettings(_Settings):
    to: list[str]
    on: list[Kind] = Field(default_factory=_failure_only)


class AlertSettings(_Settings):
    """weir.yml ``alerts:``: SMTP server, webhooks, and project-wide email recipients."""

    smtp: SmtpSettings = Field(default_factory=lambda: SmtpSettings.model_validate({}))
    webhooks: list[WebhookSettings] = Field(default_factory=list)
    email: EmailSettings | None = None


def parse_settings(settings: Mapping[str, Any] | None) -> AlertSettings:
    """Validate weir.yml's ``alerts:`` section; ConfigError names the bad key."""
    try:
        return AlertSettings.model_validate(dict(settings or {}))
    except ValidationError as exc:
        problems = "; ".join(f"alerts.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid alerts settings in weir.yml: {problems}",
                          hint="see docs/alerts-and-sensors.md for the keys") from None


def alerts_for(pipeline_kwargs_or_default_args: Mapping[str, Any], settings: Mapping[str, Any] | None
               ) -> dict[str, list[Alert]]:
    """The channels per event kind for a pipeline: the log, Airflow-style email args, weir.yml webhooks/email.

    As in Airflow, ``email_on_failure`` and ``email_on_retry`` default to True when ``email`` is set.
    """
    args = pipeline_kwargs_or_default_args
    cfg = parse_settings(settings)
    out: dict[str, list[Alert]] = {kind: [] for kind in KINDS}
    log = LogAlert()
    for kind in ("failure", "retry", "sla_miss"):
        out[kind].append(log)
    smtp = cfg.smtp

    def email(to: Sequence[str]) -> EmailAlert:
        return EmailAlert(to, smtp_host=smtp.host, smtp_port=smtp.port, smtp_user=smtp.user,
                          smtp_password_env=smtp.password_env, starttls=smtp.starttls, use_ssl=smtp.ssl,
                          sender=smtp.sender, timeout=smtp.timeout)

    recipients = args.get("email")
    if recipients:
        to = [recipients] if isinstance(recipients, str) else list(recipients)
        mail = email(to)
        if args.get("email_on_failure", True):
            out["failure"].append(mail)
        if args.get("email_on_retry", True):
            out["retry"].append(mail)
    if cfg.email is not None:
        mail = email(cfg.email.to)
        for kind in cfg.email.on:
            out[kind].append(mail)
    for hook in cfg.webhooks:
        if not hook.url and not hook.url_env:
            raise ConfigError("a webhook under alerts.webhooks has neither url nor url_env")
        alert = WebhookAlert(hook.url, url_env=hook.url_env, headers=hook.headers, headers_env=hook.headers_env,
                             timeout=hook.timeout)
        for kind in hook.on:
            out[kind].append(alert)
    return out


def _env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise WeirError(f"environment variable {name} ({what}) is not set",
                        hint=f"export {name}=... where the scheduler runs")
    return value


def _redact(url: str) -> str:
    """Scheme, host, port and the first path segment: the rest of a webhook URL may be a token."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    first, _, rest = parts.path.lstrip("/").partition("/")
    return f"{parts.scheme}://{parts.hostname or ''}{port}/{first}{'/...' if rest else ''}"
