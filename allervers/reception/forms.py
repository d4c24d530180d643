"""Forms of the reception log: they validate input and speak French; services do the writes."""

import datetime

from django import forms
from django.utils import timezone

from allervers.core import period_form
from allervers.core.person_names import PersonNameField
from allervers.core.versions import VersionedForm
from allervers.partners.models import Partner
from allervers.planning.models import Stop
from allervers.screening.closing import FIELD as OUTCOME_FIELD
from allervers.screening.closing import OUTCOMES_OF_STATUS
from allervers.screening.enums import RightOutcome

from .enums import ConsentPurpose, CyberPurpose, ReferralStatus
from .models import Topic, Visit
from .queries import recent_stops
from .questions import QUESTION_FIELDS, QUESTIONS, SECTIONS, Question

# More people than this at one stop's cyber-atelier is a typing error (and would not fit the
# column, a small integer).
MAX_CYBER_PEOPLE = 999
CONFIRM_OUTSIDE_HOURS = "Confirmer l'heure hors des horaires de la permanence"
NOTE_REMINDER = (
    "Pas d'information de santé, ni de détail sur la vie privée : "
    "notez seulement ce qui sert au suivi de la démarche."
)


def unknown_first(choices) -> list[tuple[str, str]]:
    """« Non renseigné » first: it is the default, and one arrow key reaches the first answer."""
    items = list(choices.choices)
    unknown = [item for item in items if item[0] == "unknown"]
    return unknown + [item for item in items if item[0] != "unknown"]


def question_field(question: Question) -> forms.ChoiceField:
    """The radio group of one of the visit's questions (`questions.QUESTIONS`)."""
    label = question.label
    return forms.ChoiceField(
        label=label,
        choices=unknown_first(question.choices),
        initial=question.initial,
        widget=forms.RadioSelect,
        error_messages={
            "required": f"Choisissez une réponse pour « {label} ».",
            "invalid_choice": f"Réponse inconnue pour « {label} » : %(value)s.",
        },
    )


def streets_help(operator) -> str:
    """The neighbourhood's streets, shown to the agent under « Habite le quartier »."""
    streets = [line.strip() for line in operator.neighbourhood_streets.splitlines() if line.strip()]
    return "Rues du quartier : " + ", ".join(streets) + "." if streets else ""


def stop_label(stop: Stop) -> str:
    label = f"{stop.date:%d/%m/%Y} {stop.start_time:%H:%M}–{stop.end_time:%H:%M} — {stop.site.name}"
    return f"{label} ({stop.title})" if stop.title else label


def _minute(moment: datetime.datetime) -> datetime.time:
    """A recorded moment as the form shows it (hours and minutes, local time)."""
    return timezone.localtime(moment).time().replace(second=0, microsecond=0)


def current_stop(stops: list[Stop], now: datetime.datetime) -> Stop | None:
    """Today's held stop that is running now, else the one nearest to now."""
    local = timezone.localtime(now)
    todays = [stop for stop in stops if stop.date == local.date()]
    if not todays:
        return None
    running = [s for s in todays if s.start_time <= local.time() <= s.end_time]
    if running:
        return running[0]
    return min(
        todays,
        key=lambda s: abs(
            datetime.datetime.combine(local.date(), s.start_time)
            - datetime.datetime.combine(local.date(), local.time())
        ),
    )


# The visit's questions, one radio group each (declared here so that they come first).
VisitQuestionsForm = type(
    "VisitQuestionsForm",
    (forms.Form,),
    {question.field: question_field(question) for question in QUESTIONS},
)


