"""Recovery objectives from configuration: per stateful store, how much data and time a region's loss
costs, where each copy lives, and which stores have no copy outside the region (pure, no Pulumi).

Every figure is either **documented** (the mechanism's own published interval or objective, cited below)
or an **estimate** (engineering judgement where AWS and MongoDB publish no bound); each store says which
for its RPO and its RTO. Restore durations are never documented by AWS or MongoDB: they grow with the
data and are estimates here, to be replaced by what the monthly drill measures (docs/RUNBOOK.md).

Each store's objectives come from its best copy: with ``platform:dr``, the copy in the DR region, which
survives the primary region's loss (``scope: cross-region``); without, the in-region backups, which
do not (``scope: in-region``; the store is then ``missing``). ``in_region_rpo_minutes`` is the
recovery point inside the region (an accidental delete, a bad migration).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from components.core.tier import TierPolicy
from components.data.atlas_spec import AtlasSpec
from components.data.buckets import BucketsSpec
from components.data.dr_spec import DrSpec, RestoreSpec
from components.data.naming import bucket_name
from components.data.postgres import PostgresSpec
from components.data.redis import RedisSpec

# --- Postgres (RDS) -------------------------------------------------------------------------------
RDS_LOG_UPLOAD_MINUTES = 5
"""Documented: "RDS uploads transaction logs for DB instances to Amazon S3 every 5 minutes" (Amazon RDS
User Guide, "Restoring a DB instance to a specified time", USER_PIT): the in-region recovery point."""
RDS_BACKUP_REPLICATION_LAG_MINUTES = 10
"""Estimate: RDS "initiates a cross-Region copy of all snapshots and transaction logs as soon as they
are ready" (Amazon RDS User Guide, "Replicating automated backups to another AWS Region",
USER_ReplicateBackups) and documents no bound on the copy's duration."""
RDS_RESTORE_BASE_MINUTES = 30
"""Estimate: a new instance restored from backups is available in about half an hour (the creation of
a Multi-AZ instance, ``infra/timing.py``'s 15 minutes, plus the restore's own work)."""
RDS_RESTORE_MINUTES_PER_100_GB = 10
"""Estimate: restore and log replay grow with the storage (RDS documents none)."""

# --- S3 -------------------------------------------------------------------------------------------
S3_RTC_MINUTES = 15
"""Documented: S3 Replication Time Control "replicates 99.99 percent of new objects within 15 minutes"
(Amazon S3 User Guide, "Meeting compliance requirements with S3 Replication Time Control"); 15 is the
only value ``ReplicationTime.Time.Minutes`` accepts (S3 API Reference, ReplicationTimeValue)."""
S3_REPLICATION_WITHOUT_RTC_MINUTES = 120
"""Estimate: without RTC, "most objects replicate within 15 minutes, but sometimes replication can take
a couple hours or more" (Amazon S3 User Guide, "Replicating objects"): no bound, two hours assumed."""
S3_SWITCH_MINUTES = 30
"""Estimate: the replica is readable at once; the services are pointed at the replica buckets by a
platform deploy in the DR region (its stack file names them)."""

# --- MongoDB Atlas --------------------------------------------------------------------------------
ATLAS_OPLOG_COPY_LAG_MINUTES = 15
"""Estimate: with ``should_copy_oplogs`` Atlas copies the oplog to the copy region so a point-in-time
restore works there (pulumi-mongodbatlas 4.18.0 ``CloudBackupScheduleCopySetting.should_copy_oplogs``;
Atlas docs, "Snapshot distribution"); Atlas documents no bound on the copy's lag."""
ATLAS_SNAPSHOT_COPY_LAG_MINUTES = 30
"""Estimate: a snapshot is copied to the second region after Atlas takes it (Atlas docs, "Snapshot
distribution"); the copy's duration is not documented."""
ATLAS_RESTORE_MINUTES = 60
"""Estimate: a new dedicated cluster (about ten minutes, ``infra/timing.py``) plus an automated restore
job, which Atlas documents as depending on the data size."""

# --- Redis (ElastiCache) --------------------------------------------------------------------------
REDIS_SNAPSHOT_INTERVAL_MINUTES = 24 * 60
"""Documented: ElastiCache takes one automatic backup a day in the backup window (ElastiCache User
Guide, "Scheduling automatic backups"): the newest point a restore from a snapshot gives."""
REDIS_RESTORE_MINUTES = 20
"""Estimate: a replication group seeded from a snapshot (``infra/timing.py``'s ten minutes for a new
group, plus loading the RDB file)."""


class Basis(StrEnum):
    DOCUMENTED = "documented"
    ESTIMATE = "estimate"


