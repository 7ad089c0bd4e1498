"""What the fake counts: requests per operation, throttled calls per quota category, and
when each category was first and last called (served as GET /stats)."""
from __future__ import annotations

import threading
import time


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}
        self._throttled: dict[str, int] = {}
        self._windows: dict[str, list[float]] = {}  # category -> [first, last] epoch s

    def record(self, op: str, category: str | None = None, throttled: bool = False) -> None:
        now = time.time()
        with self._lock:
            self._requests[op] = self._requests.get(op, 0) + 1
            if category:
                self._windows.setdefault(category, [now, now])[1] = now
                if throttled:
                    self._throttled[category] = self._throttled.get(category, 0) + 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(self._requests),
                "throttled": dict(self._throttled),
                "categories": {c: {"first": w[0], "last": w[1]} for c, w in self._windows.items()},
            }
