"""The projects of this repository and their stacks, in the stack registry's promotion order.

Which stacks exist, in which order (the promotion order), and what each one is (its tier and account) is
bound by the stack registry, ``stacks.yaml`` (:mod:`settings.registry`); a stack file of a name it lacks is
refused. A new environment is a registry entry and a stack file per project (``infra/Pulumi.<name>.yaml``,
``services/Pulumi.<name>.yaml``); the tests and the workflows (``python -m tools stacks --json``) read
the list from here.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from components.apps.review import is_review
from components.core.tier import Tier
from settings import registry
from settings.errors import ConfigError
from settings.stackfile import StackFile, read_stack_file, stack_name_problem, stack_of_file

ROOT = Path(__file__).resolve().parents[1]


class Project(StrEnum):
    """The Pulumi projects of this repository, by rate of change."""

    PLATFORM = "platform"
    """Network, keys, secrets, data tier, cluster and add-ons, observability: changes rarely."""
    SERVICES = "services"
    """Everything in the product namespace: changes several times a day."""


PROJECT_DIRS: dict[Project, Path] = {Project.PLATFORM: ROOT / "infra", Project.SERVICES: ROOT / "services"}


def stack_argument(value: str) -> str:
    """``type=`` of every ``--stack`` option: argparse names the option and exits 2 on a bad name."""
    problem = stack_name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def read(stack: str, project: Project | str = Project.PLATFORM, root: Path = ROOT) -> StackFile:
    """``project``'s stack file ``stack`` in the repository ``root``, as the language host hands it over.

    Raises:
        FileNotFoundError: there is no such stack file (or ``stack`` is not a name Pulumi accepts).
        settings.errors.ConfigError: the file cannot be read as a stack file.
    """
    return read_stack_file(stack, project_dir(project, root))


def project_dir(project: Project | str, root: Path = ROOT) -> Path:
    """The directory holding ``project``'s ``Pulumi.yaml`` and stack files, in the repository ``root``."""
    return root / PROJECT_DIRS[Project(project)].relative_to(ROOT)


def stack_files(project: Project | str = Project.PLATFORM, root: Path = ROOT) -> dict[str, Path]:
    """``{stack: path}`` of every ``Pulumi.<stack>.yaml`` of ``project``."""
    found = sorted(project_dir(project, root).glob("Pulumi.*.yaml"))
    return {stack_of_file(path): path for path in found}


def stacks(project: Project | str = Project.PLATFORM, root: Path = ROOT) -> tuple[str, ...]:
    """The stacks of ``project`` in promotion order: the stack registry's order (``stacks.yaml``).

    Review environments (``pr-<n>``, recorded on main by review-env.yml) are not environments of the
    promotion order: they are left out (``components.apps.review``); they run on a registered base stack.

    Raises:
        ConfigError: the registry is missing or invalid, or a stack file of ``project`` names a stack the
            registry does not bind.
    """
    bound = registry.load(root)
    files = {name: path for name, path in stack_files(project, root).items() if not is_review(name)}
    unbound = [
        f"{path.name}: {registry.unregistered(name, bound)}"
        for name, path in files.items()
        if bound.get(name) is None
    ]
    if unbound:
        raise ConfigError(str(Project(project)), unbound)
    return tuple(name for name in bound.names if name in files)


def platform_stack_of(stack: str, services_config: Mapping[str, str]) -> str:
    """The platform stack a services stack deploys onto: the one of the same name, or for a review
    environment (``services:reviewEnvironment.base``, ``components.apps.review``) its base's."""
    from settings.reviews import base_of

    return base_of(services_config) or stack


def tier_of(stack: str, root: Path = ROOT) -> Tier | None:
    """The tier the stack registry binds ``stack`` to (whatever its stack file says), None if unbound.

    Raises:
        ConfigError: the registry is missing or invalid.
    """
    binding = registry.load(root).get(stack)
    return binding.tier if binding is not None else None
