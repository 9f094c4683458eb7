"""A background worker: runs one pass of some work whenever woken, and every few seconds anyway."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger("chunfeng.worker")


class Worker:
    def __init__(self, run_once: Callable[[], int], name: str, interval: float = 2.0) -> None:
        self.run_once = run_once
        self.name = name
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the pass in progress and stop the thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.run_once()
            except Exception:  # the loop must survive whatever one pass throws
                log.exception("%s pass failed", self.name)
