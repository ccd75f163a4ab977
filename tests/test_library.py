"""The library: loading, every validation problem, overrides, licences, tracks and search."""

from pathlib import Path

import pytest

from curriculum.library import Library
from tests.helpers import topic_text, write_topic


def load(*folders: Path, **kwargs: object) -> Library:
    return Library.load(list(folders), **kwargs)  # type: ignore[arg-type]


def test_loads_valid_topics_with_guide_and_handout_apart(content_dir: Path) -> None:
    library = load(content_dir)
    assert library.problems == []
    assert [t.slug for t in library] == ["coping-with-cravings", "naming-feelings",
                                         "talking-it-through"]
    topic = library.get("coping-with-cravings")
    assert topic is not None
    assert "FACILITATOR SECRET" in topic.guide_html
    assert "FACILITATOR SECRET" not in topic.handout_html
    assert "Overview" not in topic.handout_html
    assert [step.minutes for step in topic.plan] == [10, 15, 15, 10, 10]
    assert library.tracks["core"].topics[0] == "coping-with-cravings"


BAD_TOPICS = [
    ({"title": None}, "title: Field required"),
    ({"tags": "[cravings, partying]"}, "tags[1]: Input should be"),
    ({"group_type": "lecture"}, "group_type: Input should be"),
    ({"duration_minutes": "'sixty'"}, "duration_minutes: Input should be a valid integer"),
    ({"duration_minutes": "500"}, "duration_minutes: Input should be less than or equal to 180"),
    ({"audience": "kids"}, "audience: Input should be"),
    ({"standalone": "'yes'"}, "standalone: Input should be a valid boolean"),
    ({"objectives": "[]"}, "objectives: List should have at least 1 item"),
    ({"sources": None}, "sources: Field required"),
    ({"license": "stolen"}, "license: Input should be"),
    ({"updated": "someday"}, "updated: Input should be a valid date"),
    ({"colour": "blue"}, "colour: Extra inputs are not permitted"),
    ({"summary": "First sentence. Second sentence."}, "summary: must be exactly one sentence"),
    ({"duration_minutes": "90"}, "session plan: steps add up to 60 min, duration_minutes is 90"),
    ({"body": "## Overview\n\nx\n"}, "facilitator guide: missing section '## Preparation'"),
    ({"body": "## Overview\n\nx\n## Preparation\n\nx\n## Session plan\n\n### Check-in\n\nx\n"
              "## Safety notes\n\nx\n## Documentation guide\n\nx\n"},
     "session plan: step 'Check-in' needs its length"),
    ({"handout": "## Key ideas\n\nText only.\n\n## Before next group\n\nTry it.\n"},
     "handout: no space to write"),
    ({"handout": "## Key ideas\n\n[lines: 2]\n"}, "handout: missing section '## Before next group"),
]


@pytest.mark.parametrize(("fields", "expected"), BAD_TOPICS)
def test_each_problem_names_file_and_field(tmp_path: Path, fields: dict, expected: str) -> None:
    write_topic(tmp_path, "bad-topic", **fields)
    library = load(tmp_path)
    assert "bad-topic" not in library.topics
    lines = [str(p) for p in library.problems]
    assert any(line.endswith(".md: " + expected) or (".md: " + expected) in line
               for line in lines), lines
    assert all("bad-topic.md: " in line for line in lines)


def test_missing_handout_heading_and_missing_plan_steps(tmp_path: Path) -> None:
    path = write_topic(tmp_path, "no-handout")
    path.write_text(path.read_text().replace("# Participant handout", "# Handout"))
    write_topic(tmp_path, "no-wrapup", body=(
        "## Overview\n\nx\n## Preparation\n\nx\n## Session plan\n\n### Check-in (30 min)\n\nx\n"
        "### Teaching points (30 min)\n\nx\n## Safety notes\n\nx\n## Documentation guide\n\nx\n"))
    problems = [str(p) for p in load(tmp_path).problems]
    assert any("no-handout.md: body: no '# Participant handout' heading" in p for p in problems)
    assert any("no-wrapup.md: session plan: no 'wrap-up' step" in p for p in problems)
    assert any("no-wrapup.md: session plan: no 'activity' step" in p for p in problems)


@pytest.mark.parametrize("raw", ["no front matter at all\n", "---\ntitle: [unclosed\n---\nx\n",
                                 b"---\ntitle: \xff\xfe\n---\n"])
