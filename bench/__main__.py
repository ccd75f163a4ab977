"""Run every benchmark and write bench/results.json."""

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import weasyprint

from bench import handouts


def load_test() -> dict[str, object]:
    """The load test runs in its own process: Locust patches the standard library (gevent)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "load.json"
        finished = subprocess.run([sys.executable, "-m", "bench.load", "--json", str(out)],
                                  check=False)
        result = json.loads(out.read_text()) if out.exists() else {"ok": False}
    result["exit_code"] = finished.returncode
    return result


def main() -> None:
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "weasyprint": weasyprint.__version__},
               "handouts": handouts.run(),
               "load": load_test()}
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")
    if not results["load"]["ok"]:
        raise SystemExit("the load test found a problem (see above)")


if __name__ == "__main__":
    main()
