"""REST sources against an HTTP API served by the test itself (``http.server`` in a thread):
each pagination kind, 429 with Retry-After, 500 then success, a refused token, and an
incremental rerun that asks only for new records."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import table_columns, table_rows, write_project

from weir.errors import WeirError
from weir.ingest import rest
from weir.ingest.base import SourceAuthError, SourceUnavailable
from weir.ingest.loader import load
from weir.workspace import Workspace

pytestmark = pytest.mark.integration

TOKEN = "s3cr3t-token-value"


class Api:
    """An in-memory API: 23 orders, pages of them by every pagination style."""

    def __init__(self) -> None:
        self.orders = [{"id": i, "updated_at": f"2024-01-{1 + i // 4:02d}T00:00:00", "amount": i * 1.5,
                        "customer": {"name": f"c{i}", "tier": i % 3}} for i in range(1, 24)]
        self.requests: list[str] = []
        self.fail_next: list[tuple[int, dict[str, str]]] = []  # (status, headers) to answer first

    def page(self, query: dict[str, str], path: str) -> tuple[int, dict[str, str], Any]:
        rows = self.orders
        if "updated_since" in query:
            rows = [r for r in rows if r["updated_at"] >= query["updated_since"]]
        if path == "/page":
            n, size = int(query["page"]), int(query["page_size"])
            return 200, {}, {"data": rows[(n - 1) * size:n * size]}
        if path == "/offset":
            o, lim = int(query["offset"]), int(query["limit"])
            return 200, {}, {"items": rows[o:o + lim], "total": len(rows)}
        if path == "/cursor":
            start = int(query.get("after", 0))
            chunk = rows[start:start + 5]
            more = start + 5 < len(rows)
            return 200, {}, {"results": chunk, "meta": {"next": str(start + 5) if more else None}}
        if path == "/link":
            start = int(query.get("start", 0))
            links = {"Link": f'</link?start={start + 7}>; rel="next"'} if start + 7 < len(rows) else {}
            return 200, links, rows[start:start + 7]
        return 404, {}, {"error": "no such endpoint"}


@pytest.fixture
def api() -> Iterator[tuple[Api, str]]:
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            state.requests.append(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path.startswith("/secure") and self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._send(401, {}, {"error": "bad token"})
            if state.fail_next:
                status, headers = state.fail_next.pop(0)
                return self._send(status, headers, {"error": "try later"})
            status, headers, body = state.page(query, url.path.removeprefix("/secure"))
            self._send(status, headers, body)

        def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _rows(root: Path, table: str) -> list[tuple[Any, ...]]:
    return table_rows(root, "raw", table)


PAGINATORS = {
    "page": {"endpoint": "page", "data_selector": "data", "paginator": {"type": "page", "page_size": 5}},
    "offset": {"endpoint": "offset", "data_selector": "items",
               "paginator": {"type": "offset", "limit": 6, "total_path": "total"}},
    "cursor": {"endpoint": "cursor", "data_selector": "results",
               "paginator": {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}},
    "link": {"endpoint": "link", "paginator": "link"},
}


@pytest.mark.parametrize("kind", list(PAGINATORS))
def test_every_pagination_kind_loads_all_records_once(api, tmp_path, kind):
    state, url = api
    source = {"name": "shop", "schema": "raw", "ingest": {"type": "rest", "base_url": url},
              "tables": [{"name": "orders", "ingest": PAGINATORS[kind]}]}
    root = write_project(tmp_path, [source])
    with Workspace.load(root) as ws:
        result = ws.ingest()
    assert result.success, [r.message for r in result.results]
    assert table_columns(root, "raw", "orders") == ["id", "updated_at", "amount", "customer__name", "customer__tier"]
    rows = _rows(root, "orders")
    assert [r[0] for r in rows] == list(range(1, 24))
    assert rows[0][2:] == (1.5, "c1", 1)
    expected_requests = {"page": 6, "offset": 4, "cursor": 5, "link": 4}[kind]
    assert len(state.requests) == expected_requests


def test_429_with_retry_after_and_500_then_success(api, tmp_path):
    state, url = api
    state.fail_next = [(429, {"Retry-After": "1"}), (500, {}), (503, {})]
    src = rest.resource(url, "page", data_selector="data", paginator={"type": "page", "page_size": 50},
                        max_retries=3)
    result = load(src, into="raw.orders", warehouse=str(tmp_path / "wh"))
    assert result.rows_written == 23
    assert len(state.requests) == 3 + 2  # three refusals, then two pages (the second one empty)


def test_retries_give_up_with_one_clear_error_without_query_secrets(api, tmp_path):
    state, url = api
    state.fail_next = [(500, {})] * 3
    src = rest.resource(url, "page", data_selector="data", paginator={"type": "page"}, max_retries=2,
                        auth={"type": "api_key", "name": "api_key", "location": "query", "token": TOKEN})
    with pytest.raises(SourceUnavailable) as err:
        load(src, into="raw.orders", warehouse=str(tmp_path / "wh"), mode="full")
    text = str(err.value)
    assert f"rest source page ({url}/page)" in text and "HTTP 500" in text and "after 3 attempts" in text
    assert TOKEN not in text and "api_key=" not in text


def test_auth_failure_names_the_source_and_not_the_token(api, tmp_path, monkeypatch):
    _state, url = api
    monkeypatch.setenv("SHOP_API_TOKEN", "wrong-" + TOKEN)
    source = {"name": "shop", "schema": "raw",
              "ingest": {"type": "rest", "base_url": url + "/secure",
                         "headers": {"Authorization": "Bearer {{ env_var('SHOP_API_TOKEN') }}"}},
              "tables": [{"name": "orders", "ingest": {"endpoint": "page", "data_selector": "data",
                                                       "paginator": {"type": "page"}}}]}
    root = write_project(tmp_path, [source])
    with Workspace.load(root) as ws:
        result = ws.ingest()
    msg = result.results[0].message
    assert not result.success and "rest source shop.orders" in msg and "authentication failed (HTTP 401)" in msg
    assert TOKEN not in msg
    monkeypatch.setenv("SHOP_API_TOKEN", TOKEN)
    with Workspace.load(root) as ws:
        assert ws.ingest().success
    assert len(_rows(root, "orders")) == 23
    with pytest.raises(SourceAuthError):
        load(rest.resource(url + "/secure", "page", data_selector="data", auth={"type": "bearer", "token": "nope"}),
             into="raw.x", warehouse=str(tmp_path / "wh"))


def test_incremental_rerun_asks_for_and_loads_only_new_records(api, tmp_path):
    state, url = api
    table = {"endpoint": "page", "data_selector": "data", "paginator": {"type": "page", "page_size": 10},
             "mode": "incremental", "cursor": "updated_at", "cursor_param": "updated_since"}
    source = {"name": "shop", "schema": "raw", "ingest": {"type": "rest", "base_url": url, "batch_size": 4},
              "tables": [{"name": "orders", "ingest": table}]}
    root = write_project(tmp_path, [source])
    with Workspace.load(root) as ws:
        assert ws.ingest().results[0].rows == 23
    state.requests.clear()
    state.orders.append({"id": 24, "updated_at": "2024-01-07T00:00:00", "amount": 1.0,
                         "customer": {"name": "new", "tier": 0}, "channel": "web"})
    with Workspace.load(root) as ws:
        second = ws.ingest().results[0]
    assert second.rows == 1
    assert "updated_since=2024-01-06T00%3A00%3A00" in state.requests[0]
    rows = _rows(root, "orders")
    assert [r[0] for r in rows] == list(range(1, 25))
    assert table_columns(root, "raw", "orders")[-1] == "channel" and rows[-1][-1] == "web"


def test_unreachable_api_is_one_clear_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = rest.resource(f"http://127.0.0.1:{port}", "things", max_retries=1, name="shop.things")
    with pytest.raises(WeirError) as err:
        load(src, into="raw.things", warehouse=str(tmp_path / "wh"))
    assert f"rest source shop.things (http://127.0.0.1:{port}/things): cannot reach" in str(err.value)
