"""REST API source: one endpoint's JSON records, every page, into a table.

    from weir.ingest import load, rest
    src = rest.resource("https://api.example.com/v1", "orders", data_selector="data",
                        paginator={"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"},
                        auth={"type": "bearer", "token_env": "SHOP_TOKEN"},
                        cursor="updated_at", cursor_param="updated_since")
    load(src, into="raw.orders", mode="incremental", project=".")

Pagination (``paginator:``): ``page`` (page number + page size, stops on an empty page),
``offset`` (offset/limit, stops on an empty page or at the ``total_path`` count),
``cursor`` (the next cursor from the body sent back as a parameter), ``link`` (the
RFC 5988 ``Link: <...>; rel="next"`` header), ``none`` (one request, the default).

Pages are spooled to disk, then typed over all records (``weir.ingest.spool``) and read
back in cursor order, so incremental loads commit a high-water mark per batch through
the loader; the next run sends it as ``cursor_param`` (rows equal to it are dropped).
Requests are retried on 429 (honouring ``Retry-After``), 5xx and connection errors with
exponential backoff and jitter. Tokens and headers never appear in logs or errors;
URLs in errors have no query string.
"""

from __future__ import annotations

import base64
import email.utils
import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from weir.errors import ConfigError
from weir.ingest.base import IngestError, SourceAuthError, SourceUnavailable
from weir.ingest.spool import Spool, SpooledSource
from weir.ingest.sql import render_secret, scrub

PAGINATORS = ("none", "page", "offset", "cursor", "link")
MAX_PAGES = 100_000
_RETRY_STATUS = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class RestOptions:
    """The request side of a REST source (the ``ingest:`` keys of type rest)."""

    params: dict[str, Any] = field(default_factory=dict)
    data_selector: str | None = None  # dot path to the records list ("data", "result.items")
    paginator: dict[str, Any] = field(default_factory=lambda: {"type": "none"})
    headers: dict[str, str] = field(default_factory=dict)  # values may use {{ env_var('X') }}
    auth: dict[str, Any] = field(default_factory=dict)  # type: bearer|basic|api_key + *_env
    cursor_param: str | None = None  # request parameter that receives the stored cursor
    nested: str = "flatten"  # flatten | json
    timeout: float = 30.0
    max_retries: int = 5
    backoff: float = 0.5  # first retry waits about this long, doubling up to max_backoff
    max_backoff: float = 30.0


def options_from(block: Mapping[str, Any]) -> RestOptions:
    """RestOptions from an ``ingest:`` block."""
    pag = block.get("paginator") or {"type": "none"}
    pag = {"type": pag} if isinstance(pag, str) else dict(pag)
    if pag.get("type", "none") not in PAGINATORS:
        raise ConfigError(f"unknown paginator type {pag.get('type')!r}", hint=f"use one of: {', '.join(PAGINATORS)}")
    nested = str(block.get("nested") or "flatten")
    if nested not in ("flatten", "json"):
        raise ConfigError(f"nested: {nested!r} is not flatten or json")
    return RestOptions(
        params=dict(block.get("params") or {}), data_selector=block.get("data_selector"), paginator=pag,
        headers={str(k): str(v) for k, v in (block.get("headers") or {}).items()}, auth=dict(block.get("auth") or {}),
        cursor_param=block.get("cursor_param"), nested=nested, timeout=float(block.get("timeout") or 30),
        max_retries=int(block.get("max_retries", 5) if block.get("max_retries") is not None else 5))


def public_url(url: str) -> str:
    """``url`` without its query string (which may carry an API key)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))


def select(body: Any, path: str | None) -> list[dict[str, Any]]:
    """The records of a response body: at ``path`` (dots), else the body or its first list."""
    if path:
        for part in path.split("."):
            body = body.get(part) if isinstance(body, dict) else None
        if body is None:
            return []
    elif isinstance(body, dict):
        lists = [v for v in body.values() if isinstance(v, list)]
        body = lists[0] if lists else [body]
    if not isinstance(body, list):
        raise IngestError(f"data_selector {path!r} does not point at a list of records")
    return [r if isinstance(r, dict) else {"value": r} for r in body]


def _dig(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body.get(part) if isinstance(body, dict) else None
    return body


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 5988 Link header."""
    for part in (header or "").split(","):
        m = re.match(r'\s*<([^>]*)>(.*)', part)
        if m and re.search(r'rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', m.group(2)):
            return m.group(1)
    return None


