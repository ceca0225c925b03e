#!/usr/bin/env python3
"""Generate Placeringssök's test fixtures: a seeded, deterministic, fictional register export.

    python scripts/generate_fixtures.py
        writes fixtures/providers.jsonl (about 800 providers), fixtures/providers_broken.jsonl,
        fixtures/schools.jsonl and fixtures/geocoding-cache.json

    python scripts/generate_fixtures.py --providers 100000 --out bench-data/ --seed 7
        writes only <out>/providers.jsonl with that many providers (benchmarks); it has no
        address-form locations, since no geocoding cache goes with it

Everything comes from ``random.Random(seed)`` and the fixed ``REFERENCE_TIME``: the same seed gives
byte-identical files, and the wall clock is never read for the data. Every provider line is checked
against ``core.records.SOURCE_LINE`` (all of them for small files, the first
``FULL_VALIDATION_LIMIT`` for big ones). All people, families, phone numbers and addresses are
invented; SiS youth homes carry their real names, but their positions are only approximate.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.geography import Municipality, counties, distance_km, municipalities, wgs84_to_sweref99tm
from core.records import SOURCE_LINE
from indexer.geocoding import address_key

Json = dict[str, Any]

STOCKHOLM_TZ = ZoneInfo("Europe/Stockholm")
REFERENCE_TIME = datetime.fromisoformat("2026-11-20T08:00:00+01:00")
DEFAULT_SEED = 20261120
DEFAULT_PROVIDERS = 800
DEFAULT_SCHOOLS = 300
FULL_VALIDATION_LIMIT = 5_000  # up to this many lines every one is validated; above, the first 1,000
SAMPLE_VALIDATION = 1_000
ADDRESS_LOCATIONS = 8  # exactly this many providers give only a street address (main fixtures only)
SWEREF_SHARE = 0.13
PROVIDER_RADIUS_KM = 15.0
SCHOOL_RADIUS_KM = 8.0
REPO = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------
# Mix and geography
# ---------------------------------------------------------------------------------------------

SIS_HOMES_AT_800 = 22
TYPE_WEIGHTS: dict[str, float] = {
    "hvb": 35,
    "familjehem": 18,
    "jourhem": 8,
    "konsulentstott_familjehem": 12,
    "stodboende": 10,
    "lss_bostad_barn": 7,
    "skyddat_boende": 5,
}
CONFIDENTIAL = ("familjehem", "jourhem", "konsulentstott_familjehem", "skyddat_boende")
INSTITUTIONAL = ("hvb", "stodboende", "sis_ungdomshem", "lss_bostad_barn")
NORRLAND_COUNTIES = ("21", "22", "23", "24", "25")

# Approximate population in thousands; every other municipality counts as DEFAULT_POPULATION.
POPULATION_K: dict[str, int] = {
    "0180": 990, "1480": 600, "1280": 362, "0380": 245, "0580": 167, "1880": 160, "1980": 160,
    "1283": 151, "0581": 145, "0680": 145, "2480": 133, "1281": 129, "0126": 115, "1490": 115,
    "0182": 110, "0484": 108, "2180": 103, "0181": 102, "1380": 106, "1780": 96, "0780": 97,
    "0127": 96, "0136": 97, "2281": 99, "1384": 85, "0184": 85, "0123": 85, "1290": 86, "2580": 80,
    "0160": 75, "0163": 76, "2482": 77, "1481": 70, "0880": 72, "1383": 67, "1080": 67, "0188": 64,
    "0980": 61, "2380": 65, "2080": 60, "1488": 60, "1496": 58, "0480": 58, "1485": 57, "0191": 52,
    "1293": 53, "0183": 55, "2284": 56, "2081": 52, "1482": 49, "1441": 43, "1292": 43, "1282": 46,
    "1287": 46, "0381": 46, "0138": 48, "0114": 47, "0120": 46, "0186": 47, "1402": 40, "1401": 39,
    "1489": 42, "0583": 44, "2581": 43, "2582": 28, "2584": 22, "1494": 40, "1499": 33, "1883": 30,
    "1286": 31, "1285": 35, "0486": 38, "0683": 34, "0682": 31, "1082": 32, "0882": 27, "0883": 36,
    "2184": 37, "2181": 39, "2085": 26, "0686": 17, "1784": 26, "1781": 25,
}  # fmt: skip
DEFAULT_POPULATION = 12

# Three-digit postcode prefixes: known ones for the big towns, else a range per county.
POSTCODE_PREFIXES: dict[str, tuple[int, ...]] = {
    "0180": (113, 114, 116, 118, 120, 124), "1480": (411, 412, 413, 414, 416, 417),
    "1280": (211, 212, 214, 215), "0380": (752, 753, 754, 756), "0580": (582, 583, 584, 587),
    "0780": (352, 353), "2480": (903, 904, 906), "2584": (981,), "1880": (702, 703), "1980": (722, 723, 724),
    "1283": (252, 253, 254), "0581": (602, 603), "0680": (553, 554, 555), "1281": (222, 223, 224),
    "2180": (802, 803, 804), "2281": (852, 853, 854), "2380": (831, 832), "2580": (972, 973, 974),
    "1780": (652, 653, 654), "2080": (791,), "0880": (392, 393), "0980": (621, 622), "1080": (371,),
    "1380": (302, 303), "1490": (503, 504, 506), "0484": (632, 633),
}  # fmt: skip
COUNTY_POSTCODE_RANGE: dict[str, tuple[int, int]] = {
    "01": (130, 199), "03": (741, 749), "04": (611, 649), "05": (590, 618), "06": (560, 578),
    "07": (340, 365), "08": (380, 398), "09": (621, 624), "10": (370, 375), "12": (230, 298),
    "13": (305, 313), "14": (440, 549), "17": (655, 689), "18": (690, 719), "19": (725, 739),
    "20": (771, 799), "21": (811, 829), "22": (855, 895), "23": (833, 849), "24": (910, 939),
    "25": (940, 984),
}  # fmt: skip
COUNTY_AREA_CODE: dict[str, str] = {
    "01": "08", "03": "018", "04": "016", "05": "013", "06": "036", "07": "0470", "08": "0480", "09": "0498",
    "10": "0455", "12": "040", "13": "035", "14": "031", "17": "054", "18": "019", "19": "021", "20": "023",
    "21": "026", "22": "060", "23": "063", "24": "090", "25": "0920",
}  # fmt: skip
AREA_CODE: dict[str, str] = {
    "1283": "042", "1281": "046", "2584": "0980", "2482": "0910", "2284": "0660", "0581": "011",
    "1490": "033", "1488": "0520", "1290": "044", "0480": "0155", "1383": "0340", "2081": "0243",
    "2581": "0911", "2582": "0921", "1496": "0500", "0583": "0141", "1485": "0522", "0883": "0490",
    "0882": "0491", "2523": "0970", "2183": "0278", "2184": "0650", "1784": "0570", "1883": "0586",
    "0381": "0171",
}  # fmt: skip
MUNICIPALITY_ORG_NAME: dict[str, str] = {
    "0180": "Stockholms stad", "1480": "Göteborgs Stad", "1280": "Malmö stad", "1980": "Västerås stad",
    "0184": "Solna stad", "0183": "Sundbybergs stad", "0186": "Lidingö stad", "0187": "Vaxholms stad",
    "1282": "Landskrona stad", "1490": "Borås Stad", "1481": "Mölndals stad", "1488": "Trollhättans Stad",
    "2583": "Haparanda stad", "0980": "Region Gotland", "2080": "Falu kommun",
}  # fmt: skip
REGION_NAME: dict[str, str] = {
    "01": "Region Stockholm", "03": "Region Uppsala", "04": "Region Sörmland", "05": "Region Östergötland",
    "06": "Region Jönköpings län", "07": "Region Kronoberg", "08": "Region Kalmar län",
    "09": "Region Gotland", "10": "Region Blekinge", "12": "Region Skåne", "13": "Region Halland",
    "14": "Västra Götalandsregionen", "17": "Region Värmland", "18": "Region Örebro län",
    "19": "Region Västmanland", "20": "Region Dalarna", "21": "Region Gävleborg",
    "22": "Region Västernorrland", "23": "Region Jämtland Härjedalen", "24": "Region Västerbotten",
    "25": "Region Norrbotten",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SisHome:
    name: str
    municipality_code: str
    genders: tuple[str, ...]
    age_min: int
    age_max: int
    lsu: bool
    target_groups: tuple[str, ...]


# The 22 SiS youth homes used here; positions are approximate (fixture data, not a register).
SIS_HOMES: tuple[SisHome, ...] = (
    SisHome("Bärby", "0380", ("pojkar",), 15, 21, True, ("kriminalitet", "gangrelaterat", "missbruk")),
    SisHome("Eknäs", "0381", ("pojkar",), 13, 17, False, ("normbrytande", "missbruk", "kriminalitet")),
    SisHome("Fagared", "1480", ("flickor",), 13, 20, False, ("sjalvskadebeteende", "psykiatri", "missbruk")),
    SisHome("Folåsa", "0580", ("pojkar",), 14, 18, False, ("normbrytande", "kriminalitet", "npf")),
    SisHome("Hässleholm", "1293", ("alla",), 12, 18, False, ("normbrytande", "missbruk", "psykiatri")),
    SisHome("Johannisberg", "2514", ("pojkar",), 15, 21, True, ("kriminalitet", "gangrelaterat")),
    SisHome("Klarälvsgården", "1763", ("flickor",), 12, 17, False, ("sjalvskadebeteende", "trauma")),
    SisHome("Ljungbacken", "1485", ("pojkar",), 12, 17, False, ("normbrytande", "npf")),
    SisHome("Långanäs", "2281", ("flickor",), 14, 20, False, ("missbruk", "sjalvskadebeteende")),
    SisHome("Nereby", "1081", ("pojkar",), 13, 18, False, ("missbruk", "kriminalitet")),
    SisHome("Off", "2283", ("pojkar",), 14, 18, False, ("normbrytande", "kriminalitet", "npf")),
    SisHome("Råby", "1281", ("pojkar",), 15, 21, True, ("kriminalitet", "gangrelaterat", "missbruk")),
    SisHome("Sirius", "2183", ("alla",), 13, 18, False, ("psykiatri", "normbrytande")),
    SisHome("Stigby", "0191", ("flickor",), 13, 18, False, ("sjalvskadebeteende", "sexuella_overgrepp")),
    SisHome("Tysslinge", "1880", ("pojkar",), 15, 21, True, ("kriminalitet", "gangrelaterat")),
    SisHome("Vemyra", "2083", ("pojkar",), 12, 17, False, ("normbrytande", "missbruk")),
    SisHome("Rebecka", "0484", ("flickor",), 12, 18, False, ("sjalvskadebeteende", "atstorning", "trauma")),
    SisHome("Björkbacka", "0581", ("flickor",), 14, 20, False, ("missbruk", "psykiatri")),
    SisHome("Brättegården", "1487", ("pojkar",), 13, 17, False, ("normbrytande", "kriminalitet")),
    SisHome("Granhult", "0682", ("pojkar",), 14, 18, False, ("missbruk", "normbrytande")),
    SisHome("Hornö", "2282", ("flickor",), 13, 18, False, ("trauma", "sjalvskadebeteende", "missbruk")),
    SisHome("Sundbo", "1982", ("pojkar",), 15, 21, True, ("kriminalitet", "gangrelaterat")),
)

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

NAME_FIRST_PARTS = (
    "Björk", "Ek", "Lind", "Tall", "Gran", "Sjö", "Ängs", "Rönn", "Asp", "Sol", "Berg", "Strand", "Hag",
    "Vide", "Sten", "Kvarn", "Lärk", "Svan", "Al", "Lönn", "Hassel", "Ljung", "Furu", "Hägg", "Sälg",
    "Klöver", "Fjäll", "Älv", "Mo", "Ros", "Lugn", "Ro", "Källe", "Dal", "Hed", "Myr", "Vik", "Näs", "Ås",
    "Bäck",
)  # fmt: skip
NAME_SECOND_PARTS = (
    "gården", "backen", "lunden", "ängen", "udden", "näset", "viken", "dalen", "hagen", "torpet", "liden",
    "holmen", "berga", "vallen", "hyddan", "stugan", "åsen",
)  # fmt: skip
NAME_STANDALONE = (
    "Solrosen", "Fyren", "Kompassen", "Ankaret", "Bryggan", "Vintergatan", "Polstjärnan", "Norrsken",
    "Gläntan", "Oasen", "Lyktan", "Vitsippan", "Blåklinten", "Linnea", "Näckrosen", "Fjällrosen", "Kastanjen",
    "Sörgården", "Västergården", "Östergården", "Nybygget", "Hällan", "Tranan", "Havsörnen", "Hjorten",
    "Lotsen", "Seglet", "Vägvisaren", "Ljusglimten", "Trädet", "Tryggheten", "Kronan", "Vallmon", "Blåsippan",
    "Lövkojan",
)  # fmt: skip
SURNAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
    "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Jönsson", "Lindberg",
    "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren", "Berg", "Axelsson",
    "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Berglund", "Fredriksson", "Sandberg",
    "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund", "Danielsson", "Lundin", "Håkansson",
    "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson", "Bergqvist",
    "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg", "Blomqvist", "Claesson",
    "Nordström", "Mårtensson", "Lundström", "Viklund", "Björklund", "Eliasson", "Pålsson", "Berggren",
    "Sandström", "Lund", "Nordin", "Ström", "Åberg", "Hermansson", "Ekström", "Holmgren", "Sundberg",
    "Hedlund", "Dahlberg", "Hellström", "Sjögren", "Abrahamsson", "Falk", "Öberg", "Andreasson", "Strömberg",
    "Månsson", "Åkesson", "Dahl", "Lindholm", "Norberg", "Holmqvist", "Ali", "Mohammed", "Hassan", "Ahmed",
    "Yilmaz", "Nieminen", "Korhonen", "Kovačević", "Nowak", "Rahimi",
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kristina", "Malin", "Johanna", "Linda", "Sofia",
    "Lars", "Mikael", "Anders", "Johan", "Per", "Erik", "Peter", "Magnus", "Fredrik", "Daniel", "Jonas",
    "Ahmed", "Fatima", "Amina", "Omar", "Leila", "Hanna", "Ida", "Martin", "Henrik",
)  # fmt: skip
AGENCIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Familjevårdsbyrån Nära AB", ()),
    ("Trygga Hem Konsulentstöd AB", ()),
    ("Familjeresursen i Skåne AB", ("12", "13", "10")),
    ("Familjehemsgruppen Norr AB", ("22", "23", "24", "25")),
    ("Norrlands Familjevård AB", ("21", "22", "23", "24", "25")),
    ("Västkustens Familjehemsbyrå AB", ("14", "13", "17")),
    ("Familjekraft Mälardalen AB", ("01", "03", "04", "18", "19")),
    ("Bryggans Familjevård AB", ("05", "06", "07", "08", "09")),
    ("Hemvist Familjevård AB", ("01", "03", "20", "21")),
    ("Familjehemsbyrån Mitt i Sverige AB", ("17", "18", "19", "20")),
    ("Stiftelsen Familjehemsstöd Syd", ("12", "07", "10", "08")),
)
CHAINS = (
    "Nordvik Vård AB", "Livskraft Behandling AB", "Fristad Omsorg AB", "Ungdomsvården i Sverige AB",
    "Trygga Steg Vård AB", "Vägval Behandling AB", "Mellanrum Omsorg AB",
)  # fmt: skip
STREETS = (
    "Storgatan", "Kyrkogatan", "Drottninggatan", "Skolgatan", "Järnvägsgatan", "Björkvägen", "Ekvägen",
    "Lärkvägen", "Tallvägen", "Granvägen", "Bergsgatan", "Parkvägen", "Ängsvägen", "Norra vägen",
    "Södra vägen", "Gamla landsvägen", "Skogsvägen", "Backvägen", "Kvarngatan", "Trädgårdsgatan", "Sjövägen",
    "Lindvägen", "Vallgatan", "Nygatan", "Kungsgatan", "Hagvägen", "Gårdsvägen", "Bäckvägen", "Stationsvägen",
    "Villagatan",
)  # fmt: skip
FRAMEWORKS: dict[str, tuple[tuple[str, float, tuple[str, ...]], ...]] = {
    # type -> (agreement, probability, counties it is limited to; () is national)
    "hvb": (
        ("Adda HVB 2024", 0.30, ()),
        ("Kommunförbundet Skåne HVB 2025", 0.45, ("12",)),
        ("Storsthlm HVB Barn och unga 2023", 0.35, ("01",)),
        ("Göteborgsregionen HVB 2024", 0.35, ("14",)),
    ),
    "stodboende": (("SKR Stödboende 2023", 0.25, ()), ("Adda Stödboende 2024", 0.25, ())),
    "konsulentstott_familjehem": (
        ("Adda Konsulentstödda familjehem 2023", 0.35, ()),
        ("Kommunförbundet Skåne Familjehem 2025", 0.5, ("12",)),
    ),
    "lss_bostad_barn": (("Adda LSS-boende barn 2024", 0.2, ()),),
    "skyddat_boende": (("Adda Skyddat boende 2025", 0.3, ()),),
}

# ---------------------------------------------------------------------------------------------
# Description vocabulary (Swedish)
# ---------------------------------------------------------------------------------------------

GROUP_PHRASES: dict[str, tuple[str, ...]] = {
    "missbruk": (
        "missbruk", "missbruksproblematik", "ett begynnande missbruk", "missbruk av alkohol och narkotika",
        "riskbruk och missbruk",
    ),
    "kriminalitet": ("kriminalitet", "en kriminell livsstil", "begynnande kriminalitet", "brottslighet"),
    "normbrytande": ("normbrytande beteende", "utagerande beteende", "normbrytande och utagerande beteende"),
    "psykiatri": (
        "psykisk ohälsa", "psykiatrisk problematik", "ångest och depression", "psykiatriska diagnoser",
    ),
    "npf": (
        "neuropsykiatriska funktionsnedsättningar", "NPF", "autism och adhd", "adhd",
        "en neuropsykiatrisk funktionsnedsättning", "autism",
    ),
    "utvecklingsstorning": (
        "intellektuell funktionsnedsättning", "lindrig utvecklingsstörning",
        "en intellektuell funktionsnedsättning",
    ),
    "hedersrelaterat": (
        "hedersrelaterat våld och förtryck", "hedersrelaterat våld", "hedersproblematik", "hedersförtryck",
    ),
    "sjalvskadebeteende": (
        "självskadebeteende", "självskada", "självskadebeteende och suicidtankar", "självskadande beteende",
    ),
    "trauma": ("trauman", "traumatiska upplevelser", "komplex traumatisering", "trauma"),
    "atstorning": ("ätstörningar", "en ätstörning", "ätstörning", "anorexi och andra ätstörningar"),
    "sexuella_overgrepp": ("sexuella övergrepp", "följderna av sexuella övergrepp"),
    "vald_i_nara_relation": ("våld i nära relation", "upplevelser av våld i hemmet"),
    "gangrelaterat": (
        "gängkriminalitet", "kopplingar till kriminella gäng", "gängrelaterad brottslighet",
        "kopplingar till gängmiljö",
    ),
}  # fmt: skip
GROUP_SENTENCES: dict[str, tuple[str, ...]] = {
    "missbruk": (
        "Vi erbjuder missbruksbehandling med återfallsprevention och regelbundna drogtester.",
        "Behandlingen av missbruk sker i nära samarbete med beroendevården.",
        "Den som har ett missbruk får stöd att hitta en drogfri vardag.",
        "Missbruksbehandlingen bygger på motivation och delaktighet.",
    ),
    "kriminalitet": (
        "Vi arbetar aktivt med att bryta kriminella mönster och stärka prosociala val.",
        "Ungdomar som har begått brott får stöd att ta ansvar och hitta en väg bort från kriminaliteten.",
    ),
    "normbrytande": (
        "Vi möter normbrytande beteende med tydliga ramar och mycket värme.",
        "Personalen har lång erfarenhet av ungdomar med utagerande och normbrytande beteende.",
    ),
    "psykiatri": (
        "Vi samarbetar nära med BUP och vuxenpsykiatrin.",
        "Ungdomar med psykisk ohälsa får stöd av vår legitimerade psykolog.",
    ),
    "npf": (
        "Miljön är anpassad för ungdomar med neuropsykiatriska funktionsnedsättningar, med tydlig struktur "
        "och "
        "förutsägbarhet.",
        "Vi har särskild kompetens kring NPF, autism och adhd.",
        "Tydliggörande pedagogik och bildstöd hjälper den som har en neuropsykiatrisk funktionsnedsättning.",
    ),
    "utvecklingsstorning": (
        "Vardagen anpassas efter varje barns förutsättningar och behov av stöd.",
        "Personalen har kompetens inom intellektuell funktionsnedsättning och alternativ kompletterande "
        "kommunikation (AKK).",
    ),
    "hedersrelaterat": (
        "Vi har specialistkompetens kring hedersrelaterat våld och förtryck och gör löpande skyddsbedömningar.",
        "Hemmet har erfarenhet av att ta emot unga som utsatts för hedersrelaterat våld.",
    ),
    "ensamkommande": (
        "Vi tar emot ensamkommande ungdomar och har personal som talar flera språk.",
        "Många av våra ungdomar är ensamkommande och får stöd med språk, skola och myndighetskontakter.",
        "Hemmet har lång erfarenhet av ensamkommande barn och unga.",
    ),
    "sjalvskadebeteende": (
        "Vi har särskild kompetens kring självskadebeteende och suicidprevention.",
        "Ungdomar med självskadebeteende får tät uppföljning och en trygg vuxen nära dygnet runt.",
        "Arbetet med självskada sker i samverkan med BUP.",
        "Vi har lång erfarenhet av unga som skadar sig själva.",
    ),
    "trauma": (
        "Hela verksamheten präglas av traumamedveten omsorg.",
        "Vi vet att många barn bär på trauman och möter dem med förståelse.",
        "Barn som varit med om svåra saker får tid att landa och känna sig trygga.",
    ),
    "atstorning": (
        "Vi tar emot ungdomar med ätstörningar i samarbete med specialistvården.",
        "Stödet vid ätstörning ges i nära samarbete med regionens ätstörningsenhet.",
    ),
    "sexuella_overgrepp": (
        "Vi har erfarenhet av barn och unga som utsatts för sexuella övergrepp.",
        "Barn som utsatts för övergrepp får stöd av personal med traumakompetens.",
    ),
    "vald_i_nara_relation": (
        "Vi tar emot barn som upplevt våld i nära relation.",
        "Barn som bevittnat eller utsatts för våld i hemmet får särskilt stöd.",
    ),
    "foralder_med_barn": (
        "Vi tar emot förälder med barn för utredning av föräldraförmågan.",
        "Hemmet kan ta emot en mamma eller pappa tillsammans med sitt barn.",
    ),
    "gangrelaterat": (
        "Vi har erfarenhet av unga som behöver komma bort från gängkriminalitet och en kriminell miljö.",
        "Placeringen kan ge avstånd till gängmiljön och en nystart.",
        "Vi arbetar med ungdomar som har kopplingar till kriminella nätverk.",
    ),
}
FAMILY_LIST_SENTENCES = (
    "Familjen har erfarenhet av barn med {groups}.",
    "Vi kan ta emot {who} med {groups}.",
    "Vi har tidigare haft placerade barn med {groups}.",
)
GROUP_LIST_SENTENCES = (
    "Målgruppen är {who} med {groups}.",
    "Vi har lång erfarenhet av {groups}.",
    "Verksamheten är specialiserad på {groups}.",
    "Många av de unga vi möter har {groups}.",
    "Vi tar emot {who} med {groups}.",
)
METHOD_PHRASES: dict[str, tuple[str, ...]] = {
    "KBT": ("KBT", "kognitiv beteendeterapi (KBT)", "kognitiv beteendeterapi"),
    "DBT": ("DBT", "dialektisk beteendeterapi (DBT)"),
    "MI": ("MI", "motiverande samtal (MI)"),
    "ART": ("ART", "Aggression Replacement Training (ART)"),
    "MST": ("MST", "multisystemisk terapi (MST)"),
    "FFT": ("FFT", "funktionell familjeterapi (FFT)"),
    "TMO": ("TMO", "traumamedveten omsorg (TMO)"),
    "MultifunC": ("MultifunC",),
    "ACT": ("ACT", "acceptance and commitment therapy (ACT)"),
    "PMTO": ("PMTO", "föräldraträning enligt PMTO"),
    "TF-KBT": ("TF-KBT", "traumafokuserad KBT"),
    "lagaffektivt_bemotande": ("lågaffektivt bemötande", "ett lågaffektivt förhållningssätt"),
    "traumamedvetet_forhallningssatt": (
        "ett traumamedvetet förhållningssätt",
        "traumamedvetet förhållningssätt",
    ),
}
METHOD_SENTENCES = (
    "Behandlingen bygger på {m}.",
    "Vi arbetar med {m}.",
    "Personalen är utbildad i {m}.",
    "I behandlingen används {m}.",
    "Metoderna vi använder är {m}.",
    "Vårt arbete vilar på {m}.",
)
GENDER_SENTENCES: dict[str, tuple[str, ...]] = {
    "flickor": (
        "Hemmet tar bara emot flickor.",
        "Varje flicka har en egen kontaktperson.",
        "Vi är ett hem enbart för tjejer.",
        "Varje flicka får en individuell genomförandeplan.",
    ),
    "pojkar": (
        "Hemmet tar bara emot pojkar.",
        "Varje pojke har en egen kontaktperson.",
        "Vi är ett hem för killar.",
    ),
    "alla": ("Vi tar emot ungdomar oavsett kön.", "Hemmet är öppet för alla kön."),
}
FAMILY_GENDER_SENTENCES: dict[str, tuple[str, ...]] = {
    "flickor": ("Familjen kan ta emot en flicka.", "Vi tar helst emot flickor."),
    "pojkar": ("Familjen kan ta emot en pojke.", "Vi tar helst emot pojkar."),
    "alla": ("Vi tar emot barn oavsett kön.",),
}
WHO: dict[str, tuple[str, ...]] = {
    "flickor": ("flickor", "tjejer", "unga flickor"),
    "pojkar": ("pojkar", "killar", "unga pojkar"),
    "alla": ("ungdomar", "barn och ungdomar", "unga", "ungdomar oavsett kön"),
}
AGE_PHRASES = ("i åldern {a}-{b} år", "mellan {a} och {b} år", "({a}–{b} år)", "från {a} till {b} år")
WHERE = (
    "i lantlig miljö en bit utanför {seat}", "centralt i {seat}", "i ett villaområde i {seat}",
    "naturskönt vid en sjö utanför {seat}", "på en gård nära {seat}", "i utkanten av {seat}",
)  # fmt: skip
INTROS: dict[str, tuple[str, ...]] = {
    "hvb": (
        "{name} är ett HVB-hem för {who} {ages}.",
        "{name} ligger {where} och tar emot {who} {ages}.",
        "Vi är ett behandlingshem {where} för {who} {ages}.",
        "På {name} bor {who} {ages} som behöver vård och behandling utanför hemmet.",
        "HVB-hemmet drivs {owner} och vänder sig till {who} {ages}.",
    ),
    "stodboende": (
        "{name} är ett stödboende för {who} {ages} som behöver stöd på vägen mot ett eget boende.",
        "Stödboendet ligger {where} med egna lägenheter och personal som går att nå dygnet runt.",
        "Vi erbjuder boende i egen lägenhet med stöd i vardagen för {who} {ages}.",
    ),
    "familjehem": (
        "Familjehemmet består av två vuxna och {household} i ett hus {area}.",
        "Vi är en familj som bor i villa {area} och kan ta emot {who} {ages}.",
        "Familjen har tidigare erfarenhet av placerade barn och har gått utbildningen Ett hem att växa i.",
        "Familjehemmet kan ta emot {who} {ages}.",
    ),
    "jourhem": (
        "Jourhemmet kan ta emot {who} {ages} med kort varsel, dygnet runt.",
        "Vi är ett jourhem som tar emot barn akut under en utredningsperiod.",
        "Jourhemmet tar emot {who} {ages} i akuta situationer.",
    ),
    "konsulentstott_familjehem": (
        "Familjehemmet får handledning och stöd dygnet runt av konsulenter från {agency}.",
        "Som konsulentstött familjehem har vi tät kontakt med vår familjehemskonsulent och regelbunden handledning.",
        "{agency} rekryterar, utbildar och handleder familjehemmet, som tar emot {who} {ages}.",
    ),
    "skyddat_boende": (
        "Det skyddade boendet tar emot {who} {ages} som behöver skydd.",
        "Boendet har hög säkerhet och skyddad adress.",
        "Vi erbjuder skydd, stöd och trygghet för {who} {ages} som utsatts för våld.",
    ),
    "sis_ungdomshem": (
        "{name} är ett av Statens institutionsstyrelses särskilda ungdomshem.",
        "{name} har låsbara avdelningar för {who} {ages}.",
        "På {name} vårdas {who} {ages} med allvarliga psykosociala problem.",
    ),
    "lss_bostad_barn": (
        "{name} är en bostad med särskild service för barn och ungdomar enligt LSS.",
        "Barnboendet erbjuder ett tryggt hem för barn {ages} med funktionsnedsättning.",
        "Vi erbjuder boende för barn som inte kan bo hemma, i nära samarbete med vårdnadshavarna.",
    ),
}
# Sentences with these words describe an institution, not a family's home.
INSTITUTIONAL_WORDS = re.compile(r"personal|verksamhet|hemmet|psykolog|vi arbetar|placeringen", re.IGNORECASE)
HOUSEHOLDS = (
    "två egna barn", "vuxna barn som har flyttat hemifrån", "en hund och två katter",
    "ett eget barn i tonåren", "tre barn, varav ett tidigare familjehemsplacerat",
)  # fmt: skip
AREAS = (
    "nära skog och sjö", "i ett lugnt bostadsområde", "på en gård med djur", "i en mindre ort",
    "strax utanför tätorten", "på landet",
)  # fmt: skip
FILLERS: dict[str, tuple[str, ...]] = {
    "hvb": (
        "Vi har bemanning dygnet runt.",
        "Skolgången sker i vår egen skola eller i samverkan med närliggande skolor.",
        "Fritiden är en viktig del av behandlingen, med friluftsliv, träning och djur.",
        "Vi samarbetar nära med socialtjänsten, skolan och vårdnadshavare.",
        "Varje ungdom har en egen kontaktperson och en individuell plan.",
        "Utslussningen planeras tidigt tillsammans med socialtjänsten.",
        "Familjearbete är en självklar del av vården.",
        "Huset har enkelrum med egen dusch och toalett.",
        "Närheten till skog och sjö ger goda möjligheter till friluftsliv.",
        "Vi erbjuder utredning enligt BBIC.",
    ),
    "stodboende": (
        "Ungdomarna tränar på ekonomi, matlagning och myndighetskontakter.",
        "Stödet trappas ned i takt med att den unge klarar mer själv.",
        "Vi hjälper till med studier, praktik och arbete.",
        "Personal finns på plats dagtid och har jour på kvällar och helger.",
    ),
    "family": (
        "Vardagen är lugn och förutsägbar med fasta rutiner.",
        "Familjen har hund, katt och höns.",
        "Det finns förskola och skola inom gångavstånd.",
        "Vi värnar om barnets kontakt med föräldrar och syskon.",
        "En av de vuxna i familjen är hemma på heltid.",
        "Familjen tycker om friluftsliv, fiske och långa promenader.",
    ),
    "skyddat_boende": (
        "Boendet är bemannat dygnet runt.",
        "Vi samarbetar med polis och socialtjänst kring skyddsbedömningar.",
        "Barnen får stöd av en särskild barnstödjare.",
    ),
    "sis_ungdomshem": (
        "Ungdomarna får undervisning i hemmets egen skola.",
        "Placering sker genom SiS placeringsenhet.",
        "Hemmet har ett nära samarbete med socialtjänsten inför utskrivning.",
    ),
    "lss_bostad_barn": (
        "Barnen har egna rum som inretts efter deras intressen.",
        "Personalen har kompetens inom tydliggörande pedagogik.",
        "Vi samarbetar med habiliteringen och barnens skolor.",
    ),
}
MEAL_SENTENCES = (  # the only sentences with the word "mätt": exactly two providers get one each
    "Maten är viktig hos oss: ingen ska gå hungrig, alla blir mätt.",
    "Vi lagar all mat från grunden och ser till att alla ungdomar blir mätt och känner sig trygga vid måltiderna.",
)
GIRLS_SELF_HARM_SENTENCES = (
    "Varje flicka med självskadebeteende får en individuell plan och tät kontakt med BUP.",
    "Vi tar emot en flicka i taget med självskadebeteende på vår förstärkta avdelning.",
    "Hemmet passar en flicka som har självskadebeteende och behöver en lugn miljö.",
)

# ---------------------------------------------------------------------------------------------
# Schools
# ---------------------------------------------------------------------------------------------

CURATED_SCHOOLS: tuple[tuple[str, str], ...] = (
    ("1280", "Kvarnbyskolan"), ("1280", "Malmö latinskola"), ("1280", "Pauliskolan"),
    ("1280", "Rosengårdsskolan"), ("0180", "Södra Latins gymnasium"), ("0180", "Kungsholmens gymnasium"),
    ("0180", "Norra Real"), ("0180", "Engelbrektsskolan"), ("1480", "Hvitfeldtska gymnasiet"),
    ("1480", "Schillerska gymnasiet"), ("1480", "Vasaskolan F-6"), ("2480", "Östra gymnasiet"),
    ("2480", "Dragonskolan"), ("2480", "Ålidhemsskolan"), ("0780", "Katedralskolan"),
    ("0780", "Teleborgsskolan"), ("0780", "Kungsmadskolan"), ("2584", "Hjalmar Lundbohmsskolan"),
    ("2584", "Högalidskolan"), ("2584", "Luossavaaraskolan"), ("1281", "Katedralskolan"),
    ("0380", "Katedralskolan"), ("0580", "Katedralskolan"),
)  # fmt: skip
SCHOOL_PREFIXES = (
    "Kvarnby", "Vasa", "Ekbacka", "Björkhaga", "Centrum", "Norrby", "Söderby", "Västerby", "Österby",
    "Lindhags", "Sjöstads", "Hagaby", "Strandby", "Park", "Ängs", "Tallbacka", "Solberga", "Rosen", "Kyrkby",
    "Backa", "Hammar", "Fridhems", "Skogs", "Lunda", "Näs", "Bäck", "Brunns", "Hög", "Dal", "Tegel",
    "Stenhags", "Nyby", "Klockar", "Trädgårds", "Furu", "Gran", "Linné", "Tornby", "Vallby", "Kronobergs",
    "Råby", "Ljungby", "Mosse", "Berga", "Holm", "Vik", "Lyck", "Ängby", "Hed", "Ekeby",
)  # fmt: skip
GYMNASIUM_PREFIXES = (
    "Vasa", "Linné", "Tornby", "Park", "Ekeby", "Fridhems", "Solberga", "Hagaby", "Strand", "Centrum",
    "Kronobergs", "Lunda", "Berga", "Björkhaga", "Söderby",
)  # fmt: skip
SCHOOL_GRADES = ("", "", "", " F-6", " F-9", " 7-9", " F-3", " 4-9")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def genitive(name: str) -> str:
    return name if name[-1] in "sxz" else name + "s"


def municipality_org(muni: Municipality) -> str:
    """The municipality as an organisation: "Karlstads kommun", "Örebro kommun", "Malmö stad"."""
    if muni.code in MUNICIPALITY_ORG_NAME:
        return MUNICIPALITY_ORG_NAME[muni.code]
    name = muni.name if muni.name[-1].lower() in "aeiouyåäö" else genitive(muni.name)
    return f"{name} kommun"


def slug(text: str) -> str:
    folded = text.lower().translate(str.maketrans("åäöéüč", "aaoeuc"))
    return re.sub(r"[^a-z0-9]+", "", folded)


def swedish_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def iso(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM_TZ).isoformat(timespec="seconds")


def offset_point(rng: random.Random, lat: float, lon: float, max_km: float) -> tuple[float, float]:
    """A random point at most ``max_km`` from (lat, lon), uniform over the disc."""
    r = max_km * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111.32
    dlon = r * math.sin(theta) / (111.32 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


T = TypeVar("T")


def weighted(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    values = [v for v, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights, k=1)[0]


def pick_some(rng: random.Random, options: Sequence[tuple[str, float]], k: int) -> list[str]:
    """``k`` distinct values drawn by weight, returned in vocabulary order."""
    pool = list(options)
    chosen: list[str] = []
    for _ in range(min(k, len(pool))):
        value = weighted(rng, pool)
        chosen.append(value)
        pool = [(v, w) for v, w in pool if v != value]
    order = {v: i for i, (v, _) in enumerate(options)}
    return sorted(chosen, key=order.__getitem__)


def type_counts(n: int) -> dict[str, int]:
    """Exact counts per provider type: about 22 SiS homes, the rest by TYPE_WEIGHTS (largest remainder)."""
    sis = min(SIS_HOMES_AT_800, max(1, round(n * SIS_HOMES_AT_800 / DEFAULT_PROVIDERS))) if n >= 8 else 0
    rest = n - sis
    total = sum(TYPE_WEIGHTS.values())
    exact = {t: rest * w / total for t, w in TYPE_WEIGHTS.items()}
    counts = {t: int(x) for t, x in exact.items()}
    leftover = rest - sum(counts.values())
    for t in sorted(exact, key=lambda t: exact[t] - counts[t], reverse=True)[:leftover]:
        counts[t] += 1
    counts["sis_ungdomshem"] = sis
    return counts


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


class ProviderFactory:
    """Builds provider records; all randomness comes from the one ``rng``."""

    def __init__(self, rng: random.Random, unique_names: bool) -> None:
        self.rng = rng
        self.unique_names = unique_names
        self.used_names: set[str] = set()
        self.munis = municipalities()
        self.codes = sorted(self.munis)
        self.weights = [float(POPULATION_K.get(c, DEFAULT_POPULATION)) ** 0.85 for c in self.codes]
        self.sis_index = 0

    # -- geography ------------------------------------------------------------------------------

    def municipality_plan(self, count: int, per_county_min: int, norrland_min: int) -> list[str]:
        """Municipality codes for ``count`` providers: each county gets a minimum, the rest by population."""
        plan: list[str] = []
        for county in sorted(counties()):
            in_county = [(c, w) for c, w in zip(self.codes, self.weights, strict=True) if c[:2] == county]
            wanted = norrland_min if county in NORRLAND_COUNTIES else per_county_min
            plan.extend(weighted(self.rng, in_county) for _ in range(wanted))
        plan = plan[:count]
        plan.extend(self.rng.choices(self.codes, weights=self.weights, k=count - len(plan)))
        self.rng.shuffle(plan)
        return plan

    def postcode(self, muni: Municipality) -> str:
        prefixes = POSTCODE_PREFIXES.get(muni.code)
        if prefixes:
            prefix = self.rng.choice(prefixes)
        else:
            lo, hi = COUNTY_POSTCODE_RANGE[muni.county_code]
            prefix = lo + (int(muni.code) * 37) % (hi - lo + 1)
        return f"{prefix} {self.rng.randint(10, 99)}"

    def street_address(self, muni: Municipality) -> str:
        return f"{self.rng.choice(STREETS)} {self.rng.randint(1, 68)}, {self.postcode(muni)} {muni.seat}"

    def phone(self, muni: Municipality, mobile: bool) -> str:
        r = self.rng
        if mobile:
            return f"07{r.choice('0236')}-{r.randint(100, 999)} {r.randint(10, 99)} {r.randint(10, 99)}"
        area = AREA_CODE.get(muni.code, COUNTY_AREA_CODE[muni.county_code])
        if len(area) == 2:
            return f"{area}-{r.randint(100, 999)} {r.randint(10, 99)} {r.randint(10, 99)}"
        return f"{area}-{r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}"

    # -- names ----------------------------------------------------------------------------------

    def _unique(self, make: Callable[[], str], fallback_suffix: str) -> str:
        """A name from ``make`` not used before (when names must be unique): retry, then add a suffix."""
        name = make()
        if not self.unique_names:
            return name
        for _ in range(30):
            if name not in self.used_names:
                break
            name = make()
        base, k = name, 2
        while name in self.used_names:
            name = f"{base} {fallback_suffix}".strip() if k == 2 else f"{base} {fallback_suffix} {k}".strip()
            if name in self.used_names or not fallback_suffix:
                name = f"{base} ({k})"
            k += 1
        self.used_names.add(name)
        return name

    def place_name(self) -> str:
        r = self.rng
        if r.random() < 0.25:
            return r.choice(NAME_STANDALONE)
        return r.choice(NAME_FIRST_PARTS) + r.choice(NAME_SECOND_PARTS)

    def institution_name(self, ptype: str, muni: Municipality) -> tuple[str, str]:
        """A unique institution name and the place name it is built on."""
        r = self.rng
        templates: dict[str, tuple[str, ...]] = {
            "hvb": (
                "{g} HVB", "{g} behandlingshem", "HVB {b}", "Behandlingshemmet {b}", "{g} ungdomshem",
                "{b} HVB", "{g} utredningshem", "{g} HVB för ungdomar",
            ),
            "stodboende": ("{g} stödboende", "Stödboendet {b}", "{b} stödboende", "{g} ungdomsboende"),
            "lss_bostad_barn": (
                "Barnboendet {b}", "{g} LSS-boende", "LSS-bostaden {b}", "{g} barn- och ungdomsboende",
            ),
            "skyddat_boende": ("Skyddat boende {b}", "{g} skyddade boende", "Tjej- och kvinnojouren {b}"),
        }  # fmt: skip
        base = [""]

        def make() -> str:
            base[0] = self.place_name()
            return r.choice(templates[ptype]).format(g=genitive(base[0]), b=base[0])

        return self._unique(make, f"i {muni.seat}"), base[0]

    def family_name(self, ptype: str) -> tuple[str, str]:
        """The home's name and the family's surname (for its e-mail)."""
        r = self.rng
        holder: list[str] = [""]

        def make() -> str:
            surname = r.choice(SURNAMES)
            if r.random() < 0.3:
                other = r.choice(SURNAMES)
                if other != surname:
                    surname = f"{surname} {other}"
            holder[0] = surname
            if ptype == "jourhem":
                return r.choice(("Jourhemmet hos familjen {s}", "Jourfamiljen {s}", "Familjen {s}")).format(s=surname)
            if ptype == "skyddat_boende":
                return f"Skyddat boende hos familjen {surname}"
            return f"Familjen {surname}"

        return self._unique(make, ""), holder[0]

    # -- field helpers --------------------------------------------------------------------------

    def languages(self, groups: Sequence[str], extra_chance: float) -> list[str]:
        r = self.rng
        langs = ["sv"]
        newcomers = "ensamkommande" in groups or "hedersrelaterat" in groups
        if r.random() < (0.9 if newcomers else extra_chance):
            pool: list[tuple[str, float]] = [
                ("en", 40), ("ar", 15 + 20 * newcomers), ("so", 8 + 15 * newcomers),
                ("ti", 6 + 12 * newcomers), ("fa", 8 + 12 * newcomers), ("prs", 6 + 12 * newcomers),
                ("fi", 5), ("ku", 4), ("bs", 3), ("pl", 3), ("es", 3), ("de", 2), ("ru", 3), ("tr", 3),
                ("sq", 2), ("am", 2),
            ]  # fmt: skip
            langs.extend(pick_some(r, pool, weighted(r, [(1, 0.6), (2, 0.3), (3, 0.1)])))
        return langs

    def vacancy_time(self) -> str | None:
        r = self.rng
        roll = r.random()
        if roll < 0.05:
            return None
        days = r.uniform(30, 200) if roll < 0.25 else r.uniform(0, 14)  # ~20% stale, the rest fresh
        return iso(REFERENCE_TIME - timedelta(days=days))

    def updated_at(self, vacancies_updated_at: str | None) -> str:
        r = self.rng
        if vacancies_updated_at is not None and r.random() < 0.7:
            moment = datetime.fromisoformat(vacancies_updated_at) + timedelta(minutes=r.randint(0, 600))
            return iso(min(moment, REFERENCE_TIME))
        return iso(REFERENCE_TIME - timedelta(days=r.uniform(0.5, 400)))

    def permit(self, ptype: str, ownership: str, groups: list[str], age_min: int, age_max: int, cap: int) -> Json:
        r = self.rng
        year = r.randint(2009, 2026)
        permit_id = f"3.5.1-{r.randint(10000, 99999)}/{year}"
        public = ownership in ("kommunal", "region")  # municipal units are notified, not permitted
        revoked = not public and r.random() < 0.04
        status = "anmald" if public else ("aterkallat" if revoked else "giltigt")
        permit_groups = list(groups)
        if groups and r.random() < 0.12:  # the permit misses at least one listed target group
            permit_groups.remove(r.choice(groups))
        elif r.random() < 0.3:
            extras = {
                "hvb": ("normbrytande", "psykiatri", "trauma", "npf"),
                "stodboende": ("normbrytande", "ensamkommande"),
                "lss_bostad_barn": ("npf",),
                "skyddat_boende": ("trauma", "vald_i_nara_relation"),
            }[ptype]
            extra = r.choice(extras)
            if extra not in permit_groups:
                permit_groups.append(extra)
        p_min, p_max = age_min, age_max
        if r.random() < 0.06 and age_max - age_min >= 3:  # a few permits are narrower than the record says
            if r.random() < 0.5:
                p_min = age_min + r.randint(1, 2)
            else:
                p_max = age_max - r.randint(1, 2)
        permit: Json = {"id": permit_id, "status": status, "target_groups": permit_groups}
        permit["age_min"], permit["age_max"] = p_min, p_max
        permit["places"] = cap + r.choice((0, 0, 0, 1, 2, 4))
        return permit

    def inspections(self, revoked: bool) -> list[Json]:
        r = self.rng
        found: list[Json] = []
        if revoked or r.random() < 0.3:
            for _ in range(weighted(r, [(1, 0.7), (2, 0.25), (3, 0.05)])):
                days = r.randint(5, 120) if r.random() < 0.35 else r.randint(121, 1800)
                decision = weighted(r, [("brist", 70), ("forelaggande", 20), ("vite", 7)])
                categories = pick_some(
                    r,
                    [("vald", 3), ("droger", 2), ("registerkontroll", 3), ("begransningsatgarder", 3)],
                    weighted(r, [(0, 0.1), (1, 0.6), (2, 0.3)]),
                )
                found.append(
                    {
                        "date": (REFERENCE_TIME.date() - timedelta(days=days)).isoformat(),
                        "decision": decision,
                        "categories": categories,
                    }
                )
            if revoked:
                found.append(
                    {
                        "date": (REFERENCE_TIME.date() - timedelta(days=r.randint(10, 300))).isoformat(),
                        "decision": "aterkallelse",
                        "categories": ["registerkontroll"],
                    }
                )
        found.sort(key=lambda i: i["date"])
        return found

    def frameworks(self, ptype: str, county: str) -> list[str]:
        return [
            name
            for name, chance, limited in FRAMEWORKS.get(ptype, ())
            if (not limited or county in limited) and self.rng.random() < chance
        ]

    # -- descriptions ---------------------------------------------------------------------------

    def description(self, rec: Json, extra: Sequence[str] = (), agency: str | None = None) -> str:  # noqa: C901 - split when the generator becomes a package
        r = self.rng
        ptype: str = rec["provider_type"]
        gender = rec["genders"][0]
        groups: list[str] = list(rec["target_groups"])
        confidential = ptype in CONFIDENTIAL
        seat = self.munis[rec["municipality_code"]].seat
        who_options = WHO[gender]
        if rec["age_max"] <= 12:
            who_options = ("barn",)
        elif rec["age_min"] >= 16 and ptype != "skyddat_boende":
            who_options = {
                "flickor": ("unga kvinnor", "tjejer"), "pojkar": ("unga män", "killar"),
                "alla": ("ungdomar", "unga", "unga vuxna"),
            }[gender]  # fmt: skip
        elif ptype == "skyddat_boende":
            if rec["age_min"] == 0:
                who_options = ("barn",)
            elif gender == "flickor":
                who_options = ("flickor och unga kvinnor", "tjejer och unga kvinnor")
            else:
                who_options = ("ungdomar och unga vuxna",)
        elif ptype in ("familjehem", "jourhem", "konsulentstott_familjehem"):
            who_options = ("barn", "barn och ungdomar") if gender == "alla" else who_options
        fields = {
            "name": rec["name"],
            "who": r.choice(who_options),
            "ages": r.choice(AGE_PHRASES).format(a=rec["age_min"], b=rec["age_max"]),
            "where": r.choice(WHERE).format(seat=seat),
            "owner": {
                "kommunal": "av kommunen",
                "region": "av regionen",
                "ideell": "av en idéburen stiftelse",
            }.get(rec["ownership"], "i privat regi"),
            "household": r.choice(HOUSEHOLDS),
            "area": r.choice(AREAS),
            "agency": agency or "familjehemsbyrån",
        }
        intro = r.choice(INTROS[ptype]).format(**fields)

        # (priority, sentence): lower priority numbers survive trimming to five sentences
        body: list[tuple[int, str]] = []
        noisy = r.random() < 0.12  # now and then the text and the structured fields disagree
        mentioned = groups
        if noisy:
            unlisted = [g for g in GROUP_SENTENCES if g not in groups and g != "foralder_med_barn"]
            mentioned = [] if r.random() < 0.5 or not unlisted else [*groups[:1], r.choice(unlisted)]
        family = ptype in ("familjehem", "jourhem", "konsulentstott_familjehem")
        listable = [g for g in mentioned if g in GROUP_PHRASES]
        if listable and r.random() < 0.7:
            phrases = []
            for g in listable[:3]:
                options = GROUP_PHRASES[g]
                if len(listable) > 1:  # avoid "a och b och c"
                    options = tuple(o for o in options if " och " not in o) or options
                phrases.append(r.choice(options))
            templates = FAMILY_LIST_SENTENCES if family else GROUP_LIST_SENTENCES
            body.append((1, r.choice(templates).format(who=fields["who"], groups=swedish_list(phrases))))
        for g in r.sample(mentioned, k=min(len(mentioned), r.choice((1, 1, 2)))):
            options = GROUP_SENTENCES[g]
            if family:
                options = tuple(o for o in options if not INSTITUTIONAL_WORDS.search(o))
            if options:
                body.append((2, r.choice(options)))
        if ptype != "lss_bostad_barn" and r.random() < (0.55 if gender == "flickor" else 0.3):
            body.append((3, r.choice((FAMILY_GENDER_SENTENCES if family else GENDER_SENTENCES)[gender])))
        methods: list[str] = rec["methods"]
        if methods and r.random() < 0.8:
            phrases = [r.choice(METHOD_PHRASES[m]) for m in methods]
            body.append((3, r.choice(METHOD_SENTENCES).format(m=swedish_list(phrases))))
        filler_key = {
            "familjehem": "family", "jourhem": "family", "konsulentstott_familjehem": "family",
        }.get(ptype, ptype)  # fmt: skip
        fillers = FILLERS[filler_key]
        for sentence in r.sample(fillers, k=min(len(fillers), r.choice((0, 1, 1, 2)))):
            body.append((4, sentence))
        if not confidential and ptype in ("hvb", "stodboende") and r.random() < 0.1:
            body.append((4, f"Det tar ungefär {r.randint(10, 40)} minuter till centrala {seat}."))

        target = r.randint(2, 5)
        keep = sorted(range(len(body)), key=lambda i: (body[i][0], i))[: max(0, target - 1 - len(extra))]
        sentences = [intro, *(body[i][1] for i in sorted(keep)), *extra]
        while len(sentences) < 2:
            candidate = r.choice(fillers)
            if candidate not in sentences:
                sentences.append(candidate)
        return " ".join(sentences)

    # -- the record -----------------------------------------------------------------------------

    def provider(self, provider_id: str, ptype: str, muni_code: str) -> Json:
        r = self.rng
        if ptype == "sis_ungdomshem":
            home = SIS_HOMES[self.sis_index % len(SIS_HOMES)]
            self.sis_index += 1
            muni_code = home.municipality_code
        muni = self.munis[muni_code]
        lat, lon = offset_point(r, muni.lat, muni.lon, PROVIDER_RADIUS_KM)
        build = {
            "hvb": self._hvb,
            "stodboende": self._stodboende,
            "familjehem": self._family,
            "jourhem": self._family,
            "konsulentstott_familjehem": self._family,
            "sis_ungdomshem": self._sis,
            "lss_bostad_barn": self._lss,
            "skyddat_boende": self._skyddat,
        }[ptype]
        rec, agency = build(ptype, muni)
        genders = rec["genders"]
        groups = rec["target_groups"]
        capacity = rec["capacity"]
        vac_time = self.vacancy_time()
        ownership = rec["ownership"]
        permit = None
        if ptype in ("hvb", "stodboende", "lss_bostad_barn", "skyddat_boende"):
            permit = self.permit(ptype, ownership, groups, rec["age_min"], rec["age_max"], capacity)
        revoked = permit is not None and permit["status"] == "aterkallat"
        inspections = (
            [] if ptype in ("familjehem", "jourhem", "konsulentstott_familjehem") else self.inspections(revoked)
        )
        if ptype in INSTITUTIONAL:
            address = self.street_address(muni)
            base = slug(rec["name"])[:28]
            domain = f"{base}.se"
            if ownership == "kommunal":
                domain = f"{slug(municipality_org(muni))}.se"
            elif ownership == "statlig":
                domain = "stat-inst.se"
            email = f"{r.choice(('info', 'kontakt', 'intag', 'placering'))}@{domain}"
            website = f"https://www.{domain}" + (f"/{base}" if ownership in ("kommunal", "statlig") else "")
            phone = self.phone(muni, mobile=False)
        else:
            address = self.street_address(muni)
            phone = self.phone(muni, mobile=ptype != "skyddat_boende" or r.random() < 0.3)
            surname = rec.pop("_surname", "")
            if surname:
                mailbox = f"{slug(r.choice(FIRST_NAMES))}.{slug(surname)}{r.randint(1, 99)}"
                email = f"{mailbox}@{r.choice(('telia.com', 'gmail.com', 'outlook.com', 'hotmail.com'))}"
            else:
                email = f"{r.choice(('info', 'kontakt', 'jouren'))}@{slug(rec['name'])[:28]}.se"
            website = None
        record: Json = {
            "id": provider_id,
            "name": rec["name"],
            "provider_type": ptype,
            "organization": rec.get("organization"),
            "ownership": ownership,
            "description": "",
            "target_groups": groups,
            "age_min": rec["age_min"],
            "age_max": rec["age_max"],
            "genders": genders,
            "legal_bases": rec["legal_bases"],
            "assignments": rec["assignments"],
            "methods": rec["methods"],
            "languages": self.languages(groups, 0.45 if ptype in INSTITUTIONAL else 0.2),
            "capacity": capacity,
            "vacancies": rec["vacancies"],
            "vacancies_updated_at": vac_time,
            "price_per_day_sek": rec["price"],
            "ivo_permit": permit,
            "inspections": inspections,
            "framework_agreements": self.frameworks(ptype, muni.county_code),
            "municipality_code": muni.code,
            "municipality": muni.name,
            "county_code": muni.county_code,
            "location": {"lat": round(lat, 6), "lon": round(lon, 6)},
            "address": address,
            "phone": phone,
            "email": email,
            "website": website,
            "updated_at": self.updated_at(vac_time),
        }
        record["description"] = self.description(record, agency=agency)
        record["_agency"] = agency
        return record

    def _vacancies(self, capacity: int) -> int:
        v = weighted(self.rng, [(0, 40), (1, 35), (2, 15), (3, 10)])
        return min(v, capacity)

    def _legal(self, lvu2: float, lvu3: float) -> list[str]:
        r = self.rng
        bases = ["SoL"]
        if r.random() < lvu2:
            bases.append("LVU_2")
        if r.random() < lvu3:
            bases.append("LVU_3")
        return bases

    def _assignments(self, chances: dict[str, float]) -> list[str]:
        chosen = [a for a, p in chances.items() if self.rng.random() < p]
        return chosen or [max(chances, key=chances.__getitem__)]

    def _price(self, lo: int, hi: int, step: int = 50) -> int:
        return self.rng.randrange(lo, hi + 1, step)

    def _ownership_org(
        self, ptype: str, muni: Municipality, base: str, shares: Sequence[tuple[str, float]]
    ) -> tuple[str, str]:
        r = self.rng
        ownership = weighted(r, shares)
        if ownership == "kommunal":
            org = municipality_org(muni)
            org = f"{org}, socialförvaltningen"
        elif ownership == "region":
            org = REGION_NAME[muni.county_code]
        elif ownership == "ideell":
            org = r.choice((f"Stiftelsen {base}", f"Föreningen {base}", "Stadsmissionens ungdomsverksamhet"))
        else:
            org = r.choice(CHAINS) if r.random() < 0.35 else f"{base} {r.choice(('Vård', 'Omsorg', 'Behandling'))} AB"
        return ownership, org

    def _hvb(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        name, base = self.institution_name(ptype, muni)
        ownership, org = self._ownership_org(
            ptype, muni, base, [("enskild", 68), ("kommunal", 20), ("ideell", 9), ("region", 3)]
        )
        gender = weighted(r, [("alla", 45), ("flickor", 25), ("pojkar", 30)])
        age_min, age_max = weighted(
            r,
            [((12, 17), 14), ((13, 17), 14), ((13, 20), 12), ((15, 21), 8), ((14, 18), 10), ((15, 17), 8),
             ((16, 20), 8), ((10, 17), 6), ((13, 18), 10), ((6, 12), 3), ((12, 20), 5), ((8, 15), 2)],
        )  # fmt: skip
        pool: list[tuple[str, float]] = [
            ("missbruk", 14), ("kriminalitet", 9), ("normbrytande", 16), ("psykiatri", 10), ("npf", 12),
            ("hedersrelaterat", 3), ("ensamkommande", 4),
            ("sjalvskadebeteende", 6 + 14 * (gender == "flickor")), ("trauma", 10),
            ("atstorning", 1 + 5 * (gender == "flickor")), ("sexuella_overgrepp", 3),
            ("vald_i_nara_relation", 2), ("foralder_med_barn", 1),
            ("gangrelaterat", 3 + 7 * (gender == "pojkar")),
        ]  # fmt: skip
        groups = pick_some(r, pool, weighted(r, [(1, 25), (2, 40), (3, 25), (4, 10)]))
        methods = pick_some(
            r,
            [("KBT", 14), ("DBT", 5 + 10 * ("sjalvskadebeteende" in groups)), ("MI", 12), ("ART", 8),
             ("MST", 2), ("FFT", 3), ("TMO", 6), ("MultifunC", 2), ("ACT", 4), ("PMTO", 1), ("TF-KBT", 4),
             ("lagaffektivt_bemotande", 10), ("traumamedvetet_forhallningssatt", 8)],
            weighted(r, [(1, 30), (2, 35), (3, 25), (4, 10)]),
        )  # fmt: skip
        capacity = r.randint(4, 16)
        return {
            "name": name, "organization": org, "ownership": ownership, "genders": [gender],
            "age_min": age_min, "age_max": age_max, "target_groups": groups,
            "legal_bases": self._legal(0.5, 0.75),
            "assignments": self._assignments(
                {"akut": 0.2, "utredning": 0.35, "behandling": 0.9, "omvardnad": 0.15, "utslussning": 0.25}
            ),
            "methods": methods, "capacity": capacity, "vacancies": self._vacancies(capacity),
            "price": None if r.random() < 0.05 else self._price(3500, 9000),
        }, None  # fmt: skip

    def _stodboende(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        name, base = self.institution_name(ptype, muni)
        ownership, org = self._ownership_org(ptype, muni, base, [("enskild", 55), ("kommunal", 40), ("ideell", 5)])
        gender = weighted(r, [("alla", 70), ("flickor", 12), ("pojkar", 18)])
        age_min, age_max = weighted(r, [((16, 20), 60), ((18, 20), 25), ((17, 20), 10), ((16, 21), 5)])
        pool: list[tuple[str, float]] = [
            ("ensamkommande", 10), ("npf", 8), ("normbrytande", 6), ("psykiatri", 5), ("trauma", 5),
            ("missbruk", 3), ("sjalvskadebeteende", 2), ("hedersrelaterat", 2),
        ]  # fmt: skip
        groups = pick_some(r, pool, weighted(r, [(1, 45), (2, 40), (3, 15)]))
        methods = pick_some(
            r,
            [
                ("MI", 5),
                ("lagaffektivt_bemotande", 4),
                ("KBT", 3),
                ("traumamedvetet_forhallningssatt", 3),
                ("ACT", 1),
            ],
            weighted(r, [(0, 30), (1, 45), (2, 25)]),
        )
        capacity = r.randint(4, 20)
        return {
            "name": name, "organization": org, "ownership": ownership, "genders": [gender],
            "age_min": age_min, "age_max": age_max, "target_groups": groups,
            "legal_bases": self._legal(0.15, 0.25),
            "assignments": self._assignments({"utslussning": 0.7, "behandling": 0.4, "omvardnad": 0.3}),
            "methods": methods, "capacity": capacity, "vacancies": self._vacancies(capacity),
            "price": self._price(1500, 3800),
        }, None  # fmt: skip

    def _family(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        name, surname = self.family_name(ptype)
        agency: str | None = None
        org: str | None
        if ptype == "konsulentstott_familjehem":
            options = [a for a, served in AGENCIES if not served or muni.county_code in served]
            agency = r.choice(options)
            ownership, org = ("ideell" if agency.startswith("Stiftelsen") else "enskild"), agency
        else:
            ownership = "kommunal"
            org = municipality_org(muni) if r.random() < 0.6 else None
        gender = weighted(r, [("alla", 85), ("flickor", 8), ("pojkar", 7)])
        if ptype == "jourhem":
            age_min, age_max = weighted(r, [((0, 17), 60), ((0, 12), 20), ((0, 6), 10), ((6, 17), 10)])
            groups = pick_some(
                r,
                [("trauma", 5), ("vald_i_nara_relation", 5), ("sexuella_overgrepp", 1)],
                weighted(r, [(0, 40), (1, 40), (2, 20)]),
            )
            assignments = self._assignments({"akut": 1.0, "utredning": 0.5})
            legal = self._legal(0.85, 0.15)
        else:
            age_min, age_max = weighted(r, [((0, 17), 70), ((0, 12), 8), ((6, 17), 8), ((10, 17), 6), ((0, 20), 8)])
            pool: list[tuple[str, float]] = [
                ("trauma", 8), ("npf", 6), ("vald_i_nara_relation", 5), ("sexuella_overgrepp", 2),
                ("ensamkommande", 3), ("normbrytande", 3), ("psykiatri", 2), ("foralder_med_barn", 1),
                ("sjalvskadebeteende", 1), ("missbruk", 1),
            ]  # fmt: skip
            groups = pick_some(r, pool, weighted(r, [(0, 25), (1, 40), (2, 25), (3, 10)]))
            assignments = self._assignments(
                {
                    "omvardnad": 0.9,
                    "behandling": 0.2 + 0.3 * (ptype == "konsulentstott_familjehem"),
                    "akut": 0.1,
                }
            )
            legal = self._legal(0.8, 0.35)
        method_pool: list[tuple[str, float]] = [
            ("traumamedvetet_forhallningssatt", 4),
            ("TMO", 3),
            ("lagaffektivt_bemotande", 3),
            ("PMTO", 1),
        ]
        n_methods = weighted(r, [(0, 45), (1, 40), (2, 15)] if ptype == "konsulentstott_familjehem" else
                             [(0, 70), (1, 30)])  # fmt: skip
        capacity = weighted(r, [(1, 50), (2, 35), (3, 15)])
        vacancies = weighted(r, [(0, 45), (1, 45), (2, 10)])
        price = None if r.random() < 0.3 else self._price(1200, 2500)
        if ptype == "konsulentstott_familjehem":
            price = self._price(1500, 2500) if r.random() < 0.9 else None
        return {
            "name": name, "organization": org, "ownership": ownership, "genders": [gender],
            "age_min": age_min, "age_max": age_max, "target_groups": groups, "legal_bases": legal,
            "assignments": assignments, "methods": pick_some(r, method_pool, n_methods),
            "capacity": capacity, "vacancies": min(vacancies, capacity), "price": price, "_surname": surname,
        }, agency  # fmt: skip

    def _sis(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        home = SIS_HOMES[(self.sis_index - 1) % len(SIS_HOMES)]
        name = f"SiS ungdomshem {home.name}"
        if self.unique_names and name in self.used_names:
            name = f"{name}, avdelning {self.sis_index // len(SIS_HOMES) + 1}"
        self.used_names.add(name)
        methods = ["ART", "MI", "KBT"]
        if "sjalvskadebeteende" in home.target_groups:
            methods.append("DBT")
        if r.random() < 0.4:
            methods.append("MultifunC")
        methods.append("lagaffektivt_bemotande")
        order = list(METHOD_PHRASES)
        capacity = r.randint(12, 60)
        return {
            "name": name, "organization": "Statens institutionsstyrelse (SiS)", "ownership": "statlig",
            "genders": list(home.genders), "age_min": home.age_min, "age_max": home.age_max,
            "target_groups": list(home.target_groups),
            "legal_bases": ["LVU_3", "LSU"] if home.lsu else ["LVU_3"],
            "assignments": ["akut", "utredning", "behandling"],
            "methods": sorted(methods, key=order.index), "capacity": capacity,
            "vacancies": min(capacity, weighted(r, [(0, 50), (1, 25), (2, 15), (4, 10)])), "price": None,
        }, None  # fmt: skip

    def _lss(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        name, base = self.institution_name(ptype, muni)
        ownership, org = self._ownership_org(ptype, muni, base, [("kommunal", 65), ("enskild", 30), ("ideell", 5)])
        age_min, age_max = weighted(r, [((6, 17), 40), ((7, 21), 25), ((0, 17), 15), ((10, 20), 20)])
        groups = ["npf", "utvecklingsstorning"] if r.random() < 0.6 else ["utvecklingsstorning"]
        method_pool = [
            ("lagaffektivt_bemotande", 5.0),
            ("KBT", 1.0),
            ("traumamedvetet_forhallningssatt", 1.0),
        ]
        methods = pick_some(r, method_pool, weighted(r, [(0, 30), (1, 50), (2, 20)]))
        capacity = r.randint(3, 8)
        return {
            "name": name, "organization": org, "ownership": ownership,
            "genders": [weighted(r, [("alla", 95), ("flickor", 2), ("pojkar", 3)])],
            "age_min": age_min, "age_max": age_max, "target_groups": groups, "legal_bases": ["LSS"],
            "assignments": ["omvardnad"], "methods": methods, "capacity": capacity,
            "vacancies": min(capacity, weighted(r, [(0, 60), (1, 30), (2, 10)])),
            "price": self._price(3500, 9000, 100),
        }, None  # fmt: skip

    def _skyddat(self, ptype: str, muni: Municipality) -> tuple[Json, str | None]:
        r = self.rng
        if r.random() < 0.2:
            name, surname = self.family_name(ptype)
            base = "Tryggheten"
        else:
            name, base = self.institution_name(ptype, muni)
            surname = ""
        ownership, org = self._ownership_org(ptype, muni, base, [("ideell", 60), ("enskild", 30), ("kommunal", 10)])
        gender = weighted(r, [("flickor", 60), ("alla", 40)])
        age_min, age_max = weighted(r, [((0, 17), 60), ((13, 21), 25), ((16, 25), 15)])
        groups = ["vald_i_nara_relation"]
        if r.random() < 0.6:
            groups.append("hedersrelaterat")
        if age_min == 0 and r.random() < 0.7:
            groups.append("foralder_med_barn")
        if r.random() < 0.4:
            groups.append("trauma")
        if r.random() < 0.15:
            groups.append("sexuella_overgrepp")
        order = list(GROUP_SENTENCES)
        methods = pick_some(r, [("traumamedvetet_forhallningssatt", 4), ("TF-KBT", 2), ("TMO", 2)],
                            weighted(r, [(0, 40), (1, 45), (2, 15)]))  # fmt: skip
        capacity = r.randint(3, 12)
        return {
            "name": name, "organization": org, "ownership": ownership, "genders": [gender],
            "age_min": age_min, "age_max": age_max, "target_groups": sorted(groups, key=order.index),
            "legal_bases": self._legal(0.4, 0.0),
            "assignments": self._assignments({"akut": 0.8, "omvardnad": 0.6, "utredning": 0.2}),
            "methods": methods, "capacity": capacity, "vacancies": self._vacancies(capacity),
            "price": self._price(2000, 4500), "_surname": surname,
        }, None  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Whole files
# ---------------------------------------------------------------------------------------------


def _words(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){word}(?!\w)", text, flags=re.IGNORECASE) is not None


def plant_required_words(factory: ProviderFactory, providers: list[Json]) -> None:
    """Make sure the texts the search tests rely on exist, with fields that agree with them."""
    rng = factory.rng
    hvb = [p for p in providers if p["provider_type"] == "hvb"]
    order = list(GROUP_SENTENCES)

    def redo(p: Json, extra: Sequence[str]) -> None:
        p["description"] = factory.description(p, extra=extra, agency=p["_agency"])

    # flicka + självskadebeteende: at least 4 institutional homes for girls say both
    girls = [p for p in hvb if p["genders"] == ["flickor"] and p["age_max"] > 12]
    for p in rng.sample(girls, k=min(4, len(girls))):
        if "sjalvskadebeteende" not in p["target_groups"]:
            p["target_groups"] = sorted([*p["target_groups"], "sjalvskadebeteende"], key=order.index)
            if p["ivo_permit"] and rng.random() < 0.75:
                permit_groups = p["ivo_permit"]["target_groups"]
                if "sjalvskadebeteende" not in permit_groups:
                    permit_groups.append("sjalvskadebeteende")
        p["_planted"] = "flicka"
        redo(p, [rng.choice(GIRLS_SELF_HARM_SENTENCES)])

    # the exact word "mätt": exactly two institutional homes, nowhere else
    candidates = [p for p in hvb if "_planted" not in p]
    for p, sentence in zip(rng.sample(candidates, k=min(2, len(candidates))), MEAL_SENTENCES, strict=False):
        p["_planted"] = "mätt"
        redo(p, [sentence])

    def count(word: str) -> int:
        return sum(_words(p["description"], word) for p in providers)

    # top up singular "flicka", "självskadebeteende" and "missbruk" where chance fell short
    for word, group, sentence in (
        ("flicka", None, "Varje flicka har en egen kontaktperson."),
        ("självskadebeteende", "sjalvskadebeteende", GROUP_SENTENCES["sjalvskadebeteende"][1]),
        ("missbruk", "missbruk", "Den som har ett missbruk får stöd att hitta en drogfri vardag."),
    ):
        wanted = 12 if word != "missbruk" else 6
        pool = [
            p for p in hvb
            if "_planted" not in p and not _words(p["description"], word)
            and (group in p["target_groups"] if group else p["genders"] == ["flickor"])
        ]  # fmt: skip
        rng.shuffle(pool)
        while count(word) < wanted and pool:
            p = pool.pop()
            p["_planted"] = word
            redo(p, [sentence])


def generate_providers(n: int, seed: int, with_addresses: bool) -> tuple[list[Json], dict[str, list[float]]]:
    rng = random.Random(seed)
    factory = ProviderFactory(rng, unique_names=n <= FULL_VALIDATION_LIMIT)
    counts = type_counts(n)
    types = [t for t in (*TYPE_WEIGHTS, "sis_ungdomshem") for _ in range(counts[t])]
    rng.shuffle(types)
    non_sis = sum(1 for t in types if t != "sis_ungdomshem")
    per_county = max(1, min(8, n // 80)) if n >= 42 else 0
    plan = factory.municipality_plan(non_sis, per_county, per_county + per_county // 2)
    providers: list[Json] = []
    width = max(6, len(str(n)))
    plan_iter = iter(plan)
    for i, ptype in enumerate(types, start=1):
        muni_code = "0180" if ptype == "sis_ungdomshem" else next(plan_iter)
        providers.append(factory.provider(f"prv-{i:0{width}d}", ptype, muni_code))
    if n >= 200:
        plant_required_words(factory, providers)

    # location forms: exactly ADDRESS_LOCATIONS street addresses (institutional only), ~13% SWEREF 99 TM
    cache: dict[str, list[float]] = {}
    indices = list(range(len(providers)))
    address_ix: list[int] = []
    if with_addresses:
        by_type = [i for i in indices if providers[i]["provider_type"] in INSTITUTIONAL]
        address_ix = sorted(rng.sample(by_type, k=min(ADDRESS_LOCATIONS, len(by_type))))
        for i in address_ix:
            p = providers[i]
            loc = p["location"]
            cache[address_key(p["address"])] = [loc["lat"], loc["lon"]]
            p["location"] = {"address": p["address"]}
    taken = set(address_ix)
    rest = [i for i in indices if i not in taken]
    for i in rng.sample(rest, k=math.ceil(SWEREF_SHARE * len(providers))):
        loc = providers[i]["location"]
        northing, easting = wgs84_to_sweref99tm(loc["lat"], loc["lon"])
        providers[i]["location"] = {"sweref99tm": {"northing": round(northing, 2), "easting": round(easting, 2)}}
    for i in rest:
        loc = providers[i]["location"]
        if "lat" in loc and rng.random() < 0.3:
            loc["lat"], loc["lon"] = round(loc["lat"], 5), round(loc["lon"], 5)
    for p in providers:
        p.pop("_agency", None)
        p.pop("_planted", None)
    return providers, dict(sorted(cache.items()))


# providers_broken.jsonl, line by line: (1-based line number, id, kind). generate_broken() asserts that
# what it writes matches this list. Every bad record is otherwise a valid provider; "ok" lines are valid.
BROKEN_LINES: list[tuple[int, str, str]] = [
    (1, "ok-001", "ok"),
    (2, "bad-missing-name", "missing required field: name"),
    (3, "bad-unknown-target-group", "unknown vocabulary value: target_groups ['vampyrer']"),
    (4, "ok-002", "ok"),
    (5, "bad-age-range", "age_min above age_max (17 > 12)"),
    (6, "bad-latitude", "latitude out of range (lat 95)"),
    (7, "bad-two-location-forms", "two location forms (lat/lon plus address)"),
    (8, "ok-003", "ok"),
    (9, "bad-truncated-json", "invalid JSON (line truncated)"),
    (10, "bad-unknown-municipality", "unknown municipality code '9999'"),
    (11, "bad-county-mismatch", "county_code '14' does not match municipality 1280 (Malmö)"),
    (12, "", "empty line"),
    (13, "ok-004", "ok"),
    (14, "bad-vacancies-over-capacity", "vacancies above capacity (confidential familjehem)"),
    (15, "bad-unknown-field", "unknown field 'vacancy' (confidential jourhem)"),
    (16, "bad-address-not-cached", "address not in the geocoding cache (fails offline)"),
    (17, "bad-language", "bad language code 'xx'"),
    (18, "ok-005", "ok"),
]


def generate_broken(seed: int, cache: dict[str, list[float]], taken_names: set[str]) -> list[str]:  # noqa: C901 - split when the generator becomes a package
    """18 lines: bad records of every kind, each otherwise valid, with 5 good ``ok-`` records interleaved.

    Names do not repeat those in ``taken_names`` (providers.jsonl), so both files can share an index.
    """
    rng = random.Random(seed + 1)
    factory = ProviderFactory(rng, unique_names=True)
    factory.used_names.update(taken_names)

    def fresh(ptype: str, muni_code: str, new_id: str) -> Json:
        p = factory.provider(new_id, ptype, muni_code)
        p.pop("_agency", None)
        p["description"] = p["description"].replace("mätt", "nöjd")
        return p

    def as_line(obj: Json) -> str:
        return json.dumps(obj, ensure_ascii=False)

    def with_location_sweref(p: Json) -> Json:
        northing, easting = wgs84_to_sweref99tm(p["location"]["lat"], p["location"]["lon"])
        p["location"] = {"sweref99tm": {"northing": round(northing, 2), "easting": round(easting, 2)}}
        return p

    lines: list[tuple[str, str, str]] = []  # (id, kind, text)

    def good(new_id: str, ptype: str, muni_code: str, sweref: bool = False) -> None:
        p = fresh(ptype, muni_code, new_id)
        if sweref:
            with_location_sweref(p)
        lines.append((new_id, "ok", as_line(p)))

    def bad(new_id: str, kind: str, ptype: str, muni_code: str, change: Callable[[Json], Json | str]) -> None:
        changed = change(fresh(ptype, muni_code, new_id))
        lines.append((new_id, kind, changed if isinstance(changed, str) else as_line(changed)))

    def without(key: str) -> Callable[[Json], Json]:
        return lambda p: {k: v for k, v in p.items() if k != key}

    def setting(**values: Any) -> Callable[[Json], Json]:
        return lambda p: {**p, **values}

    address_missing = "Kvarngatan 7, 821 43 Bollnäs"
    assert address_key(address_missing) not in cache

    good("ok-001", "hvb", "0780")
    bad("bad-missing-name", "missing required field: name", "hvb", "1280", without("name"))
    bad("bad-unknown-target-group", "unknown vocabulary value: target_groups ['vampyrer']", "stodboende",
        "0380",
        setting(target_groups=["vampyrer"]))  # fmt: skip
    good("ok-002", "stodboende", "2480", sweref=True)
    bad("bad-age-range", "age_min above age_max (17 > 12)", "hvb", "0580", setting(age_min=17, age_max=12))
    bad("bad-latitude", "latitude out of range (lat 95)", "hvb", "1880",
        lambda p: {**p, "location": {"lat": 95.0, "lon": p["location"]["lon"]}})  # fmt: skip
    bad("bad-two-location-forms", "two location forms (lat/lon plus address)", "lss_bostad_barn", "1480",
        lambda p: {**p, "location": {**p["location"], "address": p["address"]}})  # fmt: skip
    good("ok-003", "familjehem", "2281")
    bad("bad-truncated-json", "invalid JSON (line truncated)", "hvb", "0680", lambda p: as_line(p)[:180])
    bad("bad-unknown-municipality", "unknown municipality code '9999'", "hvb", "1283",
        setting(municipality_code="9999", municipality="Påhittad"))  # fmt: skip
    bad("bad-county-mismatch", "county_code '14' does not match municipality 1280 (Malmö)", "hvb", "1280",
        setting(county_code="14"))  # fmt: skip
    lines.append(("", "empty line", ""))
    good("ok-004", "lss_bostad_barn", "2584", sweref=True)
    bad("bad-vacancies-over-capacity", "vacancies above capacity (confidential familjehem)", "familjehem",
        "0180",
        setting(capacity=2, vacancies=3))  # fmt: skip
    bad("bad-unknown-field", "unknown field 'vacancy' (confidential jourhem)", "jourhem", "1380",
        lambda p: {**p, "vacancy": 2})  # fmt: skip
    bad("bad-address-not-cached", "address not in the geocoding cache (fails offline)", "hvb", "2183",
        lambda p: {**p, "location": {"address": address_missing}, "address": address_missing})  # fmt: skip
    bad("bad-language", "bad language code 'xx'", "stodboende", "1980", setting(languages=["sv", "xx"]))
    good("ok-005", "hvb", "2580")

    written = [(number, line_id, kind) for number, (line_id, kind, _) in enumerate(lines, start=1)]
    if written != BROKEN_LINES:
        raise AssertionError("providers_broken.jsonl no longer matches BROKEN_LINES; update the list")
    for number, (_, kind, text) in enumerate(lines, start=1):
        if kind == "ok":
            SOURCE_LINE.validate_python(json.loads(text))
        elif kind in ("empty line", "invalid JSON (line truncated)"):
            if text.strip():
                try:
                    json.loads(text)
                except json.JSONDecodeError:
                    pass
                else:
                    raise AssertionError(f"broken line {number} ({kind}) parses as JSON")
        elif kind.startswith("address not in"):
            SOURCE_LINE.validate_python(json.loads(text))  # valid by schema; only geocoding rejects it
        else:
            try:
                SOURCE_LINE.validate_python(json.loads(text))
            except ValueError:
                pass
            else:
                raise AssertionError(f"broken line {number} ({kind}) unexpectedly validates")
    return [text for _, _, text in lines]


def generate_schools(n: int, seed: int) -> list[Json]:
    rng = random.Random(seed + 2)
    munis = municipalities()
    codes = sorted(munis)
    weights = [float(POPULATION_K.get(c, DEFAULT_POPULATION)) ** 0.9 for c in codes]
    plan = [c for c, _ in CURATED_SCHOOLS]
    names = [name for _, name in CURATED_SCHOOLS]
    for county in sorted(counties()):
        in_county = [(c, w) for c, w in zip(codes, weights, strict=True) if c[:2] == county]
        for _ in range(3):
            plan.append(weighted(rng, in_county))
            names.append("")
    while len(plan) < n:
        plan.append(rng.choices(codes, weights=weights, k=1)[0])
        names.append("")
    used_pairs: set[tuple[str, str]] = set()
    used_codes: set[str] = set()
    curated_names = {name for _, name in CURATED_SCHOOLS}
    schools: list[Json] = []
    for code, fixed in zip(plan, names, strict=True):
        muni = munis[code]
        name = fixed
        while not name or (name, code) in used_pairs or (not fixed and name in curated_names):
            roll = rng.random()
            prefix = rng.choice(SCHOOL_PREFIXES)
            if roll < 0.6:
                name = f"{prefix}skolan{rng.choice(SCHOOL_GRADES)}"
            elif roll < 0.72:
                name = f"{rng.choice(GYMNASIUM_PREFIXES)}gymnasiet"
            elif roll < 0.8:
                name = rng.choice(("Östra", "Västra", "Norra", "Södra")) + rng.choice((" skolan", " gymnasiet"))
            elif roll < 0.86:
                name = f"Montessoriskolan {rng.choice(NAME_STANDALONE)}"
            elif roll < 0.92:
                name = rng.choice(("Internationella Engelska Skolan", "Kunskapsskolan", "Friskolan")) + f" {muni.seat}"
            else:
                name = rng.choice(("Centralskolan", "Kyrkskolan", "Tätortsskolan", "Byskolan"))
        used_pairs.add((name, code))
        unit_code = f"{rng.randint(10_000_000, 99_999_999)}"
        while unit_code in used_codes:
            unit_code = f"{rng.randint(10_000_000, 99_999_999)}"
        used_codes.add(unit_code)
        lat, lon = offset_point(rng, muni.lat, muni.lon, SCHOOL_RADIUS_KM)
        northing, easting = wgs84_to_sweref99tm(lat, lon)
        schools.append({
            "school_unit_code": unit_code,
            "name": name,
            "municipality_code": code,
            "municipality": muni.name,
            "sweref99tm": {"northing": round(northing, 2), "easting": round(easting, 2)},
        })  # fmt: skip
    schools.sort(key=lambda s: (s["municipality_code"], s["name"]))
    return schools


# ---------------------------------------------------------------------------------------------
# Checks and output
# ---------------------------------------------------------------------------------------------


def validate(providers: Sequence[Json]) -> int:
    limit = len(providers) if len(providers) <= FULL_VALIDATION_LIMIT else SAMPLE_VALIDATION
    for line_no, p in enumerate(providers[:limit], start=1):
        try:
            SOURCE_LINE.validate_python(p)
        except ValueError as exc:
            raise SystemExit(f"generated provider on line {line_no} ({p.get('id')}) is invalid:\n{exc}") from exc
    return limit


def check_main_requirements(providers: Sequence[Json], cache: dict[str, list[float]]) -> None:
    """Fail loudly when the fixtures lose a property the tests depend on."""
    problems: list[str] = []
    descriptions = [p["description"] for p in providers]
    self_harm = sum(_words(d, "självskadebeteende") for d in descriptions)
    girl = sum(_words(d, "flicka") for d in descriptions)
    both = sum(_words(d, "självskadebeteende") and _words(d, "flicka") for d in descriptions)
    abuse = sum(_words(d, "missbruk") for d in descriptions)
    mätt = sum(_words(d, "mätt") for d in descriptions)
    if self_harm < 10 or girl < 10 or both < 3 or abuse < 5:
        problems.append(f"word counts: självskadebeteende {self_harm}, flicka {girl}, both {both}, missbruk {abuse}")
    if mätt != 2 or sum("mätt" in d.lower() for d in descriptions) != 2:
        problems.append(f"'mätt' in {mätt} descriptions, want exactly 2")
    lines = [json.dumps(p, ensure_ascii=False).lower() for p in providers]
    if any("matt" in line for line in lines):
        problems.append("some record contains 'matt'")
    if {p["county_code"] for p in providers} != set(counties()):
        problems.append("not every county has a provider")
    if {p["provider_type"] for p in providers} != {*TYPE_WEIGHTS, "sis_ungdomshem"}:
        problems.append("not every provider type is present")
    forms = Counter(next(iter(p["location"])) for p in providers)
    if forms["address"] != ADDRESS_LOCATIONS or forms["sweref99tm"] < 0.12 * len(providers):
        problems.append(f"location forms {dict(forms)}")
    if len(cache) != ADDRESS_LOCATIONS:
        problems.append(f"geocoding cache has {len(cache)} entries")
    if len({p["id"] for p in providers}) != len(providers) or len({p["name"] for p in providers}) != len(providers):
        problems.append("ids or names are not unique")
    munis = municipalities()
    for p in providers:
        loc = p["location"]
        if "lat" in loc:
            m = munis[p["municipality_code"]]
            if distance_km(m.lat, m.lon, loc["lat"], loc["lon"]) > PROVIDER_RADIUS_KM + 0.5:
                problems.append(f"{p['id']} lies too far from its municipality seat")
    if problems:
        raise SystemExit("fixture requirements not met:\n  " + "\n  ".join(problems))


def write_jsonl(path: Path, rows: Sequence[Json]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False))
            f.write("\n")


def summarize(providers: Sequence[Json]) -> str:
    types = Counter(p["provider_type"] for p in providers)
    county_counts = Counter(p["county_code"] for p in providers)
    forms = Counter(next(iter(p["location"])) for p in providers)
    n = len(providers)
    form_text = ", ".join(f"{k} {v} ({v / n:.1%})" for k, v in sorted(forms.items()))
    return (
        f"  types: {', '.join(f'{t} {c}' for t, c in types.most_common())}\n"
        f"  counties: {', '.join(f'{c}:{county_counts[c]}' for c in sorted(county_counts))}\n"
        f"  location forms: {form_text}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write Placeringssök's deterministic fixtures: fictional providers, bad lines, schools.",
    )
    parser.add_argument(
        "--providers", type=int, default=None,
        help=f"write ONLY providers.jsonl with this many providers (benchmarks); default: all fixtures with "
             f"{DEFAULT_PROVIDERS} providers",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=REPO / "fixtures", help="output folder (default: fixtures/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--schools", type=int, default=DEFAULT_SCHOOLS, help="number of school units")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out: Path = args.out
    only_providers = args.providers is not None
    n = args.providers if only_providers else DEFAULT_PROVIDERS
    if n < 1:
        parser.error("--providers must be at least 1")

    providers, cache = generate_providers(n, args.seed, with_addresses=not only_providers)
    checked = validate(providers)
    if not only_providers:
        check_main_requirements(providers, cache)
    write_jsonl(out / "providers.jsonl", providers)
    print(f"wrote {out / 'providers.jsonl'}: {len(providers)} providers (validated {checked})")
    print(summarize(providers))
    if not only_providers:
        cache_path = out / "geocoding-cache.json"
        cache_path.write_text(json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"wrote {cache_path}: {len(cache)} addresses")
        broken = generate_broken(args.seed, cache, {p["name"] for p in providers})
        broken_path = out / "providers_broken.jsonl"
        broken_path.write_text("".join(line + "\n" for line in broken), encoding="utf-8")
        print(f"wrote {broken_path}: {len(broken)} lines")
        for number, line_id, kind in BROKEN_LINES:
            print(f"  line {number:2d}: {line_id or '-':28s} {kind}")
        schools = generate_schools(args.schools, args.seed)
        write_jsonl(out / "schools.jsonl", schools)
        school_counties = len({s["municipality_code"][:2] for s in schools})
        print(f"wrote {out / 'schools.jsonl'}: {len(schools)} school units in {school_counties} counties")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
