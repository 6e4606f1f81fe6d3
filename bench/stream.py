"""Streaming throughput: weir's exactly-once Kafka -> Delta stream against a raw
confluent-kafka consume-and-json-decode loop, on the same tansu broker and topic.

    python bench/stream.py [--messages 1000000] [--partitions 4] [--batch-size 100000]

1M JSON messages of ~200 bytes are produced to a fresh 4-partition topic on a tansu started
by scripts/services.py. Each side then reads all of them in a fresh consumer group, timed
from the first message received to the last one handled (group join excluded, the same for
both): weir decodes in bulk, writes one Delta commit per batch carrying the offsets and then
commits to Kafka; the raw loop only calls ``json.loads`` per message. Both run in this
process, one after the other. Last line:

    RESULT bench=stream msgs_per_s=.. ratio_vs_raw=<weir rate / raw rate> weir_s=.. raw_s=..
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, reexec_in_weir_venv


def produce(servers: str, topic: str, n: int) -> float:
    from confluent_kafka import Producer

    rng = random.Random(1)
    statuses = ["placed", "shipped", "delivered", "returned"]
    p = Producer({"bootstrap.servers": servers, "acks": "all", "linger.ms": 20, "batch.num.messages": 10000,
                  "queue.buffering.max.messages": 1_000_000})
    start = time.perf_counter()
    for i in range(n):
        value = json.dumps({"order_id": i, "customer_id": rng.randrange(100_000), "status": rng.choice(statuses),
                            "amount": round(rng.random() * 500, 2), "currency": "EUR",
                            "created_at": f"2024-01-{1 + i % 28:02d} 12:{i % 60:02d}:00",
                            "note": "x" * 40}).encode()
        while True:
            try:
                p.produce(topic, key=str(i).encode(), value=value)
                break
            except BufferError:
                p.poll(0.05)
        if i % 10000 == 0:
            p.poll(0)
    p.flush(120)
    return time.perf_counter() - start


def raw_consume(servers: str, topic: str, n: int) -> float:
    from confluent_kafka import Consumer

    c = Consumer({"bootstrap.servers": servers, "group.id": f"raw-{time.time()}", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "session.timeout.ms": 6000})
    c.subscribe([topic])
    seen, first = 0, None
    loads = json.loads
    while seen < n:
        msgs = c.consume(num_messages=10000, timeout=1.0)
        if msgs and first is None:
            first = time.perf_counter()
        for m in msgs:
            if m.error() is None:
                loads(m.value())
                seen += 1
    took = time.perf_counter() - (first or time.perf_counter())
    c.close()
    return took


class _Timed:
    """Wraps the stream's source: notes the first message and the last Kafka commit."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.first: float | None = None
        self.last = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def poll(self, max_messages: int, timeout: float) -> Any:
        batch = self.inner.poll(max_messages, timeout)
        if len(batch) and self.first is None:
            self.first = time.perf_counter()
        return batch

    def commit(self, positions: Any) -> None:
        self.inner.commit(positions)
        self.last = time.perf_counter()


def weir_stream(servers: str, topic: str, n: int, batch_size: int, lake: Path) -> tuple[float, int]:
    import duckdb

    from weir.formats.delta import DeltaFormat
    from weir.project.streams import StreamSpec
    from weir.sql.relation import Relation
    from weir.streaming.kafka import KafkaSource
    from weir.streaming.runner import StreamRunner

    spec = StreamSpec.model_validate({"name": "orders", "topics": [topic], "batch_size": batch_size,
                                      "batch_seconds": 5})
    fmt = DeltaFormat(str(lake))
    source = _Timed(KafkaSource(servers, [topic], f"weir-{time.time()}"))
    runner = StreamRunner(spec, fmt, "main", source, project_root=lake, run_id="bench")  # type: ignore[arg-type]
    runner.run(until_idle=3)
    assert source.first is not None
    rows = duckdb.sql(f"select count(*) from ({fmt.scan_sql(Relation(schema='main', identifier='orders'))})")
    return source.last - source.first, int(rows.fetchall()[0][0])


def main() -> None:
    reexec_in_weir_venv()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=100_000)
    args = ap.parse_args()
    from confluent_kafka.admin import AdminClient, NewTopic

    out = subprocess.run([sys.executable, str(REPO / "scripts" / "services.py"), "start", "tansu"],
                         check=True, capture_output=True, text=True).stdout
    servers = json.loads(out.strip().splitlines()[-1])["bootstrap_servers"]
    topic = f"bench_stream_{int(time.time())}"
    admin = AdminClient({"bootstrap.servers": servers})
    admin.create_topics([NewTopic(topic, num_partitions=args.partitions, replication_factor=1)])[topic].result(30)
    took = produce(servers, topic, args.messages)
    print(f"produced {args.messages} messages to {topic} ({args.partitions} partitions) in {took:.1f}s", flush=True)

    raw_s = raw_consume(servers, topic, args.messages)
    print(f"raw confluent-kafka consume + json.loads: {raw_s:.2f}s ({args.messages / raw_s:,.0f} msg/s)", flush=True)
    with tempfile.TemporaryDirectory(prefix="weir-bench-stream-") as tmp:
        weir_s, rows = weir_stream(servers, topic, args.messages, args.batch_size, Path(tmp))
    assert rows == args.messages, f"weir wrote {rows} rows for {args.messages} messages"
    print(f"weir stream -> Delta (exactly once, {args.batch_size} per batch): {weir_s:.2f}s "
          f"({args.messages / weir_s:,.0f} msg/s), {rows} rows", flush=True)
    ratio = (args.messages / weir_s) / (args.messages / raw_s)
    print(f"RESULT bench=stream msgs_per_s={args.messages / weir_s:.0f} ratio_vs_raw={ratio:.3f} "
          f"weir_s={weir_s:.2f} raw_s={raw_s:.2f}")


if __name__ == "__main__":
    main()
