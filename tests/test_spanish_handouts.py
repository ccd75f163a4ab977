"""Spanish handouts, the check side: loading ``<slug>.es.md``, staleness, structure parity with
the English, the glossary's words, Spanish stop-now advice, and reading ease."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from curriculum import quality
from curriculum.library import Library
from curriculum.readiness import ensure_ready
from curriculum.spanish_readability import grade_text, syllables
from models import Role
from tests.helpers import SPANISH, english_hash, write_spanish, write_topic

STRONG = "x" * 16 + "strong-production-secret-0123456789"
def check_lines(folders: list[Path]) -> list[str]:
    return [str(p) for p in quality.check(Library.load(folders)).problems]


# Syllables and reading ease -----------------------------------------------------------------------

@pytest.mark.parametrize(("word", "count"), [
    ("agua", 2), ("idea", 3), ("día", 2), ("hoy", 1), ("pingüino", 3), ("que", 1),
    ("guitarra", 3), ("muy", 1), ("y", 1), ("ahora", 3), ("reír", 2), ("país", 2), ("buey", 1),
    ("ciudad", 2), ("reúne", 3), ("poeta", 3), ("leer", 2), ("cuidado", 3), ("ayuda", 3),
    ("reyes", 2), ("Uruguay", 3), ("recuperación", 5), ("alcohol", 3), ("búho", 2),
    ("AGUA", 2), ("aéreo", 4),
])
def test_spanish_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_reading_ease_counts_short_words_and_sentences_as_easy() -> None:
    easy = grade_text("Su plan es simple. Llame a un amigo. Salga a caminar.")
    hard = grade_text("La recuperación interpersonal requiere determinación, organización "
                      "cotidiana y comunicación significativamente consistente con profesionales "
                      "especializados en psicoterapia conductual.")
    assert easy.fernandez_huerta > 90 and easy.szigriszt_pazos > 85
    assert hard.problems() == [f"Fernández-Huerta {hard.fernandez_huerta} is below 70",
                               f"Szigriszt-Pazos (INFLESZ) {hard.szigriszt_pazos} is below 65"]


def test_a_hard_spanish_handout_is_a_check_problem(tmp_path: Path) -> None:
    write_topic(tmp_path, "hard")
    write_spanish(tmp_path, "hard", handout=SPANISH.replace(
        "Un detonante es algo que hace empezar el ansia.",
        "Los detonantes constituyen circunstancias psicológicas extraordinariamente "
        "particulares, interpretadas individualmente según experiencias acumuladas."))
    assert any(re.search(r"hard\.es\.md: handout: Szigriszt-Pazos \(INFLESZ\) [\d.]+ is below 65",
                         line) for line in check_lines([tmp_path]))


# Loading ------------------------------------------------------------------------------------------

def test_a_spanish_file_is_the_topics_translation_not_a_topic(tmp_path: Path) -> None:
    write_topic(tmp_path, "ganas")
    write_spanish(tmp_path, "ganas", title="Las ganas de consumir")
    library = Library.load([tmp_path])
    assert list(library.topics) == ["ganas"] and library.problems == []
    spanish = library.topics["ganas"].translations["es"]
    assert spanish.title == "Las ganas de consumir" and not spanish.stale
    assert "<h2>Mis detonantes</h2>" in spanish.handout_html
    assert '<div class="write-lines">' in spanish.handout_html
    assert spanish.translates == english_hash(tmp_path, "ganas")
    assert check_lines([tmp_path]) == []


@pytest.mark.parametrize(("front", "body", "expected"), [
    ("title: Hola\n", SPANISH, "orphan.es.md: translates: Field required"),
    ("title: Hola\ntranslates: abc\n", SPANISH, "translates: String should match pattern"),
    ("title: Hola\ntranslates: {hash}\nsummary: x\n", SPANISH,
     "orphan.es.md: summary: Extra inputs are not permitted"),
    ("title: Hola\ntranslates: {hash}\n", "# Participant handout\n\n" + SPANISH,
     "orphan.es.md: body: the handout must start at its first '## ' heading"),
])
def test_a_malformed_spanish_file_is_a_library_problem(
    tmp_path: Path, front: str, body: str, expected: str
) -> None:
    write_topic(tmp_path, "orphan")
    front = front.format(hash=english_hash(tmp_path, "orphan"))
    (tmp_path / "topics" / "orphan.es.md").write_text(f"---\n{front}---\n\n{body}")
    library = Library.load([tmp_path])
    assert any(expected in str(p) for p in library.problems), library.problems
    assert library.topics["orphan"].translations == {}


def test_a_spanish_file_without_its_english_topic_is_a_library_problem(tmp_path: Path) -> None:
    write_topic(tmp_path, "present")
    (tmp_path / "topics" / "absent.es.md").write_text(
        f"---\ntitle: Hola\ntranslates: {'0' * 64}\n---\n\n{SPANISH}")
    problems = [str(p) for p in Library.load([tmp_path]).problems]
    assert problems == [f"{tmp_path}/topics/absent.es.md: file name: no topic 'absent' to "
                        f"translate"]


# Staleness ----------------------------------------------------------------------------------------

def test_an_extra_folder_changing_the_english_makes_the_shipped_spanish_stale(
    tmp_path: Path
) -> None:
    shipped, program = tmp_path / "shipped", tmp_path / "program"
    write_topic(shipped, "ganas")
    spanish = write_spanish(shipped, "ganas")
    write_topic(program, "ganas", handout=(
        "## Key ideas\n\nA trigger starts a craving. Our program says it this way.\n\n"
        "## My triggers\n\n[lines: 3]\n\n## Before next group\n\nNotice one trigger.\n"))
    library = Library.load([shipped, program])
    translation = library.topics["ganas"].translations["es"]
    assert translation.path == spanish and translation.stale
    assert library.problems == []
    lines = check_lines([shipped, program])
    assert lines == [f"{spanish}: translation: out of date: translates an earlier version of "
                     f"the English handout of 'ganas' ({program}/topics/ganas.md); bring "
                     f"it in step, then set translates: {english_hash(program, 'ganas')}"]


@pytest.mark.engine_independent
def test_curriculum_check_fails_on_a_stale_spanish_handout_and_production_still_starts(
    make_app: Callable, content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    make_user: Callable
) -> None:
    write_spanish(content_dir, "naming-feelings")
    program = tmp_path / "program"
    write_topic(program, "naming-feelings", title="Naming Feelings",
                summary="Feelings have names and they pass.", tags="[emotional-regulation]",
                handout="## Key ideas\n\nName it to tame it.\n\n## My feelings\n\n[lines: 3]\n\n"
                        "## Before next group\n\nName one feeling a day.\n")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = make_app(CONTENT_DIRS=[content_dir, program], GROUPWORK_ENV="production")
    result = app.test_cli_runner().invoke(args=["curriculum", "check"])
    assert result.exit_code == 1
    assert re.search(r"naming-feelings\.es\.md: translation: out of date: .*'naming-feelings'",
                     result.output), result.output
    make_user(Role.ADMIN)
    ensure_ready(app)


# Structure parity ---------------------------------------------------------------------------------

ENGLISH_WORKSHEET = """\
## Key ideas

