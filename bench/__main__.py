"""Run every benchmark, print the targets table, and write bench/results.json."""

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy
import weasyprint

from bench import handouts, library_load, log_saving, pages, scale


def load_test() -> dict[str, Any]:
    """The load test runs in its own process: Locust patches the standard library (gevent)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "load.json"
        finished = subprocess.run([sys.executable, "-m", "bench.load", "--json", str(out)],
                                  check=False)
        result = json.loads(out.read_text()) if out.exists() else {"ok": False}
    result["exit_code"] = finished.returncode
    return result


def targets(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(path, measured, target, met) for every target the issue names that is measured here."""
    rows: list[tuple[str, str, str, bool | None]] = []
    ratios = results["handouts"]["ratios"]
    rows.append(("handout PDF uncached / bare render", f"{ratios['uncached_vs_bare']:.2f}x",
                 "<= 1.15x", ratios["uncached_vs_bare"] <= 1.15))
    reference = ratios["bare_vs_reference"]  # None where the reference handout is not here
    rows.append(("one handout / reference handout",
                 "skipped" if reference is None else f"{reference:.2f}x", "<= 0.7x",
                 None if reference is None else reference <= 0.7))
    rows.append(("packet of 36, first request / 36 singles",
                 f"{ratios['packet_vs_singles']:.2f}x", "<= 0.5x",
                 ratios["packet_vs_singles"] <= 0.5))
    web = results["pages"]
    if "hello" in web:
        signed = web["signed-in hello"]
        for name, label, floor in (("signed-in hello", "signed-in hello / hello", 0.6),
                                   ("handout PDF, cached", "cached PDF / signed-in hello", 0.7),
                                   ("topic page", "topic page / signed-in hello", 0.7),
                                   ("log page GET (8 people)", "log page GET / signed-in hello",
                                    0.4)):
            base = web["hello"] if name == "signed-in hello" else signed
            ratio = web[name]["req_s"] / base["req_s"]
            rows.append((label + " (req/s)", f"{ratio:.2f}x", f">= {floor}x", ratio >= floor))
        p99 = web["handout PDF, cached"]["p99_ms"] / max(signed["p99_ms"], 1)
        rows.append(("cached PDF p99 / signed-in hello p99", f"{p99:.2f}x", "<= 2x", p99 <= 2))
        fresh = web["fresh workers"]
        rows.append(("first PDF after a worker starts / steady", f"{fresh['first_vs_steady']:.2f}x",
                     "<= 1.3x", fresh["first_vs_steady"] <= 1.3))
        rss = max(fresh["worker_rss_mb"])
        rows.append(("worker RSS after 1,000 requests (50 PDFs)", f"{rss:.0f} MB", "<= 200 MB",
                     rss <= 200))
    for engine, figures in results["scale"].items():
        for path, page in figures["pages"].items():
            ratio, p50 = page["ratio_to_raw"], page["app"]["median_s"] * 1000
            same = "" if page["same_figures"] else ", FIGURES DIFFER"
            rows.append((f"{path} / raw SQL ({engine})", f"{ratio:.2f}x ({p50:.1f} ms{same})",
                         "<= 2.5x", ratio <= 2.5 and page["same_figures"]))
    load = results["load"]
    rows.append(("load: unexpected 5xx", str(load.get("server_errors", "?")), "0",
                 load.get("server_errors") == 0))
    rows.append(("load: acknowledged writes = rows", "yes" if load.get("ok") else "no",
                 "equal", bool(load.get("ok"))))
    saving = results["log_saving"]
    both = (saving["save"]["median_s"] + saving["sign"]["median_s"]) * 1000
    rows.append(("log page save + sign p50 (SQLite, no argon2)", f"{both:.1f} ms", "<= 50 ms",
                 both <= 50))
    for name, limit in (("cold", 2.5), ("unchanged", 0.5)):
        startup = results["library_load"][name]["median_s"]
        rows.append((f"library start-up, 200 topics, {name}", f"{startup:.2f} s",
                     f"<= {limit} s", startup <= limit))
    return rows


def main() -> None:
    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "weasyprint": weasyprint.__version__,
                    "sqlalchemy": sqlalchemy.__version__,
                    "postgresql": bool(os.environ.get("TEST_DATABASE_URL"))},
        "handouts": handouts.run(),
        "log_saving": log_saving.run(),
        "library_load": library_load.run(),
        "pages": pages.run(),
        "scale": scale.run(),
        "load": load_test(),
    }
    table = targets(results)
    print(f"\nTargets (issue 7), {time.perf_counter() - started:.0f} s in all")
    print(f"{'path':52} {'measured':>17}  {'target':>9}  met")
    for path, measured, target, met in table:
        verdict = "-" if met is None else ("yes" if met else "NO")
        print(f"{path:52} {measured:>17}  {target:>9}  {verdict}")
    results["targets"] = [dict(zip(("path", "measured", "target", "met"), row, strict=True))
                          for row in table]
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwrote {out}")
    if not results["load"].get("ok"):
        raise SystemExit("the load test found a problem (see above)")


if __name__ == "__main__":
    main()
