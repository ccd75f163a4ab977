"""Markdown → safe HTML for topic content.

Python-Markdown passes raw HTML and ``javascript:`` links straight through, so everything it
produces goes through nh3 (ammonia) with an explicit allowlist before anyone sees it.
"""

import re

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
# No images at all (a sanitizer's defaults keep http: images); links only to the web over TLS,
# mail, phone (crisis lines) and this site's own relative paths.
ALLOWED_URL_SCHEMES = {"https", "mailto", "tel"}

# A paragraph "[lines: N]" in a handout asks for N ruled lines to write on.
_WRITE_LINES = re.compile(r"<p>\[lines: ([1-9]|1[0-2])\]</p>")
WRITE_LINES_MARK = re.compile(r"^\[lines: ([1-9]|1[0-2])\]$", re.MULTILINE)


def _ruled_lines(match: re.Match[str]) -> str:
    count = int(match.group(1))
    return '<div class="write-lines">' + '<div class="write-line"></div>' * count + "</div>"


def markdown_to_html(text: str) -> Markup:
    """Render topic Markdown to sanitized HTML, with writing space expanded to ruled lines."""
    raw = markdown.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # Runs after sanitizing, on text nh3 has already escaped, so it only ever inserts our markup
    # (the reason ruff's S704 and bandit's B704 are silenced here).
    return Markup(_WRITE_LINES.sub(_ruled_lines, clean))  # noqa: S704  # nosec B704
