"""What each stack *is*, bound in one file: ``stacks.yaml`` at the repository root.

A stack's tier decides its guardrails, its protection and whether a merge deploys it without an approval;
its account is where its provider may act; its services read the platform stack of the same name. None of
that is left to the stack file that a one-word edit could change: the registry binds each stack name to a
tier and an account, in promotion order, and every other place that states one of them (``platform:tier``
and ``platform:accountId`` of the platform stack file, ``services:platformStack`` of the services stack
file, ``bootstrap:tier`` and ``bootstrap:accountId`` of the bootstrap stack file) must agree, or the stack
is refused with both values named. Why a registry file and not the name or the promotion order:
``docs/STACKS.md``.

The registry itself is checked when it is read: names Pulumi accepts, each once; tiers that never go down
along the promotion order (a release is promoted from dev towards prod); one account per stack (each
environment has its own account, so no two stacks can touch each other's resources).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from components.core.account import AwsAccountId
from components.core.model import Spec
from components.core.tier import Tier
from settings import stackfile
from settings.errors import ConfigError

FILE = "stacks.yaml"
"""The registry's file name, at the repository root."""
PLATFORM_PROJECT = "platform"
ORGANIZATION = "organization"
"""The organization part of a stack reference on the DIY (S3) backend this repository uses: "Non-legacy DIY
backends do support the org/project/stack format, but org must be set to 'organization'" (Pulumi's
automation API reference, ``fullyQualifiedStackName``)."""
_TIER_ORDER = {tier: i for i, tier in enumerate(Tier)}


class EntrySpec(Spec):
    """One stack of the registry.

    Attributes:
        tier: ``dev``, ``staging`` or ``prod``: the floors of ``components/core/tier.py`` (required).
        account_id: the environment's own AWS account, 12 digits, quoted (required).
    """

    tier: Tier
    account_id: AwsAccountId


class RegistrySpec(Spec):
    """``stacks.yaml``: ``stacks`` maps each stack name to its entry, in promotion order."""

    stacks: dict[str, EntrySpec] = Field(min_length=1)


@dataclass(frozen=True)
class Binding:
    """What the registry says a stack is.

    Attributes:
        stack: the stack name (both projects and the bootstrap use it).
        tier: its tier.
        account_id: its AWS account.
    """

    stack: str
    tier: Tier
    account_id: str

    @property
    def platform_stack(self) -> str:
        """The platform stack the services stack of this name reads (``StackReference`` name)."""
        return platform_stack_reference(self.stack)


def platform_stack_reference(stack: str) -> str:
    """``organization/platform/<stack>``: the services stack ``stack`` reads the platform stack of its name."""
    return f"{ORGANIZATION}/{PLATFORM_PROJECT}/{stack}"


@dataclass(frozen=True)
class Registry:
    """The stacks in promotion order."""

    path: Path
    bindings: tuple[Binding, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.stack for b in self.bindings)

    def get(self, stack: str) -> Binding | None:
        return next((b for b in self.bindings if b.stack == stack), None)

    def binding(self, stack: str) -> Binding:
        """The binding of ``stack``, or a ConfigError naming the registry and its stacks."""
        found = self.get(stack)
        if found is None:
            raise ConfigError(stack, [unregistered(stack, self)])
        return found


def unregistered(stack: str, registry: Registry) -> str:
    return (
        f"the stack {stack!r} is not in the stack registry ({registry.path.name}: {', '.join(registry.names)});"
        " a stack's tier and account are bound there: add an entry before using its stack files"
    )


def load(root: Path) -> Registry:
    """The registry of the repository at ``root``.

    Raises:
        ConfigError: the file is missing, not YAML, or breaks a rule of the module doc (every problem).
    """
    path = root / FILE
    if not path.is_file():
        raise ConfigError(
            FILE,
            [
                f"{FILE}: no stack registry in {root}; it binds each stack name to its tier and account (docs/STACKS.md)"
            ],
        )
    document = stackfile.read_document(path, FILE)
    return parse(document, path)


