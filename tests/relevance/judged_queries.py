"""The judged relevance set: realistic caseworker queries over the fixture homes, each with graded
judgements (3 = what the caseworker is looking for, 2 = a good fit, 1 = related, 0 = not relevant).

A judgement is a rule over the home as the register holds it (placement form, target groups,
genders, languages, methods, place, and what its description says), written by reading the query
as a caseworker means it, never from what a search returns. Rules rather than lists of ids keep the
judgements right when the fixtures are regenerated; ``judgements()`` applies them.
``scripts/bench_relevance.py`` scores each backend and the old analysis against them, and the
conformance suite checks that both backends return the same total for every query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Judged:
    q: str
    grade: Callable[[Record], int]


def groups(r: Record, *wanted: str) -> bool:
    return any(g in r["target_groups"] for g in wanted)


def kind(r: Record, *wanted: str) -> bool:
    return r["provider_type"] in wanted


def says(r: Record, pattern: str) -> bool:
    return re.search(pattern, f"{r['name']} {r['description']}", re.IGNORECASE) is not None


def takes(r: Record, gender: str) -> bool:
    return gender in r["genders"]


def speaks(r: Record, code: str) -> bool:
    return code in r["languages"]


def uses(r: Record, method: str) -> bool:
    return method in r["methods"]


def first(*rules: tuple[bool, int]) -> int:
    """The grade of the first rule that holds, else 0."""
    return next((grade for holds, grade in rules if holds), 0)


def _target_group(group: str, prose: str) -> Callable[[Record], int]:
    return lambda r: first((groups(r, group) and says(r, prose), 3), (groups(r, group), 3), (says(r, prose), 1))


def _form(provider_type: str, *related: str) -> Callable[[Record], int]:
    return lambda r: first((kind(r, provider_type), 3), (kind(r, *related), 2))


def _language(code: str) -> Callable[[Record], int]:
    return lambda r: first((speaks(r, code), 3))


def _group_for(group: str, gender: str, prose: str) -> Callable[[Record], int]:
    return lambda r: first(
        (groups(r, group) and takes(r, gender), 3),
        (groups(r, group) and takes(r, "alla"), 2),
        (groups(r, group), 1),
        (says(r, prose), 1),
    )


FAMILY_HOMES = ("konsulentstott_familjehem",)

QUERIES: tuple[Judged, ...] = (
    Judged("missbruk", _target_group("missbruk", r"missbruk")),
    Judged("missbrk", _target_group("missbruk", r"missbruk")),
    Judged("drogproblem", _target_group("missbruk", r"drog|missbruk")),
    Judged("killar missbruk", _group_for("missbruk", "pojkar", r"missbruk")),
    Judged("tjejer självskadebeteende", _group_for("sjalvskadebeteende", "flickor", r"självskad")),
    Judged("självskadande flickor", _group_for("sjalvskadebeteende", "flickor", r"självskad")),
    Judged("npf pojkar", _group_for("npf", "pojkar", r"npf|neuropsyk")),
    Judged("hedersrelaterat våld", _target_group("hedersrelaterat", r"heder")),
    Judged("heder", _target_group("hedersrelaterat", r"heder")),
    Judged("hedersförtryck", _target_group("hedersrelaterat", r"heder")),
    Judged("våld i nära relation", _target_group("vald_i_nara_relation", r"våld i nära")),
    Judged("gängkriminalitet", lambda r: first((groups(r, "gangrelaterat"), 3), (says(r, r"gäng"), 2))),
    Judged("kriminalitet", lambda r: first((groups(r, "kriminalitet", "gangrelaterat"), 3), (says(r, r"krimin"), 2))),
    Judged("normbrytande beteende", _target_group("normbrytande", r"normbryt")),
    Judged("ensamkommande", _target_group("ensamkommande", r"ensamkommande")),
    Judged("autism", lambda r: first((groups(r, "npf") and says(r, "autism"), 3), (groups(r, "npf"), 2))),
    Judged("adhd", lambda r: first((groups(r, "npf") and says(r, "adhd"), 3), (groups(r, "npf"), 2))),
    Judged(
        "utvecklingsstörning", lambda r: first((groups(r, "utvecklingsstorning"), 3), (kind(r, "lss_bostad_barn"), 1))
    ),
    Judged("ätstörning", _target_group("atstorning", r"ätstör")),
    Judged("anorexi", _target_group("atstorning", r"ätstör|anorexi")),
    Judged("trauma", _target_group("trauma", r"traum")),
    Judged("sexuella övergrepp", _target_group("sexuella_overgrepp", r"övergrepp")),
    Judged("psykiatri", _target_group("psykiatri", r"psykiatri")),
    Judged("förälder med barn", _target_group("foralder_med_barn", r"förälder med barn")),
    Judged("familjehem", _form("familjehem", *FAMILY_HOMES)),
    Judged("fosterhem", _form("familjehem", *FAMILY_HOMES)),
    Judged("nätverkshem", _form("familjehem", *FAMILY_HOMES)),
    Judged("jourhem", _form("jourhem")),
    Judged("jourfamilj", _form("jourhem")),
    Judged("konsulentstött familjehem", _form("konsulentstott_familjehem", "familjehem")),
    Judged("behandlingshem", _form("hvb")),
    Judged("skyddat boende", _form("skyddat_boende")),
    Judged("kvinnojour", _form("skyddat_boende")),
    Judged("SiS ungdomshem", _form("sis_ungdomshem")),
    Judged("§12-hem", _form("sis_ungdomshem")),
    Judged("ungdomsvårdsskola", _form("sis_ungdomshem")),
    Judged("stödboende", _form("stodboende")),
    Judged("stödlägenhet", _form("stodboende")),
    Judged("LSS-boende", _form("lss_bostad_barn")),
    Judged(
        "behandlingshem missbruk",
        lambda r: first((kind(r, "hvb") and groups(r, "missbruk"), 3), (kind(r, "hvb") and says(r, "missbruk"), 2)),
    ),
    Judged("arabiska", _language("ar")),
    Judged("somaliska", _language("so")),
    Judged("dari", _language("prs")),
    Judged("persiska", _language("fa")),
    Judged(
        "ensamkommande arabiska",
        lambda r: first((groups(r, "ensamkommande") and speaks(r, "ar"), 3), (speaks(r, "ar"), 1)),
    ),
    Judged("KBT", lambda r: first((uses(r, "KBT"), 3), (uses(r, "TF-KBT"), 2))),
    Judged("DBT", lambda r: first((uses(r, "DBT"), 3))),
    Judged("MultifunC", lambda r: first((uses(r, "MultifunC"), 3))),
    Judged(
        "lågaffektivt bemötande", lambda r: first((uses(r, "lagaffektivt_bemotande"), 3), (says(r, "lågaffekt"), 2))
    ),
    Judged("motiverande samtal", lambda r: first((uses(r, "MI"), 3), (says(r, "motiverande samtal"), 3))),
    Judged("Umeå", lambda r: first((r["municipality_code"] == "2480", 3))),
    Judged("stödboende Malmö", lambda r: first((kind(r, "stodboende") and r["municipality_code"] == "1280", 3))),
)


def judgements(records: list[Record]) -> dict[str, dict[str, int]]:
    """Query -> {provider id: grade} for every home graded above 0."""
    return {j.q: {r["id"]: g for r in records if (g := j.grade(r)) > 0} for j in QUERIES}
