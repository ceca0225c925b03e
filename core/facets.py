"""The one list of facets: what a search can count and select, and where each one lives.

Everything else derives from ``FACETS``: the criteria's ``facets`` values and defaults, the plan's
selections, the response's selected values and labels, the embedded engine's keyword and
multi-valued columns, the Elasticsearch aggregations, the iframe's facet list and the search box's
checkbox groups (the API writes them into the script it serves). Adding a facet is one row here plus
its field in ``mappings/providers.json`` (and the document field, if it is new);
``tests/test_facets.py`` checks the rest agree.

Order matters: it is the order of the embedded engine's tantivy schema and columns, so an index
written before a change stays readable. Add new rows at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FacetName = Literal[
    "provider_type",
    "target_groups",
    "methods",
    "languages",
    "ownership",
    "county_code",
    "municipality_code",
    "legal_bases",
    "assignments",
    "genders",
    "framework_agreements",
    "has_vacancy",
    "vacancy_status",
]
# status: no indexed field; counted and selected by the vacancy status each search computes.
FacetKind = Literal["keyword", "multi", "flag", "status"]


@dataclass(frozen=True, slots=True)
class Facet:
    name: FacetName
    # The indexed document's field it counts.
    field: str
    # keyword: one value per document; multi: a list; flag: true/false.
    kind: FacetKind
    # The SearchCriteria field that selects values (any of them; a flag selects one), None if there is none.
    selection: str | None
    # Where value labels come from: a vocabulary of ``core.vocabularies.LABELS``, or "county",
    # "municipality", "language"; None when values label themselves (framework agreements).
    labels: str | None
    # Its heading in the search box (Swedish).
    legend: str
    # Counted when a request names no facets.
    default: bool = False
    # Counted and selected by the vacancy status computed per search (``core.vacancies``: ja, nej,
    # okänd by the TTL), never by an indexed field, so a confirmation expires without a reindex.
    by_status: bool = False

    @property
    def multi_select(self) -> bool:
        """Shown as a group of checkboxes: values are picked freely (a flag is a single toggle)."""
        return self.selection is not None and self.kind != "flag"

    @property
    def free_values(self) -> bool:
        """The providers' own text, from no vocabulary: a selected value is never echoed back."""
        return self.labels is None


FACETS: tuple[Facet, ...] = (
    Facet("provider_type", "provider_type", "keyword", "provider_types", "provider_type", "Verksamhetsform", True),
    Facet("target_groups", "target_groups", "multi", "target_groups", "target_groups", "Målgrupp", True),
    Facet("methods", "methods", "multi", "methods", "methods", "Behandlingsmetod", True),
    Facet("languages", "languages", "multi", "languages", "language", "Språk", True),
    Facet("ownership", "ownership", "keyword", "ownership", "ownership", "Driftsform"),
    Facet("county_code", "county_code", "keyword", "county_codes", "county", "Län", True),
    Facet("municipality_code", "municipality_code", "keyword", "municipality_codes", "municipality", "Kommun"),
    Facet("legal_bases", "legal_bases", "multi", "legal_bases", "legal_bases", "Lagrum"),
    Facet("assignments", "assignments", "multi", "assignments", "assignments", "Uppdrag"),
    # The child's gender is a filter (``gender``), not a selection: this facet only counts.
    Facet("genders", "genders", "multi", None, "genders", "Kön"),
    Facet("framework_agreements", "framework_agreements", "multi", "framework_agreements", None, "Ramavtal"),
    Facet("has_vacancy", "has_vacancy", "flag", "has_vacancy", "has_vacancy", "Lediga platser", True, True),
    Facet("vacancy_status", "vacancy_status", "status", "vacancy_status", "vacancy_status", "Platsläge", True, True),
)
FACET_BY_NAME: dict[str, Facet] = {facet.name: facet for facet in FACETS}
# The facets a request can select values of, with their criteria field (every search walks these).
SELECTIONS: tuple[tuple[Facet, str], ...] = tuple(
    (facet, facet.selection) for facet in FACETS if facet.selection is not None
)
DEFAULT_FACETS: tuple[FacetName, ...] = tuple(facet.name for facet in FACETS if facet.default)
STATUS_FACETS: frozenset[str] = frozenset(facet.name for facet in FACETS if facet.by_status)
