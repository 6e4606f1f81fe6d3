"""Stream nodes declared in a project: ``streams/*.yml`` files with a ``streams:`` list.

Each entry names a Kafka topic (or several), how to decode it, how to batch it, an optional
SQL transform, row checks, and the table it lands in. Every stream's tables are declared as
sources of the source ``streams`` so models read them with ``{{ source('streams', name) }}``.

Values may use dbt's ``{{ env_var('X') }}`` / ``{{ env_var('X', 'default') }}`` and ``{{ var('x') }}``,
rendered as :mod:`weir.project.yaml_render` does, and ``${X}`` as before. The connection keys
(``bootstrap_servers``, ``consumer``: broker addresses, SASL passwords) are rendered only when a
stream connects (:meth:`StreamSpec.connection`), so their values are never kept on the spec,
logged, or needed by commands that do not stream; ``transform`` and ``expectations`` are kept as
written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from weir.errors import ProjectError
from weir.graph.node import Column
from weir.project.properties import SourceTable
from weir.project.yaml_render import LATER, render_yaml
from weir.project.yamlio import line_of, read_yaml

STREAM_SOURCE = "streams"
BOOTSTRAP_ENV = "WEIR_STREAM__BOOTSTRAP_SERVERS"
#: rendered when the stream connects, not when the file is read
CONNECTION_KEYS = frozenset({"bootstrap_servers", "consumer"})
_KEEP = LATER | CONNECTION_KEYS | {"transform", "expectations"}
_DOLLAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand_dollar(value: Any, path: str, where: str) -> Any:
    """``${VAR}`` in strings (nested too) from the environment; an unset one names file and key."""
    if isinstance(value, dict):
        return {k: _expand_dollar(v, path, f"{where}.{k}") for k, v in value.items()}
    if not isinstance(value, str) or "${" not in value:
        return value

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in os.environ:
            raise ProjectError(f"{where}: environment variable {m.group(1)!r} is not set", path=path,
                               hint="set it, or write {{ env_var('" + m.group(1) + "', 'default') }}")
        return os.environ[m.group(1)]

    return _DOLLAR.sub(one, value)


class DecodeSpec(BaseModel):
    """How message values become rows: ``json``, ``avro`` (with a schema file) or ``raw`` bytes."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["json", "avro", "raw"] = "json"
    #: Avro schema file (.avsc), relative to the project
    schema_file: str | None = Field(None, alias="schema")
    #: ``confluent``: values start with the Schema Registry's 5-byte header (magic 0 + schema id)
    wire_format: Literal["plain", "confluent"] = "plain"

    @model_validator(mode="after")
    def _avro_needs_schema(self) -> DecodeSpec:
        if self.format == "avro" and not self.schema_file:
            raise ValueError("decode: avro needs `schema: path/to/file.avsc`")
        return self


