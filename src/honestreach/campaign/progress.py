"""The audit's progress on a terminal: messages done, rate, percentage and time left."""

from __future__ import annotations

import math
import time
from typing import IO

from .sources import ReadProgress

_REDRAW_SECONDS = 0.2


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class ProgressLine:
    """One line, redrawn in place at most five times a second. The percentage and the time
    left come from how far the reader is through the input (``ReadProgress``)."""

    def __init__(self, stream: IO[str], read: ReadProgress) -> None:
        self.stream = stream
        self.read = read
        self.count = 0
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def update(self) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._drawn >= _REDRAW_SECONDS:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        noun = "message" if self.count == 1 else "messages"
        parts = [f"auditing: {self.count:,} {noun}", f"{self.count / elapsed:,.0f}/s"]
        fraction = self.fraction()
        if fraction:
            parts.append(f"{math.floor(fraction * 100)}%")
            parts.append(f"{_duration(elapsed * (1 - fraction) / fraction)} left")
        parts.append(f"{_duration(elapsed)} elapsed")
        line = "  ".join(parts)
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def fraction(self) -> float | None:
        """The share of the messages done: the share of the input read, times the share of
        the rows read so far that came back (the reader runs ahead of the workers). It is 1
        only when the input is read and every row it gave out is done."""
        read = self.read.fraction
        rows = self.read.rows
        if not read or not rows:
            return read
        return read * min(1.0, self.count / rows)

    def close(self) -> None:
        """Leave the final figures on their own line."""
        self._draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()
