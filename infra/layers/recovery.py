"""Disaster recovery: the copies of the data tier's stores in the DR region (``platform:dr``), and what a
restore drill (``platform:restore``) hands its workflow."""

from __future__ import annotations

from typing import Any

from components.data.dr import DisasterRecovery, DisasterRecoveryArgs, source_buckets
from components.data.naming import bucket_name
from components.data.recovery import postgres_dr_retention, replica_short_name
from infra.layers.data import DataTier
from infra.layers.foundation import Foundation


def build(base: Foundation, data: DataTier) -> dict[str, Any]:
    """The DR copies of the stores the stack has (none without ``platform:dr``: dev has none), and the
    outputs a drill's workflow reads; returns the outputs."""
    settings, env = base.settings, base.env
    cfg = settings.config
    outputs: dict[str, Any] = {}
    if cfg.dr is not None:
        pg = cfg.postgres
        recovery = DisasterRecovery(
            f"{env}-dr",
            DisasterRecoveryArgs(
                spec=cfg.dr,
                context=base.context,
                environment=env,
                key_deletion_window_days=cfg.keys.deletion_window_days,
                key_rotation_period_days=cfg.keys.rotation_period_days,
                data_key_arn=base.keys.data,
                postgres_arn=data.postgres.arn if data.postgres is not None else None,
                postgres_retention_days=postgres_dr_retention(pg, cfg.dr) if pg is not None else 7,
                buckets=source_buckets(
                    cfg.buckets.buckets, data.buckets.ids, data.buckets.arns, data.buckets.versionings
                )
                if data.buckets is not None and cfg.buckets is not None
                else (),
                protect=settings.protect,
            ),
            base.on_aws,
        )
        outputs["dr_region"] = cfg.dr.region
        outputs["dr_key_arn"] = recovery.key_arn
        if recovery.replica_bucket_names:
            outputs["dr_replica_buckets"] = recovery.replica_bucket_names
    restore = cfg.restore
    seeded = restore is not None and restore.buckets is not None and restore.buckets.seed_from_replicas
    if restore is not None and seeded and data.buckets is not None and cfg.buckets is not None:
        # What the drill workflow copies (`aws s3 sync`): the source's replica -> this stack's bucket.
        outputs["restore_seed"] = {
            b.name: {
                "from": bucket_name(restore.from_stack, replica_short_name(b.name), restore.from_account_id),
                "from_region": restore.from_region,
                "to": data.buckets.names[b.name],
            }
            for b in cfg.buckets.buckets
        }
    return outputs
