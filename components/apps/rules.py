"""What each tier demands of the product's services, checked when the settings load (pure).

``settings/guardrails.py`` calls :func:`service_problems`; each problem names its key relative to
``services:`` (``apps.gateway.image``), the value received and what the tier allows.
"""

from __future__ import annotations

from components.apps.durations import service_timing
from components.apps.image import tag_problem
from components.apps.rollback_budget import WORKFLOW, fixed_seconds, workflow_budget
from components.apps.spec import AppSpec, BlueGreenSpec, CanarySpec, DeliverySpec
from components.core.tier import Tier, policy_for

Problem = tuple[str, str]


ROLLBACK_BUDGET_SECONDS = 180
"""A rollback (``rollbackTo``) reaches Healthy within three minutes, by anyone: the background documents'
target (from 15 minutes)."""
TIME_BUDGET_TIERS = frozenset({Tier.PROD})
"""Tiers whose services must release within ``delivery.releaseBudgetMinutes`` and roll back within
:data:`ROLLBACK_BUDGET_SECONDS`."""


def service_problems(services: dict[str, AppSpec], tier: Tier) -> list[Problem]:
    """Every tier problem of ``services``."""
    policy = policy_for(tier)
    problems: list[Problem] = []
    for name, spec in services.items():
        key = f"apps.{name}"
        for field, image in (("image", spec.image), ("rollbackTo", spec.rollback_to)):
            problem = tag_problem(image, tier) if image is not None else None
            if problem:
                problems.append((f"{key}.{field}", f"{problem}; got {image!r}"))
        strategy = spec.strategy
        if (
            policy.manual_promotion
            and isinstance(strategy, BlueGreenSpec)
            and strategy.auto_promotion_enabled
        ):
            problems.append(
                (
                    f"{key}.strategy.autoPromotionEnabled",
                    f"{tier.value} promotes blue/green releases by hand after the preview's analysis; got true",
                )
            )
        if policy.gated_canary and isinstance(strategy, CanarySpec) and not strategy.gates:
            problems.append(
                (f"{key}.strategy", f"{tier.value} canaries must run at least one analysis gate; got none")
            )
        if spec.ingress is not None and spec.min_replicas < policy.min_exposed_replicas:
            problems.append(
                (
                    f"{key}.{'autoscaling.minReplicas' if spec.autoscaling else 'replicas'}",
                    f"{tier.value} runs at least {policy.min_exposed_replicas} pods behind an ingress (a node"
                    f" or zone loss must not take the service down); got {spec.min_replicas}",
                )
            )
    return problems


def budget_problems(services: dict[str, AppSpec], delivery: DeliverySpec, tier: Tier) -> list[Problem]:
    """Where the tier keeps a time budget (prod): every service whose strategy implies a release longer
    than ``delivery.releaseBudgetMinutes`` or a rollback longer than three minutes
    (:mod:`components.apps.durations`), naming the service and the figure."""
    if tier not in TIME_BUDGET_TIERS:
        return []
    budget = delivery.release_budget_minutes * 60
    problems: list[Problem] = []
    for name, spec in services.items():
        timing = service_timing(spec, delivery)
        kind = spec.strategy.type.value
        if timing.release_seconds > budget:
            problems.append(
                (
                    f"apps.{name}.strategy",
                    f"{tier.value} releases within delivery.releaseBudgetMinutes ({delivery.release_budget_minutes}"
                    f" min = {budget} s); this {kind} strategy implies {timing.release_seconds} s (shorten"
                    " pauses, analysis count or interval, or surge more; see `python -m tools timing`)",
                )
            )
        workflow = workflow_budget({name: timing.rollback_rollout_seconds})["services"][name]["total_seconds"]
        if workflow > ROLLBACK_BUDGET_SECONDS:
            problems.append(
                (
                    f"apps.{name}.strategy",
                    f"{tier.value} rolls back within {ROLLBACK_BUDGET_SECONDS} s from dispatch to healthy pods;"
                    f" the rollback workflow ({WORKFLOW}: {fixed_seconds()} s of named steps) plus this {kind}"
                    f" strategy's {timing.rollback_rollout_seconds} s rollout is {workflow} s (surge more pods per"
                    " round or shorten minReadySeconds; see `python -m tools timing`)",
                )
            )
        if timing.rollback_seconds > ROLLBACK_BUDGET_SECONDS:
            problems.append(
                (
                    f"apps.{name}.strategy",
                    f"{tier.value} rolls back within {ROLLBACK_BUDGET_SECONDS} s; this {kind} strategy implies"
                    f" {timing.rollback_seconds} s to roll back (surge more pods per round or shorten"
                    " minReadySeconds)",
                )
            )
    return problems
