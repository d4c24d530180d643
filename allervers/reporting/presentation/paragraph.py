"""The results in words, in the field report's style: visits and people named as such, every
share with its base (« 63 % des réponses connues, soit 42 % des visites »), and nothing a viewer
may not read (a hidden count or share is left out of the sentence, never named)."""

from allervers.reception.questions import by_report_key

from ..periods import Period
from .cells import share_cells
from .tables import partner_scope
from .values import NO_DATA, Formatter, Value, plural


def _neighbourhood(name: str) -> str:
    name = name.strip()
    if not name:
        return "du quartier"
    if name.lower().startswith("quartier"):
        return "du q" + name[1:]
    return f"du quartier {name}"


def _shown(value: Value) -> bool:
    return value.raw is not None


# The key shares told in words: the question, and who its counted answer is.
SHARE_SENTENCES = [
    ("mode", "Les visites sans rendez-vous"),
    ("gender", "Les visites de femmes"),
    ("lives_in_area", "Les visites d'habitants {neighbourhood}"),
    ("first_visit", "Les premières visites"),
]


def share_values(g, question_key: str) -> tuple[Value, Value]:
    """A question's key share among the known answers, and among every visit."""
    part, known = share_cells(by_report_key(question_key))
    return g.share(part, known), g.share(part, "visits")


def share_words(g, question_key: str) -> str:
    """« 63 % des réponses connues, soit 42 % des visites », or the part of it a reader may
    see; empty when neither may be shown."""
    of_known, of_all = share_values(g, question_key)
    if of_known.text == NO_DATA:
        return ""  # nobody answered the question
    words = []
    if _shown(of_known):
        words.append(f"{of_known} des réponses connues")
    if _shown(of_all):
        words.append(f"{of_all} des visites")
    return ", soit ".join(words)


def results_paragraph(report: dict, fmt: Formatter, neighbourhood_name: str = "") -> str:
    """The results in words ("En un an, le bus a stationné...")."""
    period = Period.from_dict(report["period"])
    stops, visits = report["stops"], report["visits"]
    g = fmt.of(report)
    opening = "En un an" if period.kind == "annee" else f"Sur la période ({period.label})"
    sites = stops["sites_used"]
    if not stops["held"]:
        return f"{opening}, le bus n'a tenu aucune permanence."
    where = (
        "sur 1 lieu de stationnement"
        if sites == 1
        else f"sur les {fmt.activity(sites)} lieux de stationnement"
    )
    sentences = [f"{opening}, le bus a stationné {fmt.activity(stops['held'])} fois {where}."]
    if not visits["visits"]:
        sentences.append("Aucune visite n'a été enregistrée.")
        return " ".join(sentences)
    count, people = g.count("visits"), g.count("people")
    welcomed = f"Il a reçu {count} {plural(count, 'visite', 'visites')}"
    if _shown(people) and people.raw:
        who = plural(people, "personne différente", "personnes différentes")
        welcomed += f" de {people} {who} au moins"
    mean = g.minutes(visits["duration_mean"])
    if _shown(mean):
        minutes = plural(mean, "minute", "minutes")
        welcomed += f", d'une durée moyenne de {mean.text.removesuffix('min')}{minutes}"
    # A partner's visits per presence has its own definition: not worded here.
    per_stop_value = g.ratio("visits", stops["held"])
    if _shown(per_stop_value) and not partner_scope(report):
        welcomed += f", soit {per_stop_value} visites en moyenne par permanence"
    sentences.append(welcomed + ".")
    for question_key, subject in SHARE_SENTENCES:
        if question_key not in (report.get("breakdowns") or {}) and not _has_share(
            visits, question_key
        ):
            continue
        words = share_words(g, question_key)
        if words:
            subject = subject.format(neighbourhood=_neighbourhood(neighbourhood_name))
            sentences.append(f"{subject} font {words}.")
    top = []
    for row in report["topics"]:
        cell = ("t", str(row.get("topic_id", row["name"])))
        share = g.share(cell, "visits")
        if _shown(g.count(cell)) and _shown(share):
            top.append(f"{row['name']} ({share} des visites)")
    if top:
        sentences.append(f"Les demandes les plus fréquentes concernaient : {', '.join(top[:3])}.")
    if report["referrals"]["total"]:
        referrals = g.count("referrals")
        if _shown(referrals):
            sentence = f"{referrals} " + plural(
                referrals,
                "orientation vers les partenaires a été proposée",
                "orientations vers les partenaires ont été proposées",
            )
            taken_up, rate = g.count("taken_up"), g.share("taken_up", "referrals")
            if _shown(taken_up) and _shown(rate):
                taken = plural(taken_up, "prise", "prises")
                sentence += f", dont {taken_up} déjà {taken} en charge ({rate} des orientations)"
            sentences.append(sentence + ".")
    return " ".join(sentences)


def _has_share(visits: dict, question_key: str) -> bool:
    share = by_report_key(question_key).share
    return share is not None and share.part in visits
