"""Markdown → HTML is sanitized with an allowlist, whatever the content folder holds."""

import pytest

from curriculum.render import markdown_to_html

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "![x](http://example.org/track.png)",
    '<iframe src="https://example.org"></iframe>',
    '<div style="background:url(http://x)">styled</div>',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<style>@import url(http://x);</style>",
    '<a href="file:///etc/passwd">f</a>',
    '<p onclick="alert(1)">click</p>',
    "<svg><script>alert(1)</script></svg>",
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_hostile_markdown_cannot_inject(markdown: str) -> None:
    html = markdown_to_html(markdown).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "data:", "<img", "<iframe",
                "style=", "<style", "<link", "file:", "http://", "<svg"):
        assert bad not in html, (markdown, html)


def test_allowed_markup_survives() -> None:
    html = markdown_to_html("## Key\n\n**bold** [988](tel:988) [NIAAA](https://www.niaaa.nih.gov)"
                            "\n\n| a | b |\n| --- | --- |\n| | |\n")
    assert "<h2>Key</h2>" in html and "<strong>bold</strong>" in html
    assert 'href="tel:988"' in html and 'href="https://www.niaaa.nih.gov"' in html
    assert 'rel="noopener noreferrer"' in html and "<table>" in html


def test_writing_space_becomes_ruled_lines() -> None:
    html = markdown_to_html("Write here:\n\n[lines: 3]\n\nText [lines: 2] inline stays text.")
    assert html.count('<div class="write-line"></div>') == 3
    assert "[lines: 2] inline" in html
    assert markdown_to_html("[lines: 40]").count("write-line") == 0