class RestSource(SpooledSource):
    """One endpoint of a REST API; see the module docstring."""

    kind = "rest"
    tracks_position = False

    def __init__(self, base_url: str, endpoint: str, *, options: RestOptions | None = None, cursor: str | None = None,
                 name: str | None = None, primary_key: Sequence[str] = (), batch_size: int = 100_000) -> None:
        self.base_url, self.endpoint = base_url, endpoint
        self.options = options or RestOptions()
        self.cursor = cursor
        self.name = name or endpoint
        self.primary_key = tuple(primary_key)
        self.batch_size = int(batch_size)
        self._spool: Spool | None = None
        self.requests = 0

    # -- the Source protocol -----------------------------------------------------------------------
    def describe(self) -> str:
        return f"rest source {self.name} ({public_url(self.url())})"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    def url(self) -> str:
        if re.match(r"^https?://", self.endpoint):
            return self.endpoint
        return self.base_url.rstrip("/") + "/" + self.endpoint.lstrip("/")

    def prepare(self, state: dict[str, Any]) -> None:
        """Fetch every page into the spool (the schema needs all records)."""
        if self._spool is not None:
            self._spool.close()
        self._spool = Spool(self.options.nested)
        params = dict(self.options.params)
        if self.options.cursor_param and state.get("cursor") is not None:
            params[self.options.cursor_param] = state["cursor"]
        for records in self.pages(params):
            self._spool.add(records)

    # -- HTTP --------------------------------------------------------------------------------------
    def pages(self, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """The records of each page, following the paginator."""
        pag = self.options.paginator
        kind = pag.get("type", "none")
        url: str | None = self.url()
        number = int(pag.get("start_page", 1))
        offset = int(pag.get("start_offset", 0))
        size = int(pag.get("page_size") or pag.get("limit") or 100)
        seen_cursors: set[str] = set()
        for _ in range(int(pag.get("max_pages") or MAX_PAGES)):
            assert url is not None
            query = dict(params)
            if kind == "page":
                query[pag.get("page_param", "page")] = number
                query[pag.get("size_param", "page_size")] = size
            elif kind == "offset":
                query[pag.get("offset_param", "offset")] = offset
                query[pag.get("limit_param", "limit")] = size
            body, headers = self.get(url, query)
            records = select(body, self.options.data_selector)
            if records or kind in ("none", "cursor", "link"):
                yield records
            if kind == "none" or (kind in ("page", "offset") and not records):
                return
            if kind == "page":
                number += 1
            elif kind == "offset":
                offset += len(records)
                total = _dig(body, pag["total_path"]) if pag.get("total_path") else None
                if total is not None and offset >= int(total):
                    return
            elif kind == "cursor":
                token = _dig(body, pag.get("cursor_path", "next_cursor"))
                if token in (None, "") or str(token) in seen_cursors:
                    return
                seen_cursors.add(str(token))
                params = {**params, pag.get("cursor_param", "cursor"): token}
            elif kind == "link":
                link = next_link(headers.get("Link") or headers.get("link"))
                if not link:
                    return
                url, params = urllib.parse.urljoin(url, link), {}
        raise IngestError(f"{self.describe()}: more than {pag.get('max_pages') or MAX_PAGES} pages",
                          hint="raise paginator.max_pages, or check that the API's pagination ends")

    def _auth(self) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """(headers, query params, secret values) from ``headers:`` and ``auth:``."""
        headers = {k: str(render_secret(v)) for k, v in self.options.headers.items()}
        query: dict[str, str] = {}
        secrets = [v for k, v in headers.items() if k.lower() not in ("accept", "content-type", "user-agent")]
        auth = self.options.auth

        def secret(key: str) -> str:
            env = auth.get(f"{key}_env")
            value = os.environ.get(str(env)) if env else render_secret(auth.get(key))
            if not value:
                raise ConfigError(f"{self.describe()}: auth {key} is not set" + (f" (environment variable {env})"
                                  if env else ""), hint=f"set {env}" if env else f"set auth.{key}_env")
            secrets.append(str(value))
            return str(value)

        kind = auth.get("type")
        if kind == "bearer":
            headers["Authorization"] = "Bearer " + secret("token")
        elif kind == "basic":
            user = str(render_secret(auth.get("username")) or "") if not auth.get("username_env") else secret("username")
            pair = base64.b64encode(f"{user}:{secret('password')}".encode()).decode()
            headers["Authorization"] = "Basic " + pair
            secrets.append(pair)
        elif kind == "api_key":
            key, where = str(auth.get("name", "X-API-Key")), auth.get("location", "header")
            (query if where == "query" else headers)[key] = secret("token")
        elif kind is not None:
            raise ConfigError(f"{self.describe()}: unknown auth type {kind!r}", hint="use bearer, basic or api_key")
        return headers, query, secrets

    def get(self, url: str, params: Mapping[str, Any]) -> tuple[Any, Mapping[str, str]]:
        """GET ``url`` with ``params`` as JSON, retried on 429/5xx/connection errors."""
        headers, auth_query, secrets = self._auth()
        query = {**{k: v for k, v in params.items() if v is not None}, **auth_query}
        full = url + (("&" if "?" in url else "?") + urllib.parse.urlencode(query, doseq=True) if query else "")
        where = public_url(url)
        o = self.options
        for attempt in range(o.max_retries + 1):
            last = attempt == o.max_retries
            request = urllib.request.Request(full, headers={"Accept": "application/json", **headers})
            self.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=o.timeout) as resp:
                    data, resp_headers = resp.read(), resp.headers
            except urllib.error.HTTPError as exc:
                status, detail = exc.code, scrub(exc.read(500).decode("utf-8", "replace"), secrets)
                exc.close()
                if status in (401, 403):
                    raise SourceAuthError(f"{self.describe()}: authentication failed (HTTP {status}) at {where}",
                                          hint="check the API token or credentials of the source's auth:") from None
                if status not in _RETRY_STATUS:
                    raise IngestError(f"{self.describe()}: HTTP {status} from {where}: {' '.join(detail.split())}")\
                        from None
                if last:
                    raise SourceUnavailable(f"{self.describe()}: HTTP {status} from {where} after "
                                            f"{o.max_retries + 1} attempts", hint="retry later") from None
                self._sleep(attempt, exc.headers.get("Retry-After") if status == 429 else None)
                continue
            except (urllib.error.URLError, OSError) as exc:
                reason = scrub(str(getattr(exc, "reason", exc)), secrets)
                if last:
                    raise SourceUnavailable(f"{self.describe()}: cannot reach {where} after {o.max_retries + 1} "
                                            f"attempts: {reason}", hint="is the API reachable from here?") from None
                self._sleep(attempt, None)
                continue
            try:
                return json.loads(data), resp_headers
            except ValueError:
                raise IngestError(f"{self.describe()}: {where} did not answer JSON") from None
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        o = self.options
        wait = min(o.max_backoff, o.backoff * 2 ** attempt) * random.uniform(0.5, 1.0)
        if retry_after:
            wait = max(wait, min(o.max_backoff * 4, _retry_after(retry_after)))
        time.sleep(wait)


def _retry_after(value: str) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 0.0
        return max(0.0, when.timestamp() - time.time())


def resource(base_url: str, endpoint: str, *, cursor: str | None = None, name: str | None = None,
             primary_key: Sequence[str] = (), batch_size: int = 100_000, **options: Any) -> RestSource:
    """A REST endpoint as a source; ``options`` are the keys of a rest ``ingest:`` block
    (params, data_selector, paginator, headers, auth, cursor_param, nested, timeout, max_retries)."""
    return RestSource(base_url, endpoint, options=options_from(options), cursor=cursor, name=name,
                      primary_key=primary_key, batch_size=batch_size)


__all__ = ["RestOptions", "RestSource", "next_link", "options_from", "resource", "select"]
