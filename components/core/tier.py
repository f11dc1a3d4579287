"""Environment tiers and the floors each one sets: the one table of what a tier means.

A tier is the floor an environment stands on: a stack file can tighten what its tier allows, never
loosen it. The same table is read by the config guardrails (``settings/guardrails.py``, before any resource
is registered) and by the policy pack (``policy/tier.py``, over the resources of a real preview), so the
two can never disagree about what, say, staging requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Tier(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


@dataclass(frozen=True)
class TierPolicy:
    """What a tier requires.

    Attributes:
        protect: stateful resources carry ``protect=True`` (Pulumi refuses to delete or replace them).
        min_azs: fewest availability zones the network may span.
        nat_per_az: a NAT gateway in every AZ, so losing one AZ does not cut the others' egress.
        flow_logs: VPC flow logs must stay on.
        min_key_deletion_window_days: shortest KMS key deletion window allowed.
        min_backup_retention_days: shortest backup retention a stateful store may have.
        deletion_protection: databases and clusters refuse API deletion.
        min_postgres_log_days: fewest days the exported PostgreSQL logs (connections, slow statements)
            are kept.
        min_read_replicas: fewest Postgres read replicas.
        multi_az: the Postgres primary must have a standby in another AZ.
        min_cache_nodes: fewest ElastiCache nodes (2 or more turns on failover and Multi-AZ).
        min_cache_snapshot_days: fewest days of ElastiCache snapshots.
        dedicated_atlas: MongoDB runs on a dedicated Atlas project and cluster (not shared slots), with
            cloud backups.
        atlas_point_in_time: the Atlas cluster keeps continuous backups (point-in-time restore).
        atlas_backup_schedule: the Atlas cluster has an explicit backup schedule.
        atlas_termination_protection: the Atlas cluster refuses termination.
        private_api_endpoint: the Kubernetes API has no public endpoint.
        alerting_and_budget: the environment's network stack carries an alert topic and a cost budget.
        manual_promotion: blue/green switches need a person's ``promote``.
        gated_canary: a canary must run at least one analysis gate.
        min_exposed_replicas: fewest pods a service behind an ingress may run.
        immutable_image_tags: service image repositories refuse to move a tag (``IMMUTABLE``).
        enforce_image_admission: an image that fails verification is refused, not only reported, and the
            admission webhook fails closed (``Enforce``, failure policy ``Fail``).
        image_replication: service images are replicated to a DR region.
        cross_region_copies: every durable store keeps a copy in a second region (``platform:dr``),
            within the stack's own RPO/RTO targets.
    """

    protect: bool
    min_azs: int
    nat_per_az: bool
    flow_logs: bool
    min_key_deletion_window_days: int
    min_backup_retention_days: int
    deletion_protection: bool
    min_postgres_log_days: int
    min_read_replicas: int
    multi_az: bool
    min_cache_nodes: int
    min_cache_snapshot_days: int
    dedicated_atlas: bool
    atlas_point_in_time: bool
    atlas_backup_schedule: bool
    atlas_termination_protection: bool
    private_api_endpoint: bool
    alerting_and_budget: bool
    manual_promotion: bool
    gated_canary: bool
    min_exposed_replicas: int
    immutable_image_tags: bool = False
    enforce_image_admission: bool = False
    image_replication: bool = False
    cross_region_copies: bool = False


POLICIES: dict[Tier, TierPolicy] = {
    Tier.DEV: TierPolicy(
        protect=False,
        min_azs=2,
        nat_per_az=False,
        flow_logs=False,
        min_key_deletion_window_days=7,
        min_backup_retention_days=1,
        min_postgres_log_days=1,
        deletion_protection=False,
        min_read_replicas=0,
        multi_az=False,
        min_cache_nodes=1,
        min_cache_snapshot_days=0,
        dedicated_atlas=False,
        atlas_point_in_time=False,
        atlas_backup_schedule=False,
        atlas_termination_protection=False,
        private_api_endpoint=False,
        alerting_and_budget=False,
        manual_promotion=False,
        gated_canary=False,
        min_exposed_replicas=1,
        immutable_image_tags=False,
        enforce_image_admission=False,
        image_replication=False,
        cross_region_copies=False,
    ),
    Tier.STAGING: TierPolicy(
        protect=True,
        min_azs=2,
        nat_per_az=False,
        flow_logs=True,
        min_key_deletion_window_days=7,
        min_backup_retention_days=7,
        min_postgres_log_days=1,
        deletion_protection=True,
        min_read_replicas=1,
        multi_az=True,
        min_cache_nodes=2,
        min_cache_snapshot_days=1,
        dedicated_atlas=True,
        atlas_point_in_time=False,
        atlas_backup_schedule=False,
        atlas_termination_protection=False,
        private_api_endpoint=False,
        alerting_and_budget=False,
        manual_promotion=False,
        gated_canary=True,
        min_exposed_replicas=1,
        immutable_image_tags=True,
        enforce_image_admission=True,
        image_replication=False,
        cross_region_copies=False,
    ),
    Tier.PROD: TierPolicy(
        protect=True,
        min_azs=3,
        nat_per_az=True,
        flow_logs=True,
        min_key_deletion_window_days=30,
        min_backup_retention_days=7,
        min_postgres_log_days=365,
        deletion_protection=True,
        min_read_replicas=1,
        multi_az=True,
        min_cache_nodes=2,
        min_cache_snapshot_days=7,
        dedicated_atlas=True,
        atlas_point_in_time=True,
        atlas_backup_schedule=True,
        atlas_termination_protection=True,
        private_api_endpoint=True,
        alerting_and_budget=True,
        manual_promotion=True,
        gated_canary=True,
        min_exposed_replicas=2,
        immutable_image_tags=True,
        enforce_image_admission=True,
        image_replication=True,
        cross_region_copies=True,
    ),
}


def policy_for(tier: Tier) -> TierPolicy:
    """The floors of ``tier``."""
    return POLICIES[tier]
