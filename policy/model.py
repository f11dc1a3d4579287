"""What a rule sees (a resource as plain data) and what it says (violations)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class _Unknown:
    """A value that is not known until the deployment runs (an id or ARN during a preview)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""Stands for a value a preview cannot know. A rule treats it as "set" but never as a bad value: a
preview must not fail on what only the deployment decides (the update run checks the real value)."""


class Enforcement(StrEnum):
    MANDATORY = "mandatory"
    ADVISORY = "advisory"


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it.

    Attributes:
        type: the type token, e.g. ``aws:rds/instance:Instance``.
        name: the logical name.
        props: the inputs, by their engine (camelCase) names; secrets unwrapped, unknowns ``UNKNOWN``.
        protect: the ``protect`` resource option.
        urn: the URN, when there is one.
    """

    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    protect: bool = False
    urn: str = ""

    def get(self, *path: str | int) -> Any:
        """The value at ``path`` in the props (``None`` when absent, ``UNKNOWN`` when unknown)."""
        value: Any = self.props
        for part in path:
            if value is UNKNOWN:
                return UNKNOWN
            if isinstance(part, int):
                value = value[part] if isinstance(value, Sequence) and len(value) > part else None
            else:
                value = value.get(part) if isinstance(value, Mapping) else None
            if value is None:
                return None
        return value


@dataclass(frozen=True)
class Violation:
    """A rule broken by one resource (``urn``/``name`` set) or by the stack as a whole."""

    policy: str
    message: str
    enforcement: Enforcement = Enforcement.MANDATORY
    name: str = ""
    urn: str = ""


Check = Callable[[Resource], list[str]]
StackCheck = Callable[[Sequence[Resource], str | None], list[tuple[Resource | None, str]]]


@dataclass(frozen=True)
class ResourceRule:
    """A rule that judges one resource at a time. ``check`` returns what is wrong, as sentences."""

    name: str
    description: str
    check: Check
    enforcement: Enforcement = Enforcement.MANDATORY


@dataclass(frozen=True)
class StackRule:
    """A rule that needs the whole stack (counts, tiers). ``check(resources, tier)`` returns
    ``(resource or None, message)`` pairs."""

    name: str
    description: str
    check: StackCheck
    enforcement: Enforcement = Enforcement.MANDATORY


def is_set(value: Any) -> bool:
    """A value is present (an unknown one counts: it will be an id or ARN)."""
    return value is UNKNOWN or value not in (None, "", [], {})


def is_true(value: Any) -> bool:
    """``True`` (or a string ``"true"``), or unknown."""
    return value is UNKNOWN or value is True or (isinstance(value, str) and value.lower() == "true")


def number(value: Any) -> float | None:
    """The number in ``value`` (numbers may arrive as strings), ``None`` if absent or unknown."""
    if value is UNKNOWN or value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def items(value: Any) -> list[Any]:
    """``value`` as a list (absent or unknown gives an empty list)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []
