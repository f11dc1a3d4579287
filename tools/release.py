"""``python -m tools release|rollback|hosts``: a release is an edit of one services stack file.

A release sets ``services:apps.<name>.image`` (and clears ``rollbackTo``, so the release ships normally);
a rollback sets ``rollbackTo`` (Argo and Pulumi ship it at once, skipping steps, pauses and gates) to a
named image or, by default, to the service's previous ``image`` in the stack file's git history. Both
edit the file in place with ruamel.yaml's round-trip mode (the approach of ``tools/envs.py``): comments,
key order and quoting are kept and only the changed line moves. A change is checked before the file is
written, as the next preview would check it: against the tier's image rules (``components/apps/image.py``;
the tier is the platform stack's) and against the registries the platform stack owns or allows
(``settings.guardrails.image_registry_problems``). A refused change leaves the file as it was.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from components.apps import jobs as compat
from components.apps.image import tag_problem
from settings import guardrails, stacks
from settings.config import platform_settings
from settings.errors import ConfigError
from settings.stacks import Project
from tools import envs

SECTION = "services:apps"


class ReleaseError(ValueError):
    """The change cannot be made; the message names the key, the value and what is allowed."""


@dataclass(frozen=True)
class Change:
    """What an edit did: the file, the key it set, the value before and after."""

    path: Path
    key: str
    before: str | None
    after: str | None


def stack_file(stack: str, root: Path = stacks.ROOT) -> Path:
    """The services stack file of ``stack`` (a ReleaseError naming the known stacks if there is none)."""
    files = stacks.stack_files(Project.SERVICES, root)
    if stack not in files:
        known = ", ".join(sorted(files)) or "none"
        raise ReleaseError(
            f"unknown services stack {stack!r}: services/Pulumi.<stack>.yaml exists for {known}"
        )
    return files[stack]


def _apps(document: Any, path: Path) -> Any:
    apps = ((document or {}).get("config") or {}).get(SECTION)
    if not isinstance(apps, dict):
        raise ReleaseError(f"{path.name} has no {SECTION} section")
    return apps


def _service(apps: Any, name: str, path: Path) -> Any:
    if name not in apps:
        raise ReleaseError(
            f"{SECTION}.{name}: no such service in {path.name}; the stack's services are {', '.join(apps)}"
        )
    return apps[name]


def _check(stack: str, service: str, field: str, image: str, root: Path) -> None:
    key = f"{SECTION}.{service}.{field}"
    tier = stacks.tier_of(stack, root)
    if tier is None:
        raise ReleaseError(
            f"the platform stack {stack!r} declares no valid platform:tier; cannot check {key}"
        )
    problem = tag_problem(image, tier)
    if problem:
        raise ReleaseError(f"{key}: {problem}; got {image!r}")
    try:
        platform = platform_settings(stack, root)
    except ConfigError as exc:
        raise ReleaseError(f"cannot check {key} against the platform stack's registries: {exc}") from None
    for _, message in guardrails.image_registry_problems({service: {field: image}}, platform.config):
        raise ReleaseError(f"{key}: {message}")


def release(
    stack: str, service: str, image: str, root: Path = stacks.ROOT, jobs: dict[str, Any] | None = None
) -> Change:
    """Set ``service``'s image (and, with ``jobs``, the job-schema versions that image emits and accepts)
    in the services stack ``stack`` and clear its ``rollbackTo``.

    Raises:
        ReleaseError: unknown stack or service, an image the stack's tier refuses or from a registry the
            platform stack neither owns nor allows, or a release whose
            rollout would strand a job version (:func:`components.apps.jobs.stranded`; file unchanged).
    """
    path = stack_file(stack, root)
    document = envs.load(path, stack)
    apps = _apps(document, path)
    app = _service(apps, service, path)
    key = f"{SECTION}.{service}.image"
    _check(stack, service, "image", image, root)
    before_jobs = compat.jobs_of(apps)
    before = app.get("image")
    app["image"] = image
    if jobs is not None:
        app["jobs"] = jobs
    if "rollbackTo" in app:
        del app["rollbackTo"]
    try:
        problems = compat.stranded(before_jobs, compat.jobs_of(apps), compat.waves_of(apps))
    except ValueError as exc:
        raise ReleaseError(f"{SECTION}.{service}.jobs: {exc}") from None
    if problems:
        raise ReleaseError(
            "this release would strand jobs (file unchanged):\n"
            + "\n".join(f"  - {SECTION.split(':')[0]}:{k}: {m}" for k, m in problems)
        )
    path.write_text(envs.dump(document))
    return Change(path, key, before, image)


def rollback(stack: str, service: str, to: str | None = None, root: Path = stacks.ROOT) -> Change:
    """Set ``service``'s ``rollbackTo`` to ``to`` or, by default, to its previous image from git history.

    Raises:
        ReleaseError: unknown stack or service, no previous image, the target is the current image, or
            an image the tier or the platform's registries refuse (file unchanged).
    """
    path = stack_file(stack, root)
    document = envs.load(path, stack)
    app = _service(_apps(document, path), service, path)
    key = f"{SECTION}.{service}.rollbackTo"
    current = str(app.get("image"))
    target = to or previous_image(path, service, current)
    if target is None:
        raise ReleaseError(
            f"{key}: no earlier image of {service} than {current!r} in the git history of {path.name};"
            " name the release with --to"
        )
    if target == current:
        raise ReleaseError(f"{key}: {target!r} is the current image; nothing to roll back to")
    _check(stack, service, "rollbackTo", target, root)
    before = app.get("rollbackTo")
    app["rollbackTo"] = target
    path.write_text(envs.dump(document))
    return Change(path, key, before, target)


def image_history(path: Path, service: str) -> list[str]:
    """The images ``service`` had in ``path``'s committed history, newest first (consecutive repeats kept
    once). Each commit's version of the file is parsed, so a key of another service never counts."""
    top = Path(_git(path.resolve().parent, "rev-parse", "--show-toplevel").strip()).resolve()
    repo = top  # pathspecs and `commit:path` are relative to the top, not to the file's directory
    relative = path.resolve().relative_to(top).as_posix()
    commits = _git(repo, "log", "--format=%H", "--", relative).split()
    images: list[str] = []
    for commit in commits:
        try:
            text = _git(repo, "show", f"{commit}:{relative}")
        except ReleaseError:  # the commit deleted the file
            continue
        try:
            document = envs._yaml().load(text)
        except YAMLError:  # a commit whose file did not parse held no image anyone deployed
            continue
        config = document.get("config") if isinstance(document, dict) else None
        apps = config.get(SECTION) if isinstance(config, dict) else None
        app = apps.get(service) if isinstance(apps, dict) else None
        image = app.get("image") if isinstance(app, dict) else None
        if image and (not images or images[-1] != image):
            images.append(str(image))
    return images


def previous_image(path: Path, service: str, current: str) -> str | None:
    """The last image of ``service`` before ``current`` in history: the newest one that differs."""
    return next((image for image in image_history(path, service) if image != current), None)


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def hosts(stack: str, root: Path = stacks.ROOT) -> list[str]:
    """The ingress hosts of the services stack ``stack``, in file order (what the smoke checks call)."""
    path = stack_file(stack, root)
    apps = _apps(envs.load(path, stack), path)
    return [str(app["ingress"]["host"]) for app in apps.values() if (app.get("ingress") or {}).get("host")]
