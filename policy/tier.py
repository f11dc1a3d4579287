"""Prod tier rules: high availability, a read replica, deletion protection, backups of at least 7 days,
``protect`` on stateful resources, Atlas termination protection and backups, a private EKS endpoint, an
alert topic and a cost budget.

These need the stack's tier (and, for "a read replica", the whole resource list), so they are one
stack-level rule. The tier comes from the caller (the offline preview knows ``platform:tier``; the
CrossGuard pack reads its ``tier`` config) or, failing that, from the ``environment`` default tag of the
stack's AWS provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from components.core.tags import TIER_TAG
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
PROD = "prod"
MIN_BACKUP_DAYS = 7

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


def _backups(r: Resource, key: str) -> list[str]:
    days = number(r.get(key))
    if days is None and r.get(key) is not None:
        return []  # unknown until the deployment
    if days is None or days < MIN_BACKUP_DAYS:
        return [f"{key} must be at least {MIN_BACKUP_DAYS} days in prod; got {r.get(key)!r}"]
    return []


def _flag(r: Resource, key: str, why: str) -> list[str]:
    return [] if is_true(r.get(key)) else [f"{key} must be true in prod ({why}); got {r.get(key)!r}"]


def _rds_instance(r: Resource) -> list[str]:
    if _is_replica(r):
        return []
    return (
        _flag(r, "multiAz", "a standby in another AZ")
        + _flag(r, "deletionProtection", "the API refuses to delete it")
        + _backups(r, "backupRetentionPeriod")
    )


def _rds_cluster(r: Resource) -> list[str]:
    return _flag(r, "deletionProtection", "the API refuses to delete it") + _backups(
        r, "backupRetentionPeriod"
    )


def _redis(r: Resource) -> list[str]:
    return _flag(r, "multiAzEnabled", "replicas in other AZs") + _flag(
        r, "automaticFailoverEnabled", "a replica takes over when the primary fails"
    )


def _eks(r: Resource) -> list[str]:
    problems = []
    if r.get("vpcConfig", "endpointPublicAccess") is not False:
        problems.append("vpcConfig.endpointPublicAccess must be false in prod (private API endpoint only)")
    problems += [
        f"vpcConfig.{p}"
        for p in _flag(
            Resource(r.type, r.name, r.get("vpcConfig") or {}),
            "endpointPrivateAccess",
            "nodes and operators reach the API privately",
        )
    ]
    return problems + _flag(r, "deletionProtection", "the API refuses to delete it")


def _atlas(r: Resource) -> list[str]:
    return _flag(r, "terminationProtectionEnabled", "Atlas refuses to terminate it") + _flag(
        r, "backupEnabled", "cloud backups"
    )


PROD_CHECKS: dict[str, Callable[[Resource], list[str]]] = {
    RDS_INSTANCE: _rds_instance,
    RDS_CLUSTER: _rds_cluster,
    REDIS: _redis,
    EKS: _eks,
    ATLAS_CLUSTER: _atlas,
}


def prod_problems(resources: Sequence[Resource], tier: str | None) -> list[tuple[Resource | None, str]]:
    """Every prod tier problem of ``resources`` (none when the stack is not prod)."""
    if (tier or infer_tier(resources)) != PROD:
        return []
    found: list[tuple[Resource | None, str]] = []
    for r in resources:
        check = PROD_CHECKS.get(r.type)
        found += [(r, message) for message in (check(r) if check else [])]
        # A read replica holds no data of its own (it is rebuilt from its source), and protecting it would
        # block replacing it; the primary it copies is protected.
        if r.type in STATEFUL_TYPES and not r.protect and not (r.type == RDS_INSTANCE and _is_replica(r)):
            found.append((r, "stateful resources are protected in prod (protect=True)"))
    # The stack that holds an environment's network (the platform project) carries its alerting and budget.
    holds_network = any(r.type == VPC for r in resources)
    for token, what in ((ALERT_TOPIC, "an alert topic"), (BUDGET, "a cost budget")):
        if holds_network and not any(r.type == token for r in resources):
            found.append((None, f"prod needs {what} ({token}; platform:observability); found none"))
    primaries = [r for r in resources if r.type == RDS_INSTANCE and not _is_replica(r)]
    if primaries and not any(r.type == RDS_INSTANCE and _is_replica(r) for r in resources):
        found.append(
            (None, f"prod needs a read replica of {primaries[0].name} (replicateSourceDb); found none")
        )
    return found


PROD_TIER = StackRule(
    "prod-tier",
    "Prod: Multi-AZ, a read replica, deletion protection, backups of at least 7 days, protect on stateful "
    "resources, Atlas termination protection and backups, a private EKS endpoint.",
    prod_problems,
)
