"""Named task pools (``pools:`` in weir.yml): slots shared by every run in this process."""

from __future__ import annotations

import threading


class Pools:
    """Slot counters; a task with ``pool=`` runs only while its pool has ``pool_slots`` free."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.limits = {"default_pool": 128, **(limits or {})}
        self.used: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, name: str, slots: int) -> bool | None:
        """True when taken, None when the pool is full now, False when there is no such pool."""
        with self._lock:
            if name not in self.limits:
                return False
            used = self.used.get(name, 0)
            if used + slots > self.limits[name] and used > 0:
                return None
            self.used[name] = used + slots
            return True

    def release(self, name: str, slots: int) -> None:
        with self._lock:
            self.used[name] = max(0, self.used.get(name, 0) - slots)
