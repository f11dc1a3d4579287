"""Run the real program offline, exactly as the Pulumi language host does, under the mock runtime.

The host sets the working directory to the program directory (``infra/``), runs
``runpy.run_path(<program dir>, run_name="__main__")`` inside ``pulumi.runtime.run_in_stack`` and leaves
the repository root off ``sys.path``. This module does the same, with the stack's config read from
``Pulumi.<stack>.yaml`` and the mocks of :mod:`tools.preview.mocks` in place of the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.metadata
import json
import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi

from settings import stackfile, stacks
from settings.schema import DEFAULT_REGION, NAMESPACE, SERVICES_NAMESPACE
from settings.stackfile import StackFile, read_stack_file
from tools.preview import mocks

ROOT = Path(__file__).resolve().parents[2]
SECRET_PLACEHOLDER = stackfile.SECRET_PLACEHOLDER
CACHE_DIR = Path(".cache") / "offline-preview"
"""Where the command line keeps the platform's offline outputs, under the repository root (git-ignored)."""
CACHE_ENV = "INFRA_PREVIEW_CACHE"
"""Names another directory for them: ``diff`` points the previews of its temporary worktrees at the
repository's, so revisions with identical inputs (same key) share one platform run."""
CODE_DIRS = ("infra", "services", "settings", "components", "policy", "tools")
SDK_DISTRIBUTIONS = ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-mongodbatlas", "pulumi-random")
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class PreviewResult:
    stack: str
    resources: list[mocks.Recorded]
    outputs: dict[str, Any]
    unanswered_calls: list[str]
    calls: list[str] = field(default_factory=list)
    """Every invoke (data source) token the program called, in order."""


def program_dir(root: Path = ROOT) -> Path:
    return (root / str(stackfile.project_document(root).get("main", "."))).resolve()


def run_project(
    project: str,
    stack: str,
    *,
    preview: bool = True,
    root: Path = ROOT,
    platform: PreviewResult | None = None,
    cache: Path | None = None,
) -> PreviewResult:
    """The offline run of one of this repository's projects (``platform`` or ``services``).

    The services program reads the platform stack of the same name through a ``StackReference``; offline,
    that reference is answered with the outputs of the platform's own offline run of the stack, in the
    same mode (so what a preview does not know stays unknown): ``platform`` when the caller has that run
    already, else from ``cache`` when it holds a run of identical inputs (:func:`platform_outputs`), else
    a fresh run. A platform run given ``cache`` leaves its outputs there, for the services run that
    usually follows it.

    Raises:
        FileNotFoundError: no such stack file.
        settings.config.ConfigError: a stack's configuration is invalid (nothing was registered).
    """
    directory = stacks.project_dir(project, root)
    stack_file = read_stack_file(stack, directory)
    references: dict[str, dict[str, Any]] = {}
    if stacks.Project(project) is stacks.Project.SERVICES:
        if platform is not None:
            outputs = platform.outputs
        else:
            base = stacks.platform_stack_of(stack, stack_file.config)  # a review stack's is its base's
            outputs = platform_outputs(base, preview=preview, root=root, cache=cache)
        references = {_platform_reference(stack_file): outputs}
    result = run_program(
        stack_file, preview=preview, root=directory, stack_references=references, repository=root
    )
    if cache is not None and stacks.Project(project) is stacks.Project.PLATFORM:
        # A services preview of the same stack (the next step of a pull request's checks) reuses it.
        _store(
            cache, stack, preview, cache_key(stack, preview=preview, root=root), mocks.to_wire(result.outputs)
        )
    return result


def platform_outputs(
    stack: str, *, preview: bool, root: Path = ROOT, cache: Path | None = None
) -> dict[str, Any]:
    """The outputs of the platform's offline run of ``stack``, as a ``StackReference`` answers them.

    With ``cache`` (a directory), a run is stored there under a key over every input that can change
    it (:func:`cache_key`) and reused while the key matches; one file per stack, mode and key, the
    newest few kept. Values are stored in the engine's wire form, so unknowns stay unknown and secrets
    stay secret.
    """
    if cache is None:
        return run_platform(stack, preview=preview, root=root).outputs
    key = cache_key(stack, preview=preview, root=root)
    try:
        stored = json.loads(_cache_file(cache, stack, preview, key).read_text())
        if stored.get("key") == key:
            return dict(stored["outputs"])
    except (OSError, ValueError):
        pass  # absent or unreadable: run it
    outputs = mocks.to_wire(run_platform(stack, preview=preview, root=root).outputs)
    _store(cache, stack, preview, key, outputs)
    return dict(outputs)


