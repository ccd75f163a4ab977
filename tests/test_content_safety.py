"""Content safety in `curriculum check`: person-first language, and stop-now advice that comes
without a withdrawal warning and medical advice.

Each phrasing below was written before the rules, and the rules are held to it: a topic is
planted in a temporary content folder, loaded, and `quality.check` must (or must not) name it.
"""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from curriculum import content_safety, quality
from curriculum.library import Library
from curriculum.readiness import ensure_ready
from models import Role
from tests.helpers import topic_text, write_topic

STRONG = "3f9c1e7a5b2d8f4061c9e3a7b5d1f8e2a4c6b8d0e2f4a6c8"


def handout(*paragraphs: str, heading: str = "Key ideas") -> str:
    """A valid handout whose first section holds the paragraphs."""
    body = "\n\n".join(paragraphs)
    return (f"## {heading}\n\n{body}\n\n[lines: 2]\n\n"
            "## Before next group\n\nPractise one skill.\n")


def rule_lines(folders: list[Path], rule: str, slug: str = "planted") -> list[str]:
    """The rule's findings on the planted topic (which must have loaded without problems)."""
    library = Library.load(folders)
    assert slug in library.topics, [str(p) for p in library.problems]
    lines = [str(p) for p in quality.check(library).problems]
    return [line for line in lines if f"{slug}.md: {rule}: " in line]


# Person-first language ------------------------------------------------------------------------

# (sentence, a word the finding must quote)
PERSON_FIRST_HITS = [
    ("Jordan stayed clean through the whole winter.", "clean"),
    ("Ninety days clean is worth a cake at group.", "clean"),
    ("Her urine screen came back clean on Monday.", "clean"),
    ("The judge wants a clean UA every week.", "clean"),
    ("We were both clean and sober by spring.", "clean"),
    ("My clean date is in March.", "clean"),
    ("Two of his tests were dirty last month.", "dirty"),
    ("A dirty drop is not the end of your recovery.", "dirty"),
    ("Living with an alcoholic can wear you down.", "alcoholic"),
    ("Many alcoholics hide bottles around the house.", "alcoholics"),
    ("An alcoholic parent can make a home feel unsafe.", "alcoholic"),
    ("His father was an addict for twenty years.", "addict"),
    ("The junkies downtown need care, not scorn.", "junkies"),
    ("Every former addict has a story to tell.", "former addict"),
    ("He is a reformed man these days.", "reformed"),
    ("Heroin users face a high overdose risk.", "users"),
    ("His drug habit cost him two jobs.", "habit"),
    ("The chart lists a history of alcohol abuse.", "alcohol abuse"),
    ("Programs for substance abusers are often full.", "abusers"),
    ("Medication for alcohol addiction can cut cravings.", "addiction"),
    ("Opioid replacement therapy helped my brother.", "replacement"),
    ('"I\'m clean now," Sam told the group.', "clean"),
    ("Clean time adds up one day at a time.", "Clean"),
    ("She has been **clean** for a year.", "clean"),
    # Added after the first run of the rules, from probing them with new wording.
    ("He was clean for 8 months before the move.", "clean"),
    ("Children of alcoholics often feel responsible.", "alcoholics"),
    ("Ex-addicts make great peer workers.", "Ex-addicts"),
    ("He stole to feed his habit.", "habit"),
    ('He\'s an "addict" in their eyes.', "addict"),
]

PERSON_FIRST_NEAR_MISSES = [
    "Put clean sheets on the bed tonight.",
    "Keep a clean copy of your plan in your wallet.",
    "Clean the kitchen before guests arrive.",
    "Everyone's clean clothes go in the basket.",
    "Wash your hands and keep your water bottle clean.",
    "Start the week with a clean slate.",
    "Order a non-alcoholic beer or a soda.",
    "Alcoholic drinks are served at most weddings.",
    "She goes to Alcoholics Anonymous on Tuesdays.",
    "Al-Anon and Adult Children of Alcoholics meet at the library.",
    "The National Institute on Drug Abuse pays for this research.",
    "Nobody here has to label themselves an addict.",
    'The word "junkie" hurts people.',
    "Labels like alcoholic, addict or junkie can keep people from asking for help.",
    "He relapsed in May and came back to group.",
    "Dirty dishes piling up can be a warning sign.",
    "She felt dirty and ashamed after the assault.",
    "If your abuser contacts you, call for help.",
    "Staff must report child abuse.",
    "A healthy sleep habit takes time to build.",
    "He was addicted to pain pills for years.",
    "Addiction is a treatable medical condition.",
    "Nicotine replacement therapy can help you quit smoking.",
    "Some medicines can be habit forming.",
    # Added after the first run of the rules, from probing them with new wording.
    'Say "person in recovery," not "addict."',
    "She calls herself a recovering addict.",
    "He reformed the team's schedule.",
    "Get clean towels from the closet.",
    "Alcoholic liver disease is common.",
    "Come clean with your family about the bills.",
    "She is clean-shaven.",
]


