"""Read ahead: a source's batches produced in a thread while the caller writes the previous
ones, through a bounded queue (so reading from the network and decoding overlap with
Parquet encoding; both release the GIL, and memory stays bounded by ``depth`` batches).

    for batch in prefetch(source_batches(), depth=2):
        write(batch)

The producer's exception is re-raised in the caller, as itself. When the caller stops
early (an error, or it closes the generator), the producer is told to stop and its
iterator is closed *in its own thread*, so a connection it holds is closed there.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_S = 0.1


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterator[T], depth: int = 2, *, name: str = "weir-prefetch") -> Generator[T, None, None]:
    """``items``, produced by a daemon thread at most ``depth`` items ahead of the caller."""
    q: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # handed to the consumer, re-raised there
            put(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
