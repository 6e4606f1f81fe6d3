"""Read ahead: a source's batches produced by threads while the caller writes the previous
ones, through one bounded queue (so reading from the network and decoding overlap with
Parquet encoding; both release the GIL, and memory stays bounded by ``depth`` items plus
one in the hands of each producer).

    for batch in prefetch(source_batches(), depth=2):          # one producer, order kept
        write(batch)
    for batch in merge([range_a(), range_b()], depth=2):       # several, interleaved
        write(batch)

A producer's exception is re-raised in the caller, as itself. When the caller stops
early (an error, or it closes the generator), the producers are told to stop and each
iterator is closed *in its own thread*, so a connection it holds is closed there.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_S = 0.1


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterator[T], depth: int = 2, *, name: str = "weir-prefetch") -> Generator[T, None, None]:
    """``items``, produced by a daemon thread at most ``depth`` items ahead of the caller."""
    return merge([items], depth, name=name)


def merge(producers: Sequence[Iterator[T]], depth: int = 2, *,
          name: str = "weir-prefetch") -> Generator[T, None, None]:
    """The items of all ``producers`` (one thread each), in the order they are ready."""
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

    def produce(items: Iterator[T]) -> None:
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

    return _consume(q, stop, [threading.Thread(target=produce, args=(items,), daemon=True,
                                               name=name if len(producers) == 1 else f"{name}-{i}")
                              for i, items in enumerate(producers)])


def _consume(q: queue.Queue[object], stop: threading.Event,
             threads: list[threading.Thread]) -> Generator[T, None, None]:
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            item = q.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, _Failed):
                raise item.exc
            else:
                yield item  # type: ignore[misc]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
