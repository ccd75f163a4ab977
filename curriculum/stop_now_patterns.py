"""What counts as stop-now advice, per language: the patterns ``content_safety`` reads a
handout with. A sentence telling someone to stop drinking or a sedative (or to make someone
else stop) is a finding unless its ``##`` section holds a withdrawal warning and medical advice.

The Spanish patterns mirror the English ones for handouts written in "usted": an imperative
("Deje de beber"), an infinitive after "debe", "tiene que", "es hora de"…, or a family asked to
push a stop ("Pídale que deje sus pastillas para dormir"). "Suspender" is the word for coming
off a medicine, which takes a prescriber's say whatever the medicine, so "suspenda su
medicamento" is advice too.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StopNowPatterns:
    """One language's patterns; see the English set below for what each one finds."""

    triggers: tuple[tuple[re.Pattern[str], bool], ...]  # (pattern, needs a substance named)
    bare_stop: re.Pattern[str]
    names_a_substance: re.Pattern[str]
    stop_alone: re.Pattern[str]
    names_a_drink: re.Pattern[str]
    clause_break: re.Pattern[str]
    negated: re.Pattern[str]
    imperative: re.Pattern[str]
    modal: re.Pattern[str]
    directive: re.Pattern[str]
    family: re.Pattern[str]
    withdrawal: re.Pattern[str]
    danger: re.Pattern[str]
    stopping: re.Pattern[str]
    withdrawal_danger: re.Pattern[str]
    medical: re.Pattern[str]
    # A trigger that starts with an infinitive is advice only after a modal, a directive or a
    # family push, never on its own ("Dejar de beber de golpe es peligroso" names a danger).
    infinitive: re.Pattern[str] | None = None


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# English ------------------------------------------------------------------------------------------

_ALCOHOL = (r"(?:drinking(?!\s+(?:coffee|tea|soda|pop|water|juice|milk|caffeine|energy|sugary"
            r"|diet))|alcohol|booze|liquor|beer|wine|vodka|whiskey|the bottle)")
_SEDATIVE = (r"(?:benzodiazepines?|benzos?|sedatives?|tranquili[sz]ers?|barbiturates?|xanax"
             r"|alprazolam|valium|diazepam|ativan|lorazepam|klonopin|clonazepam|librium"
             r"|chlordiazepoxide|restoril|temazepam|halcion|triazolam|ambien|zolpidem"
             r"|phenobarbital|(?:sleeping|sleep|nerve|anxiety) (?:pills?|meds|medicines?"
             r"|medications?|tablets?))")
_OWNER = r"(?:(?:a|an|all|your|his|her|their|the|my|our|any|those|these|that|this|every)\s+)*"
_STOP = (r"(?:stop|quit|give up|cut out|cut off|come off|get off|go off|kick|swear off|put down"
         r"|no more)")
_TAKE_AWAY = (r"(?:(?:pour|dump|flush|empty|throw|toss|hide)"
              r"(?:\s+(?:out|away|down(?:\s+the\s+\w+)?))?|take\s+away)")
_AT_ONCE = (r"(?:today|tonight|tomorrow|right away|right now|immediately|at once|all at once"
            r"|for good|completely|suddenly|abruptly|overnight|as soon as (?:possible|you can)"
            r"|this (?:week|weekend))")


# What tells someone to stop, and whether it needs alcohol or a sedative named in the sentence.
_STOP_NOW = (
    (_ci(rf"\b{_STOP}\s+{_OWNER}(?:(?:taking|using|drinking)\s+{_OWNER})?"
         rf"(?:{_ALCOHOL}|{_SEDATIVE})\b"), False),
    (_ci(r"\b(?:go|quit|stop|come off|get off)\b(?:\s+[\w']+){0,4}?\s+cold[- ]turkey\b"),
     False),
    (_ci(rf"\b{_TAKE_AWAY}\s+{_OWNER}(?:{_ALCOHOL}|{_SEDATIVE}|bottles?|liquor cabinet|stash"
         rf"|pills)\b"), False),
    (_ci(rf"\b(?:stop|quit)(?:\s+(?:it|everything|using))?\s+{_AT_ONCE}\b"), True),
    (_ci(r"\b(?:dry out|detox)\s+(?:at home|alone|cold turkey|on (?:your|his|her|their) own"
         r"|by (?:yourself|himself|herself|themselves))\b"), False),
)
# "make him stop": a family pushing a stop, when the sentence names what is stopped.
_BARE_STOP = _ci(r"\b(?:stop|quit)\b(?![\w-])")
_NAMES_A_SUBSTANCE = _ci(rf"\b(?:{_ALCOHOL}|{_SEDATIVE}|drinks every|bottles?)\b")
# "Stop." at the head of a step: advice to stop when its paragraph or list item names a drink.
_STOP_ALONE = _ci(r"\b(?:stop|quit)(?=\s*(?:[.!]|$|now\b|right now\b|right away\b"
                  r"|immediately\b|at once\b))")
