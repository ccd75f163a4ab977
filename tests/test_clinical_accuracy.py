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
    # 5: no forced sudden stop at home; alcohol and benzodiazepine withdrawal; medical advice, 911.
    ("addiction-and-the-family",
     ("do not make them stop all at once at home", "Get medical advice first",
      "These happen mostly in the first two days", "delirium tremens",
      "often starts on day 2 or 3", "Withdrawal can start a few days after the last pill",
      "A doctor has to lower the dose slowly", "Call 911 for a seizure"),
     ()),
    ("supporting-recovery-at-home",
     ("do not make them stop all at once at home", "Get medical advice first",
      "These happen mostly in the first two days", "delirium tremens",
      "often starts on day 2 or 3", "Withdrawal can start a few days after the last pill",
      "A doctor has to lower the dose slowly", "Call 911 for a seizure"),
     ()),
    # 8: the emergency exception reaches the medical staff treating it, not the family.
    ("addiction-and-the-family",
     ("In a medical emergency, staff may tell the doctors and nurses who treat your loved one",
      "That does not include family"),
     ("Except in an emergency, staff can share with you",)),
    # Family program: the handout says what this participant has and has not agreed to share.
    ("addiction-and-the-family",
     ("What your loved one agreed we can share", "from the consent form your loved one signed",
      "Anything not written here stays private", "Staff may tell me", "Staff will not tell me",
      "The consent ends on"),
     ()),
    # 13: no "clean" or "dirty" anywhere in the family handouts.
    ("addiction-and-the-family", (), ("clean", "dirty")),
    # 8: the work handout's emergency and court-order wording.
    ("work-school-and-recovery",
     ("In a medical emergency, staff may tell only the doctors and nurses treating you",
      "A subpoena alone is not enough"),
     ("except in rare cases like an emergency",)),
    # 9: FMLA only if you qualify; a uniformly applied, announced policy still applies on leave;
    # family members may take leave to care for someone in treatment.
    ("work-school-and-recovery",
     ("If you qualify", "Your boss cannot punish you for taking it",
      "used the same way for everyone", "even while you are on leave",
      "A family member who qualifies may be able to take FMLA leave to care for you"),
     ("and keep their job", "keep your job")),
    # 10: the medications the EEOC names; no promise that the boss need not be told.
    ("work-school-and-recovery",
     ("like buprenorphine or methadone", "Have your prescription ready to show"),
     ("You don't have to tell your boss", "naltrexone")),
    # 13: opioid use disorder, not "opioid addiction".
    ("work-school-and-recovery",
     ("medicine for opioid use disorder",),
     ("opioid addiction",)),
]


def _words(text: str) -> str:
    """Text folded for comparison: lower case, hyphenated line ends joined, spaces collapsed."""
    text = re.sub(r"-\s*\n\s*", "-", text.replace("\u00ad", ""))
    return " ".join(text.replace("\u2019", "'").lower().split())


def assert_guides_carry(guides: list[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> None:
    """Each facilitator guide holds its new wording and no longer holds the old."""
    for slug, present, absent in guides:
        topic = SHIPPED.get(slug)
        assert topic is not None, slug
        guide = _words(topic.guide_markdown)
        for phrase in present:
            assert _words(phrase) in guide, (slug, phrase)
        for phrase in absent:
            assert _words(phrase) not in guide, (slug, phrase)


def printed_handout(app: Flask, slug: str) -> str:
    topic = SHIPPED.get(slug)
    assert topic is not None, slug
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(render_handouts([topic], Variant())))
    return _words("\n".join(page.extract_text() for page in reader.pages))


@pytest.mark.engine_independent
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
    assert_guides_carry(guides)


def _section(markdown: str, heading: str) -> str:
    """The text under one "## heading" of a guide, up to the next "## " heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match is not None, heading
    return match.group(1)


def test_guides_carry_family_and_work_corrections() -> None:
    """Corrections 7 and 10 and the family-consent rule, which live in facilitator guides."""
    # (slug, words the guide must now carry, words it must no longer carry)
    reports_present = ("42 CFR Part 2", "privacy officer", "no general \"duty to warn\" exception",
                       "no exception for elder or dependent-adult abuse",
                       "without saying that the person is, or was, a patient of a substance use "
                       "program")
    exceptions_present = ("with the medical staff treating it only", "not a subpoena alone",
                          "a crime, or a threat of one, at the program or against its staff")
    guides: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        # 7 and 13 in the first family session.
        ("addiction-and-the-family",
         (*reports_present, "a subpoena alone is not enough",
          "a medical emergency, and then only with the medical staff treating it",
          "a crime, or a threat of one, at the program or against its staff",
          "Are her tests negative?"),
         ("elder or dependent adult abuse where state law requires it",
          "staff must act on serious safety risks", "Are her tests clean?")),
        ("supporting-recovery-at-home",
         (*reports_present, *exceptions_present),
         ("elder or dependent adult abuse where state law requires it",)),
        ("family-communication-and-rebuilding-trust",
         (*reports_present, *exceptions_present),
         ("elder or dependent adult abuse where state law requires it",
          "serious safety risks and suspected child abuse or neglect must be acted on")),
        ("family-roles-and-enabling",
         ("42 CFR Part 2", "privacy officer", "no exception for elder or dependent-adult abuse",
          *exceptions_present),
         ("safety risks and suspected child abuse or neglect must be reported",)),
        # 7 (point 3), 10 (point 5) and 9 (point 6) in the work guide.
        ("work-school-and-recovery",
         ("a subpoena alone is not enough",
          "staff may share only with the medical staff treating it",
          "names buprenorphine and methadone", "That document does not name naltrexone",
          "Separately from the EEOC", "49 CFR Part 40", "If they qualify",
          "29 CFR 825.119(b)", "even during the leave",
          "care for a covered family member who is in treatment"),
         ("buprenorphine, methadone or naltrexone",
          "about your prescriptions, not your boss",
          "such as a medical emergency or certain court orders", "job-protected leave")),
    ]
    assert_guides_carry(guides)

    # The family program admits only family members a written consent names: the first
    # session's Preparation says so, and its session plan opens by confirming consent.
    first = SHIPPED.get(SHIPPED.tracks["family-program"].topics[0])
    assert first is not None and first.slug == "addiction-and-the-family"
    preparation = _words(_section(first.guide_markdown, "Preparation"))
    for phrase in ("written consent", "section 2.31", "name each family member",
                   "what may be shared", "cannot join this session"):
        assert _words(phrase) in preparation, phrase
    plan = _section(first.guide_markdown, "Session plan")
    first_step = re.split(r"^### ", plan, flags=re.M)[1]
    assert "consent" in first_step.splitlines()[0].lower(), first_step.splitlines()[0]
    opening = _words(first_step.split("\n\n")[1])
    assert opening.startswith(_words("Start by confirming consent for everyone present")), opening
