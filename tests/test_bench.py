"""`make bench` on a plain checkout: without the shared reference handout beside it, that one
row is skipped with a line saying why, and the targets table still prints."""

from pathlib import Path

from bench.__main__ import targets
from bench.handouts import missing_reference
from curriculum.settings import PROJECT_ROOT


def test_a_missing_reference_handout_is_one_skipped_line(tmp_path: Path) -> None:
    missing = PROJECT_ROOT.parent / "shared" / "bench" / "not-here.html"
    assert missing_reference(missing) == ("one handout / reference handout: skipped, "
                                          "../shared/bench/not-here.html is not here")
    present = tmp_path / "reference-handout.html"
    present.write_text("<p>Reference</p>")
    assert missing_reference(present) is None


def test_the_targets_table_marks_the_reference_row_skipped() -> None:
    timing = {"median_s": 0.01}
    results = {
        "handouts": {"ratios": {"uncached_vs_bare": 1.0, "bare_vs_reference": None,
                                "packet_vs_singles": 0.4}},
        "pages": {}, "scale": {}, "load": {"server_errors": 0, "ok": True},
        "log_saving": {"save": timing, "sign": timing},
        "library_load": {"cold": timing, "unchanged": timing},
    }
    rows = {path: (measured, met) for path, measured, _, met in targets(results)}
    assert rows["one handout / reference handout"] == ("skipped", None)
    assert rows["handout PDF uncached / bare render"] == ("1.00x", True)
