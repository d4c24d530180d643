"""The demo year's visits, people and referrals, shaped as the Barlin field report describes.

The report gives, for one year: 370 people received, about 3 per session, 45 minutes each on
average, 54 % women, 70 % from the neighbourhood, mostly without appointment, and requests led by
employment paperwork, then rights, RSA, health, CAF, ID papers and tax. The shares below are
applied as quotas (then shuffled with the given random generator), so the generated year matches
the report closely and deterministically; the current year's past stops get the same rate.
"""

import datetime
import random
from collections.abc import Sequence

from django.utils import timezone

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import PartnerPresence, Stop
from allervers.reception.enums import (
    ConsentPurpose,
    CyberPurpose,
    Outcome,
    ReferralStatus,
    VisitChangeKind,
    YesNoUnknown,
)
from allervers.reception.models import (
    CyberUsage,
    Person,
    PersonConsent,
    Referral,
    ReferralEvent,
    Topic,
    Visit,
    VisitChange,
    VisitPartner,
    VisitTopic,
)
from allervers.reception.questions import QUESTIONS

VISITS_IN_DEMO_YEAR = 370
AVERAGE_MINUTES = 45
CYBER_SEATS = 8

# The shares of the visit's answers are the registry's (`reception.questions`, `demo_shares`).
# Main theme of each visit, in the order of the report; a second theme for some visits.
MAIN_TOPIC = [
    ("emploi", 0.33),
    ("ouverture-droits", 0.16),
    ("rsa", 0.13),
    ("sante", 0.10),
    ("caf", 0.09),
    ("papiers-identite", 0.07),
    ("impots", 0.05),
    ("numerique", 0.03),
    ("logement", 0.02),
    ("mobilite", 0.01),
]
SECOND_TOPIC_SHARE = 0.35
CYBER_SHARE = 0.40
CYBER_PURPOSES = [
    CyberPurpose.ONLINE_PROCEDURE,
    CyberPurpose.ONLINE_PROCEDURE,
    CyberPurpose.JOB_SEARCH,
    CyberPurpose.JOB_SEARCH,
    CyberPurpose.PRINT_SCAN,
    CyberPurpose.EMAIL,
    CyberPurpose.LEARNING,
]
# Which partner a referral goes to, by main theme.
REFERRAL_PARTNER = {
    "emploi": ["france-travail", "mission-locale", "plie", "proch-emploi", "inter-insert"],
    "ouverture-droits": ["ccas", "departement"],
    "rsa": ["departement", "france-travail"],
    "sante": ["ccas", "departement"],
    "caf": ["ccas"],
    "papiers-identite": ["ccas"],
    "impots": ["ccas"],
    "numerique": ["agglomeration"],
    "logement": ["ccas"],
    "mobilite": ["plie", "agglomeration"],
}
NOTES = [
    "Actualisation mensuelle faite ensemble.",
    "Revient la semaine prochaine avec les justificatifs.",
    "CV mis à jour et imprimé.",
    "Aide à la création de l'espace personnel en ligne.",
    "Prise de rendez-vous en ligne faite sur place.",
    "",
]
FIRST_NAMES = [
    "Amina", "Bernard", "Chantal", "David", "Élodie", "Farid", "Ginette", "Hugo", "Inès",
    "Jacques", "Karima", "Léa", "Mohamed", "Nathalie", "Olivier", "Patricia", "Rachid",
    "Sandrine", "Thierry", "Valérie", "Yasmine", "Zoé", "Dylan", "Monique", "Kevin", "Sabrina",
    "Jean-Marc", "Laetitia",
]  # fmt: skip
LAST_NAMES = [
    "Lemaire", "Dubois", "Caron", "Lefebvre", "Delattre", "Bensaïd", "Vasseur", "Leroy",
    "Haddad", "Wattel", "Dupuis", "Cuvelier", "Boulanger", "Delcroix", "Mahieu", "Pruvost",
]  # fmt: skip
RETURNING_PEOPLE = 28
# How well a slot draws, beside chance: (site slug, weekday) → weight of its stops. The school's
# car park on Wednesday afternoon, when there is no school and families are elsewhere, draws
# fewer people: « Où et quand stationner » has a slot to question (the total stays 370).
SLOT_DRAW = {("ecole-jules-ferry", 2): 0.4}


