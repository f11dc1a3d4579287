"""``python -m tools env add|remove NAME``: dev environments on shared Atlas cluster slots.

The allocation lives in the dev stack file under ``platform:atlas.shared`` so that it is stable from
run to run. These functions edit that section in place with ruamel.yaml's round-trip mode: comments,
key order, quoting and flow style of everything else are kept, and only the lines that change move.
The next ``pulumi up`` creates (or, on removal, deletes user first, then database) what changed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from components.apps.review import (
    PREFIX,
    ReviewEnvironmentSpec,
    ReviewSpec,
    expiry,
    is_review,
    pull_request_of,
    quota_problem,
)
from components.apps.review import expired as review_expired
from components.data.atlas_spec import ENV_NAME, SharedSpec
from components.data.slots import Allocation, Slot, SlotError, Source, allocate, release
from settings import stackfile
from settings.errors import ConfigError
from settings.reviews import PLATFORM_STACK, REVIEW_ENVIRONMENT, REVIEW_POLICY

SECTION = "platform:atlas"


class EnvError(ValueError):
    """The change cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Removal:
    env: str
    slot: Slot


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the stack files' style: "  - name: ..." under a key
    return yaml


def load(path: Path, stack: str = "dev") -> Any:
    """The stack file for editing (round-trip), once the safe reader has accepted it.

    Raises:
        settings.errors.ConfigError: the file is not a readable stack file; nothing is written.
    """
    stackfile.read_document(path, stack)
    return _yaml().load(stackfile.read_text(path, stack))


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def _shared(document: Any, path: Path) -> CommentedMap:
    config = (document or {}).get("config") or {}
    atlas = config.get(SECTION) if isinstance(config, dict) else None
    if not isinstance(atlas, dict) or not isinstance(atlas.get("shared"), dict):
        raise EnvError(
            f"{path.name} has no {SECTION}.shared section: only a stack on shared dev clusters has slots"
        )
    return atlas["shared"]


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _spec(shared: CommentedMap, path: Path) -> SharedSpec:
    try:
        return SharedSpec.model_validate(_plain(shared))
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise EnvError(f"{path.name}: {SECTION}.shared is not consistent: {problems}") from None


def _seq(shared: CommentedMap, key: str, block: bool) -> CommentedSeq:
    """The sequence under ``key``, created when absent; block style when it will hold mappings."""
    seq = shared.get(key)
    if not isinstance(seq, CommentedSeq):
        seq = CommentedSeq(seq or [])
        shared[key] = seq
    if block and not seq:
        seq.fa.set_block_style()
    return seq


def _check_name(name: str) -> None:
    if not ENV_NAME.fullmatch(name):
        raise EnvError(
            f"environment name {name!r} must be lower-case letters, digits and '-', starting with a letter,"
            " 1-20 characters"
        )


def add(path: Path, name: str, stack: str = "dev") -> Allocation:
    """Give environment ``name`` a slot and record it in the stack file at ``path``.

    Raises:
        EnvError: bad name, no shared section, an inconsistent record, a duplicate or no capacity.
    """
    _check_name(name)
    document = load(path, stack)
    shared = _shared(document, path)
    try:
        _, allocation = allocate(_spec(shared, path).pool(), name)
    except SlotError as exc:
        raise EnvError(str(exc)) from None
    if allocation.source == Source.FREED:
        del _seq(shared, "freedSlots", block=False)[0]
    elif allocation.source == Source.SPARE:
        spares = _seq(shared, "spares", block=False)
        spares.remove(allocation.slot.cluster)
        _seq(shared, "clusters", block=False).append(allocation.slot.cluster)
    entry = CommentedMap(
        [("name", name), ("cluster", allocation.slot.cluster), ("slot", allocation.slot.index)]
    )
    _seq(shared, "environments", block=True).append(entry)
    _write(path, document)
    return allocation


def remove(path: Path, name: str, stack: str = "dev") -> Removal:
    """Remove environment ``name`` and queue its slot for reuse (first freed, first reused).

    Raises:
        EnvError: no shared section, an inconsistent record, or no such environment.
    """
    document = load(path, stack)
    shared = _shared(document, path)
    try:
        _, slot = release(_spec(shared, path).pool(), name)
    except SlotError as exc:
        raise EnvError(str(exc)) from None
    environments = _seq(shared, "environments", block=True)
    index = next(i for i, entry in enumerate(environments) if entry.get("name") == name)
    del environments[index]
    freed = _seq(shared, "freedSlots", block=True)
    freed.append(CommentedMap([("cluster", slot.cluster), ("slot", slot.index)]))
    _write(path, document)
    return Removal(env=name, slot=slot)


def _write(path: Path, document: Any) -> None:
    """Write only a document whose shared section still validates."""
    text = dump(document)
    _spec(_shared(_yaml().load(text), path), path)
    path.write_text(text)


# --- review environments (components.apps.review) -------------------------------------------------


@dataclass(frozen=True)
class Review:
    """A review environment added (or renewed): its slot, its stack file and its expiry."""

    name: str
    stack_file: Path
    expires_at: datetime
    allocation: Allocation | None = None