class Kind(StrEnum):
    POSTGRES = "postgres"
    BUCKET = "s3-bucket"
    MONGODB = "mongodb-atlas"
    CACHE = "redis"


@dataclass(frozen=True)
class Copy:
    """One copy of a store's data: where it lives, what it is, how long it is kept."""

    region: str
    what: str
    retention_days: int | None = None


class Scope(StrEnum):
    CROSS_REGION = "cross-region"
    """A copy outside the primary region: the figures hold when the region is lost."""
    IN_REGION = "in-region"
    """Only copies in the primary region: the figures hold for a mistake (a delete, a bad migration),
    not for the region's loss, which loses the store."""


@dataclass(frozen=True)
class Store:
    """A stateful store's recovery objectives from its best copy.

    ``scope`` says whether that copy is outside the primary region (the figures survive the region's
    loss) or not. ``durable`` is false for Redis, a cache and a queue that the services must be able to
    lose (see :data:`REDIS_LOSS`): it is reported, but not held to the DR targets.
    """

    name: str
    kind: Kind
    rpo_minutes: int | None
    rto_minutes: int | None
    rpo_basis: str
    rto_basis: str
    scope: Scope
    in_region_rpo_minutes: int | None
    copies: list[Copy] = field(default_factory=list)
    durable: bool = True
    note: str = ""

    @property
    def cross_region(self) -> bool:
        return self.scope is Scope.CROSS_REGION


REDIS_LOSS = (
    "cache and queue: on loss the services start on an empty Redis; cached values are recomputed, and"
    " every job must be recoverable from Postgres (a job's state is written there before it is queued"
    " and re-queued by the services when it has no result), so losing the queue delays work and loses"
    " none. Not copied out of the region: ElastiCache has no cross-Region snapshot copy, and a Global"
    " Datastore needs a VPC in the DR region."
)


@dataclass(frozen=True)
class Report:
    stack: str
    stores: list[Store]

    @property
    def missing(self) -> list[str]:
        """Durable stores without a copy outside the primary region."""
        return [s.name for s in self.stores if s.durable and not s.cross_region]

    def as_json(self) -> dict[str, Any]:
        stores = []
        for store in self.stores:
            item = asdict(store)
            item["kind"] = store.kind.value
            item["scope"] = store.scope.value
            stores.append(item)
        return {"stack": self.stack, "stores": stores, "missing": self.missing}


def _basis(*parts: Basis) -> str:
    return Basis.ESTIMATE.value if Basis.ESTIMATE in parts else Basis.DOCUMENTED.value


