"""The first page of a report: the few figures a funder asks for, each with its base in words,
beside the same figure of the period before.

`HEADLINES` is the list of rows: a future figure (appointments, workshops) is one more
`Headline` whose `read` returns its value and words.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..definitions import INDICATORS
from .paragraph import share_values
from .values import EMPTY, NO_DATA, NOT_DISCLOSED, Formatter, Group, Value, plural


@dataclass(frozen=True)
class Part:
    """One period's report, as a headline reads it."""

    report: dict
    g: Group
    fmt: Formatter


Reading = tuple[Value, str]  # the figure, and the words that say what it counts


def _stops(part: Part) -> Reading:
    held = part.fmt.activity(part.report["stops"]["held"])
    return held, plural(held, "permanence", "permanences")


def _visits(part: Part) -> Reading:
    visits = part.g.count("visits")
    return visits, plural(visits, "visite", "visites")


def _people(part: Part) -> Reading:
    people = part.g.count("people")
    return people, plural(people, "personne différente", "personnes différentes") + " au moins"


def _duration(part: Part) -> Reading:
    visits = part.report["visits"]
    value = part.g.minutes(visits["duration_mean"])
    return value, ("par visite, sur les visites dont le départ est enregistré" if value.raw else "")


def _share(question_key: str) -> Callable[[Part], Reading]:
    def read(part: Part) -> Reading:
        of_known, of_all = share_values(part.g, question_key)
        if of_known.text == NO_DATA:
            return EMPTY, ""  # nobody answered the question
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
    presences = part.fmt.activity(sum(row["presences"] for row in present))
    count = part.fmt.activity(len(present))
    words = f"{plural(count, 'partenaire', 'partenaires')}, "
    words += f"{presences} {plural(presences, 'présence', 'présences')}"
    return count, words


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
    if not part.report["referrals"]["total"]:
        return EMPTY, "aucune orientation"
    value, referrals = part.g.count("taken_up"), part.g.count("referrals")
    if referrals.raw is None:
        return value, ""
    words = f"sur {referrals} orientations"
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
    def shows_value(self) -> bool:
        """False when the words say it all (« aucune orientation »)."""
        return not (self.value.text == NO_DATA and self.words)

    @property
    def text(self) -> str:
        return _joined(self.value, self.words)

    @property
    def previous_text(self) -> str:
        return "" if self.previous is None else _joined(self.previous, self.previous_words)

    @property
    def definition(self) -> str:
        return INDICATORS[self.key].definition


def _said(reading: Reading) -> Reading:
    """A hidden share or mean (« n.c. ») says nothing more; « < 5 » keeps its noun."""
    value, words = reading
    if value.text == NOT_DISCLOSED:
        return value, ""
    return value, words


def _joined(value: Value, words: str) -> str:
    if value.text == NO_DATA and words:
        return words
    return f"{value} {words}".strip()


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
        value, words = _said(headline.read(current))
        old, old_words = _said(headline.read(before)) if before else (None, "")
        figures.append(HeadlineFigure(headline.key, headline.label, value, words, old, old_words))
    return figures
