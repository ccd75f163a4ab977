"""The shipped curriculum: passes its own checks, covers every theme, and its tracks work."""

import itertools
from pathlib import Path

import pytest

from curriculum import quality
from curriculum.library import Library
from curriculum.settings import PROJECT_ROOT
from tests.helpers import write_topic

SHIPPED = Library.load([PROJECT_ROOT / "content"])

# Each theme the program promises, and the topic that covers it.
THEMES = {
    "orientation and group agreements": "orientation-and-group-agreements",
    "understanding alcohol use disorder": "understanding-alcohol-use-disorder",
    "how alcohol affects the brain and body": "alcohol-brain-and-body",
    "cravings and urge surfing": "managing-cravings",
    "identifying triggers": "identifying-triggers",
    "high-risk situations and refusal skills": "high-risk-situations-and-refusal-skills",
    "relapse as a process and warning signs": "relapse-warning-signs",
    "thinking traps": "thinking-traps",
    "writing a relapse prevention plan": "writing-a-relapse-prevention-plan",
    "lapse vs. relapse": "lapse-vs-relapse",
    "emotional awareness": "emotional-awareness",
    "emotional regulation skills": "emotional-regulation",
    "managing stress": "managing-stress",
    "anger": "understanding-anger",
    "anxiety and depression in recovery": "anxiety-and-depression-in-recovery",
    "trauma and recovery": "trauma-and-recovery",
    "sleep": "sleep-in-recovery",
    "assertive communication": "healthy-communication",
    "listening and repairing relationships": "listening-and-repairing-relationships",
    "boundaries": "setting-boundaries",
    "family roles and enabling": "family-roles-and-enabling",
    "medications that support recovery": "medications-that-support-recovery",
    "building a recovery network": "building-a-recovery-network",
    "confidence in sobriety": "confidence-in-sobriety",
    "shame, guilt and self-esteem": "shame-guilt-and-self-esteem",
    "daily structure and responsibility": "daily-structure-and-responsibility",
    "sober leisure": "sober-leisure",
    "physical wellness": "physical-wellness",
    "holidays and special occasions": "holidays-and-special-occasions",
    "work, school and recovery": "work-school-and-recovery",
    "grief and loss": "grief-and-loss",
    "life after IOP": "life-after-iop",
}


def test_shipped_library_passes_curriculum_check() -> None:
    report = quality.check(SHIPPED)
    assert [str(p) for p in report.problems] == []
    assert len(SHIPPED) >= 30
    assert all(g.flesch_kincaid <= 8.0 and g.smog <= 9.0 for g in report.grades.values())


@pytest.mark.parametrize(("theme", "slug"), THEMES.items())
def test_every_theme_has_a_topic(theme: str, slug: str) -> None:
    assert SHIPPED.get(slug) is not None, theme


def test_tracks_have_the_promised_shape() -> None:
    core, short, family = (SHIPPED.tracks[s] for s in ("core-12-week", "core-8-week",
                                                       "family-program"))
    assert (len(core.topics), core.groups_per_week) == (36, 3)
    assert (len(short.topics), short.groups_per_week) == (24, 3)
    assert (len(family.topics), family.groups_per_week) == (4, 1)
    assert all(SHIPPED.get(slug).meta.audience == "family" for slug in family.topics)
    for track in (core, short):
        weeks = [track.topics[i:i + 3] for i in range(0, len(track.topics), 3)]
        orientation_weeks = [n for n, week in enumerate(weeks) if track.newcomer_topic in week]
        assert orientation_weeks[0] == 0
        assert all(b - a <= 4 for a, b in itertools.pairwise(orientation_weeks))
        # The rotation loops: the gap from the last orientation round to week 1 counts too, and
        # the last slot is followed by the first.
        assert orientation_weeks[0] + len(weeks) - orientation_weeks[-1] <= 4
        assert all(a != b for a, b in zip(track.topics, track.topics[1:] + track.topics[:1],
                                          strict=True))
    # The heaviest topics are spread round the 12-week cycle, so no newcomer meets them all in
    # their first weeks: every pair at least three weeks apart, reading the rotation as a cycle.
    heavy = ("trauma-and-recovery", "shame-guilt-and-self-esteem", "grief-and-loss")
    cycle = len(core.topics) // core.groups_per_week
    heavy_weeks = {slug: [i // core.groups_per_week for i, s in enumerate(core.topics) if s == slug]
                   for slug in heavy}
    assert all(heavy_weeks.values()), heavy_weeks
    for a, b in itertools.combinations(heavy, 2):
        for week_a, week_b in itertools.product(heavy_weeks[a], heavy_weeks[b]):
            gap = abs(week_a - week_b)
            assert min(gap, cycle - gap) >= 3, (a, week_a + 1, b, week_b + 1)
    # The shorter rotation still covers trauma and work or school.
    assert {"trauma-and-recovery", "work-school-and-recovery"} <= set(short.topics)


def test_handouts_carry_no_facilitator_text() -> None:
    for topic in SHIPPED:
        for heading in ("Session plan", "Safety notes", "Documentation guide", "Preparation"):
            assert f"<h2>{heading}</h2>" not in topic.handout_html, topic.slug


def test_track_rotation_wraps_and_newcomer_topic_rules(tmp_path: Path) -> None:
    write_topic(tmp_path, "welcome", tags="[orientation]")
    write_topic(tmp_path, "not-orientation")
    (tmp_path / "tracks").mkdir()
    (tmp_path / "tracks" / "loop.yaml").write_text(
        "title: Loop\ndescription: x.\ngroups_per_week: 1\nnewcomer_topic: not-orientation\n"
        "topics: [welcome, not-orientation, welcome]\n")
    (tmp_path / "tracks" / "ok.yaml").write_text(
        "title: Fine\ndescription: x.\ngroups_per_week: 1\nnewcomer_topic: welcome\n"
        "topics: [welcome, not-orientation]\n")
    problems = [str(p) for p in Library.load([tmp_path]).problems]
    assert any("loop.yaml: topics[1]: 'welcome' twice in a row" in p for p in problems)
    assert any("loop.yaml: newcomer_topic: must be a standalone topic tagged orientation" in p
               for p in problems)
    assert not any("ok.yaml" in p for p in problems)


def test_check_catches_a_list_markdown_did_not_render(tmp_path: Path) -> None:
    write_topic(tmp_path, "bad-list", handout=(
        "## Key ideas\n\n1. **First point.** Some text:\n   - nested with three spaces\n"
        "   - another\n\n[lines: 2]\n\n## Before next group\n\nTry it.\n"))
    problems = [str(p) for p in quality.check(Library.load([tmp_path])).problems]
    assert any("bad-list.md: handout: a list did not render" in p for p in problems), problems