@pytest.mark.parametrize(("sentence", "word"), PERSON_FIRST_HITS)
def test_person_first_hits(tmp_path: Path, sentence: str, word: str) -> None:
    write_topic(tmp_path, "planted", handout=handout(sentence))
    lines = rule_lines([tmp_path], "person-first")
    assert lines, sentence
    quoted = re.search(r'person-first: "([^"]+)"', lines[0])
    assert quoted and word.casefold() in quoted[1].casefold(), lines
    assert " → say " in lines[0]


@pytest.mark.parametrize("sentence", PERSON_FIRST_NEAR_MISSES)
def test_person_first_near_misses(tmp_path: Path, sentence: str) -> None:
    write_topic(tmp_path, "planted", handout=handout(sentence))
    assert rule_lines([tmp_path], "person-first") == []


def test_person_first_line_names_file_words_and_preferred_wording(tmp_path: Path) -> None:
    write_topic(tmp_path, "planted", handout=handout("Many alcoholics hide bottles."))
    [line] = rule_lines([tmp_path], "person-first")
    assert re.fullmatch(r'\S*planted\.md: person-first: "alcoholics"( \([^)]+\))? → say .+',
                        line), line


def test_person_first_reads_the_guide_too(tmp_path: Path) -> None:
    text = topic_text("planted").replace("Go around the room.",
                                         "Ask who has stayed clean since last week.")
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "planted.md").write_text(text)
    assert len(rule_lines([tmp_path], "person-first")) == 1


def test_front_matter_and_html_comments_are_not_read(tmp_path: Path) -> None:
    write_topic(tmp_path, "planted", summary="Say person in recovery, not addict or junkie.",
                objectives="[Help junkies and alcoholics feel welcome.]",
                handout=handout("<!-- old wording: addicts and alcoholics -->Words matter."))
    assert rule_lines([tmp_path], "person-first") == []


def test_an_exemption_silences_exactly_that_file_and_phrase(tmp_path: Path) -> None:
    (tmp_path / "language-rules.yaml").write_text(
        "exemptions:\n"
        "  - file: topics/book-club.md\n"
        "    phrase: The Addict Next Door\n"
        "    reason: the title of the memoir the group reads\n")
    text = handout("We read *The Addict Next Door* together.", "Some people still say junkie.")
    write_topic(tmp_path, "book-club", handout=text)
    write_topic(tmp_path, "other-club", handout=text)
    book = rule_lines([tmp_path], "person-first", "book-club")
    other = rule_lines([tmp_path], "person-first", "other-club")
    assert len(book) == 1 and '"junkie"' in book[0]
    assert len(other) == 2 and any('"Addict"' in line for line in other)


def test_a_program_folders_rules_file_extends_the_shipped_one(tmp_path: Path) -> None:
    base, program = tmp_path / "base", tmp_path / "program"
    write_topic(base, "planted", handout=handout("Her aunt was a lush.",
                                                 "Many addicts hide bottles."))
    program.mkdir()  # a folder holding only its rules file still counts
    (program / "language-rules.yaml").write_text(
        "terms:\n"
        "  - avoid: lush\n"
        "    say: '\"a person who drinks heavily\"'\n"
        "    match: ['lush(?:es)?']\n")
    alone = rule_lines([base], "person-first")
    extended = rule_lines([base, program], "person-first")
    assert len(alone) == 1 and '"addicts"' in alone[0]
    assert len(extended) == 2 and any('"lush" → say "a person who drinks heavily"' in line
                                      for line in extended)


