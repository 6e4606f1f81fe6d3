"""Who may use the UI: loopback binds are open, any other bind needs a token that every
request carries (header, bearer, or the cookie that ?token= sets)."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from weir.errors import ConfigError
from weir.web.auth import COOKIE, TokenMiddleware, is_loopback, required_token

TOKEN = "s3cret-token-for-tests-0123"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host: str) -> None:
    assert is_loopback(host)
    assert required_token(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org"])
def test_other_hosts_refuse_to_start_without_a_token(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(ConfigError, match="needs a token") as err:
        required_token(host, None)
    assert "WEIR_UI_TOKEN" in str(err.value)
    with pytest.raises(ConfigError, match="needs a token"):
        required_token(host, "   ")
    assert required_token(host, TOKEN) == TOKEN


def test_short_tokens_are_refused() -> None:
    with pytest.raises(ConfigError, match="too short"):
        required_token("0.0.0.0", "abc")


def _client() -> TestClient:
    app = Starlette(routes=[Route("/page", lambda r: PlainTextResponse(f"page {r.query_params.get('x', '')}"))])
    return TestClient(TokenMiddleware(app, TOKEN), follow_redirects=False)


def test_requests_without_the_token_get_401() -> None:
    c = _client()
    r = c.get("/page")
    assert r.status_code == 401 and "needs its token" in r.text
    assert c.get("/page", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/page?token=wrong").status_code == 401
    c.cookies.set(COOKIE, "wrong")
    assert c.get("/page").status_code == 401


def test_token_in_a_header_or_bearer_passes() -> None:
    c = _client()
    assert c.get("/page", headers={"Authorization": f"Bearer {TOKEN}"}).text == "page "
    assert c.get("/page", headers={"X-Weir-Token": TOKEN}).text == "page "


def test_token_in_the_query_sets_a_cookie_and_strips_itself_from_the_url() -> None:
    c = _client()
    r = c.get(f"/page?x=1&token={TOKEN}")
    assert r.status_code == 303 and r.headers["location"] == "/page?x=1"
    assert "HttpOnly" in r.headers["set-cookie"] and r.cookies.get(COOKIE) == TOKEN
    c.cookies.set(COOKIE, TOKEN)
    assert c.get("/page?x=1").text == "page 1"
