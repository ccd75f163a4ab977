"""Timing helpers: warm-up, repeated runs, medians with min–max."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Timing:
    name: str
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def row(self, baseline: "Timing | None" = None) -> str:
        ratio = f"{self.median / baseline.median:6.2f}x {baseline.name}" if baseline else ""
        return (f"{self.name:44} {self.median * 1000:9.1f} ms  "
                f"[{min(self.samples) * 1000:.1f}–{max(self.samples) * 1000:.1f}]  {ratio}")

    def as_dict(self) -> dict[str, float]:
        return {"median_s": self.median, "min_s": min(self.samples), "max_s": max(self.samples)}


def measure(name: str, action: Callable[[], object], rounds: int, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return Timing(name, samples)


def measure_pair(first: tuple[str, Callable[[], object]], second: tuple[str, Callable[[], object]],
                 rounds: int, warmup: int = 1,
                 resets: tuple[Callable[[], object] | None, ...] = (None, None),
                 ) -> tuple[Timing, Timing]:
    """Two actions timed in alternation, so a noisy spell on a shared machine falls on both
    rather than on whichever happened to run then. Each side's reset, if any, runs before
    each of its rounds, untimed (a request's teardown, say)."""
    timings = (Timing(first[0], []), Timing(second[0], []))
    for round_number in range(warmup + rounds):
        for timing, (_, action), reset in zip(timings, (first, second), resets, strict=True):
            if reset is not None:
                reset()
            start = time.perf_counter()
            action()
            if round_number >= warmup:
                timing.samples.append(time.perf_counter() - start)
    return timings
