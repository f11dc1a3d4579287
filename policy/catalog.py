"""Every rule of the pack, and one function that evaluates them over a list of resources."""

from __future__ import annotations

from collections.abc import Sequence

from policy.cluster import EKS_CONTROL_PLANE_LOGS
from policy.encryption import CMK_ENCRYPTION, KMS_ROTATION
from policy.exposure import NO_PUBLIC_EXPOSURE
from policy.iam import IAM_PERMISSIONS_BOUNDARY
from policy.model import Enforcement, Resource, ResourceRule, StackRule, Violation
from policy.s3 import S3_COVERAGE
from policy.tier import TIER_FLOORS
from policy.workloads import WORKLOAD_HARDENING

RESOURCE_RULES: tuple[ResourceRule, ...] = (
    CMK_ENCRYPTION,
    NO_PUBLIC_EXPOSURE,
    KMS_ROTATION,
    EKS_CONTROL_PLANE_LOGS,
    WORKLOAD_HARDENING,
    IAM_PERMISSIONS_BOUNDARY,
)
STACK_RULES: tuple[StackRule, ...] = (TIER_FLOORS, S3_COVERAGE)


def evaluate(resources: Sequence[Resource], tier: str | None = None) -> list[Violation]:
    """Every violation of every rule over ``resources`` (``tier`` as in :func:`policy.tier.tier_problems`)."""
    found = [
        Violation(rule.name, message, rule.enforcement, r.name, r.urn)
        for r in resources
        for rule in RESOURCE_RULES
        for message in rule.check(r)
    ]
    for stack_rule in STACK_RULES:
        for resource, message in stack_rule.check(resources, tier):
            name, urn = (resource.name, resource.urn) if resource else ("", "")
            found.append(Violation(stack_rule.name, message, stack_rule.enforcement, name, urn))
    return found


def mandatory(violations: Sequence[Violation]) -> list[Violation]:
    return [v for v in violations if v.enforcement == Enforcement.MANDATORY]