_NAMES_A_DRINK = _ci(rf"\b(?:{_ALCOHOL}|{_SEDATIVE}|drinks?|bottles?)\b")

_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014]|\s-\s")
_NEGATED = _ci(r"\b(?:not|never|no|cannot|avoid|without|instead of|rather than|before|unless"
               r"|until|nobody|no one)\b|n't\b")
_SOFTENERS = r"(?:(?:please|just|simply|now|also|finally|first|instead|then|really)\s+)*"
# A trigger is advice when it is an imperative, follows a "you should"-like modal, a "time to"-
# like directive, or asks someone to stop someone else.
_IMPERATIVE = _ci(rf"(?:^|\b(?:and|then|so|or|but)\s+){_SOFTENERS}$")
_MODAL = _ci(rf"\b(?:you|he|she|they|we|i|someone|everyone|anyone|people|your\s+\w+(?:\s+one)?)"
             rf"\s+(?:(?:should|must|will|need|needs|have|has|had|ought|got|gotta|better"
             rf"|are going|is going|am going)\s+(?:to\s+)?)+{_SOFTENERS}$"
             rf"|\b(?:you|he|she|they|we|i)'(?:ll|d better)\s+{_SOFTENERS}$")
_DIRECTIVE = _ci(rf"\b(?:time|decide|decided|choose|try|plan|promise|commit|agree|vow|resolve"
                 rf"|is|are|means|best|way)\s+to\s+{_SOFTENERS}$")
_FAMILY = _ci(rf"\b(?:make|makes|made|let|force|forces|push|pressure|get|gets|tell|tells|ask|asks"
              rf"|beg|convince|require|order|urge|expect|want|insist|insists|demand|demands)"
              rf"\s+(?:that\s+)?(?:him|her|them|he|she|they|someone|a\s+loved\s+one"
              rf"|your\s+(?:\w+\s+)?\w+)\s+(?:to\s+)?{_SOFTENERS}$")

# A warning names the withdrawal (or the sudden stop) and its danger in one paragraph or item.
_WITHDRAWAL = _ci(r"\b(?:withdrawal|withdrawals|withdraw|withdrawing|detox|DTs|delirium tremens)"
                  r"\b|\bsudden(?:ly)?\s+(?:stop|quit)|\bcold[- ]turkey\b|\b(?:stop|stops"
                  r"|stopping|quit|quits|quitting)\b[^.;]{0,40}?\b(?:suddenly|all at once"
                  r"|at once|abruptly|too fast|too quickly)\b")
_DANGER = _ci(r"\b(?:seizures?|fits|convulsions?|dangerous|danger|deadly|life[- ]threatening"
              r"|kills?|die|dies|death|deaths|fatal|delirium|DTs|hallucinations?|hallucinate"
              r"|serious|severe|unsafe|not safe|risky|harmful|emergency)\b")
# Stopping named with a danger only withdrawal brings is a warning without the word itself.
_STOPPING = _ci(r"\b(?:stop|stops|stopping|quit|quits|quitting)\b")
_WITHDRAWAL_DANGER = _ci(r"\b(?:seizures?|convulsions?|delirium|DTs|hallucinations?"
                         r"|life[- ]threatening|deadly|fatal|die|death)\b")
# Medical advice: a medical professional or medical care. Staff and counselors are not: the
# person needs a medical assessment (or a supervised taper) before stopping.
_MEDICAL = _ci(r"\b(?:doctors?|physicians?|nurses?|prescribers?|pharmacists?|medical|medically"
               r"|clinics?|clinicians?|health ?care (?:providers?|teams?|professionals?)"
               r"|health providers?|care providers?|primary care|hospitals?|urgent care"
               r"|emergency rooms?|withdrawal management|detox (?:programs?|centers?|units?))\b")

ENGLISH = StopNowPatterns(
    triggers=_STOP_NOW, bare_stop=_BARE_STOP, names_a_substance=_NAMES_A_SUBSTANCE,
    stop_alone=_STOP_ALONE, names_a_drink=_NAMES_A_DRINK, clause_break=_CLAUSE_BREAK,
    negated=_NEGATED, imperative=_IMPERATIVE, modal=_MODAL, directive=_DIRECTIVE, family=_FAMILY,
    withdrawal=_WITHDRAWAL, danger=_DANGER, stopping=_STOPPING,
    withdrawal_danger=_WITHDRAWAL_DANGER, medical=_MEDICAL)


