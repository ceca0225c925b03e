"""The IVO permit rule both sides share: which homes need a permit at all.

A home run privately or by a non-profit organisation (``enskild``, ``ideell``) needs an IVO permit for
HVB, stödboende, LSS homes for children and skyddat boende. Municipal homes, SiS and family homes do
not; for them "the permit covers the child" is not a question (``covered`` is None in the API).
"""

from __future__ import annotations

PERMIT_REQUIRED_OWNERSHIP = frozenset({"enskild", "ideell"})
PERMIT_REQUIRED_TYPES = frozenset({"hvb", "stodboende", "lss_bostad_barn", "skyddat_boende"})


def permit_required(provider_type: str, ownership: str) -> bool:
    return provider_type in PERMIT_REQUIRED_TYPES and ownership in PERMIT_REQUIRED_OWNERSHIP
