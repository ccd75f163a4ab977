"""Content safety in topic bodies: person-first language, and stop-now advice that comes without
a withdrawal warning and medical advice; translated handouts are read the same way, with their
glossary's words to avoid and their language's stop-now patterns (``check_translation``).

Findings are ``quality.check`` problems (``curriculum check`` fails on them) and never
``Library.problems``: a finding must not stop the production server from starting. The words
to avoid live in ``content/language-rules.yaml``; a program's content folder may hold another
file of the same shape, which adds to it. ``check_topic`` checks one topic's Markdown, so a
program's edited version can be held to the same rules.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from curriculum.content_files import Problem, display_path, read_yaml_file
from curriculum.handout_translations import Translation
from curriculum.library import Library
from curriculum.settings import PROJECT_ROOT
from curriculum.stop_now_patterns import ENGLISH, SPANISH, StopNowPatterns

RULES_FILE = "language-rules.yaml"
SHIPPED_CONTENT = PROJECT_ROOT / "content"
PERSON_FIRST = "person-first"
STOP_NOW = "stop-now advice"
GLOSSARY = "glossary"
STOP_NOW_PATTERNS = {"es": SPANISH}
_TERM_PLACEHOLDER = "{term}"


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression ({error})") from None
    return pattern


def _meta_regex(pattern: str) -> str:
    if pattern.count(_TERM_PLACEHOLDER) != 1:
        raise ValueError(f"must hold {_TERM_PLACEHOLDER} once, where the label goes")
    _regex(pattern.replace(_TERM_PLACEHOLDER, "x"))
    return pattern


Regex = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_regex)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class TermEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    avoid: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    say: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    about: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""
    match: Annotated[list[Regex], Field(min_length=1)]
    unless: list[Regex] = []


class Exemption(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    file: Annotated[str, StringConstraints(pattern=r"^topics/[a-z0-9-]{1,64}(?:\.es)?\.md$")]
    phrase: Phrase
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class RulesFile(BaseModel):
    """One ``language-rules.yaml``, as README's "Writing topics" describes it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    terms: list[TermEntry] = []
    names: list[Phrase] = []
    meta: list[Annotated[str, StringConstraints(min_length=1, max_length=500),
                         AfterValidator(_meta_regex)]] = []
    exemptions: list[Exemption] = []


@dataclass(frozen=True)
class Term:
    """A word or phrase to avoid, the preferred wording, and the patterns that find it."""

    avoid: str
    say: str
    about: str
    match: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Rules:
    """Every rules file merged: terms, proper names, meta-language and per-topic exemptions."""

    terms: tuple[Term, ...] = ()
    names: tuple[re.Pattern[str], ...] = ()
    meta: tuple[re.Pattern[str], ...] = ()
    exemptions: tuple[tuple[str, re.Pattern[str]], ...] = ()  # (slug, phrase)


def _words(pattern: str) -> re.Pattern[str]:
    """A rules-file pattern matched case-insensitively as whole words ("non-alcoholic" is one)."""
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


def _phrase(text: str) -> re.Pattern[str]:
    """Plain text as written in a topic, whatever its spacing, emphasis or curly quotes."""
    words = _EMPHASIS.sub("", text.translate(STRAIGHT)).split()
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


# The label in a meta-language pattern: a word or "quoted phrase", or a list of them (joined
# in English or in Spanish: the Spanish glossary's meta patterns use the same placeholder).
_ITEM = r"""(?:"[^"]{1,40}"|'[^']{1,40}'|[\w-]+)"""
_AND_OR = r"(?:or|and|o|u|y|e|ni)"
_ARTICLE = r"(?:an?|una?)"
_LABELS = (rf"(?P<term>{_ITEM}(?:\s*,\s*(?:{_AND_OR}\s+)?(?:{_ARTICLE}\s+)?{_ITEM}"
           rf"|\s+{_AND_OR}\s+(?:{_ARTICLE}\s+)?{_ITEM}|\s+\"[^\"]{{1,40}}\")*)")


def rule_files(folders: Iterable[Path], name: str) -> list[Path]:
    """The shipped content folder's file called ``name``, then each folder's own, once each."""
    paths: list[Path] = []
    for folder in [SHIPPED_CONTENT, *folders]:
        path = folder / name
        if path.is_file() and path.resolve() not in {p.resolve() for p in paths}:
            paths.append(path)
    return paths


