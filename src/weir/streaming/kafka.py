"""Kafka as a :class:`~weir.streaming.source.StreamSource`, through confluent-kafka.

Offsets restored from the table win over the group's committed offsets (the hint): on
every assignment the runner says where each partition resumes and the consumer seeks
there. An unreachable broker is retried with exponential backoff until
``connect_timeout`` runs out; then the error names the bootstrap servers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from weir.errors import MissingExtraError
from weir.streaming.errors import BrokerUnreachable, StreamError
from weir.streaming.source import OnAssign, OnRevoke, Positions, RawBatch, split_key, tp_key

log = logging.getLogger("weir.streaming.kafka")
#: how often a running consumer asks the broker whether its topics still exist: librdkafka
#: keeps fetching a deleted topic silently until its own refresh (5 min by default)
TOPIC_CHECK_SECONDS = 5.0


def kafka_module() -> Any:
    try:
        import confluent_kafka
    except ImportError:
        raise MissingExtraError("confluent-kafka", "kafka") from None
    return confluent_kafka


def backoff_delays(first: float = 0.5, cap: float = 10.0) -> Any:
    """0.5, 1, 2, 4, ... seconds, never more than ``cap``."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def _columns(msgs: list[Any]) -> RawBatch:
    """Messages as parallel columns (list comprehensions: the per-message cost is the floor)."""
    values = [m.value() for m in msgs]
    partitions = [m.partition() for m in msgs]
    offsets = [m.offset() for m in msgs]
    topics = [m.topic() for m in msgs]
    batch = RawBatch(topics, partitions, offsets, [m.key() for m in msgs], values,
                     [m.timestamp()[1] for m in msgs], sum(map(len, filter(None, values))))
    # offsets grow within a partition: the last one per partition wins (a C-level dict build)
    last = dict(zip(zip(topics, partitions, strict=True), offsets, strict=True))
    batch.positions = {tp_key(t, p): o + 1 for (t, p), o in last.items()}
    return batch


def _deleted(topic: str, servers: str) -> StreamError:
    return StreamError(f"topic {topic!r} does not exist on {servers} (deleted while reading?)",
                       hint="recreate the topic or remove it from the stream's topics; the batches "
                            "already written stay in the table")


#: prefixes of consumer settings that an AdminClient of the same cluster needs too
_SHARED = {"security", "sasl", "ssl", "client", "socket", "broker", "api", "metadata", "reconnect"}