def review_policy(services_dir: Path, base: str) -> ReviewSpec:
    """``services:review`` of the base services stack file.

    Raises:
        EnvError: no such file, no ``services:review`` (review environments are off) or an invalid one.
    """
    path = services_dir / f"Pulumi.{base}.yaml"
    try:
        config = stackfile.host_config(stackfile.read_document(path, base)).config
    except FileNotFoundError:
        raise EnvError(f"no services stack file services/{path.name}: review environments copy it") from None
    raw = config.get(REVIEW_POLICY)
    if raw is None:
        raise EnvError(
            f"services/{path.name} has no {REVIEW_POLICY}: review environments of {base!r} are off"
            " (set label, maxEnvironments and ttlHours there)"
        )
    try:
        return ReviewSpec.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
    except (ValidationError, json.JSONDecodeError) as exc:
        problems = (
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        raise EnvError(f"services/{path.name}: {REVIEW_POLICY} is invalid: {problems}") from None


def _review_text(name: str, base: str, base_file: Path, expires_at: datetime) -> str:
    base_document = stackfile.read_document(base_file, base) or {}
    provider = base_document.get("secretsprovider")
    number = pull_request_of(name)
    lines = [
        f"# Review environment of pull request #{number}: written by `python -m tools env add {name}`,",
        f"# removed by `env remove {name}`. Its services are services/Pulumi.{base}.yaml's (hosts renamed),",
        f"# in namespace {name}, on the platform stack {base} and its Atlas slot {name} (docs/REVIEW-ENVIRONMENTS.md).",
    ]
    if provider:
        lines.append(f"secretsprovider: {provider}")
    if base_document.get("encryptedkey"):
        # The base's data key, encrypted by the same KMS key (pkg/secrets/cloud/manager.go binds it to the
        # provider URL only): the review stack's state is readable on every deploy without a key of its own
        # being committed from the runner.
        lines.append(f"encryptedkey: {base_document['encryptedkey']}")
    lines += [
        "config:",
        '  pulumi:disable-default-providers: ["*"]',
        f"  {PLATFORM_STACK}: organization/platform/{base}",
        f"  {REVIEW_ENVIRONMENT}:",
        f"    base: {base}",
        f"    pullRequest: {number}",
        f'    expiresAt: "{expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}"',
    ]
    return "\n".join(lines) + "\n"


def _review_name(name: str) -> None:
    if not is_review(name):
        raise EnvError(
            f"review environment name {name!r} must be pr-<pull request number> (pr-1 to pr-9999999)"
        )


def add_review(platform_path: Path, services_dir: Path, name: str, base: str, now: datetime) -> Review:
    """Give review environment ``name`` (``pr-<n>``) a slot in the base's platform stack file, within the
    base's quota, and write its services stack file. Nothing is written unless both can be.

    Raises:
        EnvError: not a review name, review environments off, the quota reached, no slot, or it exists.
    """
    _review_name(name)
    policy = review_policy(services_dir, base)
    stack_file = services_dir / f"Pulumi.{name}.yaml"
    if stack_file.exists():
        raise EnvError(
            f"services/{stack_file.name} exists already: `env renew {name}` pushes back its expiry"
        )
    pool = _spec(_shared(load(platform_path, base), platform_path), platform_path).pool()
    problem = quota_problem([env for env, _ in pool.environments], name, policy)
    if problem:
        raise EnvError(problem)
    expires_at = expiry(now, policy.ttl_hours)
    text = _review_text(name, base, services_dir / f"Pulumi.{base}.yaml", expires_at)
    allocation = add(platform_path, name, base)
    stack_file.write_text(text)
    return Review(name=name, stack_file=stack_file, expires_at=expires_at, allocation=allocation)


def remove_review(platform_path: Path, services_dir: Path, name: str, base: str) -> tuple[Removal, Path]:
    """Free review environment ``name``'s slot (queued for reuse) and delete its services stack file."""
    _review_name(name)
    removal = remove(platform_path, name, base)
    stack_file = services_dir / f"Pulumi.{name}.yaml"
    stack_file.unlink(missing_ok=True)
    return removal, stack_file


def renew(services_dir: Path, name: str, base: str, now: datetime) -> Review:
    """Push review environment ``name``'s expiry back to ``now`` plus the base's TTL (a new deploy)."""
    _review_name(name)
    policy = review_policy(services_dir, base)
    stack_file = services_dir / f"Pulumi.{name}.yaml"
    if not stack_file.is_file():
        raise EnvError(f"no review environment {name}: services/{stack_file.name} does not exist")
    expires_at = expiry(now, policy.ttl_hours)
    stack_file.write_text(_review_text(name, base, services_dir / f"Pulumi.{base}.yaml", expires_at))
    return Review(name=name, stack_file=stack_file, expires_at=expires_at)


def expired(services_dir: Path, now: datetime) -> list[str]:
    """The review environments whose ``expiresAt`` has passed, by name (an unreadable one counts too: it
    cannot be deployed, so it is swept)."""
    found = []
    for path in sorted(services_dir.glob(f"Pulumi.{PREFIX}*.yaml")):
        name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        if not is_review(name):
            continue
        try:
            raw = stackfile.host_config(stackfile.read_document(path, name)).config.get(REVIEW_ENVIRONMENT)
            spec = ReviewEnvironmentSpec.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
        except (ConfigError, ValidationError, json.JSONDecodeError, TypeError):
            found.append(name)
            continue
        if review_expired(spec.expires_at, now):
            found.append(name)
    return found
