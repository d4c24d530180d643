from django.db import models


class Network(models.TextChoices):
    CCAS = "ccas", "CCAS"
    DEPARTMENT = "departement", "Département"
    FRANCE_TRAVAIL = "france_travail", "France Travail (ex-Pôle emploi)"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    PLIE = "plie", "PLIE"
    BGE = "bge", "BGE"
    REGION = "region", "Région"
    AGGLOMERATION = "agglomeration", "Agglomération"
    INSERTION = "insertion", "Structure d'insertion"
    CAF = "caf", "CAF"
    CPAM = "cpam", "CPAM"
    OTHER = "autre", "Autre"
