"""Say clearly which system libraries WeasyPrint is missing (``python -m curriculum.syslibs``).

Exit 1 when PDF rendering cannot work, or only warn with ``--warn`` (the rest of the app runs
without them; the PDF routes then answer 503).
"""

import ctypes.util
import sys

# (library soname stem, Debian package, Fedora package, Homebrew formula)
NEEDED = [
    ("pango-1.0", "libpango-1.0-0", "pango", "pango"),
    ("pangoft2-1.0", "libpangoft2-1.0-0", "pango", "pango"),
    ("harfbuzz", "libharfbuzz0b", "harfbuzz", "harfbuzz"),
    ("fontconfig", "libfontconfig1", "fontconfig", "fontconfig"),
]


def missing_libraries() -> list[tuple[str, str, str, str]]:
    return [entry for entry in NEEDED if ctypes.util.find_library(entry[0]) is None]


def main(argv: list[str]) -> int:
    warn_only = "--warn" in argv
    missing = missing_libraries()
    if not missing:
        return 0
    names = ", ".join(f"lib{stem}" for stem, *_ in missing)
    print(f"{'Warning' if warn_only else 'Error'}: WeasyPrint needs system libraries that are "
          f"missing here: {names}.", file=sys.stderr)
    print("  Debian/Ubuntu: sudo apt-get install "
          + " ".join(sorted({deb for _, deb, _, _ in missing})) + " fonts-dejavu-core",
          file=sys.stderr)
    print("  Fedora:        sudo dnf install " + " ".join(sorted({f for *_, f, _ in missing})),
          file=sys.stderr)
    print("  macOS:         brew install " + " ".join(sorted({b for *_, b in missing})),
          file=sys.stderr)
    if warn_only:
        print("  Groupwork will run, but printing handouts answers 503 until they are installed.",
              file=sys.stderr)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
