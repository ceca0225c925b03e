"""Search-as-you-type: provider names, target groups, methods and municipalities."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from core.geography import municipalities
from core.vocabularies import LABELS
from search_api.backends import SearchBackend
from search_api.deps import BackendDep, RoleDep
from search_api.plan import Role, visible_types

router = APIRouter(prefix="/v1/suggest", tags=["suggest"])


class Suggestion(BaseModel):
    kind: Literal["provider", "target_group", "method", "municipality"]
    text: str
    value: str


class SuggestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=100)
    limit: int = Field(default=8, ge=1, le=20)


def _starts_a_word(text: str, needle: str) -> bool:
    return any(word.startswith(needle) for word in text.lower().replace("(", " ").split())


async def suggestions(q: str, limit: int, role: Role, backend: SearchBackend) -> list[Suggestion]:
    needle = q.strip().lower()
    if not needle:
        return []
    found: list[Suggestion] = []
    for value, text in LABELS["target_groups"].items():
        if _starts_a_word(text, needle):
            found.append(Suggestion(kind="target_group", text=text, value=value))
    for value, text in LABELS["methods"].items():
        if _starts_a_word(text, needle):
            found.append(Suggestion(kind="method", text=text, value=value))
    for code, municipality in municipalities().items():
        if _starts_a_word(municipality.name, needle):
            found.append(Suggestion(kind="municipality", text=f"{municipality.name} kommun", value=code))
    names = await backend.suggest_names(needle.split()[0], visible_types(role), limit)
    found += [Suggestion(kind="provider", text=n, value=n) for n in names if needle in n.lower()]
    return found[:limit]


@router.get("", response_model=list[Suggestion], summary="Suggestions as the caseworker types")
async def suggest(
    q: Annotated[str, Query(min_length=1, max_length=100)],
    role: RoleDep,
    backend: BackendDep,
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> list[Suggestion]:
    return await suggestions(q, limit, role, backend)


@router.post("", response_model=list[Suggestion], summary="Suggestions (POST: typed text stays out of URLs)")
async def suggest_post(body: SuggestQuery, role: RoleDep, backend: BackendDep) -> list[Suggestion]:
    return await suggestions(body.q, body.limit, role, backend)
