"""The stored documents of a page, read together, are each row's document as read alone."""

from __future__ import annotations

from pathlib import Path

import orjson

from engines.embedded.sources import SourceStore, SourceWriter


def _write(folder: Path, first_row: int, documents: list[dict[str, object]]) -> None:
    writer = SourceWriter(folder, first_row)
    writer.append([orjson.dumps(d) for d in documents])
    writer.close()


def test_a_page_of_one_part_reads_each_rows_document(tmp_path: Path) -> None:
    _write(tmp_path, 0, [{"id": f"p{i}", "name": "x" * i} for i in range(30)])
    store = SourceStore.open(tmp_path)
    rows = [29, 0, 7, 7, 12]
    assert store.documents(rows) == [store.document(r) for r in rows]
    assert [d["id"] for d in store.documents(rows)] == ["p29", "p0", "p7", "p7", "p12"]
    assert store.documents([]) == []


def test_a_page_across_parts_and_appended_rows(tmp_path: Path) -> None:
    _write(tmp_path, 0, [{"id": f"a{i}"} for i in range(5)])
    _write(tmp_path, 5, [{"id": f"b{i}"} for i in range(4)])
    store = SourceStore.open(tmp_path).with_appended({9: orjson.dumps({"id": "c0"})})
    assert store.built_rows == 9
    rows = [9, 4, 5, 0, 8]
    assert [d["id"] for d in store.documents(rows)] == ["c0", "a4", "b0", "a0", "b3"]
    one_part = SourceStore(store.parts[:1]).with_appended({5: orjson.dumps({"id": "d0"})})
    assert [d["id"] for d in one_part.documents([5, 1])] == ["d0", "a1"]
