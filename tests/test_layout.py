"""The folders tell the data flow; these tests keep the imports honest about it.

Every ``import`` in the product (module level or inside a function: a lazy import is still a
dependency) is read with ``ast`` and checked against the boundaries the README's layout section draws.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "engines", "indexer", "search_api")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, relative imports resolved against its package."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield module
            # "from engines.embedded import writer" imports the module engines.embedded.writer.
            yield from (f"{module}.{alias.name}" for alias in node.names)


def _imports() -> dict[str, set[str]]:
    return {_module_name(path): set(_imported(path)) for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


IMPORTS = _imports()


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


# An engine's reading side: its search, and the modules of it kept apart (the text compiler; the
# embedded engine's snapshot, its filters inside text queries, its page).
ENGINE_QUERY_MODULES = ("search", "text_query", "article_search", "snapshot", "narrowing", "page")


def _is_engine_query_module(module: str) -> bool:
    return module.startswith("engines.") and module.rsplit(".", 1)[-1] in ENGINE_QUERY_MODULES


def _is_query_side(module: str) -> bool:
    return _within(module, "search_api") or _is_engine_query_module(module)


def _is_index_side(module: str) -> bool:
    return _within(module, "indexer") or (
        module.startswith("engines.") and module.count(".") >= 2 and not _is_engine_query_module(module)
    )


def _is_engine_writing(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 3 and parts[0] == "engines" and parts[2] in {"writer", "target", "lock"}


def _violations(applies: Callable[[str], bool], forbidden: Callable[[str], bool]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in IMPORTS.items()
        if applies(module)
        for target in targets
        if forbidden(target)
    )


def test_the_import_reader_sees_the_imports_it_checks() -> None:
    """Guards the guard: the boundaries below would pass vacuously if nothing were read."""
    assert "search_api.plan" in IMPORTS["engines.embedded.search"]
    assert "engines.embedded.search" in IMPORTS["search_api.backends"]  # a lazy import, inside make_backend
    assert "engines.embedded.writer" in IMPORTS["engines.embedded.target"]
    assert any(_within(target, "core") for target in IMPORTS["indexer.cli"])
    assert _is_query_side("engines.elasticsearch.search") and _is_query_side("search_api.routes.providers")
    assert _is_index_side("engines.embedded.writer") and not _is_index_side("engines.embedded.search")
    assert _is_engine_writing("engines.elasticsearch.target.ElasticsearchTarget")


def test_the_query_side_imports_no_indexer_writer_cli_or_job() -> None:
    assert _violations(_is_query_side, lambda t: _within(t, "indexer") or _is_engine_writing(t)) == []


def test_the_index_side_imports_nothing_of_the_query_side() -> None:
    assert _violations(_is_index_side, lambda t: _within(t, "search_api")) == []


def test_elasticsearch_code_imports_nothing_of_the_embedded_engine() -> None:
    forbidden = {"engines.embedded", "tantivy"}
    assert (
        _violations(
            lambda m: _within(m, "engines.elasticsearch"), lambda t: any(_within(t, name) for name in forbidden)
        )
        == []
    )


@pytest.mark.parametrize("other", ["indexer", "engines", "search_api"])
def test_core_imports_neither_side(other: str) -> None:
    assert _violations(lambda m: _within(m, "core"), lambda t: _within(t, other)) == []
