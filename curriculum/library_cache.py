"""The rendered library kept on disk between starts: when no topic, track or rendering code has
changed since the last start, the library is read back instead of parsed and rendered again
(200 topics: about 1.6 s of Markdown, sanitizing and indexing saved).

The file lives in the instance folder beside the database and the secret key, written only by
this app (so pickle is safe to read back: only our own file is ever unpickled); the key
covers every byte that goes into the library, so an edit to any topic, to
the licence list or to the rendering code makes a new one.
"""

import hashlib
import logging
import pickle  # nosec B403
from importlib import metadata
from pathlib import Path

from curriculum.files import write_replacing
from curriculum.library import Library

log = logging.getLogger(__name__)

_CODE = [Path(__file__).with_name(name) for name in (
    "library.py", "library_search.py", "handout_translations.py", "render.py", "library_cache.py")]
_PACKAGES = ("markdown", "nh3", "python-frontmatter", "pydantic", "PyYAML")


def cache_key(folders: list[Path], licensed: frozenset[str]) -> str:
    """A digest of every content file (name and bytes), the licences, our rendering code and
    the versions of the libraries that render."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        digest.update(f"{package}={metadata.version(package)}\n".encode())
    for path in _CODE:
        digest.update(path.read_bytes())
    digest.update(",".join(sorted(licensed)).encode())
    for number, folder in enumerate(folders):
        for path in sorted([*folder.glob("topics/*.md"), *folder.glob("tracks/*.yaml")]):
            digest.update(f"\n{number}:{path.relative_to(folder)}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def load(folders: list[Path], licensed: frozenset[str], cache_dir: Path) -> Library:
    """The library for these folders: from the cache when nothing changed, else built (and
    cached for the next start)."""
    path = cache_dir / f"library-{cache_key(folders, licensed)}.pickle"
    if path.exists():
        try:
            return pickle.loads(path.read_bytes())  # noqa: S301  # nosec B301
        except Exception:  # a torn or foreign file: rebuild it, never fail the start-up
            log.warning("ignoring unreadable library cache %s", path.name)
    library = Library.load(folders, licensed=licensed)
    try:
        write_replacing(path, pickle.dumps(library, protocol=pickle.HIGHEST_PROTOCOL))
        for stale in cache_dir.glob("library-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as error:  # a read-only or full disk costs the next start time, no more
        log.warning("could not write the library cache: %s", error)
    return library
