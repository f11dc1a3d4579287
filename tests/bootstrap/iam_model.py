"""What IAM decides for one request of a role, from the role's identity policies and its permissions
boundary as the bootstrap builds them (pure: plain policy documents in, a decision out).

The model is the part of IAM's evaluation logic these policies use (IAM User Guide, "Policy evaluation
logic" and "Permissions boundaries for IAM entities"):

- a request is allowed when no statement of any policy denies it, some statement of the identity policies
  allows it, and some statement of the boundary allows it (an implicit deny otherwise);
- a statement applies when its ``Action`` (or ``NotAction``) and its ``Resource`` (or ``NotResource``)
  match, ``*`` standing for any run of characters and ``?`` for one (actions case-insensitively), and
  every condition holds;
- a condition key absent from the request makes ``StringEquals``/``StringLike``/``ArnLike`` and their
  ``ForAnyValue:`` forms false and ``StringNotEquals``/``StringNotLike`` true; keys are case-insensitive.

An operator outside these fails the check rather than guessing (``ModelError``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Document = Mapping[str, Any]


class ModelError(AssertionError):
    """A policy uses a construct the model does not evaluate."""


@dataclass(frozen=True)
class Request:
    """One API request: the IAM action, the resource ARN it is authorized on, its condition keys."""

    action: str
    resource: str = "*"
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)


@cache
def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def matches(glob: str, value: str, *, ignore_case: bool = False) -> bool:
    """Whether ``value`` matches the IAM wildcard pattern ``glob`` (``*`` any run, ``?`` one character)."""
    return _pattern(glob, ignore_case).fullmatch(value) is not None


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _element(statement: Document, positive: str, negative: str, value: str, *, ignore_case: bool) -> bool:
    if positive in statement:
        return any(matches(p, value, ignore_case=ignore_case) for p in _listed(statement[positive]))
    if negative in statement:
        return not any(matches(p, value, ignore_case=ignore_case) for p in _listed(statement[negative]))
    raise ModelError(f"statement {statement.get('Sid')!r} has neither {positive} nor {negative}")


_POSITIVE = {"StringEquals", "StringLike", "ArnLike", "ArnEquals"}
_NEGATIVE = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike"}


def _one(operator: str, actual: str, expected: str) -> bool:
    if operator in ("StringEquals", "ArnEquals"):
        return actual == expected
    return matches(expected, actual)  # StringLike, ArnLike


def _condition(operator: str, key: str, expected: Any, context: Mapping[str, Any]) -> bool:
    found = {k.lower(): v for k, v in context.items()}.get(key.lower())
    values = None if found is None else _listed(found)
    wanted = _listed(expected)
    quantifier, _, base = operator.rpartition(":")
    if quantifier not in ("", "ForAnyValue"):
        raise ModelError(f"condition operator {operator} is not modelled")
    if base in _NEGATIVE:
        if quantifier:
            raise ModelError(f"condition operator {operator} is not modelled")
        return values is None or not any(_one(_NEGATIVE[base], v, w) for v in values for w in wanted)
    if base not in _POSITIVE:
        raise ModelError(f"condition operator {operator} is not modelled")
    if values is None:
        return False
    if not quantifier and len(values) != 1:
        raise ModelError(f"{operator} on the multivalued key {key}: use ForAnyValue/ForAllValues")
    return any(_one(base, v, w) for v in values for w in wanted)


def applies(statement: Document, request: Request) -> bool:
    """Whether the statement matches the request (action, resource and every condition)."""
    if not _element(statement, "Action", "NotAction", request.action, ignore_case=True):
        return False
    if not _element(statement, "Resource", "NotResource", request.resource, ignore_case=False):
        return False
    return all(
        _condition(operator, key, expected, request.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def _statements(documents: Sequence[Document], effect: str, request: Request) -> list[Document]:
    return [s for d in documents for s in d["Statement"] if s["Effect"] == effect and applies(s, request)]


def allowed(request: Request, identity: Sequence[Document], boundary: Document | None = None) -> bool:
    """IAM's decision for a role with the ``identity`` policies and the permissions ``boundary``."""
    everything = [*identity, *([boundary] if boundary is not None else [])]
    if _statements(everything, "Deny", request):
        return False
    if not _statements(identity, "Allow", request):
        return False
    return boundary is None or bool(_statements([boundary], "Allow", request))


def denied_by(request: Request, identity: Sequence[Document], boundary: Document | None = None) -> str:
    """Why ``request`` is refused, for a failure message: the denying statement, or the layer that lacks an allow."""
    everything = [*identity, *([boundary] if boundary is not None else [])]
    deny = _statements(everything, "Deny", request)
    if deny:
        return f"explicitly denied by {deny[0].get('Sid')!r}"
    if not _statements(identity, "Allow", request):
        return "no statement of the role's policies allows it"
    return "the permissions boundary does not allow it"
