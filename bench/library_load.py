"""Library start-up with 200 topics: the shipped 35 plus copies under new slugs, loaded as the
app does at start (library_cache.load), in a fresh process each round: cold (no cache) and
unchanged since the last start (read back from the cache)."""

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from curriculum.settings import PROJECT_ROOT

TOPICS = 200
ROUNDS = 5
LOAD = ("import sys, time; from pathlib import Path; started = time.perf_counter(); "
        "from curriculum import library_cache; "
        "library = library_cache.load([Path(sys.argv[1])], frozenset(), Path(sys.argv[3])); "
        "assert len(library.topics) == int(sys.argv[2]), len(library.topics); "
        "print(time.perf_counter() - started)")


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-library-"))
    try:
        shutil.copytree(PROJECT_ROOT / "content", scratch / "content")
        topics = sorted((scratch / "content" / "topics").glob("*.md"))
        for number in range(TOPICS - len(topics)):
            source = topics[number % len(topics)]
            copy = source.with_name(f"{source.stem}-{number}.md")
            copy.write_text(source.read_text().replace(f"slug: {source.stem}",
                                                       f"slug: {copy.stem}"))
        cache = scratch / "library-cache"

        def start() -> float:
            return float(subprocess.run(
                [sys.executable, "-c", LOAD, str(scratch / "content"), str(TOPICS), str(cache)],
                cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout)

        cold = []
        for _ in range(ROUNDS):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(start())
        unchanged = [start() for _ in range(ROUNDS)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures = {}
    for name, seconds in (("cold", cold), ("unchanged", unchanged)):
        figures[name] = {"median_s": statistics.median(seconds), "min_s": min(seconds),
                         "max_s": max(seconds)}
        print(f"library start-up, {TOPICS} topics, {name} (fresh process, imports included): "
              f"{statistics.median(seconds):.2f} s [{min(seconds):.2f}–{max(seconds):.2f}]")
    return {"topics": TOPICS, **figures}
