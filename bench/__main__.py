"""Run every benchmark and write bench/results.json."""

import json
import platform
from pathlib import Path

import weasyprint

from bench import handouts


def main() -> None:
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "weasyprint": weasyprint.__version__},
               "handouts": handouts.run()}
    out = Path(__file__).parent / "results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
