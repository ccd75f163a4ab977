"""Writing a file so that a reader sees the old one or the whole new one, never a part."""

import os
import tempfile
from pathlib import Path


def write_replacing(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` under a temporary name, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
    return path
