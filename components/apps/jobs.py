"""Job-schema versions between the services that enqueue jobs and the workers that run them (pure).

A producer (the gateway) declares which schema versions it *emits* on each queue, a consumer (a worker)
which it *accepts*. Any consumer pod may take any job of its queue, so a job is safe only when every
consumer version running at that moment accepts it. During a release old and new pods of a service run
side by side, and services of one rollout wave (``after``) roll at the same time, so a release is safe
only if at *every point* of its rollout every version a running producer emits is accepted by every
running consumer of that queue. :func:`stranded` walks those points for a change of the stack file
(``before`` → ``after``); the CI matrix template (``docs/templates/job-compat-matrix.yml``) tests the
same pairs (producer N and N-1 x consumer N and N-1) in the application repositories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from pydantic import Field, ValidationError, field_validator

from components.core.model import Spec

Problem = tuple[str, str]


class JobsSpec(Spec):
    """The job-schema versions this release of a service emits and accepts, per queue.

    Attributes:
        emits: queue → the schema versions this release enqueues on it. Defaults to none.
        accepts: queue → the schema versions this release can run from it. Defaults to none.
    """

    emits: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    accepts: dict[str, tuple[int, ...]] = Field(default_factory=dict)

    @field_validator("emits", "accepts")
    @classmethod
    def _versions(cls, value: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
        for queue, versions in value.items():
            if not versions:
                raise ValueError(f"{queue}: list at least one version")
            if any(v < 1 for v in versions):
                raise ValueError(f"{queue}: versions are positive integers; got {list(versions)}")
        return value


@dataclass(frozen=True)
class Running:
    """One version of a service that may be running: its name, which release (``old``/``new``) and what
    it emits and accepts."""

    service: str
    release: str
    jobs: JobsSpec


def steady_problems(jobs: Mapping[str, JobsSpec]) -> list[Problem]:
    """Once every service runs this stack file: every emitted version has a consumer on its queue, and
    every consumer of the queue accepts it."""
    running = [Running(name, "new", spec) for name, spec in sorted(jobs.items())]
    return _point(running, "once the stack file is deployed")


def stranded(
    before: Mapping[str, JobsSpec], after: Mapping[str, JobsSpec], waves: Sequence[Sequence[str]]
) -> list[Problem]:
    """Every point of the rollout ``before`` → ``after`` at which a running producer emits a version that
    a running consumer of its queue does not accept (or that no consumer runs for).

    ``waves`` are the rollout waves (``components.apps.spec.rollout_waves``): services of one wave roll
    at the same time (any mix of their old and new pods may run), a later wave starts once the earlier
    ones are new. A service in only one of the two files runs only in that one.
    """
    changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    problems: dict[Problem, None] = {}
    done: set[str] = set()
    for wave in [*waves, sorted(set(changed) - {n for w in waves for n in w})]:
        rolling = [n for n in wave if n in changed]
        if not rolling:
            done.update(wave)
            continue
        for mix in product(*[_versions(n, before, after) for n in rolling]):
            running = [r for part in mix for r in part]
            for name in sorted((set(before) | set(after)) - set(rolling)):
                spec = after.get(name) if name in done else before.get(name)
                if spec is not None:
                    running.append(Running(name, "new" if name in done else "old", spec))
            moment = f"while {', '.join(rolling)} roll{'s' if len(rolling) == 1 else ''} out"
            problems.update(dict.fromkeys(_point(running, moment)))
        done.update(wave)
    return list(problems)


def _versions(
    name: str, before: Mapping[str, JobsSpec], after: Mapping[str, JobsSpec]
) -> list[list[Running]]:
    """The sets of a rolling service's versions that may run at one moment: old only, both, new only."""
    old = [Running(name, "old", before[name])] if name in before else []
    new = [Running(name, "new", after[name])] if name in after else []
    return [s for s in (old, old + new, new) if s] or [[]]


def _point(flat: list[Running], moment: str) -> list[Problem]:
    problems: list[Problem] = []
    for producer in flat:
        for queue, versions in sorted(producer.jobs.emits.items()):
            consumers = [c for c in flat if queue in c.jobs.accepts]
            if not consumers:
                problems.append(
                    (
                        f"apps.{producer.service}.jobs.emits.{queue}",
                        f"{moment}, {producer.service} ({producer.release} release) emits versions"
                        f" {list(versions)} on {queue!r}, which no running service accepts",
                    )
                )
                continue
            for consumer in consumers:
                missing = [v for v in versions if v not in consumer.jobs.accepts[queue]]
                if missing:
                    problems.append(
                        (
                            f"apps.{consumer.service}.jobs.accepts.{queue}",
                            f"{moment}, {producer.service} ({producer.release} release) emits version(s)"
                            f" {missing} on {queue!r}, which {consumer.service} ({consumer.release} release)"
                            f" does not accept (accepts {list(consumer.jobs.accepts[queue])}): jobs it takes"
                            " would fail; release a consumer accepting both first",
                        )
                    )
    return problems


def jobs_of(apps: Mapping[str, Any]) -> dict[str, JobsSpec]:
    """The ``jobs`` of each service of a raw ``services:apps`` mapping (as a stack file holds it).

    Raises:
        ValueError: a ``jobs`` block that does not validate, naming the service.
    """
    found = {}
    for name, app in apps.items():
        try:
            found[str(name)] = JobsSpec.model_validate(_plain((app or {}).get("jobs") or {}))
        except ValidationError as exc:
            raise ValueError(f"{name}: {exc.errors()[0]['msg']}") from None
    return found


def waves_of(apps: Mapping[str, Any]) -> list[list[str]]:
    """The rollout waves of a raw ``services:apps`` mapping: each wave after the services its members
    name in ``after`` (as ``components.apps.spec.rollout_waves`` orders validated specs)."""
    after = {str(n): {str(a) for a in ((app or {}).get("after") or ())} for n, app in apps.items()}
    done: set[str] = set()
    waves: list[list[str]] = []
    while len(done) < len(after):
        wave = sorted(
            n for n, needs in after.items() if n not in done and needs <= done | (needs - set(after))
        )
        if not wave:
            raise ValueError(
                f"services wait for each other in a cycle: {', '.join(sorted(set(after) - done))}"
            )
        waves.append(wave)
        done.update(wave)
    return waves


def _plain(value: Any) -> Any:
    """A ruamel mapping or sequence as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
