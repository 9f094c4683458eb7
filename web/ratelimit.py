"""A per-key sliding-window rate limit for the public chat endpoints (in-process).

One uvicorn process keeps its own counters; several workers behind nginx each enforce the limit
(a shared Redis counter is the scale-out path, see README).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable

from chunfeng.errors import RateLimited


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = max(1, int(60 - (now - hits[0])) + 1)
                raise RateLimited(f"您的请求太频繁了（每分钟最多 {self.per_minute} 次），请 {retry} 秒后再试。", retry_after=retry)
            hits.append(now)
            if len(self._hits) > 50000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= 60][:10000]:
                    self._hits.pop(k, None)
