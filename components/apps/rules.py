"""What each tier demands of the product's services, checked when the settings load (pure).

``infra/guardrails.py`` calls :func:`service_problems`; each problem names its key relative to
``services:`` (``apps.gateway.image``), the value received and what the tier allows.
"""

from __future__ import annotations

from components.apps.image import tag_problem
from components.apps.spec import AppSpec, BlueGreenSpec, CanarySpec
from components.core.tier import Tier, policy_for

Problem = tuple[str, str]


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
