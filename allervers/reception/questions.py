"""The one registry of the visit's closed questions (genre, âge, quartier, situation...).

Each question a visit answers from a closed list is one `Question` below, and everything that
deals with the visit's answers iterates `QUESTIONS`: the tablet form (`forms.VisitForm`), the
services' checks (`services.visits`), the import's columns and aliases (`importing`), the export's
columns (`exporting`), the report's breakdowns, captions, sheets and definitions
(`reporting.queries`, `reporting.presentation`, `reporting.definitions`) and the demo's
distributions (`demo.reception`).

Adding a question is one entry here (with its choices, a `TextChoices` in `enums.py` or beside the
entry) plus the migration that `makemigrations` writes: the `Visit` field and its
`visit_<key>_known_value` check constraint are made from the entry (`models.py` adds them).
`tests/reception/test_questions.py` proves that every entry reaches each of those places.

Order: the registry's order is the form's; the files (import format, export) and the report
follow it too. The sections place the questions around the visit's other answers (topics,
partners, cyber-atelier), in the form as in the files.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models

from .enums import (
    AgeBand,
    Gender,
    HeardFrom,
    Outcome,
    Situation,
    VisitMode,
    YesNoUnknown,
)

UNKNOWN = "unknown"

# Where a question sits among the visit's other answers, in the form and in the files.
PROFILE = "profile"  # who the person is: before the topics
VISIT = "visit"  # how and why they came: between the topics and the partners seen
OUTCOME = "outcome"  # what came of it: after the cyber-atelier
SECTIONS = (PROFILE, VISIT, OUTCOME)


@dataclass(frozen=True)
class Share:
    """A key figure: the share of one answer among the known answers (« Part de femmes »).

    `part` and `known` name the two counts stored in the report (and in closed years' figures).
    """

    key: str  # the indicator's key (definitions, key figures)
    label: str  # the key figure's label
    definition: str
    value: str  # the answer counted
    part: str
    known: str
    detail_label: str = ""  # the column of the breakdowns by site and by month, else `label`

    @property
    def column(self) -> str:
        return self.detail_label or self.label


@dataclass(frozen=True)
class Question:
    field: str  # the `Visit` field, made from this entry (`model_field`, `constraint`)
    choices: type[models.TextChoices]
    verbose_name: str  # the field's name in the admin and in error messages
    label: str  # the form's question
    column: str  # the import's and export's column
    example: str  # an example cell of the import's format
    caption: str  # the report's table of answers
    sheet: str  # the spreadsheet's sheet of its breakdowns by site and by month
    indicator: str  # the breakdown's label in the definitions
    definition: str  # what the breakdown counts (French: shown to users as is)
    section: str = VISIT
    key: str = ""  # the report's name for it (stored in closed years' figures), else `field`
    column_hint: str = ""  # said before the list of values in the import's format
    aliases: dict[str, Sequence[str]] = field(default_factory=dict)  # value → accepted cells
    initial: str = UNKNOWN  # the form's default answer
    share: Share | None = None
    # The demo's answers: (value, share) pairs applied as quotas, the rest `demo_rest`; none:
    # every demo visit keeps the initial answer.
    demo_shares: Sequence[tuple[str, float]] = ()
    demo_rest: str = UNKNOWN

    @property
    def report_key(self) -> str:
        return self.key or self.field

    def model_field(self) -> models.CharField:
        """The `Visit` column holding the answer (added to the model in `models.py`)."""
        return models.CharField(
            self.verbose_name, max_length=20, choices=self.choices.choices, default=self.initial
        )

    def constraint(self) -> models.CheckConstraint:
        """The database refuses an answer outside the question's list."""
        return models.CheckConstraint(
            condition=models.Q(**{f"{self.field}__in": self.choices.values}),
            name=f"visit_{self.report_key}_known_value",
        )

    @property
    def column_meaning(self) -> str:
        values = ", ".join(self.choices.labels)
        return f"{self.column_hint} : {values}" if self.column_hint else values


QUESTIONS: tuple[Question, ...] = (
    Question(
        field="gender",
        choices=Gender,
        verbose_name="genre",
        label="Genre",
        column="genre",
        example="Femme",
        caption="Genre des personnes accueillies",
        sheet="Genre",
        indicator="Genre",
        definition="Répartition des visites selon le genre déclaré, non renseigné compris.",
        section=PROFILE,
        aliases={Gender.FEMALE: ["f"], Gender.MALE: ["h", "m"]},
        share=Share(
            key="women_share",
            label="Part de femmes",
            definition="Visites de femmes divisées par les visites dont le genre est renseigné "
            "(femme, homme ou autre). Les visites au genre non renseigné sont comptées à part.",
            value=Gender.FEMALE,
            part="women",
            known="gender_known",
        ),
        demo_shares=[
            (Gender.UNKNOWN, 0.04),
            (Gender.FEMALE, 0.54 * 0.96),
            (Gender.OTHER, 0.01 * 0.96),
        ],
        demo_rest=Gender.MALE,
    ),
    Question(
        field="age_band",
        choices=AgeBand,
        verbose_name="âge",
        label="Âge",
        column="age",
        example="26 à 49 ans",
        caption="Tranches d'âge",
        sheet="Tranches d'âge",
        indicator="Tranches d'âge",
        definition="Répartition des visites par tranche d'âge déclarée, non renseigné compris.",
        section=PROFILE,
        aliases={
            AgeBand.UNDER_26: ["moins de 26", "-26", "< 26", "<26", "16-25", "18-25"],
            AgeBand.FROM_26_TO_49: ["26-49", "26 a 49", "26 - 49"],
            AgeBand.FROM_50_TO_64: ["50-64", "50 a 64", "50 - 64"],
            AgeBand.FROM_65: ["65+", "65 et plus", "plus de 65 ans", "65 ans ou plus"],
        },
        demo_shares=[
            (AgeBand.UNKNOWN, 0.05),
            (AgeBand.UNDER_26, 0.21),
            (AgeBand.FROM_26_TO_49, 0.41),
            (AgeBand.FROM_50_TO_64, 0.22),
            (AgeBand.FROM_65, 0.11),
        ],
    ),
    Question(
        field="lives_in_area",
        choices=YesNoUnknown,
        verbose_name="habite le quartier",
        label="Habite le quartier",
        column="quartier",
        column_hint="habite le quartier",
        example="Oui",
        caption="Habitants du quartier",
        sheet="Habitants du quartier",
        indicator="Habite le quartier",
        definition="Répartition des visites selon que la personne habite ou non le quartier, "
        "non renseigné compris.",
        section=PROFILE,
        share=Share(
            key="area_share",
            label="Part d'habitants du quartier",
            definition="Visites de personnes habitant le quartier divisées par les visites où "
            "la question a reçu une réponse (oui ou non). Les réponses non renseignées sont "
            "comptées à part.",
            value=YesNoUnknown.YES,
            part="in_area",
            known="area_known",
        ),
        demo_shares=[(YesNoUnknown.UNKNOWN, 0.03), (YesNoUnknown.YES, 0.70 * 0.97)],
        demo_rest=YesNoUnknown.NO,
    ),
    Question(
        field="situation",
        choices=Situation,
        verbose_name="situation",
        label="Situation",
        column="situation",
        example="Demandeur d'emploi",
        caption="Situation des personnes accueillies",
        sheet="Situations",
        indicator="Situations",
        definition="Répartition des visites selon la situation de la personne, non renseigné "
        "compris.",
        demo_shares=[
            (Situation.UNKNOWN, 0.06),
            (Situation.JOB_SEEKER, 0.35),
            (Situation.RSA, 0.19),
            (Situation.EMPLOYED, 0.10),
            (Situation.RETIRED, 0.09),
            (Situation.STUDENT, 0.06),
            (Situation.INACTIVE, 0.11),
        ],
        demo_rest=Situation.OTHER,
    ),
    Question(
        field="mode",
        choices=VisitMode,
        verbose_name="venue",
        label="Venue",
        column="venue",
        example="Sans rendez-vous",
        caption="Venues avec ou sans rendez-vous",
        sheet="Rendez-vous",
        indicator="Avec ou sans rendez-vous",
        definition="Répartition des visites entre venues sans rendez-vous et sur rendez-vous, "
        "non renseigné compris.",
        initial=VisitMode.WALK_IN,
        aliases={
            VisitMode.WALK_IN: ["spontanee", "sans rdv", "non"],
            VisitMode.APPOINTMENT: ["rdv", "rendez-vous", "oui"],
        },
        share=Share(
            key="walk_in_share",
            label="Part des visites sans rendez-vous",
            definition="Visites venues sans rendez-vous divisées par les visites dont le mode "
            "de venue est renseigné.",
            value=VisitMode.WALK_IN,
            part="walk_in",
            known="mode_known",
        ),
        demo_shares=[(VisitMode.UNKNOWN, 0.02), (VisitMode.APPOINTMENT, 0.13)],
        demo_rest=VisitMode.WALK_IN,
    ),
    Question(
        field="is_first_visit",
        # The report's name predates the field's; closed years store their figures under it.
        key="first_visit",
        choices=YesNoUnknown,
        verbose_name="première visite",
        label="Première visite au bus",
        column="premiere_visite",
        example="Oui",
        caption="Premières visites et retours",
        sheet="Premières visites",
        indicator="Première visite ou retour",
        definition="Répartition des visites entre premières visites et personnes déjà venues, "
        "non renseigné compris.",
        share=Share(
            key="first_visit_share",
            label="Part des premières visites",
            definition="Visites de personnes venues pour la première fois divisées par les "
            "visites où la question a reçu une réponse (oui ou non).",
            value=YesNoUnknown.YES,
            part="first",
            known="first_known",
        ),
        # The named people's visits are then set: yes for their first one, no for the others.
        demo_shares=[(YesNoUnknown.YES, 0.7), (YesNoUnknown.NO, 0.2)],
    ),
    Question(
        field="heard_from",
        choices=HeardFrom,
        verbose_name="a connu le bus par",
        label="A connu le bus par",
        column="connu_par",
        example="Bouche-à-oreille",
        caption="Comment les personnes ont connu le bus",
        sheet="Connaissance du bus",
        indicator="A connu le bus par",
        definition="Répartition des visites selon la façon dont la personne a connu le bus, "
        "non renseigné compris.",
        demo_shares=[
            (HeardFrom.UNKNOWN, 0.03),
            (HeardFrom.WORD_OF_MOUTH, 0.38),
            (HeardFrom.FLYER, 0.18),
            (HeardFrom.PASSING_BY, 0.12),
            (HeardFrom.PARTNER, 0.10),
            (HeardFrom.SOCIAL_NETWORKS, 0.09),
            (HeardFrom.CITY_WEBSITE, 0.08),
        ],
        demo_rest=HeardFrom.OTHER,
    ),
    Question(
        field="outcome",
        choices=Outcome,
        verbose_name="suite donnée",
        label="Suite donnée",
        column="suite",
        example="Démarche réalisée sur place",
        caption="Suite donnée aux visites",
        sheet="Suite donnée",
        indicator="Suite donnée",
        definition="Répartition des visites selon la suite donnée (information, démarche faite "
        "sur place, orientation, rendez-vous, suivi), non renseigné compris.",
        section=OUTCOME,
        demo_shares=[
            (Outcome.UNKNOWN, 0.02),
            (Outcome.INFORMATION, 0.30),
            (Outcome.REFERRAL, 0.18),
            (Outcome.APPOINTMENT, 0.10),
            (Outcome.FOLLOW_UP, 0.08),
        ],
        demo_rest=Outcome.DONE_ON_SITE,
    ),
)

QUESTION_FIELDS: tuple[str, ...] = tuple(question.field for question in QUESTIONS)
SHARES: tuple[Share, ...] = tuple(q.share for q in QUESTIONS if q.share is not None)


def in_section(section: str) -> tuple[Question, ...]:
    return tuple(question for question in QUESTIONS if question.section == section)


def by_report_key(key: str) -> Question:
    return next(question for question in QUESTIONS if question.report_key == key)


def answers_by_section(visit) -> dict[str, list[tuple[str, str]]]:
    """A visit's answers in words, by section: what the visit's page shows."""
    shown: dict[str, list[tuple[str, str]]] = {section: [] for section in SECTIONS}
    for question in QUESTIONS:
        shown[question.section].append(
            (question.label, getattr(visit, f"get_{question.field}_display")())
        )
    return shown
