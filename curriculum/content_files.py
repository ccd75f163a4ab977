"""What every content file's check is made of (topics, their translations, tracks, the
language rules and glossaries): a problem, the path it names, the slug a file's name must be,
the rules shared by topics and tracks (addresses, titles, short texts), and YAML (a whole file
or a Markdown file's front matter) read into a pydantic schema with a problem per bad field."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import frontmatter
import yaml
from pydantic import BaseModel, StringConstraints, ValidationError

SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}$")
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=90)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Model = TypeVar("Model", bound=BaseModel)


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


def slug_problems(path: Path) -> list[Problem]:
    """A problem when the file's name is not a slug (it becomes the topic's or track's id)."""
    if SLUG_RE.match(path.stem):
        return []
    return [Problem(display_path(path), "file name", "slug must be 1-64 of a-z, 0-9 and '-'")]


def read_source(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text, or None and a problem when it is not UTF-8."""
    try:
        return path.read_bytes().decode("utf-8"), []
    except UnicodeDecodeError:
        return None, [Problem(display_path(path), "file", "not UTF-8 text")]


def problems_from_validation(file: str, error: ValidationError) -> list[Problem]:
    """A problem per field pydantic refused, named like ``topics[3]`` or ``rules[0].term``."""
    problems = []
    for item in error.errors():
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                        for part in item["loc"]).lstrip(".")
        problems.append(Problem(file, where or "file", item["msg"].removeprefix("Value error, ")))
    return problems


def _validated(file: str, data: object, schema: type[Model]) -> tuple[Model | None, list[Problem]]:
    try:
        return schema.model_validate(data), []
    except ValidationError as error:
        return None, problems_from_validation(file, error)


def _not_yaml(file: str, field: str, error: Exception) -> list[Problem]:
    return [Problem(file, field, f"not valid YAML ({error.__class__.__name__})")]


def parse_yaml(file: str, text: str, schema: type[Model]) -> tuple[Model | None, list[Problem]]:
    """YAML text validated into ``schema`` (an empty text as an empty mapping), or None and a
    problem per bad field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        return None, _not_yaml(file, "file", error)
    return _validated(file, {} if data is None else data, schema)


def read_yaml_file(path: Path, schema: type[Model]) -> tuple[Model | None, list[Problem]]:
    """One YAML file validated into ``schema``, or None and a problem per bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, _not_yaml(display_path(path), "file", error)
    return parse_yaml(display_path(path), text, schema)


def read_front_matter(file: str, source: str,
                      schema: type[Model]) -> tuple[Model | None, str, list[Problem]]:
    """A Markdown source's front matter validated into ``schema``, and the Markdown after it;
    the front matter is None when there are problems."""
    try:
        post = frontmatter.loads(source)
    except yaml.YAMLError as error:
        return None, "", _not_yaml(file, "front matter", error)
    if not post.metadata:
        return None, "", [Problem(file, "front matter", "missing (the file must start with ---)")]
    meta, problems = _validated(file, post.metadata, schema)
    return meta, post.content if meta is not None else "", problems
