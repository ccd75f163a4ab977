"""Library start-up with 200 topics: the shipped 35 plus copies under new slugs, loaded and
rendered as a worker does at start (Library.load), in a fresh process each round."""

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
        "from curriculum.library import Library; "
        "library = Library.load([Path(sys.argv[1])]); "
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
        seconds = [float(subprocess.run(
            [sys.executable, "-c", LOAD, str(scratch / "content"), str(TOPICS)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout)
            for _ in range(ROUNDS)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    median = statistics.median(seconds)
    print(f"\nLibrary start-up, {TOPICS} topics, fresh process (imports included), median of "
          f"{ROUNDS}: {median:.2f} s [{min(seconds):.2f}–{max(seconds):.2f}]")
    return {"topics": TOPICS, "median_s": median, "min_s": min(seconds), "max_s": max(seconds)}