class WindowSpec(BaseModel):
    """Event-time windows aggregated per group and upserted on (window_start, window_end, keys)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["tumbling", "sliding"] = "tumbling"
    time_column: str
    size: str
    #: sliding windows only: how far apart consecutive windows start
    slide: str | None = None
    #: how far behind the newest event time the watermark trails
    watermark: str = "0s"
    #: how long after its end (measured on the watermark) a window still accepts events
    allowed_lateness: str = "0s"
    group_by: list[str] = Field(default_factory=list)
    #: output column -> aggregate: count(*), count(x), sum(x), min(x), max(x)
    aggregates: dict[str, str]

    @model_validator(mode="after")
    def _slide(self) -> WindowSpec:
        if self.type == "sliding" and not self.slide:
            raise ValueError("a sliding window needs `slide:` (e.g. size: 10m, slide: 5m)")
        return self


class StreamSpec(BaseModel):
    """One stream node: Kafka topic(s) -> decode -> batch -> transform -> checks -> table."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    description: str = ""
    topics: list[str]
    bootstrap_servers: str | None = None
    group: str | None = None
    #: extra librdkafka consumer settings (not secrets: those come from the environment)
    consumer: dict[str, Any] = Field(default_factory=dict)
    start: Literal["earliest", "latest"] = "earliest"
    decode: DecodeSpec = Field(default_factory=lambda: DecodeSpec.model_validate({}))
    batch_size: int = 10_000
    batch_seconds: float = 5.0
    transform: str | None = None
    expectations: list[Any] = Field(default_factory=list)
    #: ``dead_letter``: bad rows go to ``<table>__dead_letters``; ``fail``: stop the stream
    on_fail: Literal["dead_letter", "fail"] = "dead_letter"
    dead_letter_topic: str | None = None
    mode: Literal["append", "merge"] = "append"
    keys: list[str] = Field(default_factory=list)
    #: merge mode: rows matching this SQL predicate delete their key (CDC), e.g. "op = 'd'"
    delete_when: str | None = None
    #: keep _kafka_topic/_partition/_offset/_key/_timestamp columns in the table
    metadata_columns: bool = False
    window: WindowSpec | None = None
    target_schema: str | None = Field(None, alias="schema")
    alias: str | None = None
    table_format: str | None = None
    enabled: bool = True
    tags: list[str] = Field(default_factory=list)
    columns: list[dict[str, Any]] = Field(default_factory=list)
    #: where it was declared (set by the loader)
    path: str = ""
    line: int | None = None

    @field_validator("topics", "keys", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("decode", mode="before")
    @classmethod
    def _decode(cls, v: Any) -> Any:
        return {"format": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> StreamSpec:
        if not self.topics:
            raise ValueError("a stream needs at least one topic")
        if self.batch_size < 1 or self.batch_seconds <= 0:
            raise ValueError("batch_size must be >= 1 and batch_seconds > 0")
        if self.mode == "merge" and not self.keys:
            raise ValueError("mode: merge needs keys: [column, ...]")
        if self.delete_when and self.mode != "merge":
            raise ValueError("delete_when needs mode: merge (deletes are matched on keys)")
        if self.window is not None and (self.mode == "merge" or self.delete_when):
            raise ValueError("a windowed stream upserts its windows itself: leave out mode/delete_when")
        return self

    @property
    def identifier(self) -> str:
        return self.alias or self.name

    @property
    def servers(self) -> str | None:
        return self.connection()[0]

    def connection(self, vars: Mapping[str, Any] | None = None) -> tuple[str | None, dict[str, Any]]:
        """Bootstrap servers and consumer settings with ``{{ env_var(..) }}``, ``{{ var(..) }}`` and
        ``${VAR}`` resolved (``$WEIR_STREAM__BOOTSTRAP_SERVERS`` overrides the file's servers).
        The result holds secrets: pass it to the client, do not log or store it."""
        where = f"streams.{self.name}"
        override = os.environ.get(BOOTSTRAP_ENV)
        raw: dict[str, Any] = {"bootstrap_servers": None if override else self.bootstrap_servers,
                               "consumer": self.consumer}
        # as text: a password '0123' must not become the number 123
        done = render_yaml(raw, path=self.path, vars=vars, skip=frozenset(), native=False, where=where)
        done = _expand_dollar(done, self.path, where)
        servers = override or done.get("bootstrap_servers")
        return (str(servers) if servers else None), dict(done["consumer"])


def stream_files(root: Path, paths: list[str]) -> list[tuple[Path, str]]:
    out = []
    for p in paths:
        base = root / p
        if base.is_dir():
            out += [(f, str(f.relative_to(root))) for f in sorted(base.rglob("*.y*ml")) if f.suffix in (".yml", ".yaml")]
    return out


def load_streams(root: Path, paths: list[str] | str | None = None,
                 vars: Mapping[str, Any] | None = None) -> list[StreamSpec]:
    """Every stream declared under the project's stream paths (``stream-paths``, default ``streams/``)."""
    specs: dict[str, StreamSpec] = {}
    for file, shown in stream_files(root, [paths] if isinstance(paths, str) else paths or ["streams"]):
        data = read_yaml(file, display=shown) or {}
        text = file.read_text(encoding="utf-8")
        if not isinstance(data, dict) or not isinstance(data.get("streams", []), list):
            raise ProjectError("a stream file is a mapping with a `streams:` list", path=shown)
        data = render_yaml(data, path=shown, vars=vars, skip=_KEEP)
        for entry in data.get("streams") or []:
            line = line_of(text, f"name: {entry.get('name')}") if isinstance(entry, dict) else None
            try:
                spec = StreamSpec.model_validate({**entry, "path": shown, "line": line})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ProjectError(f"stream {entry.get('name') if isinstance(entry, dict) else entry!r}: "
                                   f"{where + ': ' if where else ''}{first['msg']}", path=shown, line=line,
                                   hint="see docs/streaming.md for the keys of a stream") from None
            if spec.name in specs:
                raise ProjectError(f"two streams are named {spec.name!r} (also in {specs[spec.name].path})",
                                   path=shown, line=line)
            if spec.enabled:
                specs[spec.name] = spec
    return list(specs.values())


def side_tables(spec: StreamSpec) -> list[str]:
    """The identifiers of a stream's tables: the target, its dead letters, its late events."""
    names = [spec.identifier, f"{spec.identifier}__dead_letters"]
    if spec.window is not None:
        names.append(f"{spec.identifier}__late")
    return names


def stream_sources(root: Path, paths: list[str] | str | None, default_schema: str,
                   vars: Mapping[str, Any] | None = None) -> list[SourceTable]:
    """The stream tables as sources of ``streams`` (readable with source('streams', name))."""
    out = []
    for spec in load_streams(root, paths, vars):
        cols = [Column(str(c["name"]), str(c.get("description") or ""), c.get("data_type"), {})
                for c in spec.columns if isinstance(c, dict) and "name" in c]
        for ident in side_tables(spec):
            main = ident == spec.identifier
            out.append(SourceTable(
                source_name=STREAM_SOURCE, name=spec.name if main else ident.replace(spec.identifier, spec.name, 1),
                schema=spec.target_schema or default_schema, identifier=ident, database=None,
                description=spec.description if main else f"side table of stream {spec.name}",
                columns=cols if main else [], config={}, meta={"stream": spec.name}, tests=[],
                path=spec.path, line=spec.line))
    return out
