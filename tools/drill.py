"""``python -m tools drill``: the restore drill's stack file, from the template in ``drills/``.

The drill stack (``drills/Pulumi.drill.yaml``) is not a standing environment: a drill writes it into the
platform project with the sources of its run (its account's copy of the snapshot prod shared, prod's
newest Atlas snapshot), deploys it, measures, checks and destroys it (docs/RUNBOOK.md, section 5). The file is validated
exactly as the program will read it before it is written (a bad source is exit 2, naming the key);
nothing else of the template changes (ruamel round-trip).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from settings import config, registry, stackfile
from settings.stacks import ROOT, Project, project_dir
from tools import envs

STACK = "drill"
TEMPLATE = ROOT / "drills" / f"Pulumi.{STACK}.yaml"


def render(template: Path, postgres_snapshot: str | None, atlas_snapshot: str | None) -> str:
    """The template with this run's sources set, validated as the program reads it.

    Raises:
        settings.errors.ConfigError: the result is not a valid platform stack (each problem names its key).
    """
    document: Any = envs.load(template, STACK)
    restore = document["config"]["platform:restore"]
    if postgres_snapshot is not None:
        restore["postgres"]["snapshot"] = postgres_snapshot
    if atlas_snapshot is not None:
        restore["atlas"]["snapshotId"] = atlas_snapshot
    text = envs.dump(document)
    host = stackfile.host_config(stackfile.parse_document(text, template.name, STACK))
    # The drill's own checks too: never its own source, a dedicated Atlas target.
    config.parse(host.config, STACK, secret_keys=host.secret_keys)
    return text


def write(
    postgres_snapshot: str | None, atlas_snapshot: str | None, root: Path = ROOT, template: Path = TEMPLATE
) -> Path:
    """Write ``Pulumi.drill.yaml`` into the platform project of ``root`` and bind the stack in ``root``'s
    stack registry (its tier and account, from the template) for this checkout only; returns its path.

    The registry of the repository does not list the drill (no deploy workflow or matrix may run it): the
    workflow's checkout gains the entry, which is never committed.
    """
    text = render(template, postgres_snapshot, atlas_snapshot)
    _register(root, envs.load(template, STACK)["config"])
    target = project_dir(Project.PLATFORM, root) / f"Pulumi.{STACK}.yaml"
    target.write_text(text)
    return target


def _register(root: Path, stack_config: Any) -> None:
    path = root / registry.FILE
    document: Any = envs.load(path, registry.FILE)
    if STACK not in document["stacks"]:
        # First: a dev-tier stack comes before dev in promotion order; its account is its own.
        document["stacks"].insert(
            0,
            STACK,
            {
                "tier": str(stack_config["platform:tier"]),
                "accountId": str(stack_config["platform:accountId"]),
            },
        )
        path.write_text(envs.dump(document))
    registry.load(root)  # the registry still reads (and the template agrees with it)
