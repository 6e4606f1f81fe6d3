"""Access to the UI: bound to loopback it is open to this machine; bound anywhere else it
needs a token, checked on every request (``Authorization: Bearer``, ``X-Weir-Token``, or the
cookie that ``?token=...`` sets once and then strips from the URL)."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any
from urllib.parse import parse_qsl, urlencode

from weir.errors import ConfigError

COOKIE = "weir_token"
TOKEN_ENV = "WEIR_UI_TOKEN"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and ``localhost``: reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def required_token(host: str, token: str | None) -> str | None:
    """The token the server must check; refuses a non-loopback bind without one."""
    if token is not None and not token.strip():
        token = None
    if token is None and not is_loopback(host):
        raise ConfigError(f"weir ui bound to {host} needs a token: anyone who can reach it would see the project",
                          hint=f"pass --token or set {TOKEN_ENV}, or bind 127.0.0.1 (the default)")
    if token is not None and len(token) < 16:
        raise ConfigError("the UI token is too short (fewer than 16 characters)",
                          hint="use e.g. `python -c 'import secrets; print(secrets.token_urlsafe())'`")
    return token


class TokenMiddleware:
    """Pure ASGI middleware (server-sent events stream through it untouched)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(str(value).encode(), self.token)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        cookies = dict(p.strip().split("=", 1) for p in headers.get("cookie", "").split(";") if "=" in p)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        from_query = next((v for k, v in query if k == "token"), None)
        if self._ok(from_query):  # set the cookie, then show the same URL without the token
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
            await _respond(send, 303, b"", [(b"location", location.encode()), (
                b"set-cookie", f"{COOKIE}={from_query}; Path=/; HttpOnly; SameSite=Strict".encode())])
            return
        if (self._ok(auth[7:] if auth.lower().startswith("bearer ") else None)
                or self._ok(headers.get("x-weir-token")) or self._ok(cookies.get(COOKIE))):
            await self.app(scope, receive, send)
            return
        await _respond(send, 401, b"401 Unauthorized: this weir UI needs its token "
                                  b"(open it once with ?token=..., or send Authorization: Bearer ...)\n",
                       [(b"content-type", b"text/plain; charset=utf-8"), (b"www-authenticate", b"Bearer")])


async def _respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
