"""The controlled vocabularies of the placement domain (../shared/docs/domain.md).

Machine values are Swedish and stable; labels are what a caseworker reads. Every vocabulary is a
``StrEnum`` so pydantic rejects unknown values with the list of allowed ones, and the JSON Schema
that source systems validate against carries the same list.
"""

from __future__ import annotations

from enum import StrEnum


class ProviderType(StrEnum):
    hvb = "hvb"
    stodboende = "stodboende"
    familjehem = "familjehem"
    jourhem = "jourhem"
    konsulentstott_familjehem = "konsulentstott_familjehem"
    sis_ungdomshem = "sis_ungdomshem"
    lss_bostad_barn = "lss_bostad_barn"
    skyddat_boende = "skyddat_boende"


class TargetGroup(StrEnum):
    missbruk = "missbruk"
    kriminalitet = "kriminalitet"
    normbrytande = "normbrytande"
    psykiatri = "psykiatri"
    npf = "npf"
    utvecklingsstorning = "utvecklingsstorning"
    hedersrelaterat = "hedersrelaterat"
    ensamkommande = "ensamkommande"
    sjalvskadebeteende = "sjalvskadebeteende"
    trauma = "trauma"
    atstorning = "atstorning"
    sexuella_overgrepp = "sexuella_overgrepp"
    vald_i_nara_relation = "vald_i_nara_relation"
    foralder_med_barn = "foralder_med_barn"
    gangrelaterat = "gangrelaterat"


class LegalBasis(StrEnum):
    SoL = "SoL"
    LVU_2 = "LVU_2"
    LVU_3 = "LVU_3"
    LSS = "LSS"
    LSU = "LSU"


class Assignment(StrEnum):
    akut = "akut"
    utredning = "utredning"
    behandling = "behandling"
    omvardnad = "omvardnad"
    utslussning = "utslussning"


class Method(StrEnum):
    KBT = "KBT"
    DBT = "DBT"
    MI = "MI"
    ART = "ART"
    MST = "MST"
    FFT = "FFT"
    TMO = "TMO"
    MultifunC = "MultifunC"
    ACT = "ACT"
    PMTO = "PMTO"
    TF_KBT = "TF-KBT"
    lagaffektivt_bemotande = "lagaffektivt_bemotande"
    traumamedvetet_forhallningssatt = "traumamedvetet_forhallningssatt"


class Gender(StrEnum):
    flickor = "flickor"
    pojkar = "pojkar"
    alla = "alla"


class Ownership(StrEnum):
    enskild = "enskild"
    kommunal = "kommunal"
    region = "region"
    statlig = "statlig"
    ideell = "ideell"


class PermitStatus(StrEnum):
    giltigt = "giltigt"
    aterkallat = "aterkallat"
    anmald = "anmald"


class InspectionDecision(StrEnum):
    brist = "brist"
    forelaggande = "forelaggande"
    vite = "vite"
    aterkallelse = "aterkallelse"


class InspectionCategory(StrEnum):
    vald = "vald"
    droger = "droger"
    registerkontroll = "registerkontroll"
    begransningsatgarder = "begransningsatgarder"


CONFIDENTIAL_TYPES: frozenset[ProviderType] = frozenset(
    {
        ProviderType.familjehem,
        ProviderType.jourhem,
        ProviderType.konsulentstott_familjehem,
        ProviderType.skyddat_boende,
    }
)
INSTITUTIONAL_TYPES: frozenset[ProviderType] = frozenset(set(ProviderType) - CONFIDENTIAL_TYPES)

LABELS: dict[str, dict[str, str]] = {
    "provider_type": {
        "hvb": "HVB-hem",
        "stodboende": "Stödboende",
        "familjehem": "Familjehem",
        "jourhem": "Jourhem",
        "konsulentstott_familjehem": "Konsulentstött familjehem",
        "sis_ungdomshem": "SiS särskilt ungdomshem",
        "lss_bostad_barn": "LSS-bostad för barn",
        "skyddat_boende": "Skyddat boende",
    },
    "target_groups": {
        "missbruk": "Missbruk",
        "kriminalitet": "Kriminalitet",
        "normbrytande": "Normbrytande beteende",
        "psykiatri": "Psykiatrisk problematik",
        "npf": "NPF (autism, adhd)",
        "utvecklingsstorning": "Intellektuell funktionsnedsättning",
        "hedersrelaterat": "Hedersrelaterat våld och förtryck",
        "ensamkommande": "Ensamkommande",
        "sjalvskadebeteende": "Självskadebeteende",
        "trauma": "Trauma",
        "atstorning": "Ätstörning",
        "sexuella_overgrepp": "Sexuella övergrepp",
        "vald_i_nara_relation": "Våld i nära relation",
        "foralder_med_barn": "Förälder med barn",
        "gangrelaterat": "Gängkriminalitet",
    },
    "legal_bases": {
        "SoL": "SoL (frivillig)",
        "LVU_2": "LVU 2 § (hemmiljön)",
        "LVU_3": "LVU 3 § (eget beteende)",
        "LSS": "LSS",
        "LSU": "LSU (sluten ungdomsvård)",
    },
    "assignments": {
        "akut": "Akut",
        "utredning": "Utredning",
        "behandling": "Behandling",
        "omvardnad": "Omvårdnad",
        "utslussning": "Utslussning",
    },
    "methods": {
        "KBT": "KBT",
        "DBT": "DBT",
        "MI": "MI",
        "ART": "ART",
        "MST": "MST",
        "FFT": "FFT",
        "TMO": "TMO",
        "MultifunC": "MultifunC",
        "ACT": "ACT",
        "PMTO": "PMTO",
        "TF-KBT": "TF-KBT",
        "lagaffektivt_bemotande": "Lågaffektivt bemötande",
        "traumamedvetet_forhallningssatt": "Traumamedvetet förhållningssätt",
    },
    "genders": {"flickor": "Flickor", "pojkar": "Pojkar", "alla": "Alla kön"},
    "ownership": {
        "enskild": "Enskild",
        "kommunal": "Kommunal",
        "region": "Region",
        "statlig": "Statlig",
        "ideell": "Idéburen",
    },
    "has_vacancy": {"true": "Ledig plats", "false": "Ingen ledig plats"},
    # core.vacancies: the status each search computes from the home's last confirmation and the TTL.
    "vacancy_status": {"ja": "Lediga platser", "nej": "Fullt", "okänd": "Okänt"},
    "permit_status": {
        "giltigt": "Giltigt tillstånd",
        "aterkallat": "Återkallat tillstånd",
        "anmald": "Anmäld verksamhet",
    },
    "inspection_decision": {
        "brist": "Brist",
        "forelaggande": "Föreläggande",
        "vite": "Vite",
        "aterkallelse": "Återkallelse",
    },
    "inspection_category": {
        "vald": "Våld",
        "droger": "Droger",
        "registerkontroll": "Registerkontroll",
        "begransningsatgarder": "Begränsningsåtgärder",
    },
}


def label(vocabulary: str, value: str) -> str:
    """The Swedish label of a machine value; unknown values (free vocabularies) label themselves."""
    return LABELS.get(vocabulary, {}).get(value, value)
