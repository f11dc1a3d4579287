"""``python -m tools upgrade-check``: run both projects of a stack offline and report what blocks a bump of
its EKS control plane to a target minor (the checks are :mod:`components.cluster.upgrade`).

    python -m tools upgrade-check --stack prod --to 1.35
    python -m tools upgrade-check --stack prod --to 1.35 --manifests rendered/   # + `helm template` output
    python -m tools upgrade-check --stack prod --to 1.35 --stack-dir old/        # other platform stack files

Exit 4 when something blocks the bump, 0 otherwise, 2 for bad input (the message names it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from components.cluster.upgrade import (
    Finding,
    Manifest,
    Report,
    Severity,
    check,
    manifests_in_documents,
    manifests_of,
)
from components.core.catalog.kubernetes import (
    EKS_CALENDAR_SOURCE,
    EKS_SUPPORT_CALENDAR,
    SupportTier,
    run_date,
    support_tier,
)
from components.core.catalog.services import EKS_KUBERNETES_VERSIONS
from settings import stackfile, stacks
from settings.errors import ConfigError

_MINOR = re.compile(r"^1\.\d{1,2}$")


class UpgradeInputError(Exception):
    """Bad input: a message naming the option, the value received and what is allowed."""


def target_problem(value: str) -> str | None:
    if not _MINOR.fullmatch(value):
        return f"--to: must be a Kubernetes minor written 1.NN (e.g. 1.35); got {value!r}"
    if value not in EKS_KUBERNETES_VERSIONS:
        return f"--to: EKS offers {', '.join(EKS_KUBERNETES_VERSIONS)}; got {value!r}"
    return None


def run(
    stack: str,
    target: str,
    *,
    stack_dir: Path | None = None,
    rendered: Sequence[Path] = (),
) -> Report:
    """The upgrade report of ``stack`` for a bump to ``target``.

    ``stack_dir`` reads the platform stack file from another directory (a copy of older stack files)
    while running this tree's code; the services project runs on that platform run's outputs. A stack
    past its EKS support window is read (that is when it needs the check): the window is a finding here,
    not a config error.

    Raises:
        UpgradeInputError: a bad ``target``, a missing stack file, an unreadable manifest.
        ConfigError: the stack's configuration is invalid.
    """
    from settings.config import support_window_reported

    problem = target_problem(target)
    if problem:
        raise UpgradeInputError(problem)
    extra = [m for path in rendered for m in _rendered(path)]
    try:
        with support_window_reported():
            platform, services = _runs(stack, stack_dir)
    except FileNotFoundError as exc:
        raise UpgradeInputError(str(exc)) from None
    resources = [_plain(r) for r in platform.resources]
    manifests = manifests_of(resources, "platform")
    if services is not None:
        manifests += manifests_of([_plain(r) for r in services.resources], "services")
    report = check(resources, target, manifests + extra)
    return dataclasses.replace(report, findings=_support(report.current) + report.findings)


def _runs(stack: str, stack_dir: Path | None) -> tuple[Any, Any]:
    from tools.preview import runner

    if stack_dir is None:
        platform = runner.run_project(stacks.Project.PLATFORM.value, stack, preview=True)
    else:
        platform = runner.run_program(_stack_file(stack, stack_dir), preview=True)
    services = None
    if (stacks.project_dir(stacks.Project.SERVICES) / f"Pulumi.{stack}.yaml").is_file():
        services = runner.run_project(stacks.Project.SERVICES.value, stack, preview=True, platform=platform)
    return platform, services


def _support(version: str) -> tuple[Finding, ...]:
    """Where the current version stands in the EKS calendar on the run date."""
    today = run_date()
    tier = support_tier(version, today)
    window = EKS_SUPPORT_CALENDAR.get(version)
    if window is None or tier is SupportTier.UNKNOWN:
        return ()
    subject = f"EKS {version} on {today}"
    if tier is SupportTier.STANDARD:
        message = f"standard support until {window.end_of_standard}"
        return (Finding(Severity.OK, "support", subject, message, window.source),)
    message = (
        f"in extended support since {window.end_of_standard} (billed; with supportType STANDARD AWS upgrades it)"
        if tier is SupportTier.EXTENDED
        else f"past extended support since {window.end_of_extended}: EKS upgrades it itself"
    )
    return (Finding(Severity.WARNS, "support", subject, message, window.source or EKS_CALENDAR_SOURCE),)


def _plain(recorded: Any) -> dict[str, Any]:
    return {"type": recorded.type, "name": recorded.name, "inputs": recorded.inputs}


def _stack_file(stack: str, directory: Path) -> Any:
    problem = stackfile.stack_name_problem(stack)
    path = directory / f"Pulumi.{stack}.yaml"
    if problem or not path.is_file():
        raise UpgradeInputError(
            f"--stack-dir: no stack file {path}" if not problem else f"--stack: {problem}"
        )
    host = stackfile.host_config(stackfile.read_document(path, stack))
    return stackfile.StackFile(
        project=stacks.Project.PLATFORM.value, stack=stack, config=host.config, secret_keys=host.secret_keys
    )


def _rendered(path: Path) -> list[Manifest]:
    """The objects of a rendered manifest file, or of every ``*.yaml``/``*.yml`` under a directory."""
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")) if path.is_dir() else [path]
    found: list[Manifest] = []
    for file in files:
        try:
            documents = list(yaml.safe_load_all(file.read_text()))
        except (OSError, yaml.YAMLError) as exc:
            raise UpgradeInputError(f"--manifests: cannot read {file} as YAML manifests: {exc}") from None
        found += manifests_in_documents(documents, f"rendered {file.name}")
    return found


def as_text(stack: str, report: Report, today: dt.date | None = None) -> str:
    verdict = "BLOCKED" if report.blocked else "ok"
    lines = [
        f"upgrade-check {stack}: Kubernetes {report.current} -> {report.target}: {verdict}"
        f" ({report.manifests_checked} Kubernetes objects of both projects checked)"
    ]
    for version in (report.current, report.target):
        window = EKS_SUPPORT_CALENDAR.get(version)
        if window is not None and window.end_of_standard is not None:
            lines.append(
                f"  EKS {version}: standard support until {window.end_of_standard}, extended until"
                f" {window.end_of_extended} (calendar read {window.read})"
            )
    sources: list[str] = []
    order = {Severity.BLOCKS: 0, Severity.WARNS: 1, Severity.OK: 2}
    for finding in sorted(report.findings, key=lambda f: order[f.severity]):
        ref = ""
        if finding.source:
            if finding.source not in sources:
                sources.append(finding.source)
            ref = f" [{sources.index(finding.source) + 1}]"
        lines.append(
            f"{finding.severity.value.upper():<6} {finding.area:<9} {finding.subject}: {finding.message}{ref}"
        )
    if report.releases_not_rendered:
        lines.append(
            "note: Helm renders the manifests of these releases at install; pass `helm template` output with"
            f" --manifests to check them too: {', '.join(report.releases_not_rendered)}"
        )
    lines += ["", "Sources:"] + [f"  [{i}] {s}" for i, s in enumerate(sources, 1)]
    return "\n".join(lines)


__all__ = ["ConfigError", "UpgradeInputError", "as_text", "run", "target_problem"]