# Spanish ------------------------------------------------------------------------------------------

_ALCOHOL_ES = (r"(?:alcohol|bebidas?(?!\s+(?:sin\s+alcohol|no\s+alcoh[óo]licas?|azucaradas?"
               r"|energéticas?|gaseosas?))|cervezas?|vinos?|licor(?:es)?|tragos?|copas?|vodka"
               r"|whisky|tequila|ron|mezcal|aguardiente|la\s+botella)")
# "Tomar" alone is drinking alcohol; with an object it is whatever the object says.
_DRINKING_ES = (r"(?:beber|tomar)(?!\s+(?:café|té|agua|refrescos?|sodas?|jugos?|leche|cafeína"
                r"|bebidas\s+(?:sin|no)|el|la|los|las|su|sus|un|una|este|esta|ese|esa|esos|esas"
                r"|medicamentos?|medicinas?|pastillas)\b)")
_SEDATIVE_ES = (r"(?:benzodia[cz]epinas?|benzos?|sedantes?|tranquilizantes?|calmantes?"
                r"|barbitúricos?|somníferos?|xanax|alprazolam|valium|diazepam|ativan|lorazepam"
                r"|klonopin|clonazepam|rivotril|librium|clordiazepóxido|restoril|temazepam"
                r"|halcion|triazolam|ambien|zolpidem|fenobarbital|(?:pastillas?|medicamentos?"
                r"|medicinas?) (?:para|de) (?:dormir|el sueño|los nervios|la ansiedad))")
_MEDICINE_ES = r"(?:medicamentos?|medicinas?|medicación|pastillas|tratamiento)"
_OWNER_ES = (r"(?:(?:el|la|los|las|su|sus|un|una|todo|toda|todos|todas|ese|esa|esos|esas|este"
             r"|esta|estos|estas|mi|mis|cualquier|del|al)\s+)*")
_STOP_ES = (r"(?:deje|dejar|dejarlo|déjelo|suspenda|suspender|abandone|abandonar|pare|parar"
            r"|corte|cortar|quítese|quitarse)")
_SUDDENLY_ES = r"(?:de\s+golpe|en\s+seco|de\s+un\s+día\s+para\s+otro|de\s+un\s+jalón)"
_AT_ONCE_ES = (r"(?:hoy(?:\s+mismo)?|esta\s+noche|mañana|ya\s+mismo|ahora(?:\s+mismo)?"
               r"|de\s+inmediato|inmediatamente|enseguida|de\s+una\s+vez|por\s+completo"
               r"|para\s+siempre|de\s+repente|esta\s+semana|este\s+fin\s+de\s+semana"
               r"|lo\s+antes\s+posible|cuanto\s+antes)")
_TAKE_AWAY_ES = (r"(?:tire|tirar|bote|botar|vacíe|vaciar|esconda|esconder|quítele|quitarle"
                 r"|derrame|derramar)(?:\s+(?:a\s+la\s+basura|por\s+el\s+(?:desagüe|fregadero"
                 r"|inodoro)|lejos))?")

_STOP_NOW_ES = (
    (_ci(rf"\b{_STOP_ES}\s+(?:de\s+(?:tomar|beber|usar|consumir)\s+)?{_OWNER_ES}"
         rf"(?:{_ALCOHOL_ES}|{_SEDATIVE_ES})\b"), False),
    (_ci(rf"\b{_STOP_ES}\s+de\s+{_DRINKING_ES}"), False),
    (_ci(rf"\b(?:suspenda|suspender)\s+{_OWNER_ES}{_MEDICINE_ES}\b"), False),
    (_ci(rf"\b{_STOP_ES}\b(?:\s+\w+){{0,5}}?\s+{_SUDDENLY_ES}\b"), False),
    (_ci(rf"\b{_STOP_ES}(?:\s+de\s+(?:consumir|usar))?(?:\s+todo)?\s+{_AT_ONCE_ES}\b"), True),
    (_ci(rf"\b{_TAKE_AWAY_ES}\s+{_OWNER_ES}(?:{_ALCOHOL_ES}|{_SEDATIVE_ES}|botellas?|pastillas"
         rf"|medicamentos?)\b"), False),
    (_ci(r"\b(?:desintoxicarse|desintoxíquese|hacer\s+(?:la\s+|una\s+)?desintoxicación)\s+"
         r"(?:en\s+casa|sol[oa]|por\s+su\s+(?:propia\s+)?cuenta|sin\s+ayuda|de\s+golpe)\b"),
     False),
)
_SOFTENERS_ES = (r"(?:(?:por\s+favor|solo|sólo|simplemente|ahora|también|por\s+fin|primero"
                 r"|mejor|entonces|luego)\s+)*")