def postgres_store(pg: PostgresSpec, region: str, dr: DrSpec | None) -> Store:
    copies = [
        Copy(
            region, "automated backups and transaction logs (point-in-time restore)", pg.backup_retention_days
        )
    ]
    rto = RDS_RESTORE_BASE_MINUTES + RDS_RESTORE_MINUTES_PER_100_GB * -(-pg.allocated_storage_gb // 100)
    if dr is None:
        return Store(
            "postgres",
            Kind.POSTGRES,
            RDS_LOG_UPLOAD_MINUTES,
            rto,
            Basis.DOCUMENTED.value,
            Basis.ESTIMATE.value,
            Scope.IN_REGION,
            RDS_LOG_UPLOAD_MINUTES,
            copies,
        )
    copies.append(
        Copy(
            dr.region,
            "replicated automated backups (point-in-time restore), DR-region KMS key",
            postgres_dr_retention(pg, dr),
        )
    )
    return Store(
        "postgres",
        Kind.POSTGRES,
        RDS_LOG_UPLOAD_MINUTES + RDS_BACKUP_REPLICATION_LAG_MINUTES,
        rto,
        _basis(Basis.DOCUMENTED, Basis.ESTIMATE),
        Basis.ESTIMATE.value,
        Scope.CROSS_REGION,
        RDS_LOG_UPLOAD_MINUTES,
        copies,
    )


def postgres_dr_retention(pg: PostgresSpec, dr: DrSpec) -> int:
    """Days the replicated backups are kept: the DR setting, or the primary's retention."""
    return dr.postgres_retention_days or pg.backup_retention_days


def bucket_stores(buckets: BucketsSpec, region: str, dr: DrSpec | None) -> list[Store]:
    stores = []
    for bucket in buckets.buckets:
        copies = [Copy(region, "versioned objects (noncurrent versions kept by the lifecycle rules)")]
        if dr is None:
            # An overwritten or deleted object is a noncurrent version: restoring it loses nothing.
            stores.append(
                Store(
                    f"bucket:{bucket.name}",
                    Kind.BUCKET,
                    0,
                    S3_SWITCH_MINUTES,
                    Basis.DOCUMENTED.value,
                    Basis.ESTIMATE.value,
                    Scope.IN_REGION,
                    0,
                    copies,
                )
            )
            continue
        rtc = dr.buckets.replication_time_control
        excluded = ", ".join(dr.buckets.excluded_prefixes) or "nothing"
        copies.append(
            Copy(
                dr.region,
                f"replica bucket (versioned, DR-region KMS key; delete markers {dr.buckets.delete_markers.value};"
                f" {excluded} excluded)",
            )
        )
        stores.append(
            Store(
                f"bucket:{bucket.name}",
                Kind.BUCKET,
                S3_RTC_MINUTES if rtc else S3_REPLICATION_WITHOUT_RTC_MINUTES,
                S3_SWITCH_MINUTES,
                Basis.DOCUMENTED.value if rtc else Basis.ESTIMATE.value,
                Basis.ESTIMATE.value,
                Scope.CROSS_REGION,
                0,
                copies,
            )
        )
    return stores


ATLAS_DEFAULT_SNAPSHOT_HOURS = 6
"""Documented: Atlas's default backup policy takes a snapshot every 6 hours (Atlas docs, "Backup
Scheduling, Retention, and On-Demand Backup Snapshots")."""
ATLAS_PIT_RPO_MINUTES = 1
"""Documented: continuous cloud backup restores to any point (to the second) of the restore window
(Atlas docs, "Continuous Cloud Backups")."""


def atlas_store(atlas: AtlasSpec, region: str, dr: DrSpec | None) -> Store:
    cluster = atlas.cluster or (atlas.shared.cluster if atlas.shared else None)
    shared = atlas.cluster is None
    note = "shared dev cluster slots: a restore would replace every slot's database" if shared else ""
    if cluster is None or not cluster.backup:
        return Store(
            "mongodb", Kind.MONGODB, None, None, "", "", Scope.IN_REGION, None, [], note=note or "no backups"
        )
    schedule = cluster.backup_schedule
    every = (schedule.hourly_every_hours if schedule else ATLAS_DEFAULT_SNAPSHOT_HOURS) * 60
    in_region = ATLAS_PIT_RPO_MINUTES if cluster.point_in_time else every
    copies = [
        Copy(region, "cloud backup snapshots" + (" and continuous backup" if cluster.point_in_time else ""))
    ]
    if dr is None or schedule is None or shared:
        return Store(
            "mongodb",
            Kind.MONGODB,
            in_region,
            ATLAS_RESTORE_MINUTES,
            Basis.DOCUMENTED.value,
            Basis.ESTIMATE.value,
            Scope.IN_REGION,
            in_region,
            copies,
            note=note,
        )
    oplogs = dr.atlas_copy_oplogs is not False and cluster.point_in_time
    copies.append(
        Copy(
            dr.region,
            "snapshot copies" + (" and oplog (point-in-time restore)" if oplogs else ""),
            schedule.daily_retention_days,
        )
    )
    return Store(
        "mongodb",
        Kind.MONGODB,
        ATLAS_OPLOG_COPY_LAG_MINUTES if oplogs else every + ATLAS_SNAPSHOT_COPY_LAG_MINUTES,
        ATLAS_RESTORE_MINUTES,
        Basis.ESTIMATE.value,
        Basis.ESTIMATE.value,
        Scope.CROSS_REGION,
        in_region,
        copies,
    )


def redis_store(redis: RedisSpec, region: str) -> Store:
    days = redis.snapshot_retention_days
    copies = [Copy(region, "daily snapshots", days)] if days else []
    return Store(
        "redis",
        Kind.CACHE,
        REDIS_SNAPSHOT_INTERVAL_MINUTES if days else None,
        REDIS_RESTORE_MINUTES,
        Basis.DOCUMENTED.value if days else "",
        Basis.ESTIMATE.value,
        Scope.IN_REGION,
        REDIS_SNAPSHOT_INTERVAL_MINUTES if days else None,
        copies,
        durable=False,
        note=REDIS_LOSS,
    )


def report(
    stack: str,
    region: str,
    dr: DrSpec | None,
    postgres: PostgresSpec | None,
    buckets: BucketsSpec | None,
    atlas: AtlasSpec | None,
    redis: RedisSpec | None,
) -> Report:
    """The recovery objectives of a stack's stores, in a fixed order: Postgres, buckets, Atlas, Redis."""
    stores: list[Store] = []
    if postgres is not None:
        stores.append(postgres_store(postgres, region, dr))
    if buckets is not None:
        stores.extend(bucket_stores(buckets, region, dr))
    if atlas is not None:
        stores.append(atlas_store(atlas, region, dr))
    if redis is not None:
        stores.append(redis_store(redis, region))
    return Report(stack, stores)


Problem = tuple[str, str]


def dr_problems(
    tier: str,
    policy: TierPolicy,
    region: str,
    account_id: str,
    environment: str,
    dr: DrSpec | None,
    postgres: PostgresSpec | None,
    buckets: BucketsSpec | None,
    atlas: AtlasSpec | None,
    redis: RedisSpec | None,
) -> list[Problem]:
    """What is wrong with ``platform:dr`` for this stack (keys relative to ``platform:``)."""
    durable = [
        name for name, store in (("postgres", postgres), ("buckets", buckets), ("atlas", atlas)) if store
    ]
    if dr is None:
        if policy.cross_region_copies and durable:
            return [
                (
                    "dr",
                    f"{tier} keeps a copy of every store in a second region; set dr.region, dr.rpoMinutes"
                    " and dr.rtoMinutes (docs/RUNBOOK.md, disaster recovery)",
                )
            ]
        return []
    problems: list[Problem] = []
    if dr.region == region:
        problems.append(
            (
                "dr.region",
                f"must differ from platform:region ({region}): a copy in the same region is lost with it;"
                f" got {dr.region!r}",
            )
        )
        return problems
    if atlas is not None and atlas.cluster is not None:
        cluster = atlas.cluster
        if cluster.backup_schedule is None or not cluster.backup:
            if not policy.atlas_backup_schedule:  # the tier's own check reports it otherwise
                problems.append(
                    (
                        "atlas.cluster.backupSchedule",
                        "the DR copies are settings of the backup schedule (copy_settings); set a"
                        " backupSchedule",
                    )
                )
            return problems  # the targets are measured once the copies can exist
        if dr.atlas_copy_oplogs and not cluster.point_in_time:
            problems.append(
                (
                    "dr.atlasCopyOplogs",
                    "copying the oplog needs continuous backup (atlas.cluster.pointInTime: true); got true",
                )
            )
    if buckets is not None:
        for bucket in buckets.buckets:
            try:
                bucket_name(environment, replica_short_name(bucket.name), account_id)
            except ValueError as exc:
                problems.append(("dr", f"the replica of bucket {bucket.name!r}: {exc}"))
    found = report("", region, dr, postgres, buckets, atlas, redis)
    for key, target, attr in (
        ("dr.rpoMinutes", dr.rpo_minutes, "rpo"),
        ("dr.rtoMinutes", dr.rto_minutes, "rto"),
    ):
        over = []
        for store in found.stores:
            if not store.durable:
                continue
            value = getattr(store, f"{attr}_minutes")
            basis = getattr(store, f"{attr}_basis")
            if not store.cross_region or value is None:
                over.append(f"{store.name} has no copy outside {region}")
            elif value > target:
                over.append(f"{store.name} gives {value} ({basis})")
        if over:
            problems.append(
                (
                    key,
                    f"{target} minutes is beyond what the copies give: {'; '.join(over)}"
                    f" (python -m tools dr --stack <stack> shows each figure and its source)",
                )
            )
    return problems


def restore_problems(
    stack: str,
    account_id: str,
    restore: RestoreSpec | None,
    postgres: PostgresSpec | None,
    atlas: AtlasSpec | None,
    buckets: BucketsSpec | None,
) -> list[Problem]:
    """What is wrong with ``platform:restore`` for ``stack``."""
    if restore is None:
        return []
    problems: list[Problem] = []
    if restore.from_stack == stack:
        problems.append(
            (
                "restore.from",
                f"a restore drill builds its stores from another stack's backups, not its own; got {stack!r}",
            )
        )
    if restore.postgres is not None:
        if postgres is None:
            problems.append(("restore.postgres", "this stack has no platform:postgres to restore into"))
        if restore.postgres.point_in_time and restore.from_account_id != account_id:
            problems.append(
                (
                    "restore.postgres.pointInTime",
                    f"RDS restores a point in time only inside the source's account ({restore.from_account_id});"
                    f" this stack is in {account_id}: restore a snapshot shared with it (restore.postgres.snapshot)",
                )
            )
    if restore.atlas is not None and (atlas is None or atlas.cluster is None):
        problems.append(
            (
                "restore.atlas",
                "an Atlas restore job replaces every database of its target cluster: it needs this stack's"
                " own dedicated cluster (platform:atlas.cluster), never shared slots",
            )
        )
    if restore.buckets is not None and buckets is None:
        problems.append(("restore.buckets", "this stack has no platform:buckets to seed"))
    return problems


def replica_short_name(short: str) -> str:
    """The short name of a data bucket's replica in the DR region (``uploads`` -> ``uploads-dr``)."""
    return f"{short}-dr"