def compile_rules(files: Iterable[RulesFile]) -> Rules:
    """Validated rules files merged in order: every file's entries apply."""
    terms, names, meta, exemptions = [], [], [], []
    for parsed in files:
        terms += [Term(entry.avoid, entry.say, entry.about,
                       tuple(_words(p) for p in entry.match),
                       tuple(_words(p) for p in entry.unless)) for entry in parsed.terms]
        names += [_phrase(name) for name in parsed.names]
        meta += [_words(pattern.replace(_TERM_PLACEHOLDER, _LABELS)) for pattern in parsed.meta]
        exemptions += [(Path(entry.file).stem, _phrase(entry.phrase))
                       for entry in parsed.exemptions]
    return Rules(tuple(terms), tuple(names), tuple(meta), tuple(exemptions))


def load_rules(folders: Iterable[Path]) -> tuple[Rules, list[Problem]]:
    """The shipped rules file merged with each folder's own, in order; a malformed file is
    left out and reported as problems (``file: field: problem``), never raised."""
    parsed, problems = [], []
    for path in rule_files(folders, RULES_FILE):
        rules_file, found = read_yaml_file(path, RulesFile)
        problems += found
        parsed += [rules_file] if rules_file is not None else []
    return compile_rules(parsed), problems


# Markdown to plain blocks of text ---------------------------------------------------------------

# Curly quotes and no-break spaces read as plain ones (topic_check finds quotes the same way).
STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                           "\u00ab": '"', "\u00bb": '"', "\u00a0": " "})
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_WRITING_SPACE = re.compile(r"\[lines:\s*\d+\]")
# Headings, list items and block quotes each start a block of their own.
_BLOCK_START = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+|>[ \t]*)",
                          re.MULTILINE)
