"""The clinical review's corrections, read back from the printed handouts (issue 13).

Each row names a shipped topic, words its printed handout must now carry, and words it must no
longer carry. The PDF's text is what a participant takes home, so that is what is checked, not
the Markdown.
"""

import io
import re

import pytest
from flask import Flask
from pypdf import PdfReader

from curriculum.handouts import Variant, render_handouts
from curriculum.library import Library
from curriculum.settings import PROJECT_ROOT
from tests.helpers import database_independent

SHIPPED = Library.load([PROJECT_ROOT / "content"])

# (slug, phrases the handout must print, phrases it must not print); case and spacing ignored.
MEDICATION_AND_SAFETY: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # 2. Lower overdose mortality is shown for methadone and buprenorphine, not naltrexone.
    ("medications-that-support-recovery",
     ("Methadone and buprenorphine lower the chance of dying from an overdose",
      "It blocks opioids while you take it",
      "so an overdose is more likely"),
     ("These are buprenorphine, methadone and naltrexone",
      "They lower the chance of dying from an overdose")),
    # 3. Disulfiram: reaction signs, 911, hidden alcohol, 12 hours, two weeks.
    ("medications-that-support-recovery",
     ("Your heart may pound",
      "have trouble breathing, or faint",
      "Call 911 for chest pain, trouble breathing or fainting",
      "Never take it if you have had any alcohol in the last 12 hours",
      "Check mouthwash, cough syrup",
      "beer can still have some alcohol",
      "up to two weeks after your last pill"),
     ("It can be risky",)),
    # 4. Myths: no "help your brain heal"; what each medicine does.
    ("medications-that-support-recovery",
     ("Naltrexone can cut cravings",
      "Acamprosate helps you stay stopped",
      "Disulfiram does not ease cravings",
      "It makes you sick if you drink"),
     ("help your brain heal",)),
    # 6. After a slip: tell staff first, a safe plan, the withdrawal danger.
    ("orientation-and-group-agreements",
     ("If you slip, call or tell staff first, before the next group",
      "They will help you make a safe plan",
      "taking sedative pills (benzodiazepines) every day",
      "Stopping all at once can cause seizures",
      "Get medical advice first"),
     ("come to the next group sober",)),
    # 7. Confidentiality: Part 2 and state law, the few exceptions stated correctly.
    ("orientation-and-group-agreements",
     ("Staff follow a federal law (42 CFR Part 2) and state law",
      "Staff report it if a child may be abused or neglected",
      "staff can tell doctors and nurses what they need to know to help",
      "with a special kind of court order",
      "A subpoena alone is not enough",
      "If someone commits a crime here or against staff",
      "without saying you are in this program"),
     ("if you might hurt yourself or someone else",
      "older adult is being hurt",
      "or if a court orders it")),
    # 11. US labels: alcohol-free is 0.0 %, non-alcoholic under 0.5 %; disulfiram avoids both.
    ("high-risk-situations-and-refusal-skills",
     ("means no alcohol at all (0.0%)",
      "means less than 0.5% alcohol",
      "If you take disulfiram (Antabuse), stay away from both"),
     ("beer and wine can have a little alcohol in them",)),
    ("holidays-and-special-occasions",
     ("means no alcohol (0.0%)",
      "means less than 0.5%",
      "drinks too. Talk to your prescriber"),
     ("Non-alcoholic beer and wine can still have a little alcohol",)),
    # 12. Family history raises risk but decides nothing (the guide carries the heritability note).
    ("understanding-alcohol-use-disorder",
     ("Genes and family history can raise the risk, but they do not decide your future",),
     ("60 percent",)),
    # 13. Person-first language in the handouts.
    ("thinking-traps",
     ("Who does this thought help? Me, or the craving?",),
     ("my habit", "clean")),
]
FAMILY_AND_WORK: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
]