class VisitForm(VersionedForm, VisitQuestionsForm):
    """The tablet form: one screen, sensible defaults, « non renseigné » until answered. A
    correction carries the visit's version it shows: one made from a stale page is refused."""

    stop = forms.IntegerField(
        label="Permanence",
        widget=forms.Select,
        error_messages={"required": "Choisissez la permanence.", "invalid": "Permanence inconnue."},
    )
    arrival_time = forms.TimeField(
        label="Heure d'arrivée",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "Indiquez l'heure d'arrivée.",
            "invalid": "Heure d'arrivée invalide : écrivez-la sous la forme 14:30.",
        },
    )
    # A visit logged after the fact (the stop is over) gives its departure at once.
    departure_time = forms.TimeField(
        label="Heure de départ",
        required=False,
        help_text="Si la personne est déjà partie (visite saisie après coup).",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "Heure de départ invalide : écrivez-la sous la forme 15:15."},
    )
    # An arrival or departure outside the stop's hours is saved only once the agent confirms it.
    confirm_outside_hours = forms.BooleanField(label=CONFIRM_OUTSIDE_HOURS, required=False)
    topics = forms.ModelMultipleChoiceField(
        label="Thématiques de la demande",
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Thématique inconnue (%(value)s) : choisissez dans la liste.",
            "invalid_pk_value": "Thématique inconnue (%(pk)s) : choisissez dans la liste.",
        },
    )
    partners_seen = forms.ModelMultipleChoiceField(
        label="Partenaires rencontrés",
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Partenaire inconnu (%(value)s) : choisissez dans la liste.",
            "invalid_pk_value": "Partenaire inconnu (%(pk)s) : choisissez dans la liste.",
        },
    )
    cyber_used = forms.BooleanField(label="A utilisé le cyber@atelier", required=False)
    # A new visit sent by the tablet's script carries the identifier the script made for it
    # (`reception/sync.py`): if the answer is lost and the visit is queued then synchronised, it
    # is found by it and not created twice. Empty without JavaScript.
    client_id = forms.UUIDField(
        label="Identifiant de la visite",
        required=False,
        widget=forms.HiddenInput(attrs={"data-client-id": ""}),
        error_messages={
            "invalid": "Identifiant de visite illisible : rechargez la page, puis enregistrez."
        },
    )
    cyber_purpose = forms.ChoiceField(
        label="Pour quoi faire",
        choices=[("", "—"), *list(CyberPurpose.choices)],
        required=False,
        error_messages={"invalid_choice": "Usage du cyber@atelier inconnu : %(value)s."},
    )
    note = forms.CharField(
        label="Note courte",
        required=False,
        max_length=500,
        help_text=NOTE_REMINDER,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "La note est limitée à %(limit_value)d caractères."},
    )

    def __init__(self, *args, operator, now: datetime.datetime, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.operator = operator
        self.now = now
        today = timezone.localtime(now).date()
        stops = recent_stops(operator, today)
        if visit is not None and visit.stop not in stops:
            stops.insert(0, visit.stop)
        self.stops_by_id = {stop.pk: stop for stop in stops}
        self.fields["stop"].widget.choices = [("", "— Choisissez la permanence —")] + [
            (s.pk, stop_label(s)) for s in stops
        ]
        topics = Topic.objects.for_operator(operator).active()
        if visit is not None:  # a topic archived since keeps its place on the visits it had
            topics = topics | Topic.objects.for_operator(operator).filter(
                pk__in=[t.pk for t in visit.topics.all()]
            )
        self.fields["topics"].queryset = topics.distinct()
        partners = Partner.objects.for_operator(operator).active()
        if visit is not None:
            partners = (
                Partner.objects.for_operator(operator).filter(
                    pk__in=[p.pk for p in visit.partners_seen.all()]
                )
                | partners
            )
        self.fields["partners_seen"].queryset = partners.order_by("name").distinct()
        area = self.fields["lives_in_area"]
        if operator.neighbourhood_name:
            area.label = f"{area.label} ({operator.neighbourhood_name})"
        area.help_text = streets_help(operator)
        self.visit = visit
        if visit is None:
            del self.fields["version"]
        else:
            del self.fields["client_id"]
            self.show_version(visit.version)

    @property
    def questions(self) -> dict[str, list]:
        """The questions' bound fields by section (`questions.SECTIONS`), for the template."""
        sections: dict[str, list] = {section: [] for section in SECTIONS}
        for question in QUESTIONS:
            sections[question.section].append(self[question.field])
        return sections

    def clean_stop(self) -> Stop:
        stop_id = self.cleaned_data["stop"]
        stop = self.stops_by_id.get(stop_id)
        if stop is None:
            stop = (
                Stop.objects.for_operator(self.operator)
                .select_related("site")
                .filter(pk=stop_id)
                .first()
            )
        if stop is None:
            raise forms.ValidationError("Permanence inconnue : choisissez dans la liste.")
        return stop

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("cyber_used") and cleaned.get("cyber_purpose"):
            cleaned["cyber_used"] = True
        outside = self.times_outside_hours(cleaned)
        if outside and not cleaned.get("confirm_outside_hours"):
            self.asks_hours_confirmation = True
            stop = cleaned["stop"]
            self.add_error(
                "confirm_outside_hours",
                forms.ValidationError(
                    f"{' et '.join(outside)} en dehors des horaires de la permanence "
                    f"({stop.start_time:%H:%M}–{stop.end_time:%H:%M}) : vérifiez, ou cochez "
                    f"« {CONFIRM_OUTSIDE_HOURS} ».",
                    code="outside_hours",
                ),
            )
        return cleaned

    asks_hours_confirmation = False

    def times_outside_hours(self, cleaned: dict) -> list[str]:
        """The times typed outside the stop's hours (« L'heure d'arrivée (22:42) »...); for a
        correction, only the times it changes."""
        stop = cleaned.get("stop")
        if (
            not isinstance(stop, Stop)
            or stop.is_cancelled
            or stop.date > timezone.localtime(self.now).date()
        ):
            return []  # refused anyway, for a weightier reason (`checks.check_stop_for_visit`)
        visit = self.visit
        times = {
            "L'heure d'arrivée": (
                cleaned.get("arrival_time"),
                visit and _minute(visit.arrived_at),
            ),
            "L'heure de départ": (
                cleaned.get("departure_time"),
                visit and visit.left_at and _minute(visit.left_at),
            ),
        }
        return [
            f"{label} ({time:%H:%M})"
            for label, (time, before) in times.items()
            if time is not None
            and not (visit is not None and stop.pk == visit.stop_id and time == before)
            and not stop.start_time <= time <= stop.end_time
        ]

    def _moment(self, stop: Stop, time: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(stop.date, time))

    def service_arguments(self) -> dict:
        """The cleaned answers as `visit_record` / `visit_correct` arguments."""
        data = self.cleaned_data
        stop = data["stop"]
        arguments = {
            "stop": stop,
            "arrived_at": self._moment(stop, data["arrival_time"]),
            "topics": list(data["topics"]),
            "partners_seen": list(data["partners_seen"]),
            "note": data["note"].strip(),
            "cyber_used": data["cyber_used"],
            "cyber_purpose": data["cyber_purpose"],
        }
        for name in QUESTION_FIELDS:
            arguments[name] = data[name]
        departure = data.get("departure_time")
        if departure or self.visit is not None:
            arguments["left_at"] = self._moment(stop, departure) if departure else None
        if "version" in self.fields:
            arguments["version"] = data["version"]
        return arguments

    @staticmethod
    def initial_for(visit: Visit) -> dict:
        """A recorded visit as the form's initial answers, for a correction."""
        initial = {
            name: getattr(visit, name)
            for name in (*QUESTION_FIELDS, "cyber_used", "cyber_purpose", "note")
        }
        return initial | {
            "stop": visit.stop_id,
            "arrival_time": timezone.localtime(visit.arrived_at).time(),
            "departure_time": timezone.localtime(visit.left_at).time() if visit.left_at else None,
            "topics": list(visit.topics.all()),
            "partners_seen": list(visit.partners_seen.all()),
        }


class PersonSearchForm(forms.Form):
    query = forms.CharField(
        label="Nom ou prénom",
        max_length=100,
        error_messages={"required": "Tapez un nom ou un prénom."},
    )

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        if len(query) < 2:
            raise forms.ValidationError("Tapez au moins deux lettres.")
        return query


class ConsentGiveForm(forms.Form):
    """The purposes a person agrees to, and the date: for a new record, or added to one."""

    consent_given_on = forms.DateField(
        label="Date du consentement",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Indiquez la date du consentement.",
            "invalid": "Date du consentement invalide.",
        },
    )
    consent_purposes = forms.MultipleChoiceField(
        label="Pour quoi elle a donné son accord",
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochez chaque usage qu'elle accepte : elle pourra retirer chacun à tout moment.",
        error_messages={
            "required": "Indiquez pour quoi la personne a donné son accord.",
            "invalid_choice": "Finalité inconnue ou déjà acceptée : %(value)s.",
        },
    )

    def __init__(self, *args, purposes: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if purposes is not None:  # only these may be chosen (those not in force yet)
            labels = dict(ConsentPurpose.choices)
            self.fields["consent_purposes"].choices = [(p, labels[p]) for p in purposes]

    def service_arguments(self) -> dict:
        """The valid form's values as `consent_give` takes them."""
        return {
            "purposes": self.cleaned_data["consent_purposes"],
            "given_on": self.cleaned_data["consent_given_on"],
        }


class PersonForm(ConsentGiveForm):
    field_order = ["first_name", "last_name", "phone", "email", "consent_given"]

    first_name = PersonNameField(label="Prénom", required=False)
    last_name = PersonNameField(label="Nom", required=False)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        error_messages={"invalid": "Adresse électronique invalide."},
    )
    consent_given = forms.BooleanField(
        label="La personne accepte que l'équipe garde son nom et ses coordonnées",
        error_messages={
            "required": "Sans le consentement de la personne, aucune fiche nominative : "
            "la visite reste anonyme."
        },
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("first_name", "").strip() or cleaned.get("last_name", "").strip()):
            raise forms.ValidationError("Indiquez au moins le prénom ou le nom de la personne.")
        return cleaned


