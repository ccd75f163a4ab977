"""Template filters that change markup: the tables of a topic's rendered Markdown."""

import re

import pytest
from markupsafe import Markup

from curriculum.render import markdown_to_html
from curriculum.template_filters import scrolling_tables

TABLE = "| Staff may tell me | Staff will not tell me |\n| --- | --- |\n| | |\n"


def regions(html: Markup) -> list[str]:
    """The opening tag of each region, in order."""
    return re.findall(r'<div class="table-scroll"[^>]*>', str(html))


def test_each_table_scrolls_in_a_region_named_by_the_heading_above_it() -> None:
    html = markdown_to_html(f"{TABLE}\n## What *we* share & why\n\n{TABLE}\n{TABLE}\n"
                            f"### A <code>\"quoted\"</code> plan\n\n{TABLE}")
    wrapped = scrolling_tables(html, "Participant handout")
    assert regions(wrapped) == [
        f'<div class="table-scroll" role="region" tabindex="0" aria-label="{name}">'
        for name in ("Participant handout", "What we share &amp; why",
                     "What we share &amp; why (2)", "A &#34;quoted&#34; plan")]
    unwrapped = "".join(re.split(r'<div class="table-scroll"[^>]*>', str(wrapped)))
    assert unwrapped.replace("</table></div>", "</table>") == str(html)  # nothing else changed
    assert isinstance(wrapped, Markup)


@pytest.mark.parametrize("text", ["No table here.\n", "## Only a heading\n\nText.\n"])
def test_html_without_tables_is_unchanged(text: str) -> None:
    html = markdown_to_html(text)
    assert scrolling_tables(html, "x") == html
