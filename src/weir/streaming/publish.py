"""The producer sink: rows of a table or query published to a Kafka topic as JSON, with
``acks=all``, retries and a delivery report per message; failures are counted and named."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from weir.streaming.errors import StreamError
from weir.streaming.kafka import kafka_module

log = logging.getLogger("weir.streaming.publish")


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


@dataclass
class PublishResult:
    topic: str
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first few delivery errors

    @property
    def ok(self) -> bool:
        return self.failed == 0


class Publisher:
    """A confluent-kafka producer configured like the seed's: acks=all, retries, backoff."""

    def __init__(self, servers: str, *, retries: int = 5, options: dict[str, Any] | None = None) -> None:
        ck = kafka_module()
        self.servers = servers
        self._producer = ck.Producer({
            "bootstrap.servers": servers, "client.id": "weir-publish", "acks": "all",
            "retries": retries, "retry.backoff.ms": 500, "enable.idempotence": False,
            "linger.ms": 20, "message.timeout.ms": 30_000, **(options or {})})

    def send(self, topic: str, rows: pa.Table, *, key: str | None = None, flush_timeout: float = 60.0
             ) -> PublishResult:
        """Each row as one JSON message (``key``: the column whose value keys the message)."""
        if key is not None and key not in rows.column_names:
            raise StreamError(f"key column {key!r} is not a column of the rows to publish",
                              hint="columns: " + ", ".join(rows.column_names))
        result = PublishResult(topic)

        def report(err: Any, _msg: Any) -> None:
            if err is None:
                result.delivered += 1
                return
            result.failed += 1
            if len(result.errors) < 5:
                result.errors.append(str(err))

        produce, poll = self._producer.produce, self._producer.poll
        for batch in rows.to_batches(50_000):
            for row in batch.to_pylist():
                k = row.get(key) if key else None
                value = json.dumps(row, default=_plain).encode()
                while True:
                    try:
                        produce(topic, value=value, key=None if k is None else str(k).encode(), on_delivery=report)
                        break
                    except BufferError:  # the local queue is full: let deliveries drain
                        poll(0.5)
                poll(0)
        remaining = self._producer.flush(flush_timeout)
        if remaining:
            result.failed += remaining
            result.errors.append(f"{remaining} message(s) not delivered within {flush_timeout:.0f}s")
        return result

    def send_dead_letters(self, topic: str, letters: pa.Table) -> None:
        """Copy dead letters to a DLQ topic (best effort: the dead-letter table is the record)."""
        res = self.send(topic, letters, key="key")
        if not res.ok:
            log.warning("%d dead letter(s) not delivered to %s: %s", res.failed, topic, "; ".join(res.errors))


def publish(rows: Any, topic: str, *, bootstrap_servers: str, key: str | None = None, retries: int = 5,
            options: dict[str, Any] | None = None, flush_timeout: float = 60.0) -> PublishResult:
    """Publish a pyarrow Table / RecordBatchReader / pandas DataFrame to ``topic`` as JSON
    messages; raises :class:`StreamError` naming the failures when any message was not delivered."""
    if isinstance(rows, pa.RecordBatchReader):
        rows = rows.read_all()
    elif not isinstance(rows, pa.Table):
        rows = pa.Table.from_pandas(rows, preserve_index=False)
    result = Publisher(bootstrap_servers, retries=retries, options=options).send(
        topic, rows, key=key, flush_timeout=flush_timeout)
    if not result.ok:
        raise StreamError(f"{result.failed} of {rows.num_rows} message(s) to {topic!r} at {bootstrap_servers} "
                          f"failed: {'; '.join(result.errors)}")
    return result
