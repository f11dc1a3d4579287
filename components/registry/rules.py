"""What each tier demands of ``platform:registry`` (pure), checked when the settings load.

Keys are relative to ``platform:`` (``registry.tagMutability``); each message names the tier's need and
the value received.
"""

from __future__ import annotations

from components.core.tier import TierPolicy
from components.registry.spec import AdmissionMode, FailurePolicy, RegistrySpec, TagMutability

Problem = tuple[str, str]


def registry_problems(
    spec: RegistrySpec, policy: TierPolicy, tier: str, region: str, has_cluster: bool
) -> list[Problem]:
    """Every problem of ``spec`` for a stack of ``tier`` in ``region``."""
    problems: list[Problem] = []
    if policy.immutable_image_tags and spec.tag_mutability is not TagMutability.IMMUTABLE:
        problems.append(
            (
                "registry.tagMutability",
                f"{tier} service repositories must be IMMUTABLE (a pushed tag names one image for ever, so the"
                f" digest staging tested is the one prod runs); got {spec.tag_mutability.value!r}",
            )
        )
    if spec.replication_region is not None and spec.replication_region == region:
        problems.append(
            (
                "registry.replicationRegion",
                f"must be another region than the stack's own ({region}): a copy in the same region survives"
                f" nothing the original does not; got {spec.replication_region!r}",
            )
        )
    if policy.image_replication and spec.replication_region is None:
        problems.append(
            ("registry.replicationRegion", f"{tier} replicates its service images to a DR region; got none")
        )
    admission = spec.admission
    if not has_cluster:
        return problems  # admission runs on the cluster: without one there is nothing to admit to
    if admission is None:
        if policy.enforce_image_admission:
            problems.append(
                (
                    "registry.admission",
                    f"{tier} admits only signed images: set registry.admission (mode Enforce); got none",
                )
            )
        return problems
    if policy.enforce_image_admission and admission.mode is not AdmissionMode.ENFORCE:
        problems.append(
            (
                "registry.admission.mode",
                f"{tier} refuses unverified images (Enforce); audit mode would only report them;"
                f" got {admission.mode.value!r}",
            )
        )
    if policy.enforce_image_admission and admission.failure_policy is not FailurePolicy.FAIL:
        problems.append(
            (
                "registry.admission.failurePolicy",
                f"{tier} fails closed (Fail): with Ignore a Kyverno outage admits unverified images;"
                f" got {admission.failure_policy.value!r}",
            )
        )
    return problems
