"""How long a release and a rollback take, from the settings alone (pure: specs in, seconds out).

The figures are what a strategy *implies*, not measurements: the sum of the waits the strategy puts
between "``pulumi up`` starts" and "the workload is Healthy", with every pod taking the same time to
become ready. A person's ``promote`` (blue/green in prod, ``pause: indefinite``) is not counted: it is
reported in :attr:`Timing.waits_for_person` instead. Each constant below says where its number comes
from; "engineering estimate" means no published figure exists and the number is a judgement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from components.apps.drain import drain_seconds
from components.apps.manifests import STARTUP_PERIOD_SECONDS
from components.apps.spec import AppSpec, BlueGreenSpec, CanarySpec, DeliverySpec, RollingSpec

SERVICES_UP_SECONDS = 60
"""``pulumi up`` of the services stack before the first object changes: reading the platform stack's
outputs, diffing some fifty objects, the engine's start. Engineering estimate."""
POD_START_SECONDS = 20
"""Scheduling on an existing node, pulling an image from ECR in the same region (layers mostly cached),
process start-up until the first startup probe can pass. Engineering estimate; the probes' periods are
added from the spec."""
ALB_REGISTRATION_SECONDS = 2 * 15
"""A new pod IP becomes a healthy ALB target after ``healthy-threshold-count`` (2) checks every
``healthcheck-interval-seconds`` (15): the AWS Load Balancer Controller's defaults (its ingress annotations
reference). Counted whenever traffic moves to new pods behind an Ingress."""

_DURATION = re.compile(r"^([1-9][0-9]*)([smh])$")
_UNIT = {"s": 1, "m": 60, "h": 3600}


