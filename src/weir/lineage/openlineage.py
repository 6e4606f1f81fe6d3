"""OpenLineage run events for weir's nodes, sent from a background thread.

Events are built with the ``openlineage-python`` client's classes (imported lazily: the
``openlineage`` extra) and handed to a queue; a daemon thread sends them over HTTP and/or
appends them to a JSON-lines file. Sending never raises into a run: failures are logged.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import queue
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from weir.config import OpenLineageSettings
from weir.errors import ConfigError, MissingExtraError
from weir.lineage.model import NodeLineage

log = logging.getLogger("weir.openlineage")
PRODUCER = "https://github.com/weir-data/weir"
_UUID_ROOT = uuid.UUID("0f4e1d0a-5c3b-4e8e-9a57-7765697200ff")  # weir's namespace for stable run ids
#: weir's transformation kinds as OpenLineage (type, subtype)
_TRANSFORMATIONS = {
    "direct": ("DIRECT", "IDENTITY"), "derived": ("DIRECT", "TRANSFORMATION"),
    "aggregated": ("DIRECT", "AGGREGATION"), "window": ("INDIRECT", "WINDOW"),
    "filter": ("INDIRECT", "FILTER"), "join": ("INDIRECT", "JOIN"), "group_by": ("INDIRECT", "GROUP_BY"),
}


def run_uuid(*parts: str) -> str:
    """A stable UUID for weir's run id (and node): OpenLineage run ids must be UUIDs."""
    return str(uuid.uuid5(_UUID_ROOT, "/".join(parts)))


@dataclass(frozen=True)
class DatasetInfo:
    """One input or output table of a node: its node, ``schema.table`` name and columns."""

    unique_id: str
    name: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeRun:
    """What an event says about one node of one weir run."""

    run_id: str  # weir's run id
    command: str  # build, run, ...
    namespace: str  # job namespace: the project
    job: str  # job name: the node
    unique_id: str
    dataset_namespace: str  # the warehouse URI
    inputs: tuple[DatasetInfo, ...] = ()
    output: DatasetInfo | None = None
    lineage: NodeLineage | None = None
    sql: str | None = None


def _ol() -> Any:
    try:
        from openlineage.client import event_v2, facet_v2
    except ImportError:
        raise MissingExtraError("openlineage-python", "openlineage") from None
    return event_v2, facet_v2


def node_event(run: NodeRun, state: str, *, error: str | None = None,
               when: datetime.datetime | None = None) -> Any:
    """A START, COMPLETE or FAIL ``RunEvent`` for one node, with datasets and facets."""
    event_v2, facet_v2 = _ol()
    run_facets: dict[str, Any] = {"parent": facet_v2.parent_run.ParentRunFacet(
        run=facet_v2.parent_run.Run(runId=run_uuid(run.run_id)),
        job=facet_v2.parent_run.Job(namespace=run.namespace, name=f"weir.{run.command}"))}
    if error is not None:
        run_facets["errorMessage"] = facet_v2.error_message_run.ErrorMessageRunFacet(
            message=error, programmingLanguage="SQL")
    job_facets: dict[str, Any] = {"jobType": facet_v2.job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="WEIR", jobType=run.unique_id.split(".")[0].upper())}
    if run.sql:
        job_facets["sql"] = facet_v2.sql_job.SQLJobFacet(query=run.sql)
    by_uid = {d.unique_id: d for d in run.inputs}
    inputs = [event_v2.InputDataset(namespace=run.dataset_namespace, name=d.name,
                                    facets=_schema_facet(facet_v2, d)) for d in run.inputs]
    outputs = []
    if run.output is not None:
        facets = _schema_facet(facet_v2, run.output)
        if run.lineage is not None and run.lineage.columns:
            facets["columnLineage"] = _column_lineage(facet_v2, run, by_uid)
        outputs.append(event_v2.OutputDataset(namespace=run.dataset_namespace, name=run.output.name,
                                              facets=facets))
    stamp = (when or datetime.datetime.now(datetime.UTC)).isoformat()
    return event_v2.RunEvent(
        eventType=getattr(event_v2.RunState, state), eventTime=stamp, producer=PRODUCER,
        run=event_v2.Run(runId=run_uuid(run.run_id, run.unique_id), facets=run_facets),
        job=event_v2.Job(namespace=run.namespace, name=run.job, facets=job_facets),
        inputs=inputs, outputs=outputs)


