"""Render a preview: a tree like ``pulumi preview``, JSON for tools, Markdown for a pull request."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
from pulumi.output import Unknown

from tools.preview.mocks import Recorded, is_secret

SECRET = "[secret]"
UNKNOWN = "[unknown]"
ROOT = Path(__file__).resolve().parents[2]


def _where(path: str) -> str:
    """A file's path relative to the repository when it lies inside it (the same in every checkout)."""
    resolved = Path(path).resolve()
    return resolved.relative_to(ROOT).as_posix() if resolved.is_relative_to(ROOT) else str(path)


def _digest(path: Path) -> str:
    """sha256 of a file, or of a directory's files (relative names and contents, in name order)."""
    if path.is_dir():
        digest = hashlib.sha256()
        for member in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(member.relative_to(path).as_posix().encode() + b"\0" + member.read_bytes())
        return digest.hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def asset(value: pulumi.Asset | pulumi.Archive) -> Any:
    """A stable description of an asset or archive, by content (a changed file shows as a change).

    The SDK's objects have no ``repr`` of their own (``<... object at 0x...>`` changes every run), and a
    preview must be byte-identical across runs to be diffed between revisions.
    """
    if isinstance(value, pulumi.AssetArchive):
        return {"[archive]": {k: plain(v) for k, v in sorted(value.assets.items())}}
    if isinstance(value, pulumi.FileAsset | pulumi.StringAsset):
        data = Path(value.path).read_bytes() if isinstance(value, pulumi.FileAsset) else value.text.encode()
        return f"[asset sha256:{hashlib.sha256(data).hexdigest()[:16]}]"
    if isinstance(value, pulumi.FileArchive):
        return f"[archive {_where(value.path)} sha256:{_digest(Path(value.path))[:16]}]"
    if isinstance(value, pulumi.RemoteAsset | pulumi.RemoteArchive):
        return f"[remote {value.uri}]"
    return f"[{type(value).__name__}]"


def plain(value: Any) -> Any:
    """A recorded value made printable: secrets masked, unknowns marked, resources by URN."""
    if is_secret(value):
        return SECRET
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, pulumi.Asset | pulumi.Archive):
        return asset(value)
    urn = getattr(value, "urn", None)
    return f"[resource {urn}]" if urn is not None else repr(value)


def summary(resources: list[Recorded]) -> dict[str, int]:
    return {"create": len(resources)}


def document(stack: str, resources: list[Recorded], outputs: dict[str, Any]) -> dict[str, Any]:
    """The preview as plain data: what :func:`as_json` prints, for a caller that adds to it first."""
    return {
        "stack": stack,
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "inputs": plain(r.inputs),
                "protect": r.protect,
            }
            for r in sorted(resources, key=lambda r: r.urn)
        ],
        "outputs": plain(outputs),
        "summary": summary(resources),
    }


def as_json(stack: str, resources: list[Recorded], outputs: dict[str, Any]) -> str:
    return json.dumps(document(stack, resources, outputs), indent=2, sort_keys=False)


def as_tree(stack: str, project: str, resources: list[Recorded]) -> str:
    """The resources as ``pulumi preview`` lists them: type and name, indented under their parent."""
    children: dict[str | None, list[Recorded]] = {}
    urns = {r.urn for r in resources}
    for r in sorted(resources, key=lambda r: (r.name, r.type)):
        parent = r.parent if r.parent in urns else None
        children.setdefault(parent, []).append(r)
    width = max((len(r.type) for r in resources), default=4) + 2
    lines = [f"Previewing update ({stack}) — offline, against mocks:", ""]
    lines.append(f"     {'Type':<{width + 6}}Name")
    lines.append(f" +   {'pulumi:pulumi:Stack':<{width + 6}}{project}-{stack}")

    def walk(parent: str | None, depth: int) -> None:
        for r in children.get(parent, []):
            marker = " 🔒" if r.protect else ""
            indent = "   " * depth + "├─ "
            lines.append(f" +   {indent}{r.type:<{width + 3 - 3 * depth}}{r.name}{marker}")
            walk(r.urn, depth + 1)

    walk(None, 0)
    lines += ["", "Resources:", f"    + {len(resources)} to create"]
    protected = sum(1 for r in resources if r.protect)
    if protected:
        lines.append(f"    🔒 {protected} protected")
    return "\n".join(lines)


def as_markdown(stack: str, resources: list[Recorded]) -> str:
    """A compact summary for a pull-request comment: counts by top-level component and by type."""
    by_type = Counter(r.type for r in resources)
    by_urn = {r.urn: r for r in resources}

    def top(r: Recorded) -> Recorded:
        while r.parent in by_urn:
            r = by_urn[r.parent]
        return r

    tops: Counter[str] = Counter()
    protected: Counter[str] = Counter()
    for r in resources:
        root = top(r)
        key = f"`{root.name}` ({root.type})"
        tops[key] += 1
        protected[key] += r.protect
    lines = [
        f"### Offline preview: `{stack}`",
        "",
        f"**+ {len(resources)} to create**, {sum(r.protect for r in resources)} protected.",
        "",
        "| component | resources | protected |",
        "|---|---:|---:|",
    ]
    lines += [f"| {k} | {n} | {protected[k]} |" for k, n in sorted(tops.items())]
    lines += [
        "",
        "<details><summary>Resources by type</summary>",
        "",
        "| type | count |",
        "|---|---:|",
    ]
    lines += [f"| `{t}` | {n} |" for t, n in sorted(by_type.items())]
    lines += ["", "</details>"]
    return "\n".join(lines)