@pytest.mark.parametrize(("rules", "expected"), [
    ("terms:\n  - avoid: lush\n    match: ['lush']\n", "language-rules.yaml: terms[0].say: "),
    ("terms:\n  - avoid: lush\n    say: x\n    match: ['lush(']\n",
     "language-rules.yaml: terms[0].match[0]: "),
    ("exemptions:\n  - file: book.md\n    phrase: addict\n    reason: a title\n",
     "language-rules.yaml: exemptions[0].file: "),
    ("exemptions:\n  - file: topics/book.md\n    phrase: addict\n",
     "language-rules.yaml: exemptions[0].reason: "),
    ("meta: ['the word']\n", "language-rules.yaml: meta[0]: "),
    ("colour: blue\n", "language-rules.yaml: colour: "),
    ("terms: [unclosed\n", "language-rules.yaml: file: not valid YAML"),
    ("- just\n- a list\n", "language-rules.yaml: file: "),
])
def test_a_malformed_rules_file_is_a_problem_line_not_a_traceback(
    tmp_path: Path, rules: str, expected: str
) -> None:
    (tmp_path / "language-rules.yaml").write_text(rules)
    write_topic(tmp_path, "planted", handout=handout("Many addicts hide bottles."))
    library = Library.load([tmp_path])
    lines = [str(p) for p in quality.check(library).problems]
    assert any(expected in line for line in lines), lines
    # The shipped rules still apply.
    assert any("planted.md: person-first: " in line for line in lines)


# Stop-now advice -------------------------------------------------------------------------------

STOP_NOW_HITS = [
    "If drinking is hurting your family, just stop today.",
    "Tell your husband he has to quit drinking this week.",
    "Throw away every bottle in the house and make him stop.",
    "It is time to give up alcohol for good.",
    "Ask your sister to stop her sleeping pills right away.",
    "Empty the liquor cabinet tonight and insist that she quit.",
    "Go cold turkey on the sedatives.",
    "Cut out beer and wine completely, starting tomorrow.",
    "Quit the booze cold turkey, it is the only way.",
    "You should stop taking Valium before your next visit.",
    # Medical advice without a withdrawal warning is not enough.
    "Stop taking the Ativan the doctor gave you last year.",
    # "Withdrawal" without its danger is not a warning.
    "Stop drinking now. Withdrawal is uncomfortable, and your nurse can help.",
    # Staff are not medical advice.
    "Stop drinking tonight. Withdrawal can cause seizures, so tell staff.",
    # Added after the first run of the rules, from probing them with new wording.
    "1. **Stop.** Put the drink down and walk away.\n2. **Call** someone.",
    "Let him detox at home this weekend.",
    "Take away her Xanax.",
    "Give him an ultimatum: quit drinking or move out.",
]

STOP_NOW_NEAR_MISSES = [
    "When a craving hits, stop and think about the whole story.",
    "If the talk gets heated, stop the conversation and take a break.",
    "Picture a stop sign when the thought starts, or a stop-sign on your phone.",
    "If the urge does not stop after 20 minutes, call your sponsor.",
    "Stop comparing yourself to others in group.",
    "Since Dana quit drinking, she sleeps better.",
    "When I stopped drinking, I shook for two days. Alcohol withdrawal can cause seizures, so "
    "get medical advice before any change.",
    "Do not stop drinking all at once on your own.",
    "Stop drinking only with a plan. Alcohol withdrawal can cause seizures and can be deadly. "
    "Talk to your doctor first.",
    "Never quit a benzodiazepine by yourself; stopping suddenly can cause seizures. Your "
    "prescriber can plan a slow taper.",
    "Stop scrolling on your phone an hour before bed.",
    "If friends keep offering you a drink, ask them to stop.",
    "You cannot make your partner stop drinking.",
    "Stop at 15 minutes.",
    # Added after the first run of the rules, from probing them with new wording.
    "Stop drinking coffee after noon.",
    "Take your Xanax only as prescribed.",
    "Detox is safest with medical help.",
    "1. **Stop.** You can stop after one drink.\n2. **Call** someone.\n\nIf you went back to "
    "heavy daily drinking, do not stop all at once on your own. That can be dangerous. Call "
    "your doctor first.",
]


