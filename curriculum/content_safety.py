"""Content safety in topic bodies: person-first language, and stop-now advice that comes without
a withdrawal warning and medical advice.

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

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from curriculum.library import Library, Problem, display_path
from curriculum.settings import PROJECT_ROOT

RULES_FILE = "language-rules.yaml"
SHIPPED_CONTENT = PROJECT_ROOT / "content"
PERSON_FIRST = "person-first"
STOP_NOW = "stop-now advice"
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


class _TermEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    avoid: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    say: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    about: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""
    match: Annotated[list[Regex], Field(min_length=1)]
    unless: list[Regex] = []


class _Exemption(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    file: Annotated[str, StringConstraints(pattern=r"^topics/[a-z0-9-]{1,64}\.md$")]
    phrase: Phrase
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3)]


class _RulesFile(BaseModel):
    """One ``language-rules.yaml``, as README's "Writing topics" describes it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    terms: list[_TermEntry] = []
    names: list[Phrase] = []
    meta: list[Annotated[str, StringConstraints(min_length=1, max_length=500),
                         AfterValidator(_meta_regex)]] = []
    exemptions: list[_Exemption] = []


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
    words = _EMPHASIS.sub("", text.translate(_STRAIGHT)).split()
    return re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)


# The label in a meta-language pattern: a word or "quoted phrase", or a list of them.
_ITEM = r"""(?:"[^"]{1,40}"|'[^']{1,40}'|[\w-]+)"""
_LABELS = (rf"(?P<term>{_ITEM}(?:\s*,\s*(?:(?:or|and)\s+)?(?:an?\s+)?{_ITEM}"
           rf"|\s+(?:or|and)\s+(?:an?\s+)?{_ITEM}|\s+\"[^\"]{{1,40}}\")*)")


def _parse(path: Path) -> tuple[_RulesFile | None, list[Problem]]:
    file = display_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return None, [Problem(file, "file", f"not valid YAML ({error.__class__.__name__})")]
    try:
        return _RulesFile.model_validate({} if data is None else data), []
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                            for part in item["loc"]).lstrip(".")
            problems.append(Problem(file, where or "file",
                                    item["msg"].removeprefix("Value error, ")))
        return None, problems


def load_rules(folders: Iterable[Path]) -> tuple[Rules, list[Problem]]:
    """The shipped rules file merged with each folder's own, in order; a malformed file is
    left out and reported as problems (``file: field: problem``), never raised."""
    terms, names, meta, exemptions, problems = [], [], [], [], []
    seen: set[Path] = set()
    for folder in [SHIPPED_CONTENT, *folders]:
        path = folder / RULES_FILE
        if path.resolve() in seen or not path.is_file():
            continue
        seen.add(path.resolve())
        parsed, found = _parse(path)
        problems += found
        if parsed is None:
            continue
        terms += [Term(entry.avoid, entry.say, entry.about,
                       tuple(_words(p) for p in entry.match),
                       tuple(_words(p) for p in entry.unless)) for entry in parsed.terms]
        names += [_phrase(name) for name in parsed.names]
        meta += [_words(pattern.replace(_TERM_PLACEHOLDER, _LABELS)) for pattern in parsed.meta]
        exemptions += [(Path(entry.file).stem, _phrase(entry.phrase))
                       for entry in parsed.exemptions]
    return Rules(tuple(terms), tuple(names), tuple(meta), tuple(exemptions)), problems


# Markdown to plain blocks of text ---------------------------------------------------------------

_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                           "\u00a0": " "})
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
    text = _COMMENT.sub(" ", markdown.translate(_STRAIGHT))
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


def _person_first(file: str, slug: str, markdown: str, rules: Rules) -> list[Problem]:
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
            problem = Problem(file, PERSON_FIRST, f'"{block[start:end]}"{about} → say {term.say}')
            if problem not in problems:
                problems.append(problem)
    return problems


# Stop-now advice ----------------------------------------------------------------------------------

_ALCOHOL = (r"(?:drinking(?!\s+(?:coffee|tea|soda|pop|water|juice|milk|caffeine|energy|sugary"
            r"|diet))|alcohol|booze|liquor|beer|wine|vodka|whiskey|the bottle)")
_SEDATIVE = (r"(?:benzodiazepines?|benzos?|sedatives?|tranquili[sz]ers?|barbiturates?|xanax"
             r"|alprazolam|valium|diazepam|ativan|lorazepam|klonopin|clonazepam|librium"
             r"|chlordiazepoxide|restoril|temazepam|halcion|triazolam|ambien|zolpidem"
             r"|phenobarbital|(?:sleeping|sleep|nerve|anxiety) (?:pills?|meds|medicines?"
             r"|medications?|tablets?))")