class ConsentWithdrawForm(forms.Form):
    """Which of the person's consents in force to withdraw."""

    purpose = forms.ChoiceField(
        label="Accord à retirer",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez l'accord que la personne retire.",
            "invalid_choice": "La personne n'a pas donné cet accord, ou l'a déjà retiré : "
            "choisissez dans la liste.",
        },
    )

    def __init__(self, *args, purposes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ConsentPurpose.choices)
        self.fields["purpose"].choices = [(purpose, labels[purpose]) for purpose in purposes]


class PersonEraseForm(forms.Form):
    confirmed = forms.BooleanField(
        label="La personne a demandé l'effacement : j'efface sa fiche",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )


class ErasureRequestForm(forms.Form):
    confirmed = forms.BooleanField(
        label="La personne a demandé l'effacement : je transmets sa demande à la coordination",
        error_messages={"required": "Cochez la case pour transmettre la demande."},
    )
    reason = forms.CharField(
        label="Précisions pour la coordination (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sans détail sur la situation de la personne : il sera effacé avec sa fiche.",
        error_messages={"max_length": "1 000 caractères au plus."},
    )


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirmer"), ("refuse", "Refuser")],
        error_messages={
            "required": "Choisissez de confirmer ou de refuser l'effacement.",
            "invalid_choice": "Choisissez de confirmer ou de refuser l'effacement.",
        },
    )


