"""One home, looked up for a caller: the single place that decides 404 or 403 for a provider id.

Callers use ids exactly as search hits return them (opaque public ids, ``search_api.public_ids``);
the vacancy ledger, the engines and provider keys' ``providers`` lists use register ids.
``HomeIds`` turns one into the other, and ``visible_home`` resolves through the backend's ``get``.
A provider key sees only its own homes; for any other home it gets 403 when the home is public
anyway (an HVB in the register) and 404 when the id may not be known to exist (a family home), the
same 404 as for an id nobody has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from core.documents import StoredProvider
from core.public_ids import PUBLIC_ID_PATTERN, PublicIds
from core.vocabularies import INSTITUTIONAL_TYPES
from search_api.backends import SearchBackend
from search_api.deps import Principal
from search_api.plan import visible_types

ProviderId = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._:-]{0,107}$", description="The id of a search hit.")
]
ALL_TYPES = visible_types("provider")
PUBLIC_TYPES = frozenset(str(t) for t in INSTITUTIONAL_TYPES)
NOT_VISIBLE = "no provider with that id is visible to you; take ids from search hits"
assert PUBLIC_ID_PATTERN  # the path pattern above admits every public id


class HomeIds:
    """Public ids (what callers see) to register ids (what the ledger and engines hold), and back."""

    def __init__(self, ids: PublicIds | None) -> None:
        self.ids = ids

    def register(self, shown: str) -> str | None:
        return self.ids.register(shown) if self.ids is not None else shown

    def shown(self, register_id: str) -> str:
        return self.ids.public(register_id) if self.ids is not None else register_id


async def home_ids_dep(request: Request) -> HomeIds:
    ids: PublicIds | None = request.app.state.public_ids  # set once by search_api.app.create_app
    return HomeIds(ids)


HomeIdsDep = Annotated[HomeIds, Depends(home_ids_dep)]


@dataclass(frozen=True, slots=True)
class Home:
    source: StoredProvider
    register_id: str


async def visible_home(principal: Principal, shown_id: str, backend: SearchBackend, ids: HomeIds) -> Home:
    """The home as indexed, if the caller may see it; else 404 or 403 that tell no more than allowed."""
    register_id = ids.register(shown_id)
    if register_id is None:
        raise HTTPException(404, NOT_VISIBLE)
    if principal.role == "provider":
        source = await backend.get(shown_id, ALL_TYPES)
        if principal.answers_for(register_id) and source is not None:
            return Home(source, register_id)
        if source is not None and source["provider_type"] in PUBLIC_TYPES:
            raise HTTPException(403, "this key does not answer for that provider; use that home's own key")
        raise HTTPException(404, NOT_VISIBLE)
    source = await backend.get(shown_id, visible_types(principal.role))
    if source is None:
        raise HTTPException(404, NOT_VISIBLE)
    return Home(source, register_id)