def run_platform(stack: str, *, preview: bool, root: Path) -> PreviewResult:
    directory = stacks.project_dir(stacks.Project.PLATFORM, root)
    return run_program(read_stack_file(stack, directory), preview=preview, root=directory, repository=root)


def cache_dir(root: Path) -> Path:
    """The command line's cache directory for the repository at ``root`` (``$INFRA_PREVIEW_CACHE`` wins)."""
    return Path(os.environ.get(CACHE_ENV) or root / CACHE_DIR)


_KEPT = 6
"""Stored runs kept per stack and mode: a diff's two revisions, and a few branches switched between."""


def _cache_file(cache: Path, stack: str, preview: bool, key: str) -> Path:
    return cache / f"platform.{stack}.{'preview' if preview else 'update'}.{key[:16]}.json"


def _store(cache: Path, stack: str, preview: bool, key: str, outputs: dict[str, Any]) -> None:
    """Store a run under its key (atomically), then drop all but the newest :data:`_KEPT` of its stack and mode.

    The cache only saves time: a directory that cannot be written (``$INFRA_PREVIEW_CACHE`` naming a file,
    a read-only checkout) is said on stderr and the run goes on.
    """
    path = _cache_file(cache, stack, preview, key)
    written = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        written.write_text(json.dumps({"key": key, "stack": stack, "outputs": outputs}, sort_keys=True))
        os.replace(written, path)  # atomic: a concurrent reader sees no file or the whole file
    except OSError as exc:
        print(f"note: platform outputs not cached in {cache}: {exc.strerror or exc}", file=sys.stderr)
        return
    runs = []
    for stored in cache.glob(_cache_file(cache, stack, preview, "*").name):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it
            runs.append((stored.stat().st_mtime_ns, stored))
    for _, old in sorted(runs, reverse=True)[_KEPT:]:
        old.unlink(missing_ok=True)


def cache_key(stack: str, *, preview: bool, root: Path = ROOT) -> str:
    """sha256 over what the platform's offline outputs of ``stack`` depend on: the mode, the project
    and stack files of ``root`` (the services stack file too: the platform creates the workloads'
    identities from its ``uses``), every file of the code that runs (:data:`CODE_DIRS` of this
    installation), the Python and the Pulumi SDK versions."""
    digest = hashlib.sha256(f"{_CACHE_FORMAT}:{stack}:{preview}:{sys.version}".encode())
    for name in SDK_DISTRIBUTIONS:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{name}=={version};".encode())
    platform, services = (stacks.project_dir(project, root) for project in stacks.Project)
    files = [platform / "Pulumi.yaml", platform / f"Pulumi.{stack}.yaml", services / f"Pulumi.{stack}.yaml"]
    for directory in CODE_DIRS:
        found = (ROOT / directory).rglob("*")
        files += sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(root if path.is_relative_to(root) else ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"absent")
    return digest.hexdigest()


def _platform_reference(stack_file: StackFile) -> str:
    name = stack_file.config.get(f"{SERVICES_NAMESPACE}:platformStack")
    return name or f"organization/{NAMESPACE}/{stack_file.stack}"


def run_program(
    stack_file: StackFile,
    *,
    preview: bool = True,
    root: Path | None = None,
    stack_references: dict[str, dict[str, Any]] | None = None,
    repository: Path = ROOT,
) -> PreviewResult:
    """Run the program of the project directory ``root`` (default: the platform's) for ``stack_file``
    under mocks and return what it registered.

    ``stack_references`` answers each ``StackReference`` by stack name with that stack's outputs.

    Raises:
        settings.config.ConfigError: the stack's configuration is invalid (nothing was registered).
    """
    root = root or stacks.project_dir(stacks.Project.PLATFORM, repository)
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
        with mocks.offline_run():
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
        calls=list(runtime.mocks.calls),
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
    if stack_file.project != "platform":  # the services project runs in its platform stack's region
        try:
            directory = stacks.project_dir(stacks.Project.PLATFORM, repository)
            platform = stacks.platform_stack_of(stack_file.stack, stack_file.config)  # a review's base
            return read_stack_file(platform, directory).config.get("platform:region", DEFAULT_REGION)
        except FileNotFoundError:
            return DEFAULT_REGION
    return stack_file.config.get("platform:region", DEFAULT_REGION)
