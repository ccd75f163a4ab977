"""The rendered library is read back from disk when nothing that goes into it has changed."""

from pathlib import Path

import pytest

from curriculum import library_cache
from curriculum.library import Library
from tests.helpers import write_topic


def refuse_to_build(*_args: object, **_kwargs: object) -> Library:
    raise AssertionError("the library was built again although nothing changed")


def test_an_unchanged_library_is_read_back_not_rebuilt(
        content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    first = library_cache.load([content_dir], frozenset(), cache)
    assert len(list(cache.glob("library-*.pickle"))) == 1
    monkeypatch.setattr(Library, "load", refuse_to_build)
    again = library_cache.load([content_dir], frozenset(), cache)
    assert sorted(again.topics) == sorted(first.topics)
    assert again.get("naming-feelings").handout_html == first.get("naming-feelings").handout_html
    assert [hit.topic.slug for hit in again.search("cravings")] == [
        hit.topic.slug for hit in first.search("cravings")]


def test_an_edited_topic_or_licence_builds_a_new_library(
        content_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    library_cache.load([content_dir], frozenset(), cache)
    write_topic(content_dir, "naming-feelings", title="Naming Feelings Revised")
    edited = library_cache.load([content_dir], frozenset(), cache)
    assert edited.get("naming-feelings").title == "Naming Feelings Revised"
    assert len(list(cache.glob("library-*.pickle"))) == 1  # the stale one is gone
    write_topic(content_dir, "licensed-topic", license="licensed-by-program")
    assert library_cache.load([content_dir], frozenset(), cache).get("licensed-topic") is None
    licensed = library_cache.load([content_dir], frozenset({"licensed-topic"}), cache)
    assert licensed.get("licensed-topic") is not None


def test_a_torn_cache_file_or_a_read_only_folder_never_stops_the_start(
        content_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    library_cache.load([content_dir], frozenset(), cache)
    (torn,) = cache.glob("library-*.pickle")
    torn.write_bytes(b"not a pickle")
    assert library_cache.load([content_dir], frozenset(), cache).get("naming-feelings")
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    assert library_cache.load([content_dir], frozenset(), blocked).get("naming-feelings")