_OWNER = r"(?:(?:a|an|all|your|his|her|their|the|my|our|any|those|these|that|this|every)\s+)*"
_STOP = (r"(?:stop|quit|give up|cut out|cut off|come off|get off|go off|kick|swear off|put down"
         r"|no more)")
_TAKE_AWAY = (r"(?:(?:pour|dump|flush|empty|throw|toss|hide)"
              r"(?:\s+(?:out|away|down(?:\s+the\s+\w+)?))?|take\s+away)")
_AT_ONCE = (r"(?:today|tonight|tomorrow|right away|right now|immediately|at once|all at once"
            r"|for good|completely|suddenly|abruptly|overnight|as soon as (?:possible|you can)"
            r"|this (?:week|weekend))")


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# What tells someone to stop, and whether it needs alcohol or a sedative named in the sentence.
_STOP_NOW = (
    (_ci(rf"\b{_STOP}\s+{_OWNER}(?:(?:taking|using|drinking)\s+{_OWNER})?"
         rf"(?:{_ALCOHOL}|{_SEDATIVE})\b"), False),
    (_ci(r"\b(?:go|quit|stop|come off|get off)\b(?:\s+[\w']+){0,4}?\s+cold[- ]turkey\b"),
     False),
    (_ci(rf"\b{_TAKE_AWAY}\s+{_OWNER}(?:{_ALCOHOL}|{_SEDATIVE}|bottles?|liquor cabinet|stash"
         rf"|pills)\b"), False),
    (_ci(rf"\b(?:stop|quit)(?:\s+(?:it|everything|using))?\s+{_AT_ONCE}\b"), True),
    (_ci(r"\b(?:dry out|detox)\s+(?:at home|alone|cold turkey|on (?:your|his|her|their) own"
         r"|by (?:yourself|himself|herself|themselves))\b"), False),
)
# "make him stop": a family pushing a stop, when the sentence names what is stopped.
_BARE_STOP = _ci(r"\b(?:stop|quit)\b(?![\w-])")
_NAMES_A_SUBSTANCE = _ci(rf"\b(?:{_ALCOHOL}|{_SEDATIVE}|drinks every|bottles?)\b")
# "Stop." at the head of a step: advice to stop when its paragraph or list item names a drink.
_STOP_ALONE = _ci(r"\b(?:stop|quit)(?=\s*(?:[.!]|$|now\b|right now\b|right away\b"
                  r"|immediately\b|at once\b))")
_NAMES_A_DRINK = _ci(rf"\b(?:{_ALCOHOL}|{_SEDATIVE}|drinks?|bottles?)\b")

_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s")
_NEGATED = _ci(r"\b(?:not|never|no|cannot|avoid|without|instead of|rather than|before|unless"
               r"|until|nobody|no one)\b|n't\b")
_SOFTENERS = r"(?:(?:please|just|simply|now|also|finally|first|instead|then|really)\s+)*"
# A trigger is advice when it is an imperative, follows a "you should"-like modal, a "time to"-
# like directive, or asks someone to stop someone else.
_IMPERATIVE = _ci(rf"(?:^|\b(?:and|then|so|or|but)\s+){_SOFTENERS}$")
_MODAL = _ci(rf"\b(?:you|he|she|they|we|i|someone|everyone|anyone|people|your\s+\w+(?:\s+one)?)"
             rf"\s+(?:(?:should|must|will|need|needs|have|has|had|ought|got|gotta|better"
             rf"|are going|is going|am going)\s+(?:to\s+)?)+{_SOFTENERS}$"
             rf"|\b(?:you|he|she|they|we|i)'(?:ll|d better)\s+{_SOFTENERS}$")
_DIRECTIVE = _ci(rf"\b(?:time|decide|decided|choose|try|plan|promise|commit|agree|vow|resolve"
                 rf"|is|are|means|best|way)\s+to\s+{_SOFTENERS}$")
_FAMILY = _ci(rf"\b(?:make|makes|made|let|force|forces|push|pressure|get|gets|tell|tells|ask|asks"
              rf"|beg|convince|require|order|urge|expect|want|insist|insists|demand|demands)"
              rf"\s+(?:that\s+)?(?:him|her|them|he|she|they|someone|a\s+loved\s+one"
              rf"|your\s+(?:\w+\s+)?\w+)\s+(?:to\s+)?{_SOFTENERS}$")

# A warning names the withdrawal (or the sudden stop) and its danger in one paragraph or item.
_WITHDRAWAL = _ci(r"\b(?:withdrawal|withdrawals|withdraw|withdrawing|detox|DTs|delirium tremens)"
                  r"\b|\bsudden(?:ly)?\s+(?:stop|quit)|\bcold[- ]turkey\b|\b(?:stop|stops"
                  r"|stopping|quit|quits|quitting)\b[^.;]{0,40}?\b(?:suddenly|all at once"
                  r"|at once|abruptly|too fast|too quickly)\b")