class ErasureRefuseForm(forms.Form):
    refusal_reason = forms.CharField(
        label="Motif du refus",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Indiquez pourquoi l'effacement est refusé.",
            "max_length": "1 000 caractères au plus.",
        },
    )


class ReferralForm(forms.Form):
    partner = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Partner.objects.none(),
        empty_label="—",
        error_messages={
            "required": "Choisissez le partenaire.",
            "invalid_choice": "Partenaire inconnu : choisissez dans la liste.",
        },
    )
    reason = forms.CharField(
        label="Motif de l'orientation",
        max_length=300,
        help_text="Par exemple : inscription comme demandeur d'emploi. " + NOTE_REMINDER,
        error_messages={
            "required": "Indiquez le motif de l'orientation.",
            "max_length": "Le motif est limité à %(limit_value)d caractères.",
        },
    )

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        # Every partner of the operator, so that an archived one gets its own clear refusal.
        self.fields["partner"].queryset = Partner.objects.for_operator(operator)
        self.fields["partner"].label_from_instance = lambda p: (
            f"{p.name} (archivé)" if p.is_archived else p.name
        )


class ReferralStatusForm(VersionedForm):
    """The next status of a referral, with the referral's version it shows (a change made from
    a stale page is refused)."""

    status = forms.ChoiceField(
        label="Nouveau statut",
        choices=ReferralStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le nouveau statut.",
            "invalid_choice": "Statut inconnu : %(value)s.",
        },
    )
    note = forms.CharField(
        label="Précision (facultatif)",
        max_length=300,
        required=False,
        error_messages={"max_length": "La précision est limitée à %(limit_value)d caractères."},
    )

    def __init__(self, *args, allowed: tuple[str, ...], version: int, right=None, **kwargs):
        """`right`: the right found by a screening this referral was made for, while its
        outcome is not known; closing the referral records it (`screening.closing`), and taking
        it up asks whether the right was opened or refused."""
        super().__init__(*args, **kwargs)
        self.show_version(version)
        self.fields["status"].choices = [
            (value, label) for value, label in ReferralStatus.choices if value in allowed
        ]
        if right is not None and ReferralStatus.TAKEN_UP in allowed:
            choices = OUTCOMES_OF_STATUS[ReferralStatus.TAKEN_UP]
            self.fields[OUTCOME_FIELD] = forms.ChoiceField(
                label=f"Issue du droit « {right.get_kind_display()} »",
                choices=[(value, RightOutcome(value).label) for value in choices],
                widget=forms.RadioSelect,
                required=False,
                help_text=(
                    "À indiquer si l'orientation est prise en charge ; une orientation "
                    "abandonnée compte le droit comme abandonné."
                ),
                error_messages={"invalid_choice": "Issue du droit inconnue : %(value)s."},
            )

    @property
    def asks_right_outcome(self) -> bool:
        return OUTCOME_FIELD in self.fields


