"""What the agent reads about each right: a one-line explanation and who usually handles it.

The partner a referral goes to is the coordinator's choice (`ScreeningSetup`); `handled_by` is
only the reminder shown beside the settings and the estimate."""

from dataclasses import dataclass

from .enums import RightKind


@dataclass(frozen=True)
class RightInfo:
    explanation: str
    handled_by: str


# The papers to bring, in plain words (the page « Vos droits estimés »): every request asks for
# them; a right adds its own (`PAPERS`).
COMMON_PAPERS = (
    "Une pièce d'identité ou un titre de séjour.",
    "Un relevé d'identité bancaire (RIB).",
)
INCOME_PAPERS = "Vos ressources des 3 derniers mois (salaires, allocations, pensions)."
PAPERS: dict[str, tuple[str, ...]] = {
    RightKind.RSA: (INCOME_PAPERS,),
    RightKind.PPA: (INCOME_PAPERS,),
    RightKind.HOUSING: ("Votre bail et une quittance de loyer.", INCOME_PAPERS),
    RightKind.AF: ("Le livret de famille ou les actes de naissance des enfants.",),
    RightKind.CF: ("Le livret de famille ou les actes de naissance des enfants.", INCOME_PAPERS),
    RightKind.ASF: (
        "Les actes de naissance des enfants.",
        "Un jugement ou une preuve de l'absence de pension, si vous en avez.",
    ),
    RightKind.CSS: (
        "Votre carte Vitale ou votre attestation de droits.",
        "Vos ressources des 12 derniers mois.",
    ),
    RightKind.AAH: ("Un certificat médical récent (formulaire de la MDPH).",),
    RightKind.ASPA: (
        "Vos ressources des 3 derniers mois (pensions, retraites).",
        "Votre dernier avis d'imposition.",
    ),
    RightKind.ASI: ("Votre notification de pension d'invalidité.", INCOME_PAPERS),
    RightKind.ENERGY: (
        "Votre avis d'imposition (la déclaration de revenus doit être faite chaque année).",
    ),
    RightKind.COLLEGE_GRANT: (
        "Votre avis d'impôt sur le revenu (celui de l'année d'avant).",
        "Le numéro de l'élève ou le certificat de scolarité de l'enfant.",
    ),
    RightKind.LYCEE_GRANT: (
        "Votre avis d'impôt sur le revenu (celui de l'année d'avant).",
        "Le numéro de l'élève ou le certificat de scolarité de l'enfant.",
    ),
    RightKind.CHRISTMAS_BONUS: (
        "Rien de plus : la prime est versée sans demande avec le RSA de novembre ou décembre.",
    ),
}


RIGHTS: dict[str, RightInfo] = {
    RightKind.RSA: RightInfo(
        "Revenu minimum pour les personnes sans ressources ou à très faibles ressources.",
        "CAF ou MSA, avec le Département",
    ),
    RightKind.PPA: RightInfo(
        "Complément de revenu pour les personnes qui travaillent avec un salaire modeste.",
        "CAF ou MSA",
    ),
    RightKind.HOUSING: RightInfo(
        "Aide pour payer le loyer, versée selon les ressources et le loyer.", "CAF ou MSA"
    ),
    RightKind.AF: RightInfo(
        "Versées aux familles à partir du deuxième enfant à charge.", "CAF ou MSA"
    ),
    RightKind.CF: RightInfo(
        "Pour les familles d'au moins trois enfants de 3 ans et plus, selon les ressources.",
        "CAF ou MSA",
    ),
    RightKind.ASF: RightInfo(
        "Pour élever seul un enfant sans pension alimentaire de l'autre parent.", "CAF ou MSA"
    ),
    RightKind.CSS: RightInfo(
        "Prise en charge de la part des frais de santé non remboursée par l'Assurance maladie.",
        "CPAM (Assurance maladie)",
    ),
    RightKind.AAH: RightInfo(
        "Revenu minimum pour les personnes handicapées, après avis de la MDPH (de 50 à 79 % "
        "d'incapacité, si elle reconnaît aussi une restriction durable d'accès à l'emploi).",
        "MDPH, puis CAF ou MSA",
    ),
    RightKind.ASPA: RightInfo(
        "Revenu minimum des personnes de 65 ans et plus (62 ans en cas d'inaptitude au travail).",
        "Caisse de retraite (CARSAT ou MSA)",
    ),
    RightKind.ASI: RightInfo(
        "Complément pour les personnes invalides qui n'ont pas l'âge du minimum vieillesse.",
        "CPAM ou caisse de retraite (CARSAT ou MSA)",
    ),
    RightKind.ENERGY: RightInfo(
        "Chèque envoyé chaque printemps pour payer l'énergie du logement, si les revenus "
        "déclarés aux impôts sont modestes (montant estimé ici par mois).",
        "Service du chèque énergie (chequeenergie.gouv.fr), après la déclaration de revenus",
    ),
    RightKind.COLLEGE_GRANT: RightInfo(
        "Aide de l'État pour la scolarité d'un enfant au collège, selon les revenus (montant "
        "de l'année estimé ici par mois).",
        "Le collège de l'enfant (demande à la rentrée, en ligne ou au secrétariat)",
    ),
    RightKind.LYCEE_GRANT: RightInfo(
        "Aide de l'État pour la scolarité d'un enfant au lycée, même professionnel, selon les "
        "revenus (montant de l'année estimé ici par mois).",
        "Le lycée de l'enfant (demande en ligne ou au secrétariat)",
    ),
    RightKind.CHRISTMAS_BONUS: RightInfo(
        "Prime versée une fois en décembre aux personnes qui touchent le RSA.",
        "CAF ou MSA, avec le RSA (sans démarche)",
    ),
}
