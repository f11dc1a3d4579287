"""Drift: what changed outside Pulumi, read from a real ``pulumi refresh --preview-only --json`` (or what a
``pulumi preview --expect-no-changes --json`` would still change).

Both commands print Pulumi's ``PreviewDigest`` (``pkg/display/json.go``; built by ``ShowPreviewDigest`` in
``pkg/backend/display/json.go``, read at pulumi/pulumi commit 1b594989): ``steps`` of ``PreviewStep``
(``op``, ``urn``, ``oldState`` / ``newState`` as ``apitype.ResourceV3`` with ``type``, ``inputs``, ``outputs``,
``protect``, ``additionalSecretOutputs``; ``diffReasons``; ``detailedDiff``: property path ->
``{kind, inputDiff}``, kind one of ``add``, ``add-replace``, ``delete``, ``delete-replace``, ``update``,
``update-replace`` (``plugin.DiffKind.String``)). Secret values arrive as ``"[secret]"`` already
(``MassageSecrets``); bytes that are not UTF-8 as ``b"<base64>"``.

The two kinds of document:

* **refresh** (``pulumi refresh --preview-only --json``): every resource of the state gets a ``refresh``
  step when its read starts (the root stack's is always shown); a resource whose read differs from the state
  has that step rewritten to ``update`` (with ``detailedDiff``; old = the state, new = what the cloud holds:
  the engine inverts the provider's diff, ``RefreshStep.Apply`` in ``pkg/resource/deploy/step.go``) and a
  resource that no longer exists to ``delete``. So a document with a ``refresh`` step is a refresh.
* **preview** (``pulumi preview --expect-no-changes --json``): no ``refresh`` step; every step other than
  ``same``/``read`` is a change the next ``pulumi up`` would make (old = the state, new = the program).

Pure: no I/O except :func:`load`. Exit codes are the command's (:mod:`tools.review.commands`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from tools.review.replacements import STATEFUL_TYPES

MASK = "[secret]"
"""How Pulumi itself prints a secret in its JSON (``massagePropertyValue``), and how this report does."""

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
"""The key of a serialized secret value (``sig.Secret`` in ``sdk/go/common/resource/sig``)."""

SECRET_NAME = re.compile(r"(password|passwd|secret|token|private_?key|api_?key|auth|credential)", re.I)
"""Property names whose values are masked even when the provider did not mark them secret."""

MAX_VALUE = 120
"""Characters of a value shown before it is cut (a policy document is long; the path says where)."""

CHANGE_KINDS = frozenset({"add", "add-replace", "delete", "delete-replace", "update", "update-replace"})
UNCHANGED_OPS = frozenset({"same", "read", "refresh", "discard", "discard-replaced"})
STEP_OPS = frozenset(
    {
        *UNCHANGED_OPS,
        "create",
        "update",
        "delete",
        "replace",
        "create-replacement",
        "delete-replaced",
        "read-replacement",
        "remove-pending-replace",
        "import",
        "import-replacement",
        "diff",
        "extend-parameterize",
    }
)


class DriftInputError(ValueError):
    """The file is not a ``pulumi refresh|preview --json`` document; the message says what is wrong."""


class Kind(StrEnum):
    REFRESH = "refresh"
    """Changed outside Pulumi: the cloud differs from the state."""
    PREVIEW = "preview"
    """The program differs from the state: the next ``pulumi up`` would change these."""


@dataclass(frozen=True)
class Change:
    """One property that differs: its path, Pulumi's diff kind and the rendered old and new values."""

    path: str
    kind: str
    old: str
    new: str


@dataclass(frozen=True)
class Drifted:
    """One resource that drifted."""

    urn: str
    type: str
    name: str
    op: str
    stateful: bool
    protect: bool
    changes: tuple[Change, ...] = field(default=())

    def sort_key(self) -> tuple[bool, bool, str]:
        return (not self.stateful, not self.protect, self.urn)


@dataclass(frozen=True)
class Report:
    source: str
    kind: Kind
    stack: str | None
    drifted: tuple[Drifted, ...]

    @property
    def has_drift(self) -> bool:
        return bool(self.drifted)


def load(path: Path) -> dict[str, Any]:
    """Read a ``--json`` document, refusing anything else with a message (never a traceback).

    Raises:
        DriftInputError: unreadable, empty, binary, not UTF-8, not JSON or not a ``PreviewDigest``.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DriftInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not data.strip():
        raise DriftInputError(
            f"{path} is empty: expected the output of `pulumi refresh --preview-only --json` or"
            " `pulumi preview --expect-no-changes --json` (did the command fail before printing?)"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DriftInputError(f"{path} is a binary file (NUL byte at offset {nul}), not JSON")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DriftInputError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); Pulumi writes UTF-8 JSON"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DriftInputError(
            f"{path} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise DriftInputError(f"{path} is not a Pulumi document: JSON nested too deeply") from None
    validate(document, str(path))
    return document


def validate(document: Any, name: str = "document") -> None:
    """Raise :class:`DriftInputError` naming the first part of ``document`` that is not a ``PreviewDigest``."""
    if not isinstance(document, dict):
        raise DriftInputError(f"{name}: expected a JSON object with `steps`, got {type(document).__name__}")
    steps = document.get("steps") or []  # an empty operation omits `steps` (omitempty)
    if not isinstance(steps, list):
        raise DriftInputError(f"{name}: `steps` must be a list, got {type(steps).__name__}")
    for i, step in enumerate(steps):
        where = f"{name}: steps[{i}]"
        if not isinstance(step, dict):
            raise DriftInputError(f"{where} must be an object, got {type(step).__name__}")
        if not isinstance(step.get("op"), str) or not isinstance(step.get("urn"), str) or not step["urn"]:
            raise DriftInputError(f"{where} needs a string `op` and a `urn`")
        if step["op"] not in STEP_OPS:
            raise DriftInputError(f"{where}.op is {step['op']!r}; Pulumi's step ops are {sorted(STEP_OPS)}")
        if not str(step["urn"]).startswith("urn:pulumi:") or str(step["urn"]).count("::") < 3:
            raise DriftInputError(
                f"{where}.urn {step['urn']!r} is not a Pulumi URN (urn:pulumi:stack::project::type::name)"
            )
        for state in ("oldState", "newState"):
            value = step.get(state)
            if value is not None and not isinstance(value, dict):
                raise DriftInputError(f"{where}.{state} must be an object, got {type(value).__name__}")
            for part in ("inputs", "outputs"):
                if (
                    isinstance(value, dict)
                    and value.get(part) is not None
                    and not isinstance(value[part], dict)
                ):
                    raise DriftInputError(f"{where}.{state}.{part} must be an object")
        diff = step.get("detailedDiff")
        if diff is not None:
            if not isinstance(diff, dict):
                raise DriftInputError(f"{where}.detailedDiff must be an object, got {type(diff).__name__}")
            for path, entry in diff.items():
                if not isinstance(entry, dict) or entry.get("kind") not in CHANGE_KINDS:
                    raise DriftInputError(
                        f"{where}.detailedDiff[{path!r}].kind must be one of {sorted(CHANGE_KINDS)}"
                    )
        reasons = step.get("diffReasons")
        if reasons is not None and not (
            isinstance(reasons, list) and all(isinstance(r, str) for r in reasons)
        ):
            raise DriftInputError(f"{where}.diffReasons must be a list of property names")


def kind_of(document: dict[str, Any]) -> Kind:
    """A refresh when any step is a ``refresh`` step (the root stack's always is), else a preview."""
    steps = document.get("steps") or []
    return Kind.REFRESH if any(step["op"] == "refresh" for step in steps) else Kind.PREVIEW


def parse_path(path: str) -> list[str | int]:
    """A property path as Pulumi prints it (``PropertyPath.String``): ``a.b[0]["key.with.dots"]``."""
    parts: list[str | int] = []
    i, word = 0, ""
    while i < len(path):
        c = path[i]
        if c == ".":
            if word:
                parts.append(word)
            word = ""
            i += 1
        elif c == "[":
            if word:
                parts.append(word)
            word = ""
            end = _closing(path, i)
            inner = path[i + 1 : end]
            if inner.startswith('"') and inner.endswith('"') and len(inner) >= 2:
                parts.append(inner[1:-1].replace('\\"', '"'))
            elif inner.isdigit():
                parts.append(int(inner))
            else:
                parts.append(inner)
            i = end + 1
        else:
            word += c
            i += 1
    if word:
        parts.append(word)
    return parts


def _closing(path: str, start: int) -> int:
    i, quoted = start + 1, False
    while i < len(path):
        if path[i] == "\\" and quoted:
            i += 2
            continue
        if path[i] == '"':
            quoted = not quoted
        elif path[i] == "]" and not quoted:
            return i
        i += 1
    return len(path)


_ABSENT = object()


def lookup(values: Any, parts: list[str | int]) -> Any:
    """The value at ``parts`` in ``values``, or the ``_ABSENT`` marker."""
    node = values
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            continue
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            continue
        return _ABSENT
    return node


def _value(state: Any, parts: list[str | int]) -> Any:
    if not isinstance(state, dict):
        return _ABSENT
    for part in ("inputs", "outputs"):
        found = lookup(state.get(part) or {}, parts)
        if found is not _ABSENT:
            return found
    return _ABSENT


def mask(value: Any) -> Any:
    """``value`` with every serialized secret replaced by the mask (Pulumi's JSON masks them already)."""
    if isinstance(value, dict):
        if SECRET_SIGNATURE in value:
            return MASK
        return {k: MASK if SECRET_NAME.search(str(k)) else mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def _secret_path(parts: list[str | int], states: list[Any]) -> bool:
    names = [p for p in parts if isinstance(p, str)]
    if any(SECRET_NAME.search(n) for n in names):
        return True
    declared = {
        str(name)
        for state in states
        if isinstance(state, dict)
        for name in state.get("additionalSecretOutputs") or ()
    }
    return bool(names) and names[0] in declared


def render(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(mask(value), sort_keys=True, ensure_ascii=False)
    text = text.replace("\n", "\\n")
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _type(step: dict[str, Any]) -> str:
    for state in (step.get("oldState"), step.get("newState")):
        if isinstance(state, dict) and isinstance(state.get("type"), str) and state["type"]:
            return state["type"]
    return str(step["urn"]).split("::")[2].split("$")[-1]


def _changes(step: dict[str, Any]) -> tuple[Change, ...]:
    old_state, new_state = step.get("oldState"), step.get("newState")
    diff = step.get("detailedDiff")
    if diff:
        entries = sorted((str(path), str(entry["kind"])) for path, entry in diff.items())
    else:
        entries = sorted((str(path), "update") for path in step.get("diffReasons") or ())
    changes = []
    for path, kind in entries:
        parts = parse_path(path)
        if _secret_path(parts, [old_state, new_state]):
            old = new = MASK
        else:
            old, new = render(_value(old_state, parts)), render(_value(new_state, parts))
        changes.append(Change(path=path, kind=kind, old=old, new=new))
    return tuple(changes)


def _protect(step: dict[str, Any]) -> bool:
    return any(
        isinstance(s, dict) and bool(s.get("protect")) for s in (step.get("oldState"), step.get("newState"))
    )


def report(document: dict[str, Any], source: str = "document") -> Report:
    """The drifted resources of a validated document, stateful first, then protected, then by URN.

    ``replace`` summarises its ``create-replacement`` / ``delete-replaced`` pair (one entry per URN).
    """
    kind = kind_of(document)
    found: dict[str, Drifted] = {}
    stack = None
    for step in document.get("steps") or []:
        urn, op = str(step["urn"]), str(step["op"])
        stack = stack or urn.split("::")[0].removeprefix("urn:pulumi:")
        if op in UNCHANGED_OPS:
            continue
        if op in ("create-replacement", "delete-replaced") and urn in found:
            continue
        resource_type = _type(step)
        found[urn] = Drifted(
            urn=urn,
            type=resource_type,
            name=urn.rsplit("::", 1)[-1],
            op="replace" if op in ("create-replacement", "delete-replaced") else op,
            stateful=resource_type in STATEFUL_TYPES,
            protect=_protect(step),
            changes=_changes(step),
        )
    drifted = tuple(sorted(found.values(), key=Drifted.sort_key))
    return Report(source=source, kind=kind, stack=stack, drifted=drifted)


HEADLINE = {
    Kind.REFRESH: "changed outside Pulumi",
    Kind.PREVIEW: "differ from the program (the next `pulumi up` would change them)",
}
VERB = {
    Kind.REFRESH: {"update": "changed", "delete": "deleted outside Pulumi"},
    Kind.PREVIEW: {},
}


def _what(report: Report, item: Drifted) -> str:
    marks = [m for m, on in (("stateful", item.stateful), ("protected", item.protect)) if on]
    verb = VERB[report.kind].get(item.op, item.op)
    return f"{item.name} ({item.type}) {verb}" + (f" [{', '.join(marks)}]" if marks else "")


def as_text(reports: list[Report]) -> str:
    lines = []
    for rep in reports:
        where = rep.stack or "?"
        if not rep.has_drift:
            lines.append(f"{where} ({rep.kind}, {rep.source}): no drift")
            continue
        lines.append(
            f"{where} ({rep.kind}, {rep.source}): {len(rep.drifted)} resource(s) {HEADLINE[rep.kind]}"
        )
        for item in rep.drifted:
            lines.append(f"  {_what(rep, item)}")
            lines.append(f"    {item.urn}")
            for change in item.changes:
                lines.append(f"    {change.path}: {change.old} -> {change.new} ({change.kind})")
    return "\n".join(lines)


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def as_markdown(reports: list[Report]) -> str:
    lines = []
    for rep in reports:
        where = rep.stack or "?"
        if not rep.has_drift:
            lines.append(f"**{where}** ({rep.kind}): no drift")
            continue
        lines.append(f"**{where}** ({rep.kind}): {len(rep.drifted)} resource(s) {HEADLINE[rep.kind]}")
        lines.append("")
        for item in rep.drifted:
            lines.append(f"- {_what(rep, item)}")
            for change in item.changes:
                lines.append(f"  - {_code(change.path)}: {_code(change.old)} → {_code(change.new)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_json(reports: list[Report]) -> dict[str, Any]:
    return {
        "drift": any(rep.has_drift for rep in reports),
        "reports": [
            {
                "source": rep.source,
                "kind": rep.kind.value,
                "stack": rep.stack,
                "drifted": [
                    {
                        "urn": d.urn,
                        "type": d.type,
                        "op": d.op,
                        "stateful": d.stateful,
                        "protect": d.protect,
                        "changes": [
                            {"path": c.path, "kind": c.kind, "old": c.old, "new": c.new} for c in d.changes
                        ],
                    }
                    for d in rep.drifted
                ],
            }
            for rep in reports
        ],
    }


SLACK_LINES = 30
"""Lines of a Slack post before the rest is left to the run's summary (Slack truncates long messages)."""


def slack_message(reports: list[Report], run_url: str | None = None) -> dict[str, str]:
    """The Slack incoming-webhook payload: one line per drifted resource, stateful first."""
    lines = []
    for rep in reports:
        if not rep.has_drift:
            continue
        lines.append(f":warning: *{rep.stack}*: {len(rep.drifted)} resource(s) {HEADLINE[rep.kind]}")
        for item in rep.drifted:
            details = "; ".join(f"{c.path}: {c.old} → {c.new}" for c in item.changes[:3])
            more = f" (+{len(item.changes) - 3} more)" if len(item.changes) > 3 else ""
            lines.append(f"• {_what(rep, item)}" + (f": {details}{more}" if details else ""))
    if not lines:
        stacks = ", ".join(sorted({rep.stack or "?" for rep in reports}))
        lines = [f":white_check_mark: *{stacks}*: no drift"]
    if len(lines) > SLACK_LINES:
        lines = [*lines[:SLACK_LINES], f"… {len(lines) - SLACK_LINES} more line(s) in the run"]
    if run_url:
        lines.append(f"<{run_url}|run>")
    return {"text": "\n".join(lines)}