_EMPHASIS = re.compile(r"[*_`]+")
_SENTENCE_END = re.compile(r"""(?:(?<=[.!?])|(?<=[.!?]["')]))\s+(?=[^a-z\s])""")


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, list items, headings and table cells as plain one-line text."""
    text = _COMMENT.sub(" ", markdown.translate(STRAIGHT))
    text = _TAG.sub(" ", _LINK.sub(r"\1", _IMAGE.sub(" ", text)))
    text = _WRITING_SPACE.sub(" ", text).replace("|", "\n\n")
    text = _EMPHASIS.sub("", _BLOCK_START.sub("\n\n", text))
    blocks = (" ".join(block.split()) for block in re.split(r"\n[ \t]*\n", text))
    return [block for block in blocks if block]


def _sentences(block: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_END.split(block) if sentence]


# Person-first language ----------------------------------------------------------------------------

def _spared(block: str, slug: str, rules: Rules) -> tuple[list[tuple[int, int]], ...]:
    """Spans a finding may not come from: names and exemptions hold it whole, meta-language
    touches it."""
    whole = [m.span() for p in rules.names for m in p.finditer(block)]
    whole += [m.span() for name, p in rules.exemptions if name == slug
              for m in p.finditer(block)]
    touching = [m.span("term") for p in rules.meta for m in p.finditer(block)]
    return whole, touching


def _person_first(file: str, slug: str, markdown: str, rules: Rules,
                  field: str = PERSON_FIRST) -> list[Problem]:
    problems: list[Problem] = []
    for block in _blocks(markdown):
        hits = [(m.start(), m.end(), term) for term in rules.terms for p in term.match
                for m in p.finditer(block)
                if not any(u.start() <= m.start() and m.end() <= u.end()
                           for n in term.unless for u in n.finditer(block))]
        if not hits:
            continue
        merged: list[tuple[int, int, Term]] = []
        # Overlapping hits are one finding, named by the longest at its start: "former addict"
        # is not also "addict", and "stayed clean since" is one "clean".
        for start, end, term in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
            else:
                merged.append((start, end, term))
        whole, touching = _spared(block, slug, rules)
        for start, end, term in merged:
            if (any(a <= start and end <= b for a, b in whole)
                    or any(a < end and start < b for a, b in touching)):
                continue
            about = f" ({term.about})" if term.about else ""
            problems.append(Problem(file, field, f'"{block[start:end]}"{about} → say {term.say}'))
    return list(dict.fromkeys(problems))  # each finding once, in order


# Stop-now advice ----------------------------------------------------------------------------------

_SECTION = re.compile(r"^##[ \t]+(?!#)", re.MULTILINE)


def _is_advice(sentence: str, start: int, lang: StopNowPatterns) -> bool:
    """Whether the trigger at ``start`` tells someone to stop (not negated, not a condition)."""
    clause = lang.clause_break.split(sentence[:start])[-1].lstrip()
    if lang.negated.search(clause):
        return False
    imperative = lang.infinitive is None or not lang.infinitive.match(sentence, start)
    return bool(imperative and lang.imperative.search(clause)) or any(
        p.search(clause) for p in (lang.modal, lang.directive, lang.family))


def _tells_to_stop(sentence: str, block: str, lang: StopNowPatterns) -> bool:
    """Whether the sentence (in its paragraph or list item) tells someone to stop drinking or a
    sedative, or to make someone else stop."""
    names_substance = bool(lang.names_a_substance.search(sentence))
    for pattern, needs_substance in lang.triggers:
        for match in pattern.finditer(sentence):
            if ((names_substance or not needs_substance)
                    and _is_advice(sentence, match.start(), lang)):
                return True
    for match in lang.bare_stop.finditer(sentence if names_substance else ""):
        clause = lang.clause_break.split(sentence[:match.start()])[-1].lstrip()
        if lang.family.search(clause) and not lang.negated.search(clause):
            return True
    alone = lang.stop_alone.finditer(sentence if lang.names_a_drink.search(block) else "")
    return any(_is_advice(sentence, match.start(), lang)
               and not lang.family.search(sentence[:match.start()]) for match in alone)


def _is_warning(block: str, lang: StopNowPatterns) -> bool:
    """Whether a paragraph or list item names withdrawal (or a sudden stop) and its danger."""
    return bool((lang.withdrawal.search(block) and lang.danger.search(block))
                or (lang.stopping.search(block) and lang.withdrawal_danger.search(block)))


def stop_now(file: str, handout_markdown: str, lang: StopNowPatterns = ENGLISH
             ) -> list[Problem]:
    """Stop-now advice in one handout, read with one language's patterns."""
    problems: list[Problem] = []
    for section in _SECTION.split(handout_markdown):
        blocks = _blocks(section)
        if (any(_is_warning(block, lang) for block in blocks)
                and any(lang.medical.search(block) for block in blocks)):
            continue
        for block in blocks:
            sentences = _sentences(block)
            for number, sentence in enumerate(sentences):
                if not _tells_to_stop(sentence, block, lang):
                    continue
                # A bare "Stop." is quoted with the sentence that says what is stopped.
                quoted = (sentence if lang.names_a_drink.search(sentence)
                          else " ".join(sentences[number:number + 2]))
                problems.append(Problem(file, STOP_NOW, f'"{quoted}" needs a withdrawal warning '
                                                        f"and medical advice in the same section"))
    return list(dict.fromkeys(problems))  # each finding once, in order


# Checking topics ----------------------------------------------------------------------------------

def check_topic(file: str, slug: str, guide_markdown: str, handout_markdown: str,
                rules: Rules) -> list[Problem]:
    """Every content-safety finding in one topic's guide and handout (the bodies, without
    front matter), named ``file``; exemptions are those the rules give ``slug``."""
    return [*_person_first(file, slug, guide_markdown + "\n\n" + handout_markdown, rules),
            *stop_now(file, handout_markdown)]


def check_translation(file: str, slug: str, translation: Translation, rules: Rules
                      ) -> list[Problem]:
    """Findings in one translated handout: the words its glossary says to avoid (``rules``,
    whose exemptions name ``topics/<slug>.<lang>.md``), and stop-now advice."""
    key = f"{slug}.{translation.language}"
    return [*_person_first(file, key, translation.handout_markdown, rules, GLOSSARY),
            *stop_now(file, translation.handout_markdown, STOP_NOW_PATTERNS[translation.language])]


def check_library(library: Library) -> list[Problem]:
    """Findings in every topic of the library, with the rules of the shipped content folder and
    of every content folder the library was loaded from (read once)."""
    rules, problems = load_rules(library.folders)
    for topic in library.topics.values():
        problems += check_topic(display_path(topic.path), topic.slug, topic.guide_markdown,
                                topic.handout_markdown, rules)
    return problems