SPANISH = StopNowPatterns(
    triggers=_STOP_NOW_ES,
    bare_stop=_ci(r"\b(?:deje|dejar|pare|parar)\b(?![\w-])"),
    names_a_substance=_ci(rf"\b(?:{_ALCOHOL_ES}|{_SEDATIVE_ES}|beber|bebe|botellas?)\b"),
    stop_alone=_ci(r"\b(?:pare|deténgase|alto|basta)(?=\s*(?:[.!]|$|ya\b|ahora\b"
                   r"|de\s+inmediato\b))"),
    names_a_drink=_ci(rf"\b(?:{_ALCOHOL_ES}|{_SEDATIVE_ES}|beber|botellas?)\b"),
    clause_break=re.compile(r"[,;:()¿¡\u2013\u2014]|\s-\s"),
    negated=_ci(r"\b(?:no|nunca|jamás|ni|sin|si|cuando|antes\s+de|hasta|a\s+menos\s+que"
                r"|evite|evitar|en\s+vez\s+de|en\s+lugar\s+de|nadie|nada|ningún|ninguna)\b"),
    imperative=_ci(rf"(?:^|\b(?:y|e|luego|entonces|así\s+que|o|pero)\s+){_SOFTENERS_ES}$"),
    modal=_ci(rf"\b(?:debe|deben|debería|deberían|debemos|tiene\s+que|tienen\s+que|tendrá\s+que"
              rf"|tendría\s+que|necesita|necesitan|va\s+a|van\s+a|hay\s+que|le\s+toca"
              rf"|les\s+toca)\s+{_SOFTENERS_ES}$"),
    directive=_ci(rf"\b(?:es\s+hora\s+de|llegó\s+la\s+hora\s+de|decida|decide|decidió|elija"
                  rf"|trate\s+de|intente|planee|prometa|prometió|comprométase\s+a|es\s+mejor"
                  rf"|lo\s+mejor\s+es|la\s+mejor\s+manera\s+es|significa|quiere\s+decir)\s+"
                  rf"{_SOFTENERS_ES}$"),
    family=_ci(rf"\b(?:haga|hacer|pida|pídale|pídales|pedirle|dígale|dígales|decirle|obligue"
               rf"|oblíguelo|oblíguela|oblíguelos|obligarlo|obligarla|convenza|convénzalo"
               rf"|convénzala|exija|exíjale|insista\s+en|ruéguele|presione|presiónelo"
               rf"|presiónela)\s+(?:a\s+(?:su\s+)?\w+\s+)?(?:que|a)\s+{_SOFTENERS_ES}$"),
    withdrawal=_ci(r"\b(?:abstinencia|desintoxicación|delirium\s+tremens|DTs?)\b"
                   r"|\b(?:dejar|deja|deje|dejarlo|suspender|suspende|suspenda|parar|corta"
                   r"|cortar)\b[^.;]{0,40}?\b(?:de\s+golpe|de\s+repente|en\s+seco"
                   r"|de\s+un\s+día\s+para\s+otro|de\s+una\s+vez|muy\s+rápido"
                   r"|demasiado\s+rápido|bruscamente)\b"),
    danger=_ci(r"\b(?:convulsiones?|ataques?|peligros[oa]s?|peligro|mortal(?:es)?|morir|muerte"
               r"|muertes|graves?|delirio|delirium|alucinaciones?|riesgos[oa]s?|no\s+es\s+seguro"
               r"|emergencia|fatal(?:es)?|arriesgado)\b"),
    stopping=_ci(r"\b(?:dejar|deja|deje|dejarlo|suspender|suspende|suspenda)\b"),
    withdrawal_danger=_ci(r"\b(?:convulsiones?|delirio|delirium|alucinaciones?|mortal(?:es)?"
                          r"|morir|muerte|fatal(?:es)?)\b"),
    medical=_ci(r"\b(?:médic[oa]s?|doctor(?:a|es|as)?|enfermer[oa]s?|farmacéutic[oa]s?"
                r"|receta|recetó|clínicas?|hospital(?:es)?|urgencias|sala\s+de\s+emergencias"
                r"|médicamente|profesional(?:es)?\s+de\s+(?:la\s+)?salud|proveedor(?:es|a|as)?"
                r"\s+de\s+(?:atención|salud)|desintoxicación\s+supervisada"
                r"|(?:programa|centro)s?\s+de\s+desintoxicación|manejo\s+de\s+la\s+abstinencia)\b"),
    infinitive=_ci(r"\w+(?:ar|er|ir)(?:se|lo|la|los|las|le|les)?\b"),
)
