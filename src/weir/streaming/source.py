"""The generic stream-source contract: Kafka today, Kinesis or Pub/Sub tomorrow.

A source hands out :class:`RawBatch` es of messages from the partitions (Kafka partitions,
Kinesis shards) currently assigned to this process, lets the runner seek to positions read
back from the table, and takes a position commit that is only a hint: the table is the
source of truth for what was consumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

#: "topic/partition" -> next position to read (Kafka: offset of the next message)
Positions = dict[str, int]


def tp_key(topic: str, partition: int) -> str:
    return f"{topic}/{partition}"


def split_key(key: str) -> tuple[str, int]:
    topic, _, part = key.rpartition("/")
    return topic, int(part)


@dataclass
class RawBatch:
    """Messages in arrival order, as parallel columns (cheap to turn into Arrow)."""

    topics: list[str] = field(default_factory=list)
    partitions: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    keys: list[bytes | None] = field(default_factory=list)
    values: list[bytes | None] = field(default_factory=list)
    timestamps: list[int | None] = field(default_factory=list)  # ms since the epoch
    nbytes: int = 0
    #: per partition, the offset after its last message here (kept up to date by the source)
    positions: Positions = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.offsets)

    def extend(self, other: RawBatch) -> None:
        self.topics += other.topics
        self.partitions += other.partitions
        self.offsets += other.offsets
        self.keys += other.keys
        self.values += other.values
        self.timestamps += other.timestamps
        self.nbytes += other.nbytes
        for k, v in other.positions.items():
            if v > self.positions.get(k, -1):
                self.positions[k] = v

    def next_positions(self) -> Positions:
        """Per partition: the offset after the last message of the batch."""
        if self.positions or not self.offsets:
            return dict(self.positions)
        out: Positions = {}
        for t, p, o in zip(self.topics, self.partitions, self.offsets, strict=True):
            k = tp_key(t, p)
            if o + 1 > out.get(k, -1):
                out[k] = o + 1
        return out


#: called with the partitions a rebalance hands to / takes from this process
OnAssign = Callable[[list[str]], Positions]
OnRevoke = Callable[[list[str]], None]


class StreamSource(Protocol):
    """What the stream runner needs from a message source."""

    def open(self, on_assign: OnAssign, on_revoke: OnRevoke) -> None:
        """Join the consumer group. ``on_assign`` returns the positions to start from."""

    def poll(self, max_messages: int, timeout: float) -> RawBatch:
        """Up to ``max_messages`` messages, waiting at most ``timeout`` seconds."""

    def commit(self, positions: Positions) -> None:
        """Record positions at the source (a hint for other tools; weir restores from the table)."""

    def assigned(self) -> list[str]:
        """The "topic/partition"s this process owns now."""

    def lag(self, positions: Positions) -> int | None:
        """Messages behind the newest ones, where the source knows (approximate on some brokers)."""

    def topic_ids(self) -> dict[str, str]:
        """topic -> an id that changes when the topic is deleted and created again (its
        offsets start over); empty where the source cannot tell."""

    def close(self) -> None: ...


def partitions_of(keys: Iterable[str]) -> list[tuple[str, int]]:
    return [split_key(k) for k in keys]
