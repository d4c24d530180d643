"""Every figure's one definition. The interface, the PDF, the spreadsheet and docs/indicators.md
all show these same words (a test checks that the doc contains each of them).

The definitions are French because the interface shows them to French users as they are.
"""

from dataclasses import dataclass

from allervers.reception.questions import QUESTIONS, SHARES


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    definition: str


_INDICATORS = [
    Indicator(
        "stops_held",
        "Permanences tenues",
        "Passages du bus de la période dont la date est passée (aujourd'hui compris) et qui "
        "n'ont pas été annulés.",
    ),
    Indicator(
        "stops_cancelled",
        "Permanences annulées",
        "Passages du bus de la période qui ont été annulés, quel qu'en soit le motif.",
    ),
    Indicator(
        "sites_used",
        "Lieux de stationnement",
        "Nombre de lieux différents où s'est tenue au moins une permanence de la période.",
    ),
    Indicator(
        "visits",
        "Visites",
        "Nombre de visites enregistrées sur les permanences de la période. Une personne venue "
        "deux fois compte deux fois. Une visite appartient au jour de sa permanence, en heure de "
        "Paris.",
    ),
    Indicator(
        "people",
        "Personnes différentes",
        "Personnes suivies (nommées avec leur accord) comptées une seule fois, plus les visites "
        "anonymes dont la personne venait pour la première fois. Les visites anonymes de "
        "personnes déjà venues ou dont on ne sait pas si c'était leur première visite ne sont "
        "pas comptées : c'est un minimum. Une personne suivie dont la fiche a été effacée depuis "
        "(à sa demande ou à la fin de la durée de conservation) compte toujours une seule fois. "
        "Le bilan dit toujours « visites » pour les visites et « personnes différentes » pour ce "
        "nombre.",
    ),
    Indicator(
        "visits_per_stop",
        "Visites par permanence",
        "Nombre de visites divisé par le nombre de permanences tenues. Non montré pour les "
        "chiffres d'un partenaire, qui ont leur propre mesure (visites où le partenaire a été "
        "rencontré, par permanence où il était présent).",
    ),
    Indicator(
        "visits_per_presence",
        "Visites où le partenaire a été rencontré, par permanence où il était présent",
        "Pour les chiffres d'un partenaire (le sien pour un partenaire, ou le filtre partenaire) : "
        "visites où le partenaire a été rencontré lors des permanences tenues où il était "
        "présent, divisées par le nombre de ces permanences. Les visites où il a été rencontré "
        "sans être inscrit présent ne comptent pas dans cette mesure. Elle dit combien de "
        "personnes le partenaire rencontre quand il vient dans le bus ; elle ne se compare pas "
        "au nombre de visites par permanence de l'ensemble du bus, qui compte toutes les visites.",
    ),
    Indicator(
        "duration_mean",
        "Durée moyenne d'une visite",
        "Moyenne, en minutes, du temps entre l'arrivée et le départ, sur les visites dont le "
        "départ est enregistré.",
    ),
    Indicator(
        "duration_median",
        "Durée médiane d'une visite",
        "Durée, en minutes, qui partage en deux moitiés les visites dont le départ est "
        "enregistré (moyenne des deux durées du milieu quand leur nombre est pair).",
    ),
    Indicator(
        "durations",
        "Durée des visites",
        "Nombre de visites dont le départ est enregistré, leur durée moyenne et leur durée "
        "médiane, en minutes, comme pour la durée moyenne et la durée médiane d'une visite.",
    ),
    # The visit's questions (reception/questions.py): their shares, then their breakdowns.
    *(Indicator(share.key, share.label, share.definition) for share in SHARES),
    *(Indicator(q.report_key, q.indicator, q.definition) for q in QUESTIONS),
    Indicator(
        "topics",
        "Thématiques des demandes",
        "Pour chaque thématique, nombre de visites qui la mentionnent et part de ces visites "
        "dans l'ensemble des visites. Une visite peut mentionner plusieurs thématiques : les "
        "parts ne s'additionnent pas. Les visites sans thématique sont comptées à part.",
    ),
    Indicator(
        "partners",
        "Partenaires",
        "Pour chaque partenaire : ses permanences dans le bus (présences sur des permanences "
        "tenues), les visites où il a été rencontré, les orientations qu'il a reçues et celles "
        "qu'il a prises en charge.",
    ),
    Indicator(
        "referrals",
        "Orientations vers un partenaire",
        "Orientations proposées lors des visites de la période, selon leur statut actuel "
        "(proposée, transmise, prise en charge, abandonnée).",
    ),
    Indicator(
        "take_up_rate",
        "Taux de prise en charge",
        "Orientations prises en charge divisées par l'ensemble des orientations de la période, "
        "y compris celles encore en cours.",
    ),
    Indicator(
        "referrals_taken_up",
        "Orientations prises en charge",
        "Orientations de la période prises en charge par le partenaire, sur l'ensemble des "
        "orientations de la période, y compris celles encore en cours.",
    ),
    Indicator(
        "partners_present",
        "Partenaires présents",
        "Nombre de partenaires différents présents dans le bus lors d'au moins une permanence "
        "tenue de la période, et nombre total de leurs présences sur des permanences tenues.",
    ),
    Indicator(
        "referral_delay_median",
        "Délai médian de prise en charge",
        "Pour les orientations prises en charge, durée en jours entre la proposition et la prise "
        "en charge, celle qui partage ces orientations en deux moitiés.",
    ),
    Indicator(
        "cyber_seats",
        "Postes du cyber@atelier utilisés",
        "Somme, sur les permanences tenues de la période, des postes du cyber@atelier utilisés "
        "relevés par l'animateur. Le taux d'occupation les divise par les postes disponibles "
        "sur toutes les permanences tenues (les postes du cyber@atelier du véhicule, une fois "
        "par permanence tenue) : une permanence sans relevé compte comme des postes inoccupés. "
        "Le taux sur les seules permanences avec un relevé est donné à côté.",
    ),
    Indicator(
        "cyber_visits",
        "Visites avec usage du cyber@atelier",
        "Visites au cours desquelles la personne a utilisé le cyber@atelier.",
    ),
    Indicator(
        "evening",
        "Soirée ou journée",
        "Une permanence de soirée commence à 17 h ou plus tard ; les autres sont de journée. "
        "Les visites suivent leur permanence.",
    ),
    Indicator(
        "by_site",
        "Par lieu de stationnement",
        "Les mêmes chiffres, calculés pour chaque lieu de stationnement : les chiffres "
        "principaux dans un tableau, et chaque répartition (durées, thématiques, réponses, "
        "orientations, cyber@atelier, soirée ou journée, partenaires) dans le sien. Une visite "
        "ou une orientation compte pour le lieu de sa permanence. Les lieux sans permanence sur "
        "la période n'apparaissent pas.",
    ),
    Indicator(
        "by_month",
        "Par mois",
        "Les mêmes chiffres, calculés pour chaque mois de la période (selon la date de la "
        "permanence) : les chiffres principaux dans un tableau, et chaque répartition (durées, "
        "thématiques, réponses, orientations, cyber@atelier, soirée ou journée, partenaires) "
        "dans le sien. Tous les mois de la période apparaissent, même sans activité.",
    ),
    Indicator(
        "comparison",
        "Période précédente",
        "La période de même nature qui précède : l'année, le trimestre ou le mois précédent, ou, "
        "pour des dates choisies, le même nombre de jours juste avant.",
    ),
    # The screening of rights (non-recours, `allervers/screening`): whole structure only.
    Indicator(
        "screening",
        "Repérage des droits (non-recours)",
        "Droits que l'estimation faite pendant une visite (OpenFisca-France, avec l'accord de "
        "la personne) a repérés comme probablement non perçus, par type de droit, avec les "
        "orientations faites pour eux et leur issue. Un droit compte pour la période de son "
        "repérage, même si son orientation ou son issue vient plus tard. Ces chiffres portent "
        "sur toute la structure : ils ne sont pas calculés avec un filtre par lieu ou par "
        "partenaire, ni dans le bilan propre d'un partenaire. Les montants sont des "
        "estimations, pas des décisions.",
    ),
    Indicator(
        "screenings",
        "Repérages faits",
        "Repérages des droits faits pendant les visites de la période (avec l'accord de la "
        "personne), selon la date du repérage.",
    ),
    Indicator(
        "rights_found",
        "Droits repérés",
        "Droits estimés ouverts pour le foyer (montant estimé supérieur à zéro, ou éligibilité "
        "à la complémentaire santé solidaire) et que le foyer ne déclarait pas percevoir "
        "(« probablement non perçus »), par type de droit. Un droit déjà perçu n'est pas compté.",
    ),
    Indicator(
        "rights_found_amount",
        "Montant mensuel repéré",
        "Somme des montants mensuels estimés par OpenFisca-France pour ces droits, pour le mois "
        "du repérage. Les aides annuelles (chèque énergie, bourses de collège et de lycée) "
        "comptent pour un douzième de leur montant de l'année ; la prime de Noël, versée une "
        "fois en décembre, n'est estimée que pour un repérage de décembre et compte pour son "
        "montant entier. La complémentaire santé solidaire n'a pas de montant. Un droit dont les "
        "réponses ont été effacées ne garde que la tranche de son montant (docs/privacy.md) : il "
        "compte pour le milieu de sa tranche (50 € pour « moins de 100 € », 200 € pour « de 100 "
        "à 299 € », 450 € pour « de 300 à 599 € ») ou 600 € pour « 600 € ou plus », et pour le "
        "mois de son repérage (le premier jour du mois). C'est une estimation, pas une décision.",
    ),
    Indicator(
        "rights_referred",
        "Droits orientés",
        "Droits repérés pour lesquels une orientation a été faite vers le partenaire qui traite "
        "le droit.",
    ),
    Indicator(
        "rights_outcomes",
        "Droits ouverts, refusés, abandonnés",
        "Issue de ces orientations : quand l'orientation est prise en charge, le partenaire ou "
        "l'équipe indique si le droit a été ouvert ou refusé ; une orientation abandonnée "
        "compte le droit comme abandonné. Les droits dont l'orientation est encore en cours ne "
        "sont comptés dans aucune des trois.",
    ),
    Indicator(
        "rights_opened_amount",
        "Montant mensuel ouvert",
        "Somme des montants mensuels estimés des droits dont l'issue est « droit ouvert », "
        "comptés comme ci-dessus (le montant réellement versé n'est pas connu).",
    ),
    # « Prévenez-moi » (issue 28, `alerts.figures`).
    Indicator(
        "alert_subscribers",
        "Abonnés prévenus par lieu",
        "Pour chaque lieu, le plus grand nombre d'alertes « la veille » parties pour un même "
        "passage du bus à ce lieu pendant la période : les abonnés qu'une alerte atteignait au "
        "plus. Les abonnements terminés depuis restent comptés (les alertes parties sont "
        "gardées, sans numéro). Une alerte non partie (en pause, trop tard, en échec à l'envoi)"
        " n'est pas comptée.",
    ),
    Indicator(
        "alert_visits",
        "Visites à des passages avec alerte",
        "Visites de la période faites à un passage du bus pour lequel au moins une alerte « la "
        "veille » est partie, et leur part dans toutes les visites de la période (avec un "
        "filtre par lieu, celles de ce lieu). Le nombre ne dit pas que ces personnes sont "
        "venues grâce à l'alerte.",
    ),
    # Appointments and workshops (issue 13, `bookings.figures`).
    Indicator(
        "appointments",
        "Rendez-vous",
        "Rendez-vous pris avec un partenaire (ou avec l'équipe du bus) sur les permanences de la "
        "période, par partenaire, selon la date de la permanence. Les rendez-vous d'une "
        "permanence annulée ne sont pas comptés. Un rendez-vous honoré est aussi une visite « "
        "sur rendez-vous » : il compte une seule fois dans les visites. Avec un filtre par "
        "partenaire, seuls ses rendez-vous ; avec un filtre par lieu, ceux des permanences de ce "
        "lieu.",
    ),
    Indicator(
        "appointments_booked",
        "Rendez-vous pris",
        "Rendez-vous des permanences tenues de la période qui n'ont pas été annulés (par la "
        "personne ou par l'équipe) : honorés, excusés, absents sans prévenir, et ceux à venir ou "
        "dont la présence n'est pas encore renseignée.",
    ),
    Indicator(
        "appointments_honoured",
        "Rendez-vous honorés",
        "Rendez-vous où la personne est venue : le partenaire ou l'équipe l'a noté « honoré ».",
    ),
    Indicator(
        "appointments_excused",
        "Rendez-vous excusés",
        "Rendez-vous où la personne n'est pas venue mais avait prévenu.",
    ),
    Indicator(
        "appointments_no_show",
        "Absents sans prévenir",
        "Rendez-vous où la personne n'est pas venue sans avoir prévenu.",
    ),
    Indicator(
        "appointments_pending",
        "Rendez-vous à venir ou non renseignés",
        "Rendez-vous pris dont la présence n'est pas renseignée : à venir, ou passés sans que le "
        "partenaire ait noté si la personne est venue.",
    ),
    Indicator(
        "no_show_rate",
        "Taux d'absence sans prévenir",
        "Absents sans prévenir divisés par la somme des rendez-vous honorés et des absents sans "
        "prévenir (la base du taux, donnée à côté). Les rendez-vous excusés, à venir ou non "
        "renseignés n'entrent pas dans le calcul.",
    ),
    Indicator(
        "appointments_cancelled",
        "Rendez-vous annulés",
        "Rendez-vous annulés avant leur date, par la personne (avec son lien) ou par l'équipe ; "
        "ils ne sont pas comptés dans les rendez-vous pris.",
    ),
    Indicator(
        "workshops",
        "Ateliers collectifs",
        "Séances d'ateliers collectifs (atelier CV, creative lab...) tenues sur la période, par "
        "intitulé : non annulées, sur une permanence tenue dont la date est passée (aujourd'hui "
        "compris). Avec un filtre par lieu, celles des permanences de ce lieu ; les ateliers "
        "n'ont pas de partenaire : ils ne sont pas comptés avec un filtre par partenaire, ni "
        "dans le bilan propre d'un partenaire.",
    ),
    Indicator(
        "workshop_sessions",
        "Séances tenues",
        "Nombre de séances d'atelier tenues sur la période.",
    ),
    Indicator(
        "workshop_seats",
        "Places offertes",
        "Somme des places des séances tenues (la capacité de chaque séance). C'est une mesure de "
        "l'activité : elle est toujours affichée.",
    ),
    Indicator(
        "workshop_registrations",
        "Inscriptions (places prises)",
        "Inscriptions des séances tenues qui occupaient une place le jour de la séance, y "
        "compris celles de personnes passées de la liste d'attente. Les inscriptions annulées et "
        "les personnes restées sur la liste d'attente ne sont pas comptées.",
    ),
    Indicator(
        "workshop_fill_rate",
        "Taux de remplissage",
        "Inscriptions (places prises) divisées par les places offertes des séances tenues.",
    ),
    Indicator(
        "workshop_attendance",
        "Présents aux ateliers",
        "Inscrits notés présents à leur séance ; les absents et les présences non renseignées "
        "sont donnés à côté, et les trois font les inscriptions.",
    ),
    Indicator(
        "workshop_waiting",
        "Restés sur liste d'attente",
        "Personnes encore sur la liste d'attente d'une séance tenue : aucune place ne s'est "
        "libérée pour elles.",
    ),
    Indicator(
        "small_counts",
        "Petits effectifs",
        "Pour les lecteurs des chiffres (financeurs, élus, partenaires), tout nombre de "
        "personnes, de visites ou d'orientations inférieur à 5 est affiché « < 5 ». Quand il "
        "pourrait être retrouvé par différence avec les totaux affichés (un total moins les "
        "autres lignes), un autre nombre du même total est caché aussi, affiché « n.c. » (non "
        "communiqué). Une part, un taux, une moyenne, une médiane ou un montant dont un des "
        "nombres est caché est affiché « n.c. », et le texte des résultats ne le cite pas. Ces "
        "lecteurs lisent des années entières, sans filtre : deux périodes qui se recouvrent "
        "permettraient de retrouver un petit nombre par soustraction. Les nombres qui "
        "décrivent l'activité du bus (permanences, lieux, présences des partenaires, postes "
        "offerts) sont affichés tels quels : ils ne disent rien de personne.",
    ),
    Indicator(
        "closed_year",
        "Année close",
        "Quand la coordination clôt une année, ses chiffres sont enregistrés tels quels, pour "
        "l'ensemble et pour chaque lieu de stationnement et chaque partenaire pris séparément : "
        "le bilan de cette année les relit, et les corrections ou effacements ultérieurs ne les "
        "changent plus. Un bilan filtré à la fois par lieu et par partenaire, ou sur un lieu ou "
        "un partenaire créé après la clôture, est calculé sur les données actuelles, et le dit. "
        "Une réouverture est possible et reste tracée.",
    ),
]

INDICATORS: dict[str, Indicator] = {indicator.key: indicator for indicator in _INDICATORS}
# The screening's figures: not defined in a report that has no screening section (a partner's).
SCREENING_KEYS = frozenset(
    (
        "screening",
        "screenings",
        "rights_found",
        "rights_found_amount",
        "rights_referred",
        "rights_outcomes",
        "rights_opened_amount",
    )
)


def definition(key: str) -> str:
    return INDICATORS[key].definition
