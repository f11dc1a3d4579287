"""Guard on a real ``pulumi preview --json``: does it replace or delete a stateful or protected resource?

The document is Pulumi's ``PreviewDigest`` (``pkg/display/json.go`` in github.com/pulumi/pulumi): a
``steps`` list of ``PreviewStep`` with ``op`` (``same``, ``create``, ``update``, ``delete``, ``replace``,
``create-replacement``, ``delete-replaced``, ``read``, ``refresh``, ``import``, ... — the ``StepOp``
constants of ``pkg/resource/deploy/step.go``), ``urn``, ``oldState`` / ``newState`` (``apitype.ResourceV3``
of ``sdk/go/common/apitype/core.go``: ``type``, ``inputs``, ``outputs``, ``protect``, ``retainOnDelete``,
``parent``...), ``replaceReasons`` and ``detailedDiff``. Read at pulumi/pulumi commit 1b594989.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.review.replacements import STATEFUL_TYPES

REPLACING_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})
DELETING_OPS = frozenset({"delete"})
KNOWN_OPS = frozenset(
    {
        "same",
        "create",
        "update",
        "delete",
        "replace",
        "create-replacement",
        "delete-replaced",
        "read",
        "read-replacement",
        "refresh",
        "discard",
        "discard-replaced",
        "remove-pending-replace",
        "import",
        "import-replacement",
        "diff",
        "extend-parameterize",
    }
)


class PreviewFormatError(ValueError):
    """The file is not a ``pulumi preview --json`` document."""


@dataclass(frozen=True)
class Finding:
    """One step that would destroy a stateful or protected resource."""

    urn: str
    type: str
    op: str
    protect: bool
    stateful: bool
    reasons: tuple[str, ...]

    def describe(self) -> str:
        why = [w for w, on in (("protected", self.protect), ("stateful", self.stateful)) if on]
        reasons = f" (replace reasons: {', '.join(self.reasons)})" if self.reasons else ""
        return f"{self.op}: {self.urn} [{', '.join(why)}]{reasons}"


def load(path: Path) -> dict[str, Any]:
    """Read a preview document, or raise :class:`PreviewFormatError` saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PreviewFormatError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PreviewFormatError(
            f"{path} is not a `pulumi preview --json` document: byte 0x{data[exc.start]:02x} at line {line}"
            " is not UTF-8 (JSON is UTF-8 text)"
        ) from None
    if not text.strip():
        raise PreviewFormatError(f"{path} is empty, not a `pulumi preview --json` document")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PreviewFormatError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    validate(document, str(path))
    return document


def validate(document: Any, name: str = "document") -> None:
    if not isinstance(document, dict):
        raise PreviewFormatError(
            f"{name}: expected a JSON object with `steps`, got {type(document).__name__}"
        )
    steps = document.get("steps", [])  # an empty preview omits `steps` (omitempty)
    if not isinstance(steps, list):
        raise PreviewFormatError(f"{name}: `steps` must be a list, got {type(steps).__name__}")
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not step.get("urn"):
            raise PreviewFormatError(f"{name}: steps[{i}] needs a string `op` and a `urn`")
        if step["op"] not in KNOWN_OPS:
            raise PreviewFormatError(
                f"{name}: steps[{i}].op is {step['op']!r}; Pulumi's step ops are {sorted(KNOWN_OPS)}"
            )


def _type_of(step: dict[str, Any]) -> str:
    for state in (step.get("oldState"), step.get("newState")):
        if isinstance(state, dict) and state.get("type"):
            return str(state["type"])
    # urn:pulumi:stack::project::parent$type::name — the type is the last `$` segment
    return str(step["urn"]).split("::")[2].split("$")[-1]


def _protected(step: dict[str, Any]) -> bool:
    return any(
        isinstance(s, dict) and bool(s.get("protect")) for s in (step.get("oldState"), step.get("newState"))
    )


def findings(document: dict[str, Any]) -> list[Finding]:
    """Every step that replaces or deletes a stateful or protected resource, once per URN."""
    found: dict[str, Finding] = {}
    for step in document.get("steps", []):
        op = step["op"]
        if op not in REPLACING_OPS | DELETING_OPS:
            continue
        resource_type = _type_of(step)
        protect, stateful = _protected(step), resource_type in STATEFUL_TYPES
        if not (protect or stateful):
            continue
        urn = str(step["urn"])
        if urn in found and found[urn].op == "replace":
            continue  # `replace` summarises its create-replacement/delete-replaced pair
        found[urn] = Finding(
            urn=urn,
            type=resource_type,
            op="replace" if op in REPLACING_OPS else "delete",
            protect=protect,
            stateful=stateful,
            reasons=tuple(str(r) for r in step.get("replaceReasons") or ()),
        )
    return sorted(found.values(), key=lambda f: f.urn)


def version_problems(document: dict[str, Any]) -> list[str]:
    """An EKS cluster's version moved by more than one minor, or down, between the state and the
    program (``oldState`` / ``newState`` inputs of an ``update`` step): the running cluster's version is
    the state's, so this compares with what runs, not with a file."""
    from components.cluster.upgrade import CLUSTER_TYPE, version_change_problem

    problems = []
    for step in document.get("steps", []):
        if _type_of(step) != CLUSTER_TYPE:
            continue
        old, new = step.get("oldState"), step.get("newState")
        if not (isinstance(old, dict) and isinstance(new, dict)):
            continue
        before = (old.get("inputs") or {}).get("version")
        after = (new.get("inputs") or {}).get("version")
        problem = version_change_problem(
            str(before) if before is not None else None, str(after) if after is not None else None
        )
        if problem:
            problems.append(f"{step['urn']}: {problem}")
    return problems