def seconds(duration: str) -> int:
    """``2m`` → 120 (the gate and pause durations of the specs)."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"not a duration: {duration!r}")
    return int(match.group(1)) * _UNIT[match.group(2)]


@dataclass(frozen=True)
class Timing:
    """A service's implied release and rollback times.

    Attributes:
        release_seconds: ``pulumi up`` to Healthy for a new image, migration deadline included.
        rollback_seconds: ``pulumi up`` to Healthy after setting ``rollbackTo``.
        waits_for_person: the release also waits for a person (``promote``); not counted above.
        rollback_rollout_seconds: the rollback's own rollout, from the undo to Healthy (no ``pulumi up``):
            the wait step of the rollback workflow (:mod:`components.apps.rollback_budget`).
    """

    release_seconds: int
    rollback_seconds: int
    waits_for_person: bool = False
    rollback_rollout_seconds: int = 0


def pod_ready_seconds(spec: AppSpec) -> int:
    """A new pod from creation to Ready: start-up, one startup-probe period, one readiness period."""
    return POD_START_SECONDS + STARTUP_PERIOD_SECONDS + spec.probes.period_seconds


def analysis_seconds(delivery: DeliverySpec) -> int:
    """One analysis run: ``count`` measurements ``interval`` apart (the gates share both; they run in
    parallel), counted as ``interval * count``."""
    g = delivery.gates
    return seconds(g.interval) * g.count


def _round(spec: AppSpec, min_ready: int) -> int:
    """One batch of new pods up and counted available (and, behind an Ingress, healthy ALB targets)."""
    alb = ALB_REGISTRATION_SECONDS if spec.ingress is not None else 0
    return pod_ready_seconds(spec) + min_ready + alb


def _rolling(spec: AppSpec, s: RollingSpec) -> int:
    """A Deployment replaces ``maxSurge + maxUnavailable`` pods per round, each round waiting for the new
    pods to be Ready and ``minReadySeconds`` available (at the autoscaler's floor: ``minReplicas``)."""
    rounds = math.ceil(spec.min_replicas / (s.max_surge + s.max_unavailable))
    return rounds * (pod_ready_seconds(spec) + s.min_ready_seconds)


def _canary_release(spec: AppSpec, s: CanarySpec, delivery: DeliverySpec) -> tuple[int, bool]:
    """Each ``setWeight`` brings up the canary pods it needs and moves ALB traffic; pauses and analyses
    wait their time; past the last step the canary is scaled to 100% (a last round unless the last
    weight already was 100). The background analysis runs alongside and adds nothing."""
    total, person = 0, False
    for step in s.steps:
        if step.set_weight is not None:
            total += _round(spec, s.min_ready_seconds)
        elif step.pause == "indefinite":
            person = True
        elif step.pause is not None:
            total += seconds(step.pause)
        else:
            total += analysis_seconds(delivery)
    weights = [step.set_weight for step in s.steps if step.set_weight is not None]
    if weights[-1] != 100:
        total += _round(spec, s.min_ready_seconds)
    return total, person


def _blue_green_release(spec: AppSpec, s: BlueGreenSpec, delivery: DeliverySpec) -> int:
    """The full preview ReplicaSet comes up at once, the pre-promotion analysis runs, the active Service
    switches (new ALB targets)."""
    analysis = analysis_seconds(delivery) if s.pre_promotion_gates else 0
    return (
        pod_ready_seconds(spec)
        + s.min_ready_seconds
        + analysis
        + (ALB_REGISTRATION_SECONDS if spec.ingress is not None else 0)
    )


def service_timing(spec: AppSpec, delivery: DeliverySpec) -> Timing:
    """The release and rollback times ``spec``'s strategy implies.

    Rollback is a ``rollbackTo`` (``components/apps/manifests.py``): a canary skips its steps and
    analysis (straight to 100%, one round), a blue/green switches without analysis or a person (one round:
    its old pods may already be gone after ``scaleDownDelaySeconds``), a Deployment rolls as it releases.
    Migrations only go forward, so a rollback has no migration. An in-flight canary or blue/green aborted
    with Argo's own ``abort`` returns traffic to the stable pods at once; that is faster than any of this.
    """
    s = spec.strategy
    migration = spec.migration.timeout_seconds if spec.migration else 0
    person = False
    if isinstance(s, RollingSpec):
        rollout = back = _rolling(spec, s)
        if spec.autoscaling and spec.autoscaling.queue and spec.autoscaling.queue.drain:
            rollout += drain_seconds(spec.autoscaling.queue.drain)  # at most; a rollback skips it
    elif isinstance(s, CanarySpec):
        rollout, person = _canary_release(spec, s, delivery)
        back = _round(spec, s.min_ready_seconds)
    else:
        rollout = _blue_green_release(spec, s, delivery)
        person = not s.auto_promotion_enabled
        back = _round(spec, s.min_ready_seconds)
    return Timing(
        release_seconds=SERVICES_UP_SECONDS + migration + rollout,
        rollback_seconds=SERVICES_UP_SECONDS + back,
        waits_for_person=person,
        rollback_rollout_seconds=back,
    )


def services_timing(services: Mapping[str, AppSpec], delivery: DeliverySpec) -> dict[str, Timing]:
    """:func:`service_timing` of every service, by name."""
    return {name: service_timing(spec, delivery) for name, spec in services.items()}


@dataclass(frozen=True)
class Step:
    """One node of a creation graph.

    Attributes:
        name: what is created (``eks-cluster``).
        seconds: how long it takes once everything it needs exists.
        needs: the steps that must finish first.
    """

    name: str
    seconds: int
    needs: tuple[str, ...] = ()


def critical_path(steps: Iterable[Step]) -> tuple[int, list[str]]:
    """The longest chain of ``steps`` (everything else runs in parallel, as Pulumi does): its total
    duration and the step names along it, first to last.

    Raises:
        ValueError: a step needs an unknown step, or the needs form a cycle.
    """
    by_name = {step.name: step for step in steps}
    finish: dict[str, tuple[int, list[str]]] = {}

    def done(name: str, visiting: frozenset[str]) -> tuple[int, list[str]]:
        if name in finish:
            return finish[name]
        if name in visiting:
            raise ValueError(f"steps need each other in a cycle through {name!r}")
        if name not in by_name:
            raise ValueError(f"unknown step {name!r}")
        step = by_name[name]
        before = [done(n, visiting | {name}) for n in step.needs]
        start, path = max(before, default=(0, []), key=lambda item: item[0])
        finish[name] = (start + step.seconds, [*path, name])
        return finish[name]

    results = [done(name, frozenset()) for name in by_name]
    return max(results, default=(0, []), key=lambda item: item[0])