def test_unreadable_files_are_problems_not_crashes(tmp_path: Path, raw: str | bytes) -> None:
    path = tmp_path / "topics" / "broken.md"
    path.parent.mkdir()
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    problems = load(tmp_path).problems
    assert len(problems) == 1 and problems[0].file.endswith("broken.md")


def test_bad_file_name_is_reported(tmp_path: Path) -> None:
    (tmp_path / "topics").mkdir()
    (tmp_path / "topics" / "Bad_Name.md").write_text(topic_text("x"))
    assert [p.field for p in load(tmp_path).problems] == ["file name"]


def test_extra_folder_adds_and_overrides_by_slug(content_dir: Path, tmp_path: Path) -> None:
    extra = tmp_path / "program"
    write_topic(extra, "coping-with-cravings", title="Our Own Cravings Group")
    write_topic(extra, "local-resources", title="Local Resources")
    library = load(content_dir, extra)
    assert library.get("coping-with-cravings").title == "Our Own Cravings Group"
    assert library.get("local-resources") is not None
    assert len(library) == 4


def test_licensed_topics_are_withheld_unless_licensed(tmp_path: Path) -> None:
    write_topic(tmp_path, "licensed-one", license="licensed-by-program")
    assert load(tmp_path).get("licensed-one") is None
    assert load(tmp_path).withheld == {"licensed-one"}
    assert load(tmp_path, licensed=frozenset({"licensed-one"})).get("licensed-one") is not None
    assert load(tmp_path, licensed=frozenset({"*"})).get("licensed-one") is not None


def test_track_problems(content_dir: Path) -> None:
    (content_dir / "tracks" / "bad.yaml").write_text(
        "title: Bad\ndescription: x.\ngroups_per_week: 3\n"
        "topics: [naming-feelings, naming-feelings, missing-topic]\n")
    (content_dir / "tracks" / "worse.yaml").write_text("title: Worse\n")
    problems = [str(p) for p in load(content_dir).problems]
    assert any("bad.yaml: topics[2]: 'naming-feelings' twice in a row" in p for p in problems)
    assert any("bad.yaml: topics[3]: no topic 'missing-topic'" in p for p in problems)
    assert any("worse.yaml: topics: Field required" in p for p in problems)


def test_duplicate_titles_and_broken_internal_links(tmp_path: Path) -> None:
    write_topic(tmp_path, "one", title="Same Title")
    write_topic(tmp_path, "two", title="Same Title",
                handout="## Key ideas\n\nSee [this](/topics/nowhere).\n\n[lines: 1]\n\n"
                        "## Before next group\n\nTry.\n")
    problems = [str(p) for p in load(tmp_path).problems]
    assert any("two.md: title: same title as topic 'one'" in p for p in problems)
    assert any("two.md: body: link to unknown topic 'nowhere'" in p for p in problems)


@pytest.mark.parametrize("slug", ["../etc/passwd", "Coping-With-Cravings", "a" * 65, "",
                                  "coping-with-cravings/", "coping_with", "coping%2F"])
def test_get_only_accepts_wellformed_known_slugs(content_dir: Path, slug: str) -> None:
    assert load(content_dir).get(slug) is None


def test_search_ranks_title_over_body_and_marks_words(content_dir: Path) -> None:
    library = load(content_dir)
    hits = library.search("cravings")
    assert hits[0].topic.slug == "coping-with-cravings"
    assert "<mark>" in hits[0].snippet or hits[0].snippet
    body_hits = library.search("I-statement")
    assert [h.topic.slug for h in body_hits] == ["talking-it-through"]
    assert "<mark>statement</mark>" in str(body_hits[0].snippet)
    assert body_hits[0].matched == ("statement",)


def test_search_filters_by_tag_and_escapes_snippets(tmp_path: Path) -> None:
    write_topic(tmp_path, "escaping", tags="[stress]",
                handout="## Key ideas\n\nStress & <b>worry</b> fade.\n\n[lines: 1]\n\n"
                        "## Before next group\n\nBreathe.\n")
    write_topic(tmp_path, "other", tags="[family]")
    library = load(tmp_path)
    hits = library.search("worry", tag="stress")
    assert [h.topic.slug for h in hits] == ["escaping"]
    assert "<b>" not in str(hits[0].snippet)
    assert library.search("worry", tag="family") == []
    assert [h.topic.slug for h in library.search("", tag="family")] == ["other"]


def test_search_with_only_stopwords_lists_everything(content_dir: Path) -> None:
    assert len(load(content_dir).search("the and of")) == 3
