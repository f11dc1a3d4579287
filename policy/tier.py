"""Tier rules: the floors of ``components/core/tier.py`` (the one table of what a tier means, which the
config guardrails read too) over the resources: high availability, a read replica, deletion protection,
backups, ``protect`` on stateful resources, Atlas termination protection and backups, a private EKS
endpoint, an alert topic and a cost budget — each where the stack's tier requires it.

These need the stack's tier (and, for "a read replica", the whole resource list), so they are one
stack-level rule. The tier comes from the caller (the offline preview knows the platform stack's
``platform:tier``; the CrossGuard pack reads its ``tier`` config) or, failing that, from the ``tier``
default tag of the stack's AWS provider — never from the stack's name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from components.core.tags import TIER_TAG
from components.core.tier import Tier, TierPolicy, policy_for
from policy.model import Resource, StackRule, is_true, number

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
EKS = "aws:eks/cluster:Cluster"
ATLAS_CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
AWS_PROVIDER = "pulumi:providers:aws"
ALERT_TOPIC = "aws:sns/topic:Topic"
BUDGET = "aws:budgets/budget:Budget"
VPC = "aws:ec2/vpc:Vpc"

STATEFUL_TYPES = (
    RDS_INSTANCE,
    RDS_CLUSTER,
    REDIS,
    ATLAS_CLUSTER,
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:ebs/volume:Volume",
)
"""Resources whose loss loses data: in prod they carry ``protect=True`` (RDS read replicas excepted)."""


def infer_tier(resources: Sequence[Resource]) -> str | None:
    """The ``tier`` default tag of the stack's AWS provider, if there is one (never the stack's name)."""
    for r in resources:
        if r.type != AWS_PROVIDER:
            continue
        tags = r.get("defaultTags")
        if isinstance(tags, str):  # providers receive nested inputs as JSON text
            tags = json.loads(tags)
        env = Resource(r.type, r.name, tags if isinstance(tags, dict) else {}).get("tags", TIER_TAG)
        if isinstance(env, str):
            return env
    return None


def _is_replica(r: Resource) -> bool:
    return r.get("replicateSourceDb") not in (None, "")


@dataclass(frozen=True)
class _Floors:
    """The tier's floors as the checks below read them, with the tier's name for the messages."""

    tier: str
    policy: TierPolicy

    def backups(self, r: Resource, key: str) -> list[str]:
        days, floor = number(r.get(key)), self.policy.min_backup_retention_days
        if days is None and r.get(key) is not None:
            return []  # unknown until the deployment
        if days is None or days < floor:
            return [f"{key} must be at least {floor} days in {self.tier}; got {r.get(key)!r}"]
        return []

    def flag(self, wanted: bool, r: Resource, key: str, why: str) -> list[str]:
        if not wanted or is_true(r.get(key)):
            return []
        return [f"{key} must be true in {self.tier} ({why}); got {r.get(key)!r}"]

    def rds_instance(self, r: Resource) -> list[str]:
        if _is_replica(r):
            return []
        return (
            self.flag(self.policy.multi_az, r, "multiAz", "a standby in another AZ")
            + self.flag(
                self.policy.deletion_protection, r, "deletionProtection", "the API refuses to delete it"
            )
            + self.backups(r, "backupRetentionPeriod")
        )

    def rds_cluster(self, r: Resource) -> list[str]:
        return self.flag(
            self.policy.deletion_protection, r, "deletionProtection", "the API refuses to delete it"
        ) + self.backups(r, "backupRetentionPeriod")

    def redis(self, r: Resource) -> list[str]:
        failover = self.policy.min_cache_nodes >= 2
        return self.flag(failover, r, "multiAzEnabled", "replicas in other AZs") + self.flag(
            failover, r, "automaticFailoverEnabled", "a replica takes over when the primary fails"
        )

    def eks(self, r: Resource) -> list[str]:
        problems = []
        if self.policy.private_api_endpoint:
            if r.get("vpcConfig", "endpointPublicAccess") is not False:
                problems.append(
                    f"vpcConfig.endpointPublicAccess must be false in {self.tier} (private API endpoint only)"
                )
            problems += [
                f"vpcConfig.{p}"
                for p in self.flag(
                    True,
                    Resource(r.type, r.name, r.get("vpcConfig") or {}),
                    "endpointPrivateAccess",
                    "nodes and operators reach the API privately",
                )
            ]
        return problems + self.flag(
            self.policy.deletion_protection, r, "deletionProtection", "the API refuses to delete it"
        )

    def atlas(self, r: Resource) -> list[str]:
        return self.flag(
            self.policy.atlas_termination_protection,
            r,
            "terminationProtectionEnabled",
            "Atlas refuses to terminate it",
        ) + self.flag(self.policy.dedicated_atlas, r, "backupEnabled", "cloud backups")


TIER_CHECKS: dict[str, Callable[[_Floors, Resource], list[str]]] = {
    RDS_INSTANCE: _Floors.rds_instance,
    RDS_CLUSTER: _Floors.rds_cluster,
    REDIS: _Floors.redis,
    EKS: _Floors.eks,
    ATLAS_CLUSTER: _Floors.atlas,
}
"""The per-resource checks of the tier's floors, by type."""


def tier_problems(resources: Sequence[Resource], tier: str | None) -> list[tuple[Resource | None, str]]:
    """Every problem of ``resources`` against their tier's floors (``components/core/tier.py``, the table
    the config guardrails read too). No tier known: nothing to check against."""
    name = tier or infer_tier(resources)
    if name is None or name not in Tier.__members__.values():
        return []
    floors = _Floors(name, policy_for(Tier(name)))
    found: list[tuple[Resource | None, str]] = []
    for r in resources:
        check = TIER_CHECKS.get(r.type)
        found += [(r, message) for message in (check(floors, r) if check else [])]
        # A read replica holds no data of its own (it is rebuilt from its source), and protecting it would
        # block replacing it; the primary it copies is protected.
        stateful = r.type in STATEFUL_TYPES and not (r.type == RDS_INSTANCE and _is_replica(r))
        if floors.policy.protect and stateful and not r.protect:
            found.append((r, f"stateful resources are protected in {name} (protect=True)"))
    # The stack that holds an environment's network (the platform project) carries its alerting and budget.
    holds_network = any(r.type == VPC for r in resources)
    for token, what in ((ALERT_TOPIC, "an alert topic"), (BUDGET, "a cost budget")):
        if (
            floors.policy.alerting_and_budget
            and holds_network
            and not any(r.type == token for r in resources)
        ):
            found.append((None, f"{name} needs {what} ({token}; platform:observability); found none"))
    primaries = [r for r in resources if r.type == RDS_INSTANCE and not _is_replica(r)]
    wants_replica = floors.policy.min_read_replicas >= 1
    if wants_replica and primaries and not any(r.type == RDS_INSTANCE and _is_replica(r) for r in resources):
        found.append(
            (None, f"{name} needs a read replica of {primaries[0].name} (replicateSourceDb); found none")
        )
    return found


TIER_FLOORS = StackRule(
    "tier-floors",
    "The tier's floors (components/core/tier.py): Multi-AZ, a read replica, deletion protection, backups, "
    "protect on stateful resources, Atlas termination protection and backups, a private EKS endpoint.",
    tier_problems,
)
