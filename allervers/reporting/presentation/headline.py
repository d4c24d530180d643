"""The first page of a report: the few figures a funder asks for, each with its base in words,
beside the same figure of the period before.

`HEADLINES` is the list of rows: a future figure (appointments, workshops) is one more
`Headline` whose `read` returns its value and words.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..definitions import INDICATORS
from .paragraph import share_values
from .values import EMPTY, Formatter, Group, Value, plural


@dataclass(frozen=True)
class Part:
    """One period's report, as a headline reads it."""

    report: dict
    g: Group
    fmt: Formatter


Reading = tuple[Value, str]  # the figure, and the words that say what it counts


def _stops(part: Part) -> Reading:
    held = part.report["stops"]["held"]
    return part.fmt.activity(held), plural(held, "permanence", "permanences")


def _visits(part: Part) -> Reading:
    return part.g.count("visits"), plural(part.report["visits"]["visits"], "visite", "visites")


def _people(part: Part) -> Reading:
    return part.g.count("people"), "personnes différentes au moins"


def _duration(part: Part) -> Reading:
    visits = part.report["visits"]
    value = part.g.minutes(visits["duration_mean"])
    return value, ("par visite, sur les visites dont le départ est enregistré" if value.raw else "")


def _share(question_key: str) -> Callable[[Part], Reading]:
    def read(part: Part) -> Reading:
        of_known, of_all = share_values(part.g, question_key)
        if of_known.raw is not None:
            words = "des réponses connues"
            if of_all.raw is not None:
                words += f", soit {of_all} des visites"
            return of_known, words
        if of_all.raw is not None:
            return of_all, "des visites"
        return of_known, ""

    return read


def _partners(part: Part) -> Reading:
    present = [row for row in part.report.get("partners") or [] if row["presences"]]
    if "partners" not in part.report:
        return EMPTY, ""
    presences = sum(row["presences"] for row in present)
    words = f"{plural(len(present), 'partenaire', 'partenaires')}, "
    words += f"{part.fmt.activity(presences)} {plural(presences, 'présence', 'présences')}"
    return part.fmt.activity(len(present)), words


def _cyber(part: Part) -> Reading:
    cyber = part.report.get("cyber")
    seats_held = part.report["stops"].get("seats_held")
    if not cyber or not seats_held:
        return EMPTY, ""
    all_held = part.g.share_of(("c", "seats_used"), seats_held)
    recorded = part.g.share_of(("c", "seats_used"), cyber["seats_offered"])
    words = "des postes disponibles sur toutes les permanences tenues"
    if recorded.raw is not None:
        words += f" ({recorded} des postes des permanences avec un relevé)"
    return all_held, words


def _taken_up(part: Part) -> Reading:
    referrals = part.report["referrals"]
    if not referrals["total"]:
        return part.g.count("taken_up"), "aucune orientation"
    value = part.g.count("taken_up")
    words = f"sur {part.g.count('referrals')} orientations"
    rate = part.g.share("taken_up", "referrals")
    if rate.raw is not None:
        words += f", soit {rate} des orientations"
    return value, words


@dataclass(frozen=True)
class Headline:
    key: str  # the indicator whose definition explains it
    label: str
    read: Callable[[Part], Reading]


HEADLINES = [
    Headline("stops_held", "Permanences tenues", _stops),
    Headline("visits", "Visites", _visits),
    Headline("people", "Personnes différentes", _people),
    Headline("duration_mean", "Durée moyenne d'une visite", _duration),
    Headline("women_share", "Femmes", _share("gender")),
    Headline("area_share", "Habitants du quartier", _share("lives_in_area")),
    Headline("partners_present", "Partenaires présents", _partners),
    Headline("cyber_seats", "Cyber@atelier : occupation des postes", _cyber),
    Headline("referrals_taken_up", "Orientations prises en charge", _taken_up),
]


@dataclass(frozen=True)
class HeadlineFigure:
    key: str
    label: str
    value: Value
    words: str
    previous: Value | None
    previous_words: str

    @property
    def text(self) -> str:
        return f"{self.value} {self.words}".strip()

    @property
    def previous_text(self) -> str:
        if self.previous is None:
            return ""
        return f"{self.previous} {self.previous_words}".strip()

    @property
    def definition(self) -> str:
        return INDICATORS[self.key].definition


def headline_figures(
    report: dict, fmt: Formatter, previous: dict | None = None
) -> list[HeadlineFigure]:
    """The first page's figures, with the period before's when it has data (a held stop)."""
    current = Part(report, fmt.of(report), fmt)
    before = None
    if previous and previous["stops"]["held"]:
        before = Part(previous, fmt.of(previous), fmt)
    figures = []
    for headline in HEADLINES:
        value, words = headline.read(current)
        old, old_words = headline.read(before) if before else (None, "")
        figures.append(HeadlineFigure(headline.key, headline.label, value, words, old, old_words))
    return figures
