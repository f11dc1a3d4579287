"""What each tier asks of the data tier, beyond the shared :class:`~components.core.tier.TierPolicy`.

The shared policy already says whether stateful resources are protected, how long backups must be kept
at least and whether databases refuse deletion. These are the data tier's own floors; a stack file may
go above them, never below (checked in ``infra/guardrails.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.core.tier import Tier


@dataclass(frozen=True)
class DataPolicy:
    """The data tier's floors for one tier.

    Attributes:
        min_read_replicas: fewest Postgres read replicas.
        multi_az: the Postgres primary must have a standby in another AZ.
        min_postgres_log_days: fewest days the exported PostgreSQL logs (connections, slow statements)
            are kept: prod keeps a year, the look-back an investigation of a credential misuse needs.
        min_cache_nodes: fewest ElastiCache nodes (2 or more turns on failover and Multi-AZ).
        min_cache_snapshot_days: fewest days of ElastiCache snapshots.
        dedicated_atlas: MongoDB runs on a dedicated Atlas project and cluster (not shared slots).
        atlas_point_in_time: the Atlas cluster keeps continuous backups (point-in-time restore).
        atlas_backup_schedule: the Atlas cluster has an explicit backup schedule.
        atlas_termination_protection: the Atlas cluster refuses termination.
    """

    min_read_replicas: int
    multi_az: bool
    min_postgres_log_days: int
    min_cache_nodes: int
    min_cache_snapshot_days: int
    dedicated_atlas: bool
    atlas_point_in_time: bool
    atlas_backup_schedule: bool
    atlas_termination_protection: bool


DATA_POLICIES: dict[Tier, DataPolicy] = {
    Tier.DEV: DataPolicy(
        min_read_replicas=0,
        multi_az=False,
        min_postgres_log_days=1,
        min_cache_nodes=1,
        min_cache_snapshot_days=0,
        dedicated_atlas=False,
        atlas_point_in_time=False,
        atlas_backup_schedule=False,
        atlas_termination_protection=False,
    ),
    Tier.STAGING: DataPolicy(
        min_read_replicas=1,
        multi_az=True,
        min_postgres_log_days=1,
        min_cache_nodes=2,
        min_cache_snapshot_days=1,
        dedicated_atlas=True,
        atlas_point_in_time=False,
        atlas_backup_schedule=False,
        atlas_termination_protection=False,
    ),
    Tier.PROD: DataPolicy(
        min_read_replicas=1,
        multi_az=True,
        min_postgres_log_days=365,
        min_cache_nodes=2,
        min_cache_snapshot_days=7,
        dedicated_atlas=True,
        atlas_point_in_time=True,
        atlas_backup_schedule=True,
        atlas_termination_protection=True,
    ),
}


def data_policy_for(tier: Tier) -> DataPolicy:
    """The data tier's floors for ``tier``."""
    return DATA_POLICIES[tier]