def remove_reception(operator: Operator) -> None:
    """Delete the operator's reception log, children first (visits PROTECT their stops)."""
    for model in (
        ReferralEvent,
        Referral,
        VisitChange,
        VisitTopic,
        VisitPartner,
        CyberUsage,
        Visit,
        Person,
    ):
        model.objects.filter(operator=operator).delete()


def quota(count: int, shares: Sequence[tuple[str, float]], rest, rng: random.Random) -> list:
    """`count` values in the given shares (largest remainders), the rest `rest`, shuffled."""
    exact = [share * count for _, share in shares]
    numbers = [int(value) for value in exact]
    order = sorted(range(len(shares)), key=lambda i: exact[i] - numbers[i], reverse=True)
    missing = round(sum(exact)) - sum(numbers)
    for index in order[:missing]:
        numbers[index] += 1
    values = [value for (value, _), n in zip(shares, numbers, strict=True) for _ in range(n)]
    values += [rest] * (count - len(values))
    rng.shuffle(values)
    return values


def _allocate(stops: list[Stop], total: int, rng: random.Random) -> list[int]:
    """How many visits each stop gets: `total` in all, more at events, some variation."""
    weights = []
    for stop in stops:
        weight = 2.5 if stop.title and not stop.is_evening else 1.0
        weight *= SLOT_DRAW.get((stop.site.slug, stop.date.weekday()), 1.0)
        weights.append(weight * rng.uniform(0.5, 1.5))
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(value) for value in exact]
    order = sorted(range(len(stops)), key=lambda i: exact[i] - counts[i], reverse=True)
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _durations(count: int, rng: random.Random) -> list[int]:
    """Minutes spent, between 10 and 120, averaging exactly 45."""
    minutes = [max(10, min(120, round(rng.gauss(AVERAGE_MINUTES, 17)))) for _ in range(count)]
    gap = AVERAGE_MINUTES * count - sum(minutes)
    step = 1 if gap > 0 else -1
    index = 0
    while gap and count:
        value = minutes[index % count] + step
        if 10 <= value <= 120:
            minutes[index % count] = value
            gap -= step
        index += 1
    return minutes