class KafkaSource:
    """A consumer in a consumer group, committing offsets by hand."""

    def __init__(self, servers: str, topics: list[str], group: str, *, start: str = "earliest",
                 options: dict[str, Any] | None = None, connect_timeout: float = 60.0) -> None:
        self.servers = servers
        self.topics = list(topics)
        self.group = group
        self.connect_timeout = connect_timeout
        self._options = dict(options or {})
        self.config = {
            "bootstrap.servers": servers,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": start,
            # the first group join waits ~3 x session timeout on tansu with the default 45 s
            "session.timeout.ms": 6000,
            "heartbeat.interval.ms": 1000,
            # also the rebalance timeout: tansu may wait this long for a member before reassigning
            "max.poll.interval.ms": 60_000,
            "fetch.max.bytes": 64 * 1024 * 1024,
            "queued.max.messages.kbytes": 256 * 1024,
            "error_cb": self._on_error,
            "logger": logging.getLogger("weir.streaming.librdkafka"),
            **(options or {}),
        }
        self._consumer: Any = None
        self._assigned: set[str] = set()
        self._down_since: float | None = None
        self._fatal: str | None = None
        self._topic_error: str | None = None  # librdkafka said a topic/partition is gone: check now
        self._next_topic_check = 0.0
        self._topic_ids: dict[str, str] | None = None

    # -- connection ------------------------------------------------------------------------
    def _on_error(self, err: Any) -> None:
        ck = kafka_module()
        code = err.code()
        if code in (ck.KafkaError._ALL_BROKERS_DOWN, ck.KafkaError._TRANSPORT, ck.KafkaError._RESOLVE):
            if self._down_since is None:
                self._down_since = time.monotonic()
            log.warning("Kafka at %s: %s", self.servers, err.str())
        elif code in (ck.KafkaError.UNKNOWN_TOPIC_OR_PART, ck.KafkaError._UNKNOWN_TOPIC,
                      ck.KafkaError._UNKNOWN_PARTITION):
            self._topic_error = err.str()  # a topic deleted under the consumer arrives here
        elif err.fatal():
            self._fatal = err.str()

    def _unreachable(self, detail: str) -> BrokerUnreachable:
        return BrokerUnreachable(
            f"no Kafka broker answered at {self.servers} within {self.connect_timeout:.0f}s ({detail})",
            hint="check bootstrap_servers (or $WEIR_STREAM__BOOTSTRAP_SERVERS) and that the broker runs")

    def wait_for_topics(self, consumer: Any) -> None:
        """Block (with backoff) until the broker answers and every topic exists."""
        ck = kafka_module()
        deadline = time.monotonic() + self.connect_timeout
        delays = backoff_delays()
        while True:
            remaining = deadline - time.monotonic()
            try:
                meta = consumer.list_topics(timeout=max(0.5, min(2.0, remaining / 2)))
                break
            except ck.KafkaException as exc:
                if time.monotonic() + 0.5 >= deadline:
                    raise self._unreachable(str(exc.args[0].str() if exc.args else exc)) from None
                delay = min(next(delays), max(0.0, deadline - time.monotonic()))
                log.warning("Kafka at %s not reachable; retrying in %.1fs", self.servers, delay)
                time.sleep(delay)
        missing = [t for t in self.topics if t not in meta.topics or meta.topics[t].error is not None]
        if missing:
            raise StreamError(f"topic {', '.join(repr(t) for t in missing)} does not exist on {self.servers}",
                              hint="create it (or check the name); weir does not create topics it reads")

    def open(self, on_assign: OnAssign, on_revoke: OnRevoke) -> None:
        ck = kafka_module()
        consumer = ck.Consumer(self.config)
        self._consumer = consumer
        self.wait_for_topics(consumer)
        self._next_topic_check = time.monotonic() + TOPIC_CHECK_SECONDS

        def assign(c: Any, parts: list[Any]) -> None:
            keys = [tp_key(p.topic, p.partition) for p in parts]
            positions = on_assign(keys)
            for p in parts:
                pos = positions.get(tp_key(p.topic, p.partition))
                if pos is not None:  # the table knows: it wins over the committed offset
                    p.offset = pos
            c.assign(parts)
            self._assigned = set(keys)

        def revoke(c: Any, parts: list[Any]) -> None:
            keys = [tp_key(p.topic, p.partition) for p in parts]
            try:
                on_revoke(keys)
            finally:
                self._assigned -= set(keys)

        consumer.subscribe(self.topics, on_assign=assign, on_revoke=revoke, on_lost=revoke)

    # -- reading ---------------------------------------------------------------------------
    def poll(self, max_messages: int, timeout: float) -> RawBatch:
        ck = kafka_module()
        msgs = self._consumer.consume(num_messages=max_messages, timeout=timeout)
        if self._fatal:
            raise StreamError(f"Kafka consumer failed at {self.servers}: {self._fatal}")
        if self._topic_error or (time.monotonic() >= self._next_topic_check and self._down_since is None):
            self._check_topics()
        good = [m for m in msgs if m.error() is None]
        if len(good) < len(msgs):
            for m in msgs:
                if m.error() is not None:
                    self._message_error(ck, m.error(), m)
        batch = _columns(good)
        if batch.positions and not set(batch.positions) <= self._assigned:
            # fetched just before a revoke: the new owner reads those
            batch = _columns([m for m in good if tp_key(m.topic(), m.partition()) in self._assigned])
        if msgs:
            self._down_since = None
        elif self._down_since is not None and time.monotonic() - self._down_since > self.connect_timeout:
            raise self._unreachable("lost the connection")
        return batch

    def _check_topics(self) -> None:
        """Stop if one of the stream's topics is gone: one metadata request per topic, bounded,
        every TOPIC_CHECK_SECONDS and at once after an unknown-topic error from librdkafka."""
        ck = kafka_module()
        detail, self._topic_error = self._topic_error, None
        self._next_topic_check = time.monotonic() + TOPIC_CHECK_SECONDS
        for topic in self.topics:
            try:
                meta = self._consumer.list_topics(topic, timeout=2.0)
            except ck.KafkaException as exc:  # an unreachable broker is handled by poll()
                log.warning("Kafka at %s: topic check failed: %s", self.servers, exc)
                return
            info = meta.topics.get(topic)
            if info is None or (info.error is not None and info.error.code() == ck.KafkaError.UNKNOWN_TOPIC_OR_PART):
                raise _deleted(topic, self.servers)
        if detail:
            log.warning("Kafka at %s: %s", self.servers, detail)

    def _message_error(self, ck: Any, err: Any, m: Any) -> None:
        code = err.code()
        if code == ck.KafkaError._PARTITION_EOF:
            return
        if code in (ck.KafkaError.UNKNOWN_TOPIC_OR_PART, ck.KafkaError._UNKNOWN_TOPIC):
            raise _deleted(m.topic(), self.servers)
        if err.fatal():
            raise StreamError(f"Kafka error at {self.servers}: {err.str()}")
        log.warning("Kafka at %s: %s", self.servers, err.str())

    def assigned(self) -> list[str]:
        return sorted(self._assigned)

    def topic_ids(self) -> dict[str, str]:
        """The topics' ids (asked once per consumer); {} when the broker does not say."""
        if self._topic_ids is None:
            ck = kafka_module()
            from confluent_kafka.admin import AdminClient

            admin = AdminClient({"bootstrap.servers": self.servers, "logger": self.config["logger"],
                                 **{k: v for k, v in self._options.items() if k.split(".")[0] in _SHARED}})
            try:
                found = admin.describe_topics(ck.TopicCollection(self.topics), request_timeout=10)
                self._topic_ids = {t: str(f.result(15).topic_id) for t, f in found.items()}
            except (ck.KafkaException, ValueError, TypeError) as exc:
                log.warning("Kafka at %s: topic ids unknown (%s); a topic deleted and created again "
                            "will not be noticed", self.servers, exc)
                self._topic_ids = {}
        return self._topic_ids

    def commit(self, positions: Positions) -> None:
        ck = kafka_module()
        offsets = [ck.TopicPartition(*split_key(k), o) for k, o in positions.items() if k in self._assigned]
        if not offsets:
            return
        try:  # asynchronous: a synchronous commit can block for long during a rebalance on tansu
            self._consumer.commit(offsets=offsets, asynchronous=True)
        except ck.KafkaException as exc:  # only a hint: the table holds the truth
            log.warning("Kafka offset commit failed (the table's offsets still hold): %s", exc)

    def lag(self, positions: Positions) -> int | None:
        """From cached high watermarks (tansu's are wrong: approximate there)."""
        ck = kafka_module()
        total = 0
        for k in self._assigned:
            t, p = split_key(k)
            try:
                _low, high = self._consumer.get_watermark_offsets(ck.TopicPartition(t, p), cached=True)
            except ck.KafkaException:
                return None
            if high < 0 or k not in positions:
                continue
            total += max(0, high - positions[k])
        return total

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