def _schema_facet(facet_v2: Any, d: DatasetInfo) -> dict[str, Any]:
    if not d.fields:
        return {}
    fields = [facet_v2.schema_dataset.SchemaDatasetFacetFields(name=c, type=t or None) for c, t in d.fields.items()]
    return {"schema": facet_v2.schema_dataset.SchemaDatasetFacet(fields=fields)}


def _column_lineage(facet_v2: Any, run: NodeRun, inputs: dict[str, DatasetInfo]) -> Any:
    cl = facet_v2.column_lineage_dataset
    assert run.lineage is not None

    def field_of(node: str, column: str, kind: str) -> Any:
        name = inputs[node].name if node in inputs else node
        type_, subtype = _TRANSFORMATIONS.get(kind, ("DIRECT", "TRANSFORMATION"))
        return cl.InputField(namespace=run.dataset_namespace, name=name, field=column,
                             transformations=[cl.Transformation(type=type_, subtype=subtype)])

    fields = {col: cl.Fields(inputFields=[field_of(r.node, r.column, r.kind) for r in refs])
              for col, refs in run.lineage.columns.items()}
    dataset = [field_of(r.node, r.column, r.kind) for r in run.lineage.row_inputs]
    return cl.ColumnLineageDatasetFacet(fields=fields, dataset=dataset)


def to_json(event: Any) -> str:
    """An event as the JSON text OpenLineage consumers read."""
    from openlineage.client.serde import Serde

    return str(Serde.to_json(event))


class Emitter:
    """Sends events from a daemon thread so a slow or dead endpoint never slows a run."""

    def __init__(self, settings: OpenLineageSettings, *, root: Path) -> None:
        url = settings.url or os.environ.get("OPENLINEAGE_URL")
        if not url and not settings.file:
            raise ConfigError("openlineage needs a url (or OPENLINEAGE_URL) or a file",
                              path="weir.yml", hint="e.g. openlineage: {url: http://localhost:5000}")
        self.timeout = settings.timeout
        self.http = _http_transport(url, settings) if url else None
        self.file: Path | None = None
        if settings.file:
            self.file = Path(settings.file) if Path(settings.file).is_absolute() else root / settings.file
            self.file.parent.mkdir(parents=True, exist_ok=True)
        self.sent = 0
        self.failed = 0
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="weir-openlineage", daemon=True)
        self._thread.start()

    def emit(self, event: Any) -> None:
        self._queue.put(event)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait (at most ``timeout`` s) until every queued event was handled; False on time-out."""
        done = threading.Event()
        self._queue.put(done)
        ok = done.wait(self.timeout if timeout is None else timeout)
        if not ok:
            log.warning("OpenLineage: events still queued after %.1fs; they are sent in the background",
                        self.timeout)
        return ok

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            self._send(item)

    def _send(self, event: Any) -> None:
        try:
            if self.file is not None:
                with self.file.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(json.loads(to_json(event)), separators=(",", ":")) + "\n")
            if self.http is not None:
                self.http.emit(event)
            self.sent += 1
        except Exception as exc:  # any transport error: a run must not fail for its lineage events
            self.failed += 1
            log.warning("OpenLineage event for %s not sent: %s", getattr(event.job, "name", "?"), exc)


def _http_transport(url: str, settings: OpenLineageSettings) -> Any:
    try:
        from openlineage.client.transport.http import HttpConfig, HttpTransport
    except ImportError:
        raise MissingExtraError("openlineage-python", "openlineage") from None
    config: dict[str, Any] = {"url": url, "endpoint": settings.endpoint, "timeout": settings.timeout,
                              "retry": {"total": 2, "backoff_factor": 0.2, "status_forcelist": [500, 502, 503, 504]}}
    key = os.environ.get(settings.api_key_env) if settings.api_key_env else os.environ.get("OPENLINEAGE_API_KEY")
    if settings.api_key_env and not key:
        raise ConfigError(f"openlineage.api_key_env names {settings.api_key_env}, which is not set",
                          path="weir.yml", hint=f"export {settings.api_key_env}=...")
    if key:
        config["auth"] = {"type": "api_key", "apiKey": key}
    return HttpTransport(HttpConfig.from_dict(config))