def _plan_visits(
    *,
    operator: Operator,
    stops: list[Stop],
    total: int,
    topics: dict[str, Topic],
    presences: dict[int, list[Partner]],
    user,
    rng: random.Random,
) -> tuple[list[Visit], list[list[Topic]], list[list[Partner]], list[str]]:
    counts = _allocate(stops, total, rng)
    slots = [stop for stop, n in zip(stops, counts, strict=True) for _ in range(n)]
    n = len(slots)
    # Each question shuffles its answers with a generator of its own (one draw from `rng` in
    # all), so that adding a question to the registry leaves every other demo figure as it was.
    answers_seed = rng.random()
    answers = {
        question.field: quota(
            n,
            question.demo_shares,
            question.demo_rest,
            random.Random(f"{answers_seed}:{question.field}"),
        )
        if question.demo_shares
        else [question.initial] * n
        for question in QUESTIONS
    }
    main_topics = quota(n, MAIN_TOPIC, "autre", rng)
    cyber = quota(n, [(True, CYBER_SHARE)], False, rng)
    durations = _durations(n, rng)
    visits, visit_topics, visit_partners = [], [], []
    for i, stop in enumerate(slots):
        start = datetime.datetime.combine(stop.date, stop.start_time)
        end = datetime.datetime.combine(stop.date, stop.end_time)
        latest = max(0, int((end - start).total_seconds() // 60) - 20)
        arrival = start + datetime.timedelta(minutes=rng.randrange(0, latest + 1, 5))
        arrived_at = timezone.make_aware(arrival)
        chosen = [topics[main_topics[i]]]
        if rng.random() < SECOND_TOPIC_SHARE:
            others = [slug for slug, _ in MAIN_TOPIC if slug != main_topics[i]]
            weights = [share for slug, share in MAIN_TOPIC if slug != main_topics[i]]
            chosen.append(topics[rng.choices(others, weights=weights)[0]])
        present = presences.get(stop.pk, [])
        seen = [rng.choice(present)] if present and rng.random() < 0.3 else []
        visits.append(
            Visit(
                operator=operator,
                stop=stop,
                arrived_at=arrived_at,
                left_at=arrived_at + datetime.timedelta(minutes=durations[i]),
                **{field: values[i] for field, values in answers.items()},
                cyber_used=cyber[i],
                cyber_purpose=rng.choice(CYBER_PURPOSES) if cyber[i] else "",
                note=rng.choice(NOTES) if rng.random() < 0.25 else "",
                created_by=user,
            )
        )
        visit_topics.append(chosen)
        visit_partners.append(seen)
    return visits, visit_topics, visit_partners, main_topics


# What stays the same from one visit of a person to the next.
PERSON_PROFILE = ("gender", "age_band", "lives_in_area", "situation")


def _returning_groups(visits: list[Visit], rng: random.Random) -> list[list[Visit]]:
    """Groups of 2 or 3 visits with the same profile, one group per returning person.

    Chosen among visits that already share a profile, so that linking them to one person
    changes no answer: the demo's shares stay those of the quotas.
    """
    by_profile: dict[tuple, list[Visit]] = {}
    for visit in rng.sample(visits, len(visits)):
        by_profile.setdefault(tuple(getattr(visit, n) for n in PERSON_PROFILE), []).append(visit)
    groups = []
    for _ in range(RETURNING_PEOPLE):
        wanted = rng.choice([2, 3, 3])
        eligible = sorted(
            (profile for profile, free in by_profile.items() if len(free) >= wanted),
            key=str,
        )
        if not eligible:
            break
        free = by_profile[rng.choice(eligible)]
        groups.append(sorted((free.pop() for _ in range(wanted)), key=lambda v: v.arrived_at))
    return groups


def _people(operator: Operator, visits: list[Visit], user, rng: random.Random) -> list[Person]:
    """Some returning people, named with their consent; their visits are linked to them."""
    groups = _returning_groups(visits, rng)
    names = [(first, rng.choice(LAST_NAMES)) for first in rng.sample(FIRST_NAMES, len(groups))]
    created = []
    for (first, last), own in zip(names, groups, strict=True):
        person = Person.objects.create(
            operator=operator,
            first_name=first,
            last_name=last,
            phone=f"06 {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
            f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}",
        )
        PersonConsent.objects.create(
            operator=operator,
            person=person,
            purpose=rng.choice(list(ConsentPurpose)),
            given_on=timezone.localtime(own[0].arrived_at).date(),
            recorded_by=user,
            recorded_at=own[0].arrived_at,
        )
        created.append(person)
        for position, visit in enumerate(own):
            visit.person = person
            visit.is_first_visit = YesNoUnknown.YES if position == 0 else YesNoUnknown.NO
    return created


def _referrals(
    *,
    operator: Operator,
    visits: list[Visit],
    main_topics: list[str],
    partners: dict[str, Partner],
    users: dict,
    now: datetime.datetime,
    rng: random.Random,
) -> None:
    agent = users["agent.accueil"]
    partner_user = users["partenaire.francetravail"]
    referrals, events = [], []
    for visit, main in zip(visits, main_topics, strict=True):
        if visit.outcome != Outcome.REFERRAL:
            continue
        partner = partners[rng.choice(REFERRAL_PARTNER.get(main, ["ccas"]))]
        proposed = visit.arrived_at + datetime.timedelta(minutes=20)
        steps = [(ReferralStatus.PROPOSED, proposed, agent)]
        fate = rng.random()
        sent = proposed + datetime.timedelta(days=rng.randint(1, 3))
        if fate < 0.88 and sent < now:
            steps.append((ReferralStatus.SENT, sent, agent))
            taker = partner_user if partner.slug == "france-travail" else agent
            if fate < 0.66:
                taken = sent + datetime.timedelta(days=rng.randint(3, 25))
                if taken < now:
                    steps.append((ReferralStatus.TAKEN_UP, taken, taker))
            elif fate < 0.80:
                dropped = sent + datetime.timedelta(days=rng.randint(30, 50))
                if dropped < now:
                    steps.append((ReferralStatus.DROPPED, dropped, agent))
        status, changed_at, changed_by = steps[-1]
        dates = {step: moment for step, moment, _ in steps}
        referral = Referral(
            operator=operator,
            visit=visit,
            partner=partner,
            reason=f"{visit.demo_topics[0].name} : orientation vers {partner.name}",
            status=status,
            proposed_at=proposed,
            sent_at=dates.get(ReferralStatus.SENT),
            taken_up_at=dates.get(ReferralStatus.TAKEN_UP),
            dropped_at=dates.get(ReferralStatus.DROPPED),
            status_changed_at=changed_at,
            status_changed_by=changed_by,
            created_by=agent,
        )
        referrals.append(referral)
        events.append(steps)
    Referral.objects.bulk_create(referrals)
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            operator=operator, referral=referral, status=status, changed_at=at, changed_by=by
        )
        for referral, steps in zip(referrals, events, strict=True)
        for status, at, by in steps
    )