- Call a friend.
- Take a walk.

## My plan

| When | What I will do |
| --- | --- |
| | |
| | |

### Notes

[lines: 2]

## Before next group

Try it.

[lines: 3]
"""
SPANISH_WORKSHEET = """\
## Ideas clave

- Llame a un amigo.
- Salga a caminar.

## Mi plan

| Cuándo | Qué haré |
| --- | --- |
| | |
| | |

### Notas

[lines: 2]

## Antes del próximo grupo

Pruébelo.

[lines: 3]
"""


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("[lines: 2]\n", "", "structure: '[lines: N]' markers 3 (1); the English has 2, 3 (2)"),
    ("[lines: 3]\n", "[lines: 4]\n",
     "structure: '[lines: N]' markers 2, 4 (2); the English has 2, 3 (2)"),
    ("| | |\n| | |\n", "| | |\n", "structure: tables 2×1 (1); the English has 2×2 (1)"),
    ("| Cuándo | Qué haré |\n| --- | --- |\n", "| Cuándo |\n| --- |\n",
     "structure: tables 1×2 (1); the English has 2×2 (1)"),
    ("### Notas\n", "", "structure: sections (## and ###) ##, ##, ## (3); the English has "
                        "##, ##, ###, ## (4)"),
    ("- Salga a caminar.\n", "", "structure: 1 list items; the English has 2"),
    ("## Antes del próximo grupo", "## Para la próxima vez",
     "structure: missing section '## Antes del próximo grupo'"),
])
def test_a_broken_structure_is_a_check_problem(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    write_topic(tmp_path, "plan", handout=ENGLISH_WORKSHEET)
    write_spanish(tmp_path, "plan", handout=SPANISH_WORKSHEET)
    assert check_lines([tmp_path]) == []
    write_spanish(tmp_path, "plan", handout=SPANISH_WORKSHEET.replace(old, new, 1))
    assert check_lines([tmp_path]) == [f"{tmp_path}/topics/plan.es.md: {expected}"]


# The glossary and stop-now advice -----------------------------------------------------------------

def spanish_findings(tmp_path: Path, sentence: str) -> list[str]:
    write_topic(tmp_path, "words")
    write_spanish(tmp_path, "words", handout=SPANISH.replace(
        "Fíjese en un detonante.", f"Fíjese en un detonante.\n\n{sentence}"))
    return [line.split(": ", 1)[1] for line in check_lines([tmp_path])]


@pytest.mark.parametrize(("sentence", "finding"), [
    ("Muchos alcohólicos esconden botellas.",
     'glossary: "alcohólicos" → say "persona con un trastorno por consumo de alcohol"'),
    ("Mi hermano era un drogadicto.", 'glossary: "drogadicto" → say "persona con un '
                                      'trastorno por consumo de sustancias" o "persona que '
                                      'consume drogas"'),
    ("Lleva tres meses limpio.", 'glossary: "meses limpio"'),
    ("Su prueba salió sucia.", 'glossary: "salió sucia"'),
    ("Hable de su craving.", 'glossary: "craving" → say "ansia de consumir"'),
    ("Un gatillo es una señal.", 'glossary: "gatillo" → say "detonante"'),
    ("Ahora es un exadicto.", 'glossary: "exadicto" → say "persona con un trastorno'),
    ("Hay usuarios de drogas en el parque.", 'glossary: "usuarios de drogas" → say'),
    ("No es un yonqui.", 'glossary: "yonqui" → say'),
    ("Su tío es ex-alcohólico.", 'glossary: "ex-alcohólico" → say "persona con un trastorno '
                                 'por consumo de alcohol"'),
])
def test_the_glossary_flags_words_to_avoid(tmp_path: Path, sentence: str, finding: str) -> None:
    found = spanish_findings(tmp_path, sentence)
    assert len(found) == 1 and found[0].startswith(finding), found


@pytest.mark.parametrize("sentence", [
    "Vaya a una reunión de Alcohólicos Anónimos.",
    "Una cerveza no alcohólica tiene algo de alcohol.",
    "Las bebidas alcohólicas cambian el sueño.",
    "Usted no tiene que llamarse adicto ni alcohólico.",
    "Lave la ropa limpia.",
])
def test_names_unless_and_meta_language_are_not_glossary_findings(
    tmp_path: Path, sentence: str
) -> None:
    assert spanish_findings(tmp_path, sentence) == []


@pytest.mark.parametrize("sentence", [
    "Deje de beber hoy.",
    "Debe dejar de consumir de golpe.",
    "Suspenda su medicamento.",
    "Pídale a su hermana que deje sus pastillas para dormir.",
    "Tire la cerveza por el desagüe.",
    "Es hora de dejar el alcohol.",
])
def test_spanish_stop_now_advice(tmp_path: Path, sentence: str) -> None:
    assert spanish_findings(tmp_path, sentence) == [
        f'stop-now advice: "{sentence}" needs a withdrawal warning and medical advice in the '
        f'same section']


@pytest.mark.parametrize("sentence", [
    "No deje de tomar su medicamento de golpe.",
    "Si deja de beber de golpe, puede tener convulsiones.",
    "Desde que dejó de beber, duerme mejor.",
    "Deje de tomar café en la noche.",
    "Deje de pensar en el pasado.",
    "Deje de beber hoy. Dejar el alcohol de golpe puede causar convulsiones. "
    "Hable con su médico primero.",
])
def test_spanish_stop_now_near_misses(tmp_path: Path, sentence: str) -> None:
    assert spanish_findings(tmp_path, sentence) == []


@pytest.mark.engine_independent
def test_curriculum_grades_prints_both_languages(make_app: Callable, content_dir: Path) -> None:
    write_spanish(content_dir, "naming-feelings")
    result = make_app().test_cli_runner().invoke(args=["curriculum", "grades"])
    lines = result.output.splitlines()
    assert lines[0].split() == ["topic", "FK", "SMOG", "F-H", "INFLESZ"]
    spanish = next(line for line in lines if line.startswith("naming-feelings")).split()
    assert float(spanish[3]) >= 70 and float(spanish[4]) >= 65
    assert next(line for line in lines if line.startswith("talking-it-through")).split()[3:] \
        == ["-", "-"]


def test_a_topic_without_a_spanish_handout_is_reported_missing(tmp_path: Path) -> None:
    write_topic(tmp_path, "translated")
    write_spanish(tmp_path, "translated")
    write_topic(tmp_path, "untranslated")
    assert check_lines([tmp_path]) == [
        f"{tmp_path}/topics/untranslated.md: translation: missing: topic 'untranslated' has no "
        f"Spanish handout (untranslated.es.md)"]
