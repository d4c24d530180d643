"""The results in words, in the field report's style."""

from ..periods import Period
from .tables import partner_scope
from .values import Formatter


def _neighbourhood(name: str) -> str:
    name = name.strip()
    if not name:
        return "du quartier"
    if name.lower().startswith("quartier"):
        return "du q" + name[1:]
    return f"du quartier {name}"


def results_paragraph(report: dict, fmt: Formatter, neighbourhood_name: str = "") -> str:
    """The results in words, in the field report's style ("En un an, le bus a stationné...")."""
    period = Period.from_dict(report["period"])
    stops, visits, referrals = report["stops"], report["visits"], report["referrals"]
    opening = "En un an" if period.kind == "annee" else f"Sur la période ({period.label})"
    sites = stops["sites_used"]
    if not stops["held"]:
        return f"{opening}, le bus n'a tenu aucune permanence."
    where = (
        "sur 1 lieu de stationnement"
        if sites == 1
        else f"sur les {fmt.activity(sites)} lieux de stationnement"
    )
    sentences = [
        f"{opening}, le bus a stationné {fmt.activity(stops['held'])} fois {where}.",
    ]
    count = visits["visits"]
    if not count:
        sentences.append("Aucune visite n'a été enregistrée.")
        return " ".join(sentences)
    mean = fmt.minutes(visits["duration_mean"], visits["with_duration"])
    welcomed = f"Il a accueilli {fmt.count(count)} personnes"
    if mean.raw is not None:
        welcomed += f" pour une durée moyenne de {mean.text.replace('min', 'minutes')}"
    # A partner's visits per presence has its own definition: not worded here.
    per_stop_value = fmt.ratio(count, stops["held"])
    if per_stop_value.raw is not None and not partner_scope(report):
        welcomed += f", soit {per_stop_value} en moyenne par permanence"
    sentences.append(welcomed + ".")
    walk_in = fmt.share(visits["walk_in"], visits["mode_known"])
    if walk_in.raw is not None:
        if walk_in.raw > 0.5:
            sentences.append(
                f"La majorité des prises en charge s'est faite sans rendez-vous ({walk_in})."
            )
        else:
            sentences.append(f"{walk_in} des prises en charge se sont faites sans rendez-vous.")
    women = fmt.share(visits["women"], visits["gender_known"])
    if women.raw is not None:
        sentences.append(f"Le public accueilli compte {women} de femmes.")
    in_area = fmt.share(visits["in_area"], visits["area_known"])
    if in_area.raw is not None:
        sentences.append(
            f"{in_area} des personnes accueillies venaient {_neighbourhood(neighbourhood_name)}."
        )
    top = [row for row in report["topics"] if fmt.count(row["count"]).raw is not None][:3]
    if top:
        listed = ", ".join(f"{row['name']} ({fmt.share(row['count'], count)})" for row in top)
        sentences.append(f"Les demandes les plus fréquentes concernaient : {listed}.")
    if referrals["total"]:
        rate = fmt.share(referrals["taken_up"], referrals["total"])
        sentence = (
            f"{fmt.count(referrals['total'])} orientations vers les partenaires ont été proposées"
        )
        if rate.raw is not None:
            sentence += f", dont {rate} déjà prises en charge"
        sentences.append(sentence + ".")
    return " ".join(sentences)
