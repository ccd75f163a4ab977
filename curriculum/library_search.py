"""Full-text search over the library's topics: a small inverted index with field weights, and
the sentence that best shows why a topic matched."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:  # the library imports this module to build its index
    from curriculum.library import Topic

_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    "a an and are as at be but by for from how i in is it me my of on or our so that the their "
    "them they this to we what when with you your".split()
)


def _stem(word: str) -> str:
    """A deliberately small stemmer: enough that 'cravings' finds 'craving' and 'urges' 'urge'."""
    word = word.removesuffix("'s")
    for suffix, replacement in (("ies", "y"), ("ing", ""), ("es", "e"), ("s", ""), ("ed", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + replacement
    return word


def _terms(text: str) -> list[str]:
    return [_stem(word) for word in _WORD_RE.findall(text.lower()) if word not in _STOPWORDS]


_TAG_RE = re.compile(r"<[^>]+>")


def _plain_text(markup: str) -> str:
    return html.unescape(_TAG_RE.sub(" ", markup))


def _snippet(text: str, stems: set[str], width: int = 220) -> tuple[Markup, tuple[str, ...]]:
    """The sentence with most query words, those words marked; and the words that matched."""
    best, best_hits = "", 0
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        hits = len({_stem(w) for w in _WORD_RE.findall(sentence.lower())} & stems)
        if hits > best_hits:
            best, best_hits = sentence.strip(), hits
    if len(best) > width:
        best = best[:width].rsplit(" ", 1)[0] + " …"
    parts, matched = [], []
    for piece in re.split(r"([A-Za-z0-9]+(?:'[a-z]+)?)", best):
        if piece and _stem(piece.lower()) in stems:
            parts.append(Markup("<mark>%s</mark>") % piece)
            matched.append(piece.lower())
        else:
            parts.append(escape(piece))
    return Markup("").join(parts), tuple(dict.fromkeys(matched))


_FIELD_WEIGHTS = {"title": 8.0, "tags": 5.0, "summary": 3.0, "body": 1.0}


@dataclass(frozen=True)
class SearchHit:
    topic: Topic
    score: float
    snippet: Markup
    matched: tuple[str, ...]


@dataclass
class SearchIndex:
    """Weighted postings (stem → topic slug → weight) and each topic's plain text."""

    postings: dict[str, dict[str, float]] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, topics: Iterable[Topic]) -> SearchIndex:
        index = cls()
        for topic in topics:
            plain = _plain_text(topic.guide_html + " " + topic.handout_html)
            index.plain[topic.slug] = plain
            fields = {"title": topic.title, "tags": " ".join(topic.meta.tags),
                      "summary": topic.meta.summary, "body": plain}
            for name, text in fields.items():
                # Each distinct word stemmed once: a body repeats most of its words.
                words = Counter(_WORD_RE.findall(text.replace("-", " ").lower()))
                for word, count in words.items():
                    if word in _STOPWORDS:
                        continue
                    postings = index.postings.setdefault(_stem(word), {})
                    postings[topic.slug] = (postings.get(topic.slug, 0.0)
                                            + _FIELD_WEIGHTS[name] * count)
        return index

    def search(self, candidates: list[Topic], query: str) -> list[SearchHit]:
        """The candidates matching the query, best first: more query words matched, then
        weight; every candidate, by title, when the query has no words."""
        stems = set(_terms(query.replace("-", " ")))
        if not stems:
            return [SearchHit(t, 0.0, Markup(""), ()) for t in
                    sorted(candidates, key=lambda t: t.title.casefold())]
        hits = []
        for topic in candidates:
            found = [s for s in stems if topic.slug in self.postings.get(s, {})]
            if not found:
                continue
            weight = sum(self.postings[s][topic.slug] for s in found)
            snippet, matched = _snippet(self.plain[topic.slug], stems)
            if not snippet:
                snippet = escape(topic.meta.summary)
            hits.append(SearchHit(topic, len(found) * 1000 + weight, snippet, matched))
        return sorted(hits, key=lambda h: (-h.score, h.topic.title.casefold()))
