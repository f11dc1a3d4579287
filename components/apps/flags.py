"""Feature flags as code (pure): declared in the services stack file, served by AWS AppConfig.

``services:flags`` maps a flag name to its type, its default per tier and whether it is experimental;
the stack's value is its tier's default unless the stack sets ``value``. A value of the wrong type, an
experimental flag turned on in prod, or a service reading a flag nobody declared is a config error.
:func:`appconfig_content` renders the flags in AppConfig's ``AWS.AppConfig.FeatureFlags`` format (AWS
AppConfig User Guide, "Understanding the type reference for AWS.AppConfig.FeatureFlags": ``version``
``"1"``, ``flags`` with ``attributes`` and their ``constraints``, ``values`` with ``enabled``); a flag
of type number or string is an enabled flag whose ``value`` attribute holds it.

A flag with ``expires: true`` (the release's enqueue pause) carries an ``until`` attribute, an RFC 3339
time after which the services must treat it as off: a pause left on by a failed release ends by itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import field_validator, model_validator

from components.core.model import Spec
from components.core.tier import Tier

Problem = tuple[str, str]
FLAG_NAME = re.compile(r"^[a-z][a-zA-Z\d_-]{0,63}$")
"""AppConfig's pattern for flag (and attribute) keys."""
UNTIL = "until"
"""The attribute of an expiring flag: the RFC 3339 time it ends at, set by whoever turns it on."""
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


class FlagType(StrEnum):
    BOOLEAN = "boolean"
    NUMBER = "number"
    STRING = "string"


FlagValue = bool | int | float | str


class FlagSpec(Spec):
    """One feature flag.

    Attributes:
        type: ``boolean``, ``number`` or ``string`` (required).
        description: what the flag switches. Defaults to none.
        experimental: an experiment, which prod may not turn on. Defaults to false.
        expires: the flag carries an ``until`` time after which it counts as off (a switch that must
            never stay on by accident, such as the release's enqueue pause). Boolean flags only, default
            off everywhere. Defaults to false.
        defaults: the value per tier (``dev``, ``staging``, ``prod``; required, every tier).
        value: this stack's value, overriding its tier's default. Defaults to the tier's default.
    """

    type: FlagType
    description: str = ""
    experimental: bool = False
    expires: bool = False
    defaults: dict[Tier, FlagValue]
    value: FlagValue | None = None

    @field_validator("defaults")
    @classmethod
    def _every_tier(cls, value: dict[Tier, FlagValue]) -> dict[Tier, FlagValue]:
        missing = [t.value for t in Tier if t not in value]
        if missing:
            raise ValueError(f"name a default for every tier; missing {', '.join(missing)}")
        return value

    @model_validator(mode="after")
    def _expiring_is_boolean(self) -> FlagSpec:
        if self.expires and self.type != FlagType.BOOLEAN:
            raise ValueError(f"expires applies to boolean flags; this one is {self.type.value}")
        if self.expires and any(v is not False for v in self.defaults.values()):
            raise ValueError("an expiring flag is off by default in every tier (it is turned on for a while)")
        return self

    def value_for(self, tier: Tier) -> FlagValue:
        """The stack's value: ``value`` if set, else the tier's default."""
        return self.value if self.value is not None else self.defaults[tier]


def _type_matches(kind: FlagType, value: object) -> bool:
    if kind == FlagType.BOOLEAN:
        return isinstance(value, bool)
    if kind == FlagType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def flag_problems(
    flags: Mapping[str, FlagSpec], tier: Tier, reads: Mapping[str, tuple[str, ...]] = {}
) -> list[Problem]:
    """Wrong names and types, experimental flags on in prod, and flags read by a service (``reads``:
    service → flag names) that are not declared; keys relative to ``services:``."""
    problems: list[Problem] = []
    for name, flag in sorted(flags.items()):
        key = f"flags.{name}"
        if not FLAG_NAME.fullmatch(name):
            problems.append((key, f"flag names match {FLAG_NAME.pattern} (AppConfig's rule); got {name!r}"))
        values = [(f"{key}.defaults.{t.value}", v) for t, v in flag.defaults.items()]
        if flag.value is not None:
            values.append((f"{key}.value", flag.value))
        for where, value in values:
            if not _type_matches(flag.type, value):
                problems.append(
                    (where, f"{name} is a {flag.type.value} flag; got {value!r} ({type(value).__name__})")
                )
        if tier == Tier.PROD and flag.experimental and flag.value_for(tier) not in (False, None):
            where = f"{key}.value" if flag.value is not None else f"{key}.defaults.prod"
            problems.append(
                (
                    where,
                    f"{name} is experimental; prod runs no experiment, so it must be off (false) in prod;"
                    f" got {flag.value_for(tier)!r}",
                )
            )
    for service, names in sorted(reads.items()):
        for i, name in enumerate(names):
            if name not in flags:
                problems.append(
                    (
                        f"apps.{service}.flags[{i}]",
                        f"unknown flag {name!r}; declared under services:flags:"
                        f" {', '.join(sorted(flags)) or 'none'}",
                    )
                )
    return problems


def appconfig_content(flags: Mapping[str, FlagSpec], tier: Tier) -> str:
    """The flags of one stack as an ``AWS.AppConfig.FeatureFlags`` document (stable JSON)."""
    definitions: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for name, flag in sorted(flags.items()):
        if not FLAG_NAME.fullmatch(name):
            raise ValueError(f"flag name {name!r} does not match {FLAG_NAME.pattern}")
        value = flag.value_for(tier)
        definition: dict[str, Any] = {"name": name}
        if flag.description:
            definition["description"] = flag.description
        if flag.type == FlagType.BOOLEAN:
            values[name] = {"enabled": bool(value)}
            if flag.expires:
                definition["attributes"] = {
                    UNTIL: {"constraints": {"type": "string", "pattern": RFC3339, "required": False}}
                }
        else:
            definition["attributes"] = {"value": {"constraints": {"type": flag.type.value, "required": True}}}
            values[name] = {"enabled": True, "value": value}
        definitions[name] = definition
    return json.dumps({"version": "1", "flags": definitions, "values": values}, sort_keys=True)


def split(flags: Mapping[str, FlagSpec]) -> tuple[dict[str, FlagSpec], dict[str, FlagSpec]]:
    """The product's flags (rolled out gradually, rolled back on the alarm) and the release holds (the
    expiring flags, switched at once by a release): two AppConfig environments, since AppConfig runs one
    deployment per environment at a time and a hold must not wait for a flag change's bake time."""
    holds = {n: f for n, f in flags.items() if f.expires}
    return {n: f for n, f in flags.items() if not f.expires}, holds
