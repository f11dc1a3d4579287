"""The policy pack's rules, run offline over the resources a preview recorded.

The same plain rules as the CrossGuard pack (``policy/``): here each recorded registration becomes a
:class:`policy.model.Resource` (inputs with secrets unwrapped and unknowns as ``UNKNOWN``) and the
stack's ``platform:tier`` is passed to the tier rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi.output import Unknown

from policy.catalog import evaluate, mandatory
from policy.model import UNKNOWN, Resource, Violation
from tools.preview.mocks import Recorded, unwrap


def plain(value: Any) -> Any:
    """A recorded input as a rule sees it: secrets unwrapped, unknowns ``UNKNOWN``."""
    value = unwrap(value)
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def as_resource(recorded: Recorded) -> Resource:
    return Resource(
        type=recorded.type,
        name=recorded.name,
        props=plain(recorded.inputs),
        protect=recorded.protect,
        urn=recorded.urn,
    )


def check(resources: Sequence[Recorded], tier: str | None) -> list[Violation]:
    """Every policy violation of a preview's resources."""
    return evaluate([as_resource(r) for r in resources], tier)


def as_text(violations: Sequence[Violation]) -> str:
    if not violations:
        return "Policies: no violations."
    lines = [f"Policy violations ({len(mandatory(violations))} mandatory):"]
    lines += [f"  [{v.enforcement}] {v.policy}: {v.name or 'stack'}: {v.message}" for v in violations]
    return "\n".join(lines)


def as_markdown(violations: Sequence[Violation]) -> str:
    if not violations:
        return "\n**Policies:** no violations."
    lines = [
        "",
        f"**Policy violations:** {len(mandatory(violations))} mandatory",
        "",
        "| policy | level | resource | problem |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{v.policy}` | {v.enforcement} | `{v.name or 'stack'}` | {v.message} |" for v in violations]
    return "\n".join(lines)


def as_json(violations: Sequence[Violation]) -> list[dict[str, str]]:
    return [
        {
            "policy": v.policy,
            "enforcement": str(v.enforcement),
            "resource": v.name,
            "urn": v.urn,
            "message": v.message,
        }
        for v in violations
    ]