def _words(text: str) -> str:
    """Text folded for comparison: lower case, hyphenated line ends joined, spaces collapsed."""
    text = re.sub(r"-\s*\n\s*", "-", text.replace("\u00ad", ""))
    return " ".join(text.replace("\u2019", "'").lower().split())


def printed_handout(app: Flask, slug: str) -> str:
    topic = SHIPPED.get(slug)
    assert topic is not None, slug
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(render_handouts([topic], Variant())))
    return _words("\n".join(page.extract_text() for page in reader.pages))


@database_independent
@pytest.mark.parametrize(("slug", "present", "absent"), MEDICATION_AND_SAFETY + FAMILY_AND_WORK)
def test_printed_handout_carries_the_correction(app: Flask, slug: str, present: tuple[str, ...],
                                                absent: tuple[str, ...]) -> None:
    text = printed_handout(app, slug)
    for phrase in present:
        assert _words(phrase) in text, (slug, phrase)
    for phrase in absent:
        assert _words(phrase) not in text, (slug, phrase)



def test_guides_carry_medication_and_safety_corrections() -> None:
    """The corrections that live in facilitator guides, which are never printed on handouts."""
    # (slug, words the guide must now carry, words it must no longer carry)
    guides: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        # 2 and 3 in the guide: naltrexone is not grouped with the mortality finding; 911 for a
        # disulfiram reaction; "non-alcoholic" beer counts as hidden alcohol.
        ("medications-that-support-recovery",
         ("Naltrexone has not been shown to lower overdose deaths",
          "overdose risk is higher, not lower",
          "means calling 911",
          "never taken within 12 hours of drinking",
          "\"non-alcoholic\" beer"),
         ("They lower the risk of overdose death",
          "call emergency services")),
        # 6 and 7 in the orientation guide.
        ("orientation-and-group-agreements",
         ("42 CFR Part 2",
          "a subpoena by itself is not enough",
          "privacy officer",
          "without saying that the person is a patient in a substance use program",
          "Part 2 has no such exception",
          "stopping suddenly can cause seizures"),
         ("child or vulnerable adult",
          "staff must act if someone is at risk of harming themselves or another",
          "come to group sober and talk about it")),
        # 7: no Part 2 duty-to-warn exception in understanding-anger's safety notes.
        ("understanding-anger",
         ("privacy officer",
          "has no general duty-to-warn exception",
          "is not a Part 2 exception",
          "without saying that the person is a patient in a substance use program"),
         ("Follow your state's duty-to-warn or duty-to-protect law and program policy.",)),
        # 11: label rules and disulfiram in the holidays guide (and the high-risk guide).
        ("holidays-and-special-occasions",
         ("27 CFR part 7",
          "no alcohol (0.0 percent)",
          "less than 0.5 percent alcohol",
          "Anyone taking disulfiram avoids both"),
         ("(up to 0.5%)",)),
        ("high-risk-situations-and-refusal-skills",
         ("27 CFR part 7",
          "no alcohol (0.0 percent)",
          "less than 0.5 percent alcohol",
          "Anyone taking disulfiram avoids both"),
         ("\"alcohol-free\" beer and wine can contain a small amount of alcohol",
          "you're not an alcoholic")),
        # 12: heritability is a population figure, not a person's share of risk.
        ("understanding-alcohol-use-disorder",
         ("about half of the differences in risk between people",
          "not a share of any one person's risk",
          "does not decide anyone's future"),
         ("about 60 percent of the risk",)),
        # 13: quoted speech too.
        ("thinking-traps",
         ("I've been sober 60 days",),
         ("I've been clean 60 days", "clean")),
    ]
    for slug, present, absent in guides:
        topic = SHIPPED.get(slug)
        assert topic is not None, slug
        guide = _words(topic.guide_markdown)
        for phrase in present:
            assert _words(phrase) in guide, (slug, phrase)
        for phrase in absent:
            assert _words(phrase) not in guide, (slug, phrase)