@pytest.mark.parametrize("text", STOP_NOW_HITS)
def test_stop_now_hits(tmp_path: Path, text: str) -> None:
    write_topic(tmp_path, "planted", handout=handout(text))
    lines = rule_lines([tmp_path], "stop-now advice")
    assert len(lines) == 1, (text, lines)
    assert lines[0].endswith("needs a withdrawal warning and medical advice in the same section")


@pytest.mark.parametrize("text", STOP_NOW_NEAR_MISSES)
def test_stop_now_near_misses(tmp_path: Path, text: str) -> None:
    write_topic(tmp_path, "planted", handout=handout(text))
    assert rule_lines([tmp_path], "stop-now advice") == []


def test_stop_now_line_quotes_the_sentence(tmp_path: Path) -> None:
    write_topic(tmp_path, "planted", handout=handout("Go **cold turkey** on the sedatives."))
    [line] = rule_lines([tmp_path], "stop-now advice")
    assert line.endswith("planted.md: stop-now advice: \"Go cold turkey on the sedatives.\" "
                         "needs a withdrawal warning and medical advice in the same section")


def test_overlapping_words_are_one_finding(tmp_path: Path) -> None:
    write_topic(tmp_path, "planted", handout=handout("Jordan has stayed clean since May."))
    assert [line.split(": ", 1)[1] for line in rule_lines([tmp_path], "person-first")] == [
        'person-first: "stayed clean since" (about a person or a test) → say "not using", '
        '"in recovery", "substance-free" or, for a test, "negative"']


def test_a_bare_stop_is_quoted_with_what_it_stops(tmp_path: Path) -> None:
    write_topic(tmp_path, "planted", handout=handout(
        "1. **Stop.** Put the drink down and walk away.\n2. **Call** someone."))
    [line] = rule_lines([tmp_path], "stop-now advice")
    assert '"Stop. Put the drink down and walk away."' in line


def test_the_warning_must_be_in_the_same_section(tmp_path: Path) -> None:
    text = ("## What you can do\n\nPour out his beer and make him quit.\n\n"
            "## Safety\n\nAlcohol withdrawal can be deadly. Ask a doctor first.\n\n"
            "[lines: 2]\n\n## Before next group\n\nPractise one skill.\n")
    write_topic(tmp_path, "planted", handout=text)
    [line] = rule_lines([tmp_path], "stop-now advice")
    assert '"Pour out his beer and make him quit."' in line


def test_stop_now_is_read_in_handouts_only(tmp_path: Path) -> None:
    text = topic_text("planted").replace("Go around the room.",
                                         "Tell participants to stop drinking today.")
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "planted.md").write_text(text)
    assert rule_lines([tmp_path], "stop-now advice") == []


# One topic, the command, and production ---------------------------------------------------------

def test_check_topic_checks_one_topics_markdown() -> None:
    rules, problems = content_safety.load_rules([])
    assert problems == []
    found = content_safety.check_topic(
        "a program's draft", "draft", "Ask who has stayed clean this week.",
        "## Tips\n\nQuit drinking today.\n", rules)
    assert [(p.file, p.field) for p in found] == [("a program's draft", "person-first"),
                                                  ("a program's draft", "stop-now advice")]


def test_curriculum_check_exits_1_with_the_findings(
    make_app: Callable, content_dir: Path
) -> None:
    write_topic(content_dir, "planted", handout=handout(
        "Jordan stayed clean all winter.", "Tell your brother to quit drinking tonight."))
    result = make_app().test_cli_runner().invoke(args=["curriculum", "check"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(re.search(r'planted\.md: person-first: "stayed clean"', line) for line in lines)
    assert any('planted.md: stop-now advice: "Tell your brother to quit drinking tonight."'
               in line for line in lines)


def test_findings_never_stop_production_from_starting(
    make_app: Callable, content_dir: Path, monkeypatch: pytest.MonkeyPatch,
    make_user: Callable
) -> None:
    write_topic(content_dir, "planted", handout=handout(
        "Many alcoholics hide bottles.", "Go cold turkey on the sedatives."))
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = make_app(GROUPWORK_ENV="production")
    make_user(Role.ADMIN)
    library = app.extensions["library"]
    assert library.problems == []
    assert content_safety.check_library(library)
    ensure_ready(app)
