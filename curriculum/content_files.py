"""What every content file's check is made of: a problem, the path it names, and the rules
shared by topics and tracks (addresses, short texts)."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import StringConstraints, ValidationError

SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}$")
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, printed as ``file: field: problem``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"



def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def problems_from_validation(file: str, error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = item["loc"]
        name = str(loc[0]) if loc else "front matter"
        name += "".join(f"[{part}]" for part in loc[1:])
        problems.append(Problem(file, name, item["msg"]))
    return problems
