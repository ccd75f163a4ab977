"""The Spanish glossary (``content/glossary-es.yaml``): the one Spanish term for each recurring
idea, the words Spanish handouts avoid, and the practice section's heading.

Its ``avoid`` list has the shape of ``language-rules.yaml``'s ``terms``, and its ``names``,
``meta`` and ``exemptions`` the shape of that file's, so Spanish handouts are read by the same
person-first machinery (``content_safety``). A program's content folder may hold its own
``glossary-es.yaml``: its entries add to the shipped ones, and its practice heading, if any,
replaces the shipped one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from curriculum import content_safety
from curriculum.content_files import Problem, read_yaml_file

GLOSSARY_FILE = "glossary-es.yaml"
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Term(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    en: _Text
    es: _Text
    note: _Text | None = None


class _GlossaryFile(content_safety.RulesFile):
    """One ``glossary-es.yaml``, as its header comment describes it."""

    # Handouts address the reader one way throughout; "register" is taken by BaseModel.
    form_of_address: Literal["usted"] | None = Field(default=None, alias="register")
    practice_heading: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3,
                                                       max_length=80)] | None = None
    vocabulary: list[_Term] = Field(default=[], alias="terms")
    terms: list[content_safety.TermEntry] = Field(default=[], alias="avoid")


@dataclass(frozen=True)
class Glossary:
    practice_heading: str
    rules: content_safety.Rules  # the words to avoid, with names, meta-language, exemptions


def load_glossary(folders: Iterable[Path]) -> tuple[Glossary, list[Problem]]:
    """The shipped glossary merged with each content folder's own; a malformed file is left
    out and reported as problems, never raised."""
    parsed, problems = [], []
    for path in content_safety.rule_files(folders, GLOSSARY_FILE):
        glossary, found = read_yaml_file(path, _GlossaryFile)
        problems += found
        parsed += [glossary] if glossary is not None else []
    headings = [file.practice_heading for file in parsed if file.practice_heading]
    heading = headings[-1] if headings else "Antes del próximo grupo"
    return Glossary(heading, content_safety.compile_rules(parsed)), problems
