"""The progress line of a long scan (on a terminal only).

``Analysing  312/1309 files  [######----------]  41%  ETA 23 s  (12 s on pkg/tests/test_x.py)``

- it counts files, all of them: the ones answered from the cache or skipped by the prefilter
  move the count at once, the ones that need an analysis when their facts arrive;
- the bar, the percentage and the ETA are measured in bytes of the files that need an analysis
  (lines would do as well: what costs time is parsing and analysing text, and a 2,000-line module
  costs a hundred times a 20-line one, so a count of files says nothing about what is left);
  the ETA is the bytes left at the rate of the bytes done so far, once an analysis has finished;
- when the file the scan is waiting for has taken more than a second, it is named, with how
  long it has taken, so that a slow file does not look like a hang. Results arrive in the order
  the files were handed out (one process, or a pool's ordered map), so the file waited for is
  the first one whose facts have not arrived.

The clock and the output are injected (``clock=``, ``stream=``); a ticker thread redraws the
line every ``tick`` seconds while nothing arrives. Tests drive :meth:`Progress.render` with a
fake clock and never look at real time.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Sequence
from typing import TextIO

SLOW_S = 1.0


class Progress:
    def __init__(
        self,
        total_files: int,
        stream: TextIO,
        *,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
        tick: float | None = 0.5,
    ) -> None:
        self.total_files = total_files
        self.stream = stream
        self.clock = clock
        self.width = width
        self.tick = tick
        self.files_done = 0
        self._queue: list[tuple[str, int]] = []  # files to analyse, in the order of results
        self._next = 0  # index in _queue of the file waited for
        self.bytes_total = 0
        self.bytes_done = 0
        self._started_analysis: float | None = None
        self._head_since: float | None = None  # when the file waited for became the head
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = 0

    # ---- what the scan tells

    def advance(self, n: int = 1) -> None:
        """Files answered without an analysis (cache, prefilter, unreadable)."""
        with self._lock:
            self.files_done += n
        self.draw()

    def analysing(self, files: Sequence[tuple[str, int]]) -> None:
        """The files that need an analysis, (name, size in bytes), in the order of results."""
        with self._lock:
            self._queue = list(files)
            self._next = 0
            self.bytes_total = sum(size for _, size in self._queue)
            self._started_analysis = self._head_since = self.clock()
        self.draw()

    def analysed(self) -> None:
        """The facts of the file waited for arrived."""
        with self._lock:
            if self._next < len(self._queue):
                self.bytes_done += self._queue[self._next][1]
                self._next += 1
            self.files_done += 1
            self._head_since = self.clock()
        self.draw()

    # ---- the line

    def render(self) -> str:
        with self._lock:
            now = self.clock()
            parts = [
                f"Analysing {self.files_done:>{len(str(self.total_files))}}/{self.total_files} files"
            ]
            if self.bytes_total:
                frac = min(1.0, self.bytes_done / self.bytes_total)
                filled = int(frac * 20)
                parts.append(f"[{'#' * filled}{'-' * (20 - filled)}] {int(frac * 100):3d}%")
                eta = self._eta(now)
                if eta is not None:
                    parts.append(f"ETA {_duration(eta)}")
            slow = self._slow(now) if self.bytes_total else None
        line = "  ".join(parts)
        width = self.width or shutil.get_terminal_size((100, 20)).columns
        if slow is not None:
            name, took = slow
            room = width - 1 - len(line) - len(f"  ({_duration(took)} on )")
            if len(name) > room >= 12:
                name = "…" + name[-(room - 1) :]  # the end of a path says most
            line += f"  ({_duration(took)} on {name})"
        if len(line) > width - 1:
            line = line[: max(0, width - 2)] + "…"
        return line

    def _eta(self, now: float) -> float | None:
        if self._started_analysis is None or self.bytes_done <= 0:
            return None
        elapsed = now - self._started_analysis
        if elapsed <= 0:
            return None
        rate = self.bytes_done / elapsed
        return (self.bytes_total - self.bytes_done) / rate

    def _slow(self, now: float) -> tuple[str, float] | None:
        if self._head_since is None or self._next >= len(self._queue):
            return None
        took = now - self._head_since
        if took <= SLOW_S:
            return None
        return self._queue[self._next][0], took

    def draw(self) -> None:
        line = self.render()
        pad = " " * max(0, self._shown - len(line))
        self._shown = len(line)
        try:
            self.stream.write(f"\r{line}{pad}")
            self.stream.flush()
        except (OSError, ValueError):
            pass

    # ---- a context manager with a ticker

    def __enter__(self) -> Progress:
        self.draw()
        if self.tick:
            self._thread = threading.Thread(target=self._ticker, daemon=True)
            self._thread.start()
        return self

    def _ticker(self) -> None:
        assert self.tick is not None
        while not self._stop.wait(self.tick):
            self.draw()

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.draw()
        try:
            self.stream.write("\n")
            self.stream.flush()
        except (OSError, ValueError):
            pass


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}:{s:02d}"
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"
