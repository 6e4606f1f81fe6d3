"""The Starlette application of ``weir ui``: server-rendered pages, the JSON API they are built
from, server-sent events for live updates and ``/metrics`` for Prometheus. Read-only."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from weir.errors import MissingExtraError
from weir.web.auth import TokenMiddleware
from weir.web.data import UIData

#: how often the event stream looks at the ledger, and sends a keep-alive comment
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0


def _starlette() -> Any:
    try:
        import starlette.applications as apps
    except ImportError:
        raise MissingExtraError("starlette (the web UI)", "ui") from None
    return apps


def create_app(data: UIData, *, token: str | None = None, poll: float = POLL_SECONDS) -> Any:
    """The ASGI app over ``data``; with ``token`` every request must carry it."""
    apps = _starlette()
    from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    from weir.web import pages
    from weir.web.metrics import CONTENT_TYPE, render_metrics

    def api(fn: Any) -> Any:
        async def endpoint(request: Any) -> Any:
            value = await asyncio.to_thread(fn, request)
            if value is None:
                return JSONResponse({"error": "not found"}, status_code=404)
            return Response(json.dumps(value, default=str), media_type="application/json")
        return endpoint

    def page(fn: Any) -> Any:
        async def endpoint(request: Any) -> Any:
            status, html = await asyncio.to_thread(fn, data, request)
            return HTMLResponse(html, status_code=status)
        return endpoint

    async def metrics(request: Any) -> Any:
        body = await asyncio.to_thread(render_metrics, data.ledger)
        return Response(body, media_type=CONTENT_TYPE)

    async def events(request: Any) -> Any:
        """``change`` events (data: the live state) whenever the ledger's run states move."""
        since = request.query_params.get("since")

        async def stream() -> Any:
            last, quiet = since, time.monotonic()
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                current = await asyncio.to_thread(data.state_hash)
                if current != last:
                    live = await asyncio.to_thread(data.live)
                    yield f"event: change\nid: {current}\ndata: {json.dumps(live, default=str)}\n\n"
                    last, quiet = current, time.monotonic()
                elif time.monotonic() - quiet > KEEPALIVE_SECONDS:
                    yield ": keep-alive\n\n"
                    quiet = time.monotonic()
                await asyncio.sleep(poll)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

    q = lambda r, k, d=None: r.query_params.get(k, d)  # noqa: E731
    routes = [
        Route("/", page(pages.home)),
        Route("/runs/{run_id}", page(pages.run)),
        Route("/pipelines", page(pages.pipelines)),
        Route("/pipelines/{pipeline_id}", page(pages.pipeline)),
        Route("/pipelines/{pipeline_id}/runs/{run_id}", page(pages.pipeline)),
        Route("/pipelines/{pipeline_id}/runs/{run_id}/tasks/{task_id}", page(pages.task_log)),
        Route("/lineage", page(pages.lineage)),
        Route("/models/{uid}", page(pages.model)),
        Route("/tables", page(pages.tables)),
        Route("/tables/{name}", page(pages.table)),
        Route("/metrics", metrics),
        Route("/api/events", events),
        Route("/api/runs", api(lambda r: {"builds": data.builds(int(q(r, "limit", 20))),
                                          "pipeline_runs": data.pipeline_runs(limit=int(q(r, "limit", 20)))})),
        Route("/api/runs/{run_id}", api(lambda r: data.build(r.path_params["run_id"])
                                        or data.pipeline_run(r.path_params["run_id"]))),
        Route("/api/pipelines", api(lambda r: data.pipelines())),
        Route("/api/pipelines/{pipeline_id}/runs", api(
            lambda r: data.pipeline_runs(r.path_params["pipeline_id"], limit=int(q(r, "limit", 50)))
            if r.path_params["pipeline_id"] in data.pp.pipelines else None)),
        Route("/api/runs/{run_id}/tasks/{task_id}/log", api(
            lambda r: data.task_log(r.path_params["run_id"], r.path_params["task_id"],
                                    int(q(r, "map_index")) if q(r, "map_index") is not None else None))),
        Route("/api/lineage", api(lambda r: data.lineage())),
        Route("/api/models/{uid}", api(lambda r: data.model(r.path_params["uid"]))),
        Route("/api/tables", api(lambda r: data.tables())),
        Route("/api/tables/{name}/history", api(lambda r: pages.table_history(data, r.path_params["name"]))),
        Route("/api/live", api(lambda r: data.live())),
    ]
    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        yield
        data.close()

    app = apps.Starlette(routes=routes, lifespan=lifespan)
    if token is not None:
        return TokenMiddleware(app, token)
    return app