_DANGER = _ci(r"\b(?:seizures?|fits|convulsions?|dangerous|danger|deadly|life[- ]threatening"
              r"|kills?|die|dies|death|deaths|fatal|delirium|DTs|hallucinations?|hallucinate"
              r"|serious|severe|unsafe|not safe|risky|harmful|emergency)\b")
# Stopping named with a danger only withdrawal brings is a warning without the word itself.
_STOPPING = _ci(r"\b(?:stop|stops|stopping|quit|quits|quitting)\b")
_WITHDRAWAL_DANGER = _ci(r"\b(?:seizures?|convulsions?|delirium|DTs|hallucinations?"
                         r"|life[- ]threatening|deadly|fatal|die|death)\b")
# Medical advice: a medical professional or medical care. Staff and counselors are not: the
# person needs a medical assessment (or a supervised taper) before stopping.
_MEDICAL = _ci(r"\b(?:doctors?|physicians?|nurses?|prescribers?|pharmacists?|medical|medically"
               r"|clinics?|clinicians?|health ?care (?:providers?|teams?|professionals?)"
               r"|health providers?|care providers?|primary care|hospitals?|urgent care"
               r"|emergency rooms?|withdrawal management|detox (?:programs?|centers?|units?))\b")
_SECTION = re.compile(r"^##[ \t]+(?!#)", re.MULTILINE)


def _is_advice(sentence: str, start: int) -> bool:
    """Whether the trigger at ``start`` tells someone to stop (not negated, not a condition)."""
    clause = _CLAUSE_BREAK.split(sentence[:start])[-1].lstrip()
    if _NEGATED.search(clause):
        return False
    return any(p.search(clause) for p in (_IMPERATIVE, _MODAL, _DIRECTIVE, _FAMILY))


def _tells_to_stop(sentence: str, block: str) -> bool:
    """Whether the sentence (in its paragraph or list item) tells someone to stop drinking or a
    sedative, or to make someone else stop."""
    names_substance = bool(_NAMES_A_SUBSTANCE.search(sentence))
    for pattern, needs_substance in _STOP_NOW:
        for match in pattern.finditer(sentence):
            if (names_substance or not needs_substance) and _is_advice(sentence, match.start()):
                return True
    for match in _BARE_STOP.finditer(sentence if names_substance else ""):
        clause = _CLAUSE_BREAK.split(sentence[:match.start()])[-1].lstrip()
        if _FAMILY.search(clause) and not _NEGATED.search(clause):
            return True
    return any(_is_advice(sentence, match.start()) and not _FAMILY.search(sentence[:match.start()])
               for match in _STOP_ALONE.finditer(sentence if _NAMES_A_DRINK.search(block) else ""))


def _is_warning(block: str) -> bool:
    """Whether a paragraph or list item names withdrawal (or a sudden stop) and its danger."""
    return bool((_WITHDRAWAL.search(block) and _DANGER.search(block))
                or (_STOPPING.search(block) and _WITHDRAWAL_DANGER.search(block)))


def _stop_now(file: str, handout_markdown: str) -> list[Problem]:
    problems: list[Problem] = []
    for section in _SECTION.split(handout_markdown):
        blocks = _blocks(section)
        if any(map(_is_warning, blocks)) and any(_MEDICAL.search(block) for block in blocks):
            continue
        for block in blocks:
            sentences = _sentences(block)
            for number, sentence in enumerate(sentences):
                if not _tells_to_stop(sentence, block):
                    continue
                # A bare "Stop." is quoted with the sentence that says what is stopped.
                quoted = (sentence if _NAMES_A_DRINK.search(sentence)
                          else " ".join(sentences[number:number + 2]))
                problem = Problem(file, STOP_NOW, f'"{quoted}" needs a withdrawal warning and '
                                                  f"medical advice in the same section")
                if problem not in problems:
                    problems.append(problem)
    return problems


# Checking topics ----------------------------------------------------------------------------------

def check_topic(file: str, slug: str, guide_markdown: str, handout_markdown: str,
                rules: Rules) -> list[Problem]:
    """Every content-safety finding in one topic's guide and handout (the bodies, without
    front matter), named ``file``; exemptions are those the rules give ``slug``."""
    return [*_person_first(file, slug, guide_markdown + "\n\n" + handout_markdown, rules),
            *_stop_now(file, handout_markdown)]


def check_library(library: Library) -> list[Problem]:
    """Findings in every topic of the library, with the rules of the shipped content folder and
    of every content folder the library was loaded from (read once)."""
    rules, problems = load_rules(library.folders)
    for topic in library.topics.values():
        problems += check_topic(display_path(topic.path), topic.slug, topic.guide_markdown,
                                topic.handout_markdown, rules)
    return problems
