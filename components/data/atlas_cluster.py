"""An Atlas replica set on AWS, with autoscaling bounds, backups and an optional backup schedule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_mongodbatlas as atlas

from components.data.atlas_spec import BackupScheduleSpec, ClusterSpec
from components.data.dr_spec import AtlasRestoreSpec
from components.data.naming import atlas_region

ELECTABLE_PRIORITY = 7  # the highest: the region holding the primary


@dataclass(frozen=True)
class AtlasClusterArgs:
    """Inputs of :class:`AtlasCluster`.

    Attributes:
        spec: the cluster's shape and backup settings.
        cluster_name: the Atlas cluster name.
        project_id: the Atlas project.
        region: the AWS region (the cluster sits in the same one).
        encrypted: the project encrypts at rest with a customer key (cluster uses provider ``AWS``).
        depends_on: what must exist first (encryption at rest, access list, PrivateLink).
        protect: ``protect=True`` on the cluster (the tier decides).
        copy_region: the AWS region the backup schedule copies snapshots to (``platform:dr.region``).
            Defaults to none (no copies).
        copy_oplogs: copy the oplog too, for point-in-time restores in ``copy_region`` (needs the
            cluster's continuous backup). Defaults to off.
        restore: restore another cluster's snapshot or point in time into this one once it exists (a
            drill; Atlas replaces every database of the target). Defaults to none.
    """

    spec: ClusterSpec
    cluster_name: str
    project_id: pulumi.Input[str]
    region: str
    encrypted: bool
    depends_on: list[pulumi.Resource]
    protect: bool
    copy_region: str | None = None
    copy_oplogs: bool = False
    restore: AtlasRestoreSpec | None = None
    restore_source_cluster: str | None = None


class AtlasCluster(pulumi.ComponentResource):
    """An ``AdvancedCluster`` replica set; Atlas spreads its electable nodes over the region's zones."""

    name: pulumi.Output[str]
    standard_srv: pulumi.Output[str | None]
    private_srv: pulumi.Output[str | None]

    def __init__(self, name: str, args: AtlasClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:AtlasCluster", name, None, opts)
        spec = args.spec
        scaling = spec.auto_scaling
        cluster = atlas.AdvancedCluster(
            name,
            project_id=args.project_id,
            name=args.cluster_name,
            cluster_type="REPLICASET",
            mongo_db_major_version=spec.mongo_version,
            backup_enabled=spec.backup,
            pit_enabled=spec.point_in_time,
            termination_protection_enabled=spec.termination_protection,
            encryption_at_rest_provider="AWS" if args.encrypted else "NONE",
            # With autoscaling, keep the specs as written so Atlas's scaling does not show as drift.
            use_effective_fields=scaling is not None,
            advanced_configuration=atlas.AdvancedClusterAdvancedConfigurationArgs(
                minimum_enabled_tls_protocol="TLS1_2",
                javascript_enabled=False,
            ),
            replication_specs=[
                atlas.AdvancedClusterReplicationSpecArgs(
                    region_configs=[
                        atlas.AdvancedClusterReplicationSpecRegionConfigArgs(
                            provider_name="AWS",
                            region_name=atlas_region(args.region),
                            priority=ELECTABLE_PRIORITY,
                            electable_specs=atlas.AdvancedClusterReplicationSpecRegionConfigElectableSpecsArgs(
                                instance_size=spec.instance_size,
                                node_count=spec.node_count,
                                disk_size_gb=spec.disk_size_gb,
                            ),
                            auto_scaling=atlas.AdvancedClusterReplicationSpecRegionConfigAutoScalingArgs(
                                compute_enabled=True,
                                compute_scale_down_enabled=True,
                                compute_min_instance_size=scaling.compute_min,
                                compute_max_instance_size=scaling.compute_max,
                                disk_gb_enabled=scaling.disk,
                            )
                            if scaling
                            else None,
                        )
                    ]
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=args.depends_on),
        )
        if spec.backup_schedule is not None:
            schedule = spec.backup_schedule
            atlas.CloudBackupSchedule(
                name,
                project_id=args.project_id,
                cluster_name=cluster.name,
                reference_hour_of_day=schedule.reference_hour_of_day,
                reference_minute_of_hour=0,
                restore_window_days=schedule.restore_window_days,
                policy_item_hourly=atlas.CloudBackupSchedulePolicyItemHourlyArgs(
                    frequency_interval=schedule.hourly_every_hours,
                    retention_unit="days",
                    retention_value=schedule.hourly_retention_days,
                ),
                policy_item_daily=atlas.CloudBackupSchedulePolicyItemDailyArgs(
                    frequency_interval=1, retention_unit="days", retention_value=schedule.daily_retention_days
                ),
                policy_item_weeklies=[
                    atlas.CloudBackupSchedulePolicyItemWeeklyArgs(
                        frequency_interval=7,  # Sunday
                        retention_unit="weeks",
                        retention_value=schedule.weekly_retention_weeks,
                    )
                ],
                policy_item_monthlies=[
                    atlas.CloudBackupSchedulePolicyItemMonthlyArgs(
                        frequency_interval=40,  # the last day of the month
                        retention_unit="months",
                        retention_value=schedule.monthly_retention_months,
                    )
                ],
                **self._copies(args, cluster, schedule),
                opts=pulumi.ResourceOptions(parent=self),
            )
        if args.restore is not None:
            self._restore(name, args, args.restore, cluster)
        self.name = cluster.name
        self.standard_srv = cluster.connection_strings.apply(standard_srv)
        self.private_srv = cluster.connection_strings.apply(private_srv)
        self.register_outputs(
            {"name": self.name, "standard_srv": self.standard_srv, "private_srv": self.private_srv}
        )

    def _copies(
        self, args: AtlasClusterArgs, cluster: atlas.AdvancedCluster, schedule: BackupScheduleSpec
    ) -> dict[str, Any]:
        """``copy_settings`` of the backup schedule: every snapshot, with the schedule's own retention, to
        ``copy_region`` (copy-policy mode: ``frequencies`` is the provider's legacy form)."""
        if args.copy_region is None:
            return {}
        oplogs = args.copy_oplogs and args.spec.point_in_time
        policy = [
            {"frequency_type": frequency, "retention_unit": unit, "retention_value": value}
            for frequency, unit, value in copy_policy(schedule)
        ]
        region = atlas_region(args.copy_region)

        def settings(specs: Any) -> list[dict[str, Any]]:
            # A replica set has one zone; Atlas gives its id once the cluster exists (unknown before).
            zone = getattr(specs[0], "zone_id", None) if specs else None
            copy: dict[str, Any] = {
                "cloud_provider": "AWS",
                "region_name": region,
                "should_copy_oplogs": oplogs,
                "copy_policy_items": policy,
            }
            return [copy | ({"zone_id": zone} if zone else {})]

        return {"copy_policy_items_enabled": True, "copy_settings": cluster.replication_specs.apply(settings)}

    def _restore(
        self, name: str, args: AtlasClusterArgs, restore: AtlasRestoreSpec, cluster: atlas.AdvancedCluster
    ) -> None:
        """An automated restore job from the source's snapshot (or point in time) into this cluster."""
        point_in_time = restore.point_in_time_utc_seconds is not None
        atlas.CloudBackupSnapshotRestoreJob(
            f"{name}-restore",
            project_id=restore.source_project_id,
            cluster_name=args.restore_source_cluster or restore.source_cluster or "",
            snapshot_id=restore.snapshot_id,
            delivery_type_config=atlas.CloudBackupSnapshotRestoreJobDeliveryTypeConfigArgs(
                automated=None if point_in_time else True,
                point_in_time=True if point_in_time else None,
                point_in_time_utc_seconds=restore.point_in_time_utc_seconds,
                target_cluster_name=cluster.name,
                target_project_id=args.project_id,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
        )


def copy_policy(schedule: BackupScheduleSpec) -> list[tuple[str, str, int]]:
    """(frequency, unit, retention) of each snapshot kind the schedule takes, copied with the same
    retention (pulumi-mongodbatlas 4.18.0 ``CloudBackupScheduleCopySettingCopyPolicyItem``)."""
    return [
        ("hourly", "days", schedule.hourly_retention_days),
        ("daily", "days", schedule.daily_retention_days),
        ("weekly", "weeks", schedule.weekly_retention_weeks),
        ("monthly", "months", schedule.monthly_retention_months),
    ]


def standard_srv(connection_strings: Any) -> str | None:
    """The cluster's public SRV string (no credentials): reachable only from the access list."""
    return getattr(connection_strings, "standard_srv", None)


def private_srv(connection_strings: Any) -> str | None:
    """The SRV string through the first PrivateLink endpoint (no credentials), if there is one."""
    endpoints = getattr(connection_strings, "private_endpoints", None) or []
    for endpoint in endpoints:
        srv = getattr(endpoint, "srv_connection_string", None)
        if srv:
            return str(srv)
    return None