def find(start: Path) -> Registry:
    """The registry of the repository holding ``start`` (a project directory): the nearest ``stacks.yaml``
    in ``start`` or above it. A program finds it this way whichever directory its ``Pulumi.yaml`` is in.

    Raises:
        ConfigError: none is found, or it is invalid.
    """
    for directory in (start, *start.parents):
        if (directory / FILE).is_file():
            return load(directory)
    return load(start)  # raises, naming where it looked first


def parse(document: Mapping[str, Any], path: Path) -> Registry:
    """Validate a parsed registry document (see :func:`load`)."""
    try:
        spec = RegistrySpec.model_validate_json(stackfile.json_text(document), strict=True)
    except ValidationError as exc:
        raise ConfigError(path.name, [_problem(err, path.name) for err in exc.errors()]) from None
    problems = list(_rule_problems(spec, path.name))
    if problems:
        raise ConfigError(path.name, problems)
    bindings = tuple(Binding(name, e.tier, e.account_id) for name, e in spec.stacks.items())
    return Registry(path=path, bindings=bindings)


def _problem(err: Any, name: str) -> str:
    """A schema error of the registry: ``stacks.yaml: stacks.prod.tier: <message>; got <value>``."""
    key = ".".join(str(part) for part in err["loc"]) or "the top level"
    if err["type"] == "missing":
        return f"{name}: {key}: required, but not set"
    if err["type"] == "extra_forbidden":
        return f"{name}: {key}: unknown key (an entry has tier and accountId)"
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{name}: {key}: {message}; got {json.dumps(err.get('input'), default=str)}"


def _rule_problems(spec: RegistrySpec, name: str) -> list[str]:

    problems = []
    previous: tuple[str, Tier] | None = None
    accounts: dict[str, str] = {}
    for stack, entry in spec.stacks.items():
        problem = stackfile.stack_name_problem(stack)
        if problem:
            problems.append(f"{name}: stacks.{stack}: {problem}")
        if previous is not None and _TIER_ORDER[entry.tier] < _TIER_ORDER[previous[1]]:
            problems.append(
                f"{name}: stacks.{stack}.tier: stacks are listed in promotion order and a release only"
                f" moves towards prod, so a {entry.tier.value} stack cannot follow {previous[0]!r}"
                f" ({previous[1].value}); got {entry.tier.value!r}"
            )
        if entry.account_id in accounts:
            problems.append(
                f"{name}: stacks.{stack}.accountId: every environment has its own account, but"
                f" {accounts[entry.account_id]!r} is in {entry.account_id} too; got {entry.account_id!r}"
            )
        accounts.setdefault(entry.account_id, stack)
        previous = (stack, entry.tier)
    return problems


def agreement_problems(
    binding: Binding, stated: Mapping[str, Any], namespace: str, registry_file: str = FILE
) -> list[str]:
    """Every ``<namespace>:tier`` / ``<namespace>:accountId`` of a stack file that disagrees with the
    binding, naming both values (the stack file's keys, without the namespace, mapped to their values)."""
    problems = []
    for key, bound in (("tier", binding.tier.value), ("accountId", binding.account_id)):
        if key in stated and stated[key] != bound:
            problems.append(
                f"{namespace}:{key}: {registry_file} binds stack {binding.stack!r} to {key} {bound!r}; this"
                f" stack file says {stated[key]!r}. What a stack is changes in {registry_file} (reviewed,"
                " with every file that states it), never in one stack file"
            )
    return problems


def platform_stack_problem(stack: str, platform: str, stated: str | None) -> str | None:
    """Why ``services:platformStack`` ``stated`` of the services stack ``stack`` is not the platform stack
    ``platform`` it is validated against, or None.

    The services of a stack run on the platform stack of the same name (a review environment, ``pr-<n>``,
    on its base's), and are validated against that stack file (its secrets, stores, certificate): reading
    another environment's or another project's outputs would deploy them onto something they were never
    checked against.
    """
    expected = platform_stack_reference(platform)
    if stated is None or stated == expected:
        return None
    which = "of the same name" if platform == stack else f"of its base, {platform!r}"
    return (
        f"the services stack {stack!r} runs on the platform stack {which}, {expected!r} (the one its"
        f" references are checked against); got {stated!r}. Leave the key out, or write {expected!r}"
    )