class CyberUsageForm(forms.Form):
    seats_used = forms.IntegerField(
        label="Postes utilisés",
        min_value=0,
        error_messages={
            "required": "Indiquez le nombre de postes utilisés.",
            "invalid": "Nombre de postes invalide.",
            "min_value": "Le nombre de postes ne peut pas être négatif.",
        },
    )
    people_count = forms.IntegerField(
        label="Personnes accueillies au cyber@atelier",
        min_value=0,
        max_value=MAX_CYBER_PEOPLE,
        error_messages={
            "required": "Indiquez le nombre de personnes.",
            "invalid": "Nombre de personnes invalide.",
            "min_value": "Le nombre de personnes ne peut pas être négatif.",
            "max_value": "Le nombre de personnes est limité à %(limit_value)d par permanence.",
        },
    )


class VisitImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier des visites (CSV ou XLSX)",
        error_messages={
            "required": "Choisissez un fichier.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce n'est pas un fichier.",
        },
    )


class PeriodForm(period_form.PeriodForm):
    """The period of the visit list and export (dates only: never a name in a URL)."""


class SettingsForm(forms.Form):
    neighbourhood_name = forms.CharField(label="Nom du quartier", max_length=200, required=False)
    neighbourhood_streets = forms.CharField(
        label="Rues du quartier",
        required=False,
        help_text="Une rue par ligne : l'agent les voit en saisissant une visite.",
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    referral_overdue_days = forms.IntegerField(
        label="Délai de prise en charge d'une orientation (jours)",
        min_value=1,
        max_value=365,
        error_messages={
            "required": "Indiquez le délai en jours.",
            "invalid": "Délai invalide : un nombre de jours.",
            "min_value": "Le délai est d'au moins 1 jour.",
            "max_value": "Le délai est d'au plus 365 jours.",
        },
    )


class TopicForm(forms.Form):
    name = forms.CharField(
        label="Nouvelle thématique",
        max_length=200,
        error_messages={"required": "Indiquez le nom de la thématique."},
    )


class TopicRenameForm(TopicForm):
    """The new name of one topic (the page shows which)."""

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.fields["name"].label = f"Nouveau nom de « {topic.name} »"
