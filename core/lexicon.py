"""simplemma's Swedish lexicon, decoded once per installation and then read in place.

simplemma ships its lexicon compressed and front-coded: every process that lemmatises decodes it
first, which costs half a second and 100 MB as a dict (a third of a second and 15 MB read as a
stream). That is most of what a sync of a few records costs. So the first process decodes it once
into four files beside the installed packages (``<venv>/var/placeringssok/``, named by simplemma's
version): the keys sorted in one blob, the values in another, their offsets, and every 64th key for
the binary search. Later processes map them: nothing is decoded, and a word costs one
``searchsorted`` and a split of 64 keys. Where the files cannot be written, the stream reader serves.

The content is simplemma's own, entry for entry, and simplemma's lemmatisation runs over it
unchanged (``SwedishLexicon`` is its ``DictionaryFactory``), so the analysis is the same either way.
"""

from __future__ import annotations

import mmap
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import simplemma
from numpy.typing import NDArray
from simplemma.strategies.dictionaries.dictionary_factory import (
    DEFAULT_DICTIONARY_FACTORY,
    DecodedStrMapping,
    DictionaryFactory,
)
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

LANG = "sv"
_BLOCK = 64
_SEPARATOR = b"\n"


def lexicon_dir() -> Path:
    return Path(sys.prefix) / "var" / "placeringssok" / f"simplemma-{simplemma.__version__}-{LANG}-v2"


class MappedLexicon(DecodedStrMapping):
    """The decoded lexicon in four mapped files: str -> str, as simplemma's dict answers."""

    __slots__ = ("_firsts", "_key_offsets", "_keys", "_value_offsets", "_values")

    def __init__(self, folder: Path) -> None:
        self._firsts: NDArray[np.bytes_] = np.load(folder / "firsts.npy")
        self._keys = _mapped(folder / "keys.bin")
        self._values = _mapped(folder / "values.bin")
        # Plain arrays over the mappings: a numpy memmap costs microseconds a slice.
        self._key_offsets = np.frombuffer(_mapped(folder / "key_offsets.bin"), dtype=np.int64)
        self._value_offsets = np.frombuffer(_mapped(folder / "value_offsets.bin"), dtype=np.int64)

    def _block(self, block: int) -> list[bytes]:
        first = block * _BLOCK
        last = min(first + _BLOCK, len(self._key_offsets) - 1)
        start, end = int(self._key_offsets[first]), int(self._key_offsets[last])
        # Offsets count the separator after each key; the block's last one is dropped.
        return self._keys[start : end - 1].split(_SEPARATOR)

    def _lookup(self, key: str) -> str | None:
        wanted = key.encode()
        block = int(np.searchsorted(self._firsts, wanted, side="right")) - 1
        if block < 0:
            return None
        keys = self._block(block)
        try:
            at = block * _BLOCK + keys.index(wanted)
        except ValueError:
            return None
        return self._values[int(self._value_offsets[at]) : int(self._value_offsets[at + 1])].decode()

    def __iter__(self) -> Iterator[str]:
        for block in range(len(self._firsts)):
            for key in self._block(block):
                yield key.decode()

    def __len__(self) -> int:
        return len(self._key_offsets) - 1


def _mapped(path: Path) -> mmap.mmap | bytes:
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""  # an empty file cannot be mapped
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def write_lexicon(folder: Path, entries: Mapping[str, str]) -> None:
    """The four files of ``MappedLexicon`` for ``entries``, written to ``folder`` (made here)."""
    pairs = sorted((key.encode(), value.encode()) for key, value in entries.items())
    if any(_SEPARATOR in key for key, _ in pairs):
        raise ValueError("a lexicon key holds the separator")
    keys = [key for key, _ in pairs]
    key_lengths = np.array([len(key) + 1 for key in keys], dtype=np.int64)
    value_lengths = np.array([len(value) for _, value in pairs], dtype=np.int64)
    folder.mkdir(parents=True)
    (folder / "keys.bin").write_bytes(b"".join(key + _SEPARATOR for key in keys))
    (folder / "key_offsets.bin").write_bytes(np.concatenate([[0], np.cumsum(key_lengths)]).astype(np.int64).tobytes())
    (folder / "values.bin").write_bytes(b"".join(value for _, value in pairs))
    (folder / "value_offsets.bin").write_bytes(
        np.concatenate([[0], np.cumsum(value_lengths)]).astype(np.int64).tobytes()
    )
    np.save(folder / "firsts.npy", np.array(keys[::_BLOCK], dtype=np.bytes_))


def _decoded_once(folder: Path) -> bool:
    """Decode simplemma's lexicon into ``folder``; False if it cannot be written there."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".lexicon-", dir=folder.parent))
    except OSError:
        return False
    try:
        write_lexicon(building / "lexicon", DEFAULT_DICTIONARY_FACTORY.get_dictionary(LANG))
        os.replace(building / "lexicon", folder)  # one rename: a reader sees all four files or none
    except OSError:
        return folder.is_dir()  # another process got there first, or the disk is full or read-only
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return True


class SwedishLexicon(DictionaryFactory):
    """simplemma's dictionary factory for Swedish: the mapped files, decoded on first use."""

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        if lang != LANG:
            raise ValueError(f"only the Swedish lexicon ({LANG}) is read here")
        return _dictionary()


@lru_cache(maxsize=1)
def _dictionary() -> Mapping[str, str]:
    folder = lexicon_dir()
    if folder.is_dir() or _decoded_once(folder):
        try:
            return MappedLexicon(folder)
        except (OSError, ValueError):
            pass  # damaged files: read the shipped lexicon instead
    return StreamMap(LANG)


if __name__ == "__main__":  # `make setup` decodes it once, so no first command pays for it
    print(f"Swedish lexicon: {len(_dictionary())} entries ({type(_dictionary()).__name__}, {lexicon_dir()})")
