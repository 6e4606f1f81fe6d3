"""REST source parts without a server: Link headers, record selection, URLs in errors,
Retry-After, auth headers from the environment, and options checked up front."""

from __future__ import annotations

import base64

import pytest

from weir.errors import ConfigError
from weir.ingest import rest
from weir.ingest.base import IngestError


def test_next_link_finds_rel_next_among_others():
    header = '<https://api/x?page=1>; rel="first", <https://api/x?page=3>; rel="next", <https://api/x?page=9>; rel=last'
    assert rest.next_link(header) == "https://api/x?page=3"
    assert rest.next_link('<https://api/x?page=2>; rel="prev"') is None
    assert rest.next_link(None) is None


def test_select_records():
    body = {"meta": {"n": 2}, "result": {"items": [{"a": 1}, {"a": 2}]}}
    assert rest.select(body, "result.items") == [{"a": 1}, {"a": 2}]
    assert rest.select({"data": [{"a": 1}], "count": 1}, None) == [{"a": 1}]
    assert rest.select([{"a": 1}, 5], None) == [{"a": 1}, {"value": 5}]
    assert rest.select({"id": 7}, None) == [{"id": 7}]
    assert rest.select(body, "result.missing") == []
    with pytest.raises(IngestError, match="does not point at a list"):
        rest.select(body, "meta")


def test_public_url_drops_query_and_credentials():
    assert rest.public_url("https://u:pw@api.example.com/v1/x?api_key=SECRET&a=1") == "https://api.example.com/v1/x"


def test_retry_after_seconds_and_dates():
    assert rest._retry_after("3") == 3.0
    assert rest._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert rest._retry_after("soon") == 0.0


def test_auth_from_environment_and_never_in_repr(monkeypatch):
    monkeypatch.setenv("API_TOKEN", "tok-123")
    monkeypatch.setenv("API_PASS", "pw-456")
    bearer = rest.resource("https://api/v1", "orders", auth={"type": "bearer", "token_env": "API_TOKEN"},
                           headers={"X-Trace": "{{ env_var('API_PASS') }}", "Accept": "application/json"})
    headers, query, secrets = bearer._auth()
    assert headers["Authorization"] == "Bearer tok-123" and headers["X-Trace"] == "pw-456" and not query
    assert "tok-123" in secrets and "pw-456" in secrets
    assert "tok-123" not in repr(bearer) and "tok-123" not in bearer.describe()
    basic = rest.resource("https://api", "x", auth={"type": "basic", "username": "app", "password_env": "API_PASS"})
    assert basic._auth()[0]["Authorization"] == "Basic " + base64.b64encode(b"app:pw-456").decode()
    key = rest.resource("https://api", "x", auth={"type": "api_key", "location": "query", "name": "k",
                                                  "token_env": "API_TOKEN"})
    assert key._auth()[1] == {"k": "tok-123"}
    monkeypatch.delenv("API_TOKEN")
    with pytest.raises(ConfigError, match="environment variable API_TOKEN"):
        bearer._auth()


def test_options_are_checked():
    with pytest.raises(ConfigError, match="unknown paginator"):
        rest.options_from({"paginator": {"type": "pages"}})
    assert rest.options_from({"paginator": "link"}).paginator == {"type": "link"}
    with pytest.raises(ConfigError, match="unknown auth type"):
        rest.resource("https://api", "x", auth={"type": "oauth"})._auth()
