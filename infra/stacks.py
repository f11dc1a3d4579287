"""The stack registry: the projects of this repository and their stacks, discovered from the stack files.

A new environment is a stack file per project (``Pulumi.<name>.yaml`` and ``services/Pulumi.<name>.yaml``);
the tests, the workflows (``python -m infra stacks --json``) and the bootstrap read the list from here.
Stacks are ordered by tier (dev, staging, prod), then by name: the order a release is promoted in.
"""

from __future__ import annotations

import argparse
import re
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from components.core.tier import Tier

if TYPE_CHECKING:
    from infra.config import ServicesSettings, Settings

ROOT = Path(__file__).resolve().parents[1]


class Project(StrEnum):
    """The Pulumi projects of this repository, by rate of change."""

    PLATFORM = "platform"
    """Network, keys, secrets, data tier, cluster and add-ons, observability: changes rarely."""
    SERVICES = "services"
    """Everything in the product namespace: changes several times a day."""


PROJECT_DIRS: dict[Project, Path] = {Project.PLATFORM: ROOT, Project.SERVICES: ROOT / "services"}
_TIER_ORDER = {tier: i for i, tier in enumerate(Tier)}


_STACK_CHARACTER = re.compile(r"[^A-Za-z0-9_.-]")


def stack_name_problem(name: str) -> str | None:
    """Why Pulumi would refuse ``name`` as a stack name, or None.

    pulumi/pulumi ``sdk/go/common/tokens/stack_name.go`` (``ParseStackName``, at 1b5949891b3c): not
    empty, at most 100 characters, each a letter, a digit, ``-``, ``_`` or ``.``.
    """
    if not name:
        return "a stack name may not be empty"
    if len(name) > 100:
        return f"a stack name cannot exceed 100 characters ({len(name)} given)"
    bad = _STACK_CHARACTER.search(name)
    if bad:
        return (
            f"a stack name may only contain letters, digits, '-', '_' or '.': {name!r} has"
            f" {bad.group()!r} at position {bad.start()}"
        )
    return None


def stack_argument(value: str) -> str:
    """``type=`` of every ``--stack`` option: argparse names the option and exits 2 on a bad name."""
    problem = stack_name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def stack_of_file(path: Path) -> str:
    """The stack ``Pulumi.<stack>.yaml`` configures (a stack name may contain periods: ``feature.x``)."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def project_dir(project: Project | str, root: Path = ROOT) -> Path:
    """The directory holding ``project``'s ``Pulumi.yaml`` and stack files, in the repository ``root``."""
    return root / PROJECT_DIRS[Project(project)].relative_to(ROOT)


def stack_files(project: Project | str = Project.PLATFORM, root: Path = ROOT) -> dict[str, Path]:
    """``{stack: path}`` of every ``Pulumi.<stack>.yaml`` of ``project``."""
    found = sorted(project_dir(project, root).glob("Pulumi.*.yaml"))
    return {stack_of_file(path): path for path in found}


def stacks(project: Project | str = Project.PLATFORM, root: Path = ROOT) -> tuple[str, ...]:
    """The stacks of ``project`` in promotion order (by the platform stack's tier, then name)."""
    order = {name: _TIER_ORDER.get(tier_of(name, root), len(Tier)) for name in stack_files(project, root)}  # type: ignore[arg-type]
    return tuple(sorted(order, key=lambda name: (order[name], name)))


def tier_of(stack: str, root: Path = ROOT) -> Tier | None:
    """The tier the platform stack file ``stack`` declares, if it declares a valid one."""
    raw = _tier(stack, root)
    try:
        return Tier(raw) if raw is not None else None
    except ValueError:
        return None


@cache
def _tier(stack: str, root: Path) -> str | None:
    from infra.preview.runner import read_stack_file

    try:
        config = read_stack_file(stack, root).config
    except (FileNotFoundError, ValueError):
        return None
    return config.get("platform:tier")


def platform_settings(stack: str, root: Path = ROOT) -> Settings:
    """The validated settings of the platform stack file ``stack`` (a ConfigError if invalid or missing).

    The services project reads them to check its references (secrets, stores, the cluster) before any
    resource exists; the platform's run-time values reach it through a ``StackReference``.
    """
    from infra import config
    from infra.preview.runner import read_stack_file

    try:
        stack_file = read_stack_file(stack, root)
    except FileNotFoundError as exc:
        raise config.ConfigError(
            stack,
            [f"the services stack {stack!r} deploys onto the platform stack of the same name, but {exc}"],
        ) from None
    return config.parse(stack_file.config, stack, stack_file.project, stack_file.secret_keys)


def services_settings(platform: Settings, root: Path = ROOT) -> ServicesSettings | None:
    """The validated services stack file of the same name as ``platform``, read by the platform program for
    the workloads' identities (what each service ``uses``); ``None`` when the stack has no services file.

    Raises:
        ConfigError: the services stack file is invalid (each problem names its ``services:`` key).
    """
    from infra import config
    from infra.preview.runner import read_stack_file

    directory = project_dir(Project.SERVICES, root)
    if not (directory / f"Pulumi.{platform.environment}.yaml").is_file():
        return None
    stack_file = read_stack_file(platform.environment, directory)
    return config.parse_services(
        stack_file.config, platform.environment, platform, stack_file.project, stack_file.secret_keys
    )
