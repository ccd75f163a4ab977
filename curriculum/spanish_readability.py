"""Reading ease of Spanish handouts: Fernández-Huerta and Szigriszt-Pazos (INFLESZ), with
syllables counted by Spanish spelling rules.

Hyphenation dictionaries (what textstat's Spanish mode counts with) undercount: they never
break "agua" or "idea", so a handout scores about ten points too easy. Here a syllable is a
vowel nucleus: a diphthong (weak i/u beside another vowel, unstressed) is one, a hiatus (two
strong vowels a/e/o, or a stressed í/ú beside a vowel) is two; the u of que/qui/gue/gui is
silent, and a y that ends a word or comes before a consonant is the vowel i ("hoy", "muy").
The text graded is ``readability.handout_text``: the same paragraphs and list items as English.
"""

import re
from dataclasses import dataclass

from curriculum.readability import handout_text

MIN_FERNANDEZ_HUERTA = 70.0
MIN_SZIGRISZT_PAZOS = 65.0

_STRONG = set("aeoáéó")
_WEAK = set("iuü")
_STRESSED_WEAK = set("íú")
_SILENT_U = re.compile(r"(?<=[qg])u(?=[eéií])")
_VOWEL_Y = re.compile(r"y(?![aeiouáéíóúü])")
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)")


def _is_hiatus(first: str, second: str) -> bool:
    """Whether two vowels side by side are in different syllables."""
    if first in _STRESSED_WEAK or second in _STRESSED_WEAK:
        return True
    if first in _STRONG and second in _STRONG:
        return True
    return first == second  # "chiita", "duunviro": the same weak vowel twice


def syllables(word: str) -> int:
    """Syllables in one Spanish word ("agua" 2, "idea" 3, "día" 2, "hoy" 1)."""
    letters = _VOWEL_Y.sub("i", _SILENT_U.sub("", word.lower()))
    count, previous = 0, ""
    for letter in letters:
        if letter not in _STRONG | _WEAK | _STRESSED_WEAK:
            previous = ""
            continue
        if not previous or _is_hiatus(previous, letter):
            count += 1
        previous = letter
    return max(count, 1)


@dataclass(frozen=True)
class SpanishGrade:
    fernandez_huerta: float
    szigriszt_pazos: float

    def problems(self) -> list[str]:
        """What is too hard to read, one phrase each (empty when the handout reads easily)."""
        found = []
        if self.fernandez_huerta < MIN_FERNANDEZ_HUERTA:
            found.append(f"Fernández-Huerta {self.fernandez_huerta} is below "
                         f"{MIN_FERNANDEZ_HUERTA:.0f}")
        if self.szigriszt_pazos < MIN_SZIGRISZT_PAZOS:
            found.append(f"Szigriszt-Pazos (INFLESZ) {self.szigriszt_pazos} is below "
                         f"{MIN_SZIGRISZT_PAZOS:.0f}")
        return found


def grade_text(text: str) -> SpanishGrade:
    """Both scores of plain text; higher is easier."""
    words = _WORD.findall(text)
    if not words:
        return SpanishGrade(0.0, 0.0)
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    per_word = sum(map(syllables, words)) / len(words)
    words_per_sentence = len(words) / sentences
    # Fernández Huerta (1959), with sentence length in words as in Flesch's formula it adapts.
    fernandez_huerta = 206.84 - 60 * per_word - 1.02 * words_per_sentence
    # Szigriszt Pazos (1993), read on the INFLESZ scale (Barrio-Cantalejo et al., 2008).
    szigriszt_pazos = 206.835 - 62.3 * per_word - words_per_sentence
    return SpanishGrade(round(fernandez_huerta, 1), round(szigriszt_pazos, 1))


def grade(handout_html: str) -> SpanishGrade:
    """Both scores of a rendered Spanish handout."""
    return grade_text(handout_text(handout_html))
