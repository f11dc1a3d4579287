"""``python -m tools env add|remove NAME``: dev environments on shared Atlas cluster slots.

The allocation lives in the dev stack file under ``platform:atlas.shared`` so that it is stable from
run to run. These functions edit that section in place with ruamel.yaml's round-trip mode: comments,
key order, quoting and flow style of everything else are kept, and only the lines that change move.
The next ``pulumi up`` creates (or, on removal, deletes user first, then database) what changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from components.data.atlas_spec import ENV_NAME, SharedSpec
from components.data.slots import Allocation, Slot, SlotError, Source, allocate, release
from settings import stackfile

SECTION = "platform:atlas"


class EnvError(ValueError):
    """The change cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Removal:
    env: str
    slot: Slot


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the stack files' style: "  - name: ..." under a key
    return yaml


def load(path: Path, stack: str = "dev") -> Any:
    """The stack file for editing (round-trip), once the safe reader has accepted it.

    Raises:
        settings.errors.ConfigError: the file is not a readable stack file; nothing is written.
    """
    stackfile.read_document(path, stack)
    return _yaml().load(stackfile.read_text(path, stack))


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _shared(document: Any, path: Path) -> CommentedMap:
    config = (document or {}).get("config") or {}
    atlas = config.get(SECTION) if isinstance(config, dict) else None
    if not isinstance(atlas, dict) or not isinstance(atlas.get("shared"), dict):
        raise EnvError(
            f"{path.name} has no {SECTION}.shared section: only a stack on shared dev clusters has slots"
        )
    return atlas["shared"]


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _spec(shared: CommentedMap, path: Path) -> SharedSpec:
    try:
        return SharedSpec.model_validate(_plain(shared))
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise EnvError(f"{path.name}: {SECTION}.shared is not consistent: {problems}") from None


def _seq(shared: CommentedMap, key: str, block: bool) -> CommentedSeq:
    """The sequence under ``key``, created when absent; block style when it will hold mappings."""
    seq = shared.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        shared[key] = seq
    if block and not seq:
        seq.fa.set_block_style()
    return seq


def _check_name(name: str) -> None:
    if not ENV_NAME.fullmatch(name):
        raise EnvError(
            f"environment name {name!r} must be lower-case letters, digits and '-', starting with a letter,"
            " 1-20 characters"
        )


def add(path: Path, name: str, stack: str = "dev") -> Allocation:
    """Give environment ``name`` a slot and record it in the stack file at ``path``.

    Raises:
        EnvError: bad name, no shared section, an inconsistent record, a duplicate or no capacity.
    """
    _check_name(name)
    document = load(path, stack)
    shared = _shared(document, path)
    try:
        _, allocation = allocate(_spec(shared, path).pool(), name)
    except SlotError as exc:
        raise EnvError(str(exc)) from None
    if allocation.source == Source.FREED:
        del _seq(shared, "freedSlots", block=False)[0]
    elif allocation.source == Source.SPARE:
        spares = _seq(shared, "spares", block=False)
        spares.remove(allocation.slot.cluster)
        _seq(shared, "clusters", block=False).append(allocation.slot.cluster)
    entry = CommentedMap(
        [("name", name), ("cluster", allocation.slot.cluster), ("slot", allocation.slot.index)]
    )
    _seq(shared, "environments", block=True).append(entry)
    _write(path, document)
    return allocation


def remove(path: Path, name: str, stack: str = "dev") -> Removal:
    """Remove environment ``name`` and queue its slot for reuse (first freed, first reused).

    Raises:
        EnvError: no shared section, an inconsistent record, or no such environment.
    """
    document = load(path, stack)
    shared = _shared(document, path)
    try:
        _, slot = release(_spec(shared, path).pool(), name)
    except SlotError as exc:
        raise EnvError(str(exc)) from None
    environments = _seq(shared, "environments", block=True)
    index = next(i for i, entry in enumerate(environments) if entry.get("name") == name)
    del environments[index]
    freed = _seq(shared, "freedSlots", block=True)
    freed.append(CommentedMap([("cluster", slot.cluster), ("slot", slot.index)]))
    _write(path, document)
    return Removal(env=name, slot=slot)


def _write(path: Path, document: Any) -> None:
    """Write only a document whose shared section still validates."""
    text = dump(document)
    _spec(_shared(_yaml().load(text), path), path)
    path.write_text(text)