def build_reception(*, operator: Operator, users: dict, rng: random.Random) -> None:
    """Visits at the demo year's held stops and at this year's past ones, at the same rate."""
    now = timezone.now()
    today = timezone.localdate()
    demo_year = today.year - 1
    agent = users["agent.accueil"]
    held = list(
        Stop.objects.for_operator(operator)
        .held()
        .filter(date__gte=datetime.date(demo_year, 1, 1), date__lt=today)
        .select_related("site")
        .order_by("date", "start_time")
    )
    demo_stops = [stop for stop in held if stop.date.year == demo_year]
    this_year = [stop for stop in held if stop.date.year == today.year]
    if not demo_stops:
        return
    rate = VISITS_IN_DEMO_YEAR / len(demo_stops)
    topics = {topic.slug: topic for topic in Topic.objects.for_operator(operator)}
    partners = {partner.slug: partner for partner in Partner.objects.for_operator(operator)}
    presences: dict[int, list[Partner]] = {}
    for presence in (
        PartnerPresence.objects.for_operator(operator)
        .filter(stop__in=held)
        .select_related("partner")
        .order_by("stop_id", "partner__name")
    ):
        presences.setdefault(presence.stop_id, []).append(presence.partner)

    visits, visit_topics, visit_partners, main_topics = [], [], [], []
    for stops, total in (
        (demo_stops, VISITS_IN_DEMO_YEAR),
        (this_year, round(rate * len(this_year))),
    ):
        if not stops or not total:
            continue
        planned = _plan_visits(
            operator=operator,
            stops=stops,
            total=total,
            topics=topics,
            presences=presences,
            user=agent,
            rng=rng,
        )
        visits += planned[0]
        visit_topics += planned[1]
        visit_partners += planned[2]
        main_topics += planned[3]

    _people(operator, visits, agent, rng)
    Visit.objects.bulk_create(visits)
    VisitTopic.objects.bulk_create(
        VisitTopic(operator=operator, visit=visit, topic=topic)
        for visit, chosen in zip(visits, visit_topics, strict=True)
        for topic in chosen
    )
    VisitPartner.objects.bulk_create(
        VisitPartner(operator=operator, visit=visit, partner=partner)
        for visit, seen in zip(visits, visit_partners, strict=True)
        for partner in seen
    )
    VisitChange.objects.bulk_create(
        VisitChange(
            operator=operator,
            visit=visit,
            kind=VisitChangeKind.CREATED,
            changed_at=visit.arrived_at,
            changed_by=agent,
        )
        for visit in visits
    )
    for visit, chosen in zip(visits, visit_topics, strict=True):
        visit.demo_topics = chosen
    _referrals(
        operator=operator,
        visits=visits,
        main_topics=main_topics,
        partners=partners,
        users=users,
        now=now,
        rng=rng,
    )
    _cyber_usages(operator, held, visits, users["agent.cyber"], rng)


def _cyber_usages(operator, stops, visits, user, rng: random.Random) -> None:
    people: dict[int, int] = {}
    for visit in visits:
        if visit.cyber_used:
            people[visit.stop_id] = people.get(visit.stop_id, 0) + 1
    usages = []
    for stop in stops:
        count = people.get(stop.pk, 0)
        seats = min(CYBER_SEATS, count - (1 if count > 2 and rng.random() < 0.3 else 0))
        usages.append(
            CyberUsage(
                operator=operator,
                stop=stop,
                seats_used=seats,
                people_count=count,
                recorded_by=user,
            )
        )
    CyberUsage.objects.bulk_create(usages)
