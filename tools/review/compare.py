"""Compare two offline previews by URN: created, deleted, updated (with changed input paths), unchanged.

Pure: takes two ``python -m tools preview --json`` documents (``resources``: urn, type, name, parent,
inputs, protect; secrets already ``[secret]``, unknowns ``[unknown]``) and returns a :class:`Diff`.
An update whose changed paths include a force-new property (``tools.review.replacements``) is predicted
to be a replacement. Deleting or replacing a protected or stateful resource is a danger mark.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tools.review.replacements import FORCE_NEW, STATEFUL_TYPES, replacement_reasons

STACK_COMPONENT = "(stack)"


class Op(StrEnum):
    CREATE = "create"
    DELETE = "delete"
    UPDATE = "update"
    REPLACE = "replace"
    SAME = "same"


@dataclass(frozen=True)
class Change:
    """One changed input path."""

    path: str
    old: Any
    new: Any
    forces_replacement: bool = False


@dataclass(frozen=True)
class ResourceDiff:
    urn: str
    type: str
    name: str
    component: str
    op: Op
    protect: bool
    changes: tuple[Change, ...] = ()
    replace_reasons: tuple[str, ...] = ()

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL_TYPES

    @property
    def dangerous(self) -> bool:
        return self.op in (Op.DELETE, Op.REPLACE) and (self.protect or self.stateful)


@dataclass(frozen=True)
class Diff:
    resources: tuple[ResourceDiff, ...]
    unknown_types: tuple[str, ...] = ()
    """Updated custom resource types without an entry in the replacement table (no prediction made)."""
    components_changed: bool = False
    """A component was created or deleted: the architecture changed."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(r.op.value for r in self.resources)
        return {op.value: counts.get(op.value, 0) for op in Op}

    @property
    def danger(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.dangerous]

    def by_component(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for r in self.resources:
            out.setdefault(r.component, Counter())[r.op.value] += 1
        return {c: {op.value: n.get(op.value, 0) for op in Op} for c, n in sorted(out.items())}


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")


def _same(old: Any, new: Any) -> bool:
    # A revision whose preview printed objects by repr (an asset before content hashing) differs
    # only by memory address: that is no change.
    if isinstance(old, str) and isinstance(new, str):
        return _ADDRESS.sub(">", old) == _ADDRESS.sub(">", new)
    return bool(old == new)


def _named(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    names = [item.get("name") for item in value if isinstance(item, dict)]
    return (
        len(names) == len(value) and all(isinstance(n, str) for n in names) and len(set(names)) == len(names)
    )


def changed_paths(old: Any, new: Any, prefix: str = "") -> list[Change]:
    """The leaf paths where two input values differ (``a.b[2].c``), old and new values at each."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[Change] = []
        for key in sorted(set(old) | set(new)):
            path = f"{prefix}.{key}" if prefix else str(key)
            out += changed_paths(old.get(key), new.get(key), path)
        return out
    if _named(old) and _named(new):
        # Lists of named entries (container env, ports, containers): matched by name, so removing one
        # entry shows as that entry, not as the whole list.
        before = {item["name"]: item for item in old}
        after = {item["name"]: item for item in new}
        out = []
        for name in sorted(set(before) | set(after)):
            out += changed_paths(before.get(name), after.get(name), f"{prefix}[{name}]")
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += changed_paths(a, b, f"{prefix}[{i}]")
        return out
    return [] if _same(old, new) else [Change(prefix, old, new)]


def _components(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each URN's top-level component (the ancestor right under the stack), as ``name (type)``."""
    out: dict[str, str] = {}
    for urn in resources:
        node = resources[urn]
        while node.get("parent") in resources:
            node = resources[node["parent"]]
        out[urn] = (
            f"{node['name']} ({node['type']})" if not node["type"].startswith("pulumi:") else STACK_COMPONENT
        )
    return out


def compare(base: dict[str, Any], head: dict[str, Any]) -> Diff:
    """The difference from the ``base`` preview document to the ``head`` one."""
    old = {r["urn"]: r for r in base.get("resources", [])}
    new = {r["urn"]: r for r in head.get("resources", [])}
    old_components, new_components = _components(old), _components(new)
    diffs: list[ResourceDiff] = []
    unknown: set[str] = set()
    for urn in sorted(set(old) | set(new)):
        before, after = old.get(urn), new.get(urn)
        if before is None and after is not None:
            diffs.append(_plain(after, new_components[urn], Op.CREATE))
        elif after is None and before is not None:
            diffs.append(_plain(before, old_components[urn], Op.DELETE))
        elif before is not None and after is not None:
            changes = changed_paths(before.get("inputs") or {}, after.get("inputs") or {})
            if not changes:
                diffs.append(_plain(after, new_components[urn], Op.SAME))
                continue
            reasons = replacement_reasons(after["type"], [(c.path, c.old, c.new) for c in changes])
            marked = tuple(
                Change(c.path, c.old, c.new, forces_replacement=c.path in reasons) for c in changes
            )
            if after["type"] not in FORCE_NEW and _is_custom(after["type"]):
                unknown.add(after["type"])
            diffs.append(
                ResourceDiff(
                    urn=urn,
                    type=after["type"],
                    name=after["name"],
                    component=new_components[urn],
                    op=Op.REPLACE if reasons else Op.UPDATE,
                    protect=bool(before.get("protect") or after.get("protect")),
                    changes=marked,
                    replace_reasons=tuple(reasons),
                )
            )
    component_urns = {
        u for u, r in (old | new).items() if not _is_custom(r["type"]) and not r["type"].startswith("pulumi:")
    }
    changed_components = any(d.urn in component_urns and d.op in (Op.CREATE, Op.DELETE) for d in diffs)
    return Diff(tuple(diffs), tuple(sorted(unknown)), changed_components)


PROVIDER_PACKAGES = frozenset({"aws", "kubernetes", "mongodbatlas", "random", "tls", "command"})
"""Packages whose types are custom resources; any other type (``platform:data:Postgres``) is a component."""


def _is_custom(resource_type: str) -> bool:
    return resource_type.split(":", 1)[0] in PROVIDER_PACKAGES


def _plain(resource: dict[str, Any], component: str, op: Op) -> ResourceDiff:
    return ResourceDiff(
        urn=resource["urn"],
        type=resource["type"],
        name=resource["name"],
        component=component,
        op=op,
        protect=bool(resource.get("protect")),
    )
