"""What the API writes to the caseworkers' audit log (``core.audit``): one entry per caseworker
request that opens providers or shows them on a page; the subject, organisation, route and provider
ids, never the criteria."""

from __future__ import annotations

from fastapi import Request

from core.audit import AuditEntry, AuditLog
from search_api.deps import Principal


def audit(request: Request, principal: Principal, provider_ids: list[str], status: int = 200) -> None:
    """Record a caseworker's request before it is answered; raises ``AuditUnavailable`` (503) if it
    cannot be recorded, so no caseworker sees a home the review would not know about."""
    if principal.role != "caseworker":
        return
    log: AuditLog = request.app.state.audit
    route = request.scope.get("route")
    log.append(
        AuditEntry(
            subject=principal.subject or "-",
            organisation=principal.organisation,
            via=principal.via,
            route=str(getattr(route, "path", request.url.path)),
            method=request.method,
            status=status,
            providers=provider_ids,
        )
    )
