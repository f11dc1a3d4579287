"""Run the real program offline, exactly as the Pulumi language host does, under the mock runtime.

The host sets the working directory to the program directory (``infra/``), runs
``runpy.run_path(<program dir>, run_name="__main__")`` inside ``pulumi.runtime.run_in_stack`` and leaves
the repository root off ``sys.path``. This module does the same, with the stack's config read from
``Pulumi.<stack>.yaml`` and the mocks of :mod:`infra.preview.mocks` in place of the engine.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from infra import stackfile
from infra.preview import mocks

ROOT = Path(__file__).resolve().parents[2]
SECRET_PLACEHOLDER = stackfile.SECRET_PLACEHOLDER


@dataclass(frozen=True)
class StackFile:
    """A stack file's config as the language host would hand it to the program."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]


@dataclass(frozen=True)
class PreviewResult:
    stack: str
    resources: list[mocks.Recorded]
    outputs: dict[str, Any]
    unanswered_calls: list[str]


def _project(root: Path) -> dict[str, Any]:
    path = root / "Pulumi.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no Pulumi.yaml in {root}")
    return stackfile.parse_document(stackfile.read_text(path, "project"), path.name, "project")


def project_name(root: Path = ROOT) -> str:
    return str(_project(root).get("name"))


def program_dir(root: Path = ROOT) -> Path:
    return (root / str(_project(root).get("main", "."))).resolve()


def read_stack_file(stack: str, root: Path = ROOT) -> StackFile:
    """Read ``Pulumi.<stack>.yaml`` into the string map Pulumi passes to a program.

    The hand-over is the engine's (:func:`infra.stackfile.host_config`): structured values become JSON
    that keeps their types; ``secure:`` values (which only the stack's KMS key can decrypt) become a
    placeholder and their keys are marked secret, so they print as ``[secret]``.

    Raises:
        FileNotFoundError: there is no such stack file.
        infra.errors.ConfigError: the file cannot be read as a stack file.
    """
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        stacks = sorted(p.name.split(".")[1] for p in root.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: {', '.join(stacks)}")
    host = stackfile.host_config(stackfile.read_document(path, stack))
    return StackFile(
        project=project_name(root), stack=stack, config=host.config, secret_keys=host.secret_keys
    )


def run_project(project: str, stack: str, *, preview: bool = True, root: Path = ROOT) -> PreviewResult:
    """The offline run of one of this repository's projects (``platform`` or ``services``).

    The services program reads the platform stack of the same name through a ``StackReference``; offline,
    that reference is answered with the outputs of the platform's own offline run of the stack, in the
    same mode (so what a preview does not know stays unknown).

    Raises:
        FileNotFoundError: no such stack file.
        infra.config.ConfigError: a stack's configuration is invalid (nothing was registered).
    """
    from infra import stacks

    directory = stacks.project_dir(project, root)
    stack_file = read_stack_file(stack, directory)
    references: dict[str, dict[str, Any]] = {}
    if stacks.Project(project) is stacks.Project.SERVICES:
        platform = run_program(read_stack_file(stack, root), preview=preview, root=root)
        references = {_platform_reference(stack_file): platform.outputs}
    return run_program(
        stack_file, preview=preview, root=directory, stack_references=references, repository=root
    )


def _platform_reference(stack_file: StackFile) -> str:
    from infra.config import NAMESPACE, SERVICES_NAMESPACE

    name = stack_file.config.get(f"{SERVICES_NAMESPACE}:platformStack")
    return name or f"organization/{NAMESPACE}/{stack_file.stack}"


def run_program(
    stack_file: StackFile,
    *,
    preview: bool = True,
    root: Path = ROOT,
    stack_references: dict[str, dict[str, Any]] | None = None,
    repository: Path = ROOT,
) -> PreviewResult:
    """Run the program of ``root`` for ``stack_file`` under mocks and return what it registered.

    ``stack_references`` answers each ``StackReference`` by stack name with that stack's outputs.

    Raises:
        infra.config.ConfigError: the stack's configuration is invalid (nothing was registered).
    """
    region = _region(stack_file, repository)
    runtime = mocks.install(
        stack_file.project,
        stack_file.stack,
        preview=preview,
        region=region,
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        stack_references=stack_references,
        root_directory=str(root),
    )
    program = program_dir(root)
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    os.chdir(program)
    # The host's sys.path: the program directory first, never the project's or the repository's root.
    off_path = {root.resolve(), repository.resolve()}
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() not in off_path]

    def host() -> None:
        runpy.run_path(str(program), run_name="__main__")

    try:
        runtime.loop.run_until_complete(pulumi.runtime.run_in_stack(host))
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        _settle(runtime.loop)
        runtime.loop.close()
    return PreviewResult(
        stack=stack_file.stack,
        resources=list(runtime.monitor.recorded),
        outputs=dict(runtime.monitor.stack_outputs),
        unanswered_calls=list(runtime.mocks.unanswered),
    )


def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """After a failed run: cancel what is still pending and forget it, so the next run starts clean.

    A program that fails (a config or data-source error) leaves registrations and outputs pending in
    the SDK's process-wide settings; left there, the next run in the same process would await them on
    a closed loop.
    """
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    state = pulumi.runtime.settings.SETTINGS
    with state.lock:
        state.outputs.clear()
    state.rpc_manager.clear()


def _region(stack_file: StackFile, repository: Path) -> str:
    from infra.config import DEFAULT_REGION

    if stack_file.project != "platform":  # the services project runs in its platform stack's region
        try:
            return read_stack_file(stack_file.stack, repository).config.get("platform:region", DEFAULT_REGION)
        except FileNotFoundError:
            return DEFAULT_REGION
    return stack_file.config.get("platform:region", DEFAULT_REGION)
