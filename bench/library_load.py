"""Library start-up with 200 topics, each with its Spanish handout: the shipped topics plus copies
under new slugs, loaded as the app does at start (library_cache.load), in a fresh process each
time, imports included. In each round, in turn: cold (no cache), the bare work (the same files
read, their front matter parsed by python-frontmatter, every guide and handout converted by
Python-Markdown and sanitized by nh3 with the app's settings, and the tracks' YAML: the
libraries with nothing of ours around them), and unchanged since the last start (read back
from the cache). Start-up grades no handout (``curriculum check`` does), so neither does the
bare work."""

import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from curriculum import render
from curriculum.library import HANDOUT_HEADING
from curriculum.settings import PROJECT_ROOT

TOPICS = 200
ROUNDS = 3
SPLIT = "\n" + HANDOUT_HEADING + "\n"  # where a topic's guide ends and its handout begins
LOAD = ("import sys, time; from pathlib import Path; started = time.perf_counter(); "
        "from curriculum import library_cache; "
        "library = library_cache.load([Path(sys.argv[1])], frozenset(), Path(sys.argv[3])); "
        "assert len(library.topics) == int(sys.argv[2]), len(library.topics); "
        "assert all(t.translations for t in library.topics.values()); "
        "print(time.perf_counter() - started)")
BARE = f"""
import sys, time
from pathlib import Path
started = time.perf_counter()
import frontmatter, markdown, nh3, yaml
converted = 0
for path in sorted(Path(sys.argv[1]).glob("topics/*.md")):
    post = frontmatter.loads(path.read_bytes().decode("utf-8"))
    guide, heading, handout = post.content.partition({SPLIT!r})
    for text in (guide, handout) if heading else (post.content,):
        html = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
        nh3.clean(html, tags={render.ALLOWED_TAGS!r}, attributes={render.ALLOWED_ATTRIBUTES!r},
                  url_schemes={render.ALLOWED_URL_SCHEMES!r}, link_rel="noopener noreferrer",
                  strip_comments=True)
        converted += 1
for path in sorted(Path(sys.argv[1]).glob("tracks/*.yaml")):
    yaml.safe_load(path.read_text(encoding="utf-8"))
assert converted == 3 * int(sys.argv[2]), converted
print(time.perf_counter() - started)
"""


def content_with(topics: int, folder: Path) -> Path:
    """A copy of the shipped content with ``topics`` English topics, each with its Spanish
    handout: copies of the shipped ones under new slugs."""
    content = folder / "content"
    shutil.copytree(PROJECT_ROOT / "content", content)
    shipped = sorted(p for p in (content / "topics").glob("*.md") if p.suffixes == [".md"])
    for number in range(topics - len(shipped)):
        source = shipped[number % len(shipped)]
        for suffix in (".md", ".es.md"):
            original = source.with_name(source.stem + suffix)
            original.with_name(f"{source.stem}-{number}{suffix}").write_bytes(
                original.read_bytes())
    return content


def _seconds(script: str, *args: object) -> float:
    return float(subprocess.run([sys.executable, "-c", script, *map(str, args)],
                                cwd=PROJECT_ROOT, capture_output=True, text=True,
                                check=True).stdout)


def run(topics: int = TOPICS, rounds: int = ROUNDS) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-library-"))
    samples: dict[str, list[float]] = {"cold": [], "bare": [], "unchanged": []}
    try:
        content = content_with(topics, scratch)
        cache = scratch / "library-cache"
        for _ in range(rounds):
            shutil.rmtree(cache, ignore_errors=True)
            samples["cold"].append(_seconds(LOAD, content, topics, cache))
            samples["bare"].append(_seconds(BARE, content, topics))
            samples["unchanged"].append(_seconds(LOAD, content, topics, cache))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures: dict[str, Any] = {"topics": topics}
    for name, seconds in samples.items():
        figures[name] = {"median_s": statistics.median(seconds), "min_s": min(seconds),
                         "max_s": max(seconds)}
    figures["cold_vs_bare"] = figures["cold"]["median_s"] / figures["bare"]["median_s"]
    figures["unchanged_vs_cold"] = figures["unchanged"]["median_s"] / figures["cold"]["median_s"]
    print(f"\nLibrary start-up, {topics} topics with Spanish handouts (fresh process, imports "
          f"included; medians of {rounds} rounds, in turn)")
    for name, label in (("cold", "cold (no cache)"),
                        ("bare", "bare libraries, same work"),
                        ("unchanged", "unchanged (read back)")):
        seconds = samples[name]
        print(f"  {label:28} {statistics.median(seconds):6.2f} s "
              f"[{min(seconds):.2f}–{max(seconds):.2f}]")
    print(f"  cold / bare {figures['cold_vs_bare']:.2f}x, unchanged / cold "
          f"{figures['unchanged_vs_cold']:.3f}x")
    return figures


if __name__ == "__main__":
    run()
