"""What a stack file can say about disaster recovery: copies out of the region (``platform:dr``) and a
restore drill that builds a stack's stores from another stack's backups (``platform:restore``)."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from components.core.model import Spec
from components.core.region import AwsRegion

_SNAPSHOT_ID = re.compile(r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?[a-zA-Z][a-zA-Z0-9-]{0,254}$")
_BACKUPS_ARN = re.compile(r"^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:auto-backup:ab-[a-z0-9]+$")
_ATLAS_ID = re.compile(r"^[0-9a-f]{24}$")
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_STACK = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class DeleteMarkers(StrEnum):
    """What a delete in a data bucket does to its replica.

    ``keep`` (the default) does not replicate delete markers: an object deleted in the primary region,
    by mistake, by a bad release or by an attacker holding the workloads' credentials, stays current in
    the replica, so the replica is a recovery point for the accidental-delete case and not only for
    region loss. The cost: the replica holds objects the product deleted until its own lifecycle rules
    expire them (they carry the source's rules). ``replicate`` mirrors deletes (the replica is an exact
    copy, and a mistaken delete reaches both regions; versioning still keeps the data in each).
    """

    KEEP = "keep"
    REPLICATE = "replicate"


class DrBucketsSpec(Spec):
    """S3 replication of the data buckets to replica buckets in the DR region.

    Attributes:
        delete_markers: see :class:`DeleteMarkers`. Defaults to ``keep``.
        replication_time_control: S3 Replication Time Control, whose documented objective is 99.99% of
            objects replicated within 15 minutes (and the metrics that show it). Without it S3 documents
            no bound ("most objects replicate within 15 minutes, sometimes hours"). Defaults to on.
        excluded_prefixes: prefixes not replicated (temporary objects). Defaults to ``tmp/``.
    """

    delete_markers: DeleteMarkers = DeleteMarkers.KEEP
    replication_time_control: bool = True
    excluded_prefixes: tuple[str, ...] = ("tmp/",)

    @field_validator("excluded_prefixes")
    @classmethod
    def _prefixes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in value if not p or not p.endswith("/") or p.startswith("/")]
        if bad:
            raise ValueError(f"each prefix is a folder like 'tmp/' (no leading '/', a trailing '/'): {bad}")
        return value


class DrSpec(Spec):
    """Copies of every durable store in a second region, and the objectives they must meet.

    Attributes:
        region: the DR region (required); must differ from ``platform:region``.
        rpo_minutes: the recovery point objective: at most this much data may be lost when the primary
            region is lost (required). A stack whose copies cannot meet it is refused.
        rto_minutes: the recovery time objective: the stores must be back within this many minutes
            (required). A stack whose restore estimates exceed it is refused.
        postgres_retention_days: days the replicated automated backups are kept in the DR region, 1-35.
            Defaults to the primary's ``backupRetentionDays``.
        buckets: see :class:`DrBucketsSpec`. Defaults to it.
        atlas_copy_oplogs: copy the oplog with the snapshots, so Atlas can restore to a point in time in
            the DR region; ``true`` needs ``pointInTime`` on the cluster. Defaults to on where the cluster
            keeps continuous backup (prod), off elsewhere.
        drill_account_ids: accounts whose restore drills may read the copies (the DR key's policy lets
            them decrypt through RDS and S3, and the replica buckets let them read). Defaults to none.
    """

    region: AwsRegion
    rpo_minutes: int = Field(ge=1, le=10080)
    rto_minutes: int = Field(ge=1, le=10080)
    postgres_retention_days: int | None = Field(default=None, ge=1, le=35)
    buckets: DrBucketsSpec = DrBucketsSpec()
    atlas_copy_oplogs: bool | None = None
    drill_account_ids: tuple[str, ...] = ()

    @field_validator("drill_account_ids")
    @classmethod
    def _accounts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if not re.fullmatch(r"\d{12}", str(a))]
        if bad:
            raise ValueError(f"each must be a 12-digit AWS account id (quoted in YAML): {bad}")
        return value


class PostgresRestoreSpec(Spec):
    """Where a drill's Postgres comes from: exactly one of ``snapshot`` or ``pointInTime``.

    Attributes:
        snapshot: a DB snapshot identifier of this account, or the ARN of a snapshot shared with it
            (the monthly drill shares a copy of the source's newest snapshot).
        point_in_time: restore the source's automated backups to a time (``restoreTime`` in UTC,
            ``YYYY-MM-DDThh:mm:ssZ``) or to the latest restorable time (no ``restoreTime``). RDS can do
            this only inside the source's own account (cross-Region replicated backups included).
        source_automated_backups_arn: the replicated automated backups to restore from
            (``arn:...:auto-backup:ab-...``), for a restore in the DR region. Defaults to the source
            instance's identifier (``platform-<from>-postgres``), in the same region.
    """

    snapshot: str | None = None
    point_in_time: bool = False
    restore_time: str | None = None
    source_automated_backups_arn: str | None = None

    @field_validator("snapshot")
    @classmethod
    def _snapshot(cls, value: str | None) -> str | None:
        if value is not None and not _SNAPSHOT_ID.fullmatch(value):
            raise ValueError(
                "must be a DB snapshot identifier or a snapshot ARN (arn:aws:rds:...:snapshot:...)"
            )
        return value

    @field_validator("restore_time")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        if value is not None and not _UTC.fullmatch(value):
            raise ValueError("must be a UTC time like 2026-12-01T03:00:00Z")
        return value

    @field_validator("source_automated_backups_arn")
    @classmethod
    def _backups(cls, value: str | None) -> str | None:
        if value is not None and not _BACKUPS_ARN.fullmatch(value):
            raise ValueError(
                "must be an automated backups ARN (arn:aws:rds:<region>:<account>:auto-backup:ab-...)"
            )
        return value

    @model_validator(mode="after")
    def _one_source(self) -> PostgresRestoreSpec:
        if (self.snapshot is None) == (not self.point_in_time):
            raise ValueError("set exactly one of snapshot or pointInTime: true")
        if not self.point_in_time and (self.restore_time or self.source_automated_backups_arn):
            raise ValueError("restoreTime and sourceAutomatedBackupsArn go with pointInTime: true")
        return self


class AtlasRestoreSpec(Spec):
    """Where a drill's MongoDB comes from: an Atlas restore job from the source's cluster into this one.

    Attributes:
        source_project_id: the source's Atlas project (24 hex characters) (required).
        source_cluster: the source's cluster name. Defaults to ``platform-<from>-mongo``.
        snapshot_id: the snapshot to restore (24 hex characters); or
        point_in_time_utc_seconds: a point in time, in seconds since the epoch (the source needs
            continuous backup). Exactly one of the two.
    """

    source_project_id: str
    source_cluster: str | None = None
    snapshot_id: str | None = None
    point_in_time_utc_seconds: int | None = Field(default=None, ge=1)

    @field_validator("source_project_id", "snapshot_id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not _ATLAS_ID.fullmatch(value):
            raise ValueError("must be an Atlas id (24 hexadecimal characters)")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> AtlasRestoreSpec:
        if (self.snapshot_id is None) == (self.point_in_time_utc_seconds is None):
            raise ValueError("set exactly one of snapshotId or pointInTimeUtcSeconds")
        return self


class BucketsRestoreSpec(Spec):
    """A drill's buckets, seeded from the source's replica buckets in its DR region.

    The seed is a copy (``aws s3 sync``) made by the drill workflow with the drill account's deploy role,
    which the replica buckets admit when the source's ``platform:dr.drillAccountIds`` names this account;
    the drill stack exports the source and target of each copy (``restore_seed``).

    Attributes:
        seed_from_replicas: seed the drill's data buckets from the source's replicas. Defaults to on.
    """

    seed_from_replicas: bool = True


class RestoreSpec(Spec):
    """Build this stack's stores from another stack's backups instead of empty ones (a restore drill).

    Attributes:
        from_stack: the stack whose backups are restored, e.g. ``prod`` (required); never this stack.
        from_account_id: that stack's AWS account (12 digits) (required): point-in-time restores need
            it to be this stack's account, and drills in another account read only what it shares.
        from_region: the region the copies are read in. Defaults to the source's DR region in a drill
            (the source's own region is not touched).
        postgres: see :class:`PostgresRestoreSpec`. Defaults to an empty database.
        atlas: see :class:`AtlasRestoreSpec`. Defaults to an empty cluster.
        buckets: see :class:`BucketsRestoreSpec`. Defaults to empty buckets.
    """

    from_stack: str = Field(alias="from")
    from_account_id: str
    from_region: AwsRegion | None = None
    postgres: PostgresRestoreSpec | None = None
    atlas: AtlasRestoreSpec | None = None
    buckets: BucketsRestoreSpec | None = None

    @field_validator("from_stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        if not _STACK.fullmatch(value):
            raise ValueError("must be a stack name (letters, digits, '-', '_', '.')")
        return value

    @field_validator("from_account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        if not re.fullmatch(r"\d{12}", str(value)):
            raise ValueError("must be a 12-digit AWS account id (quoted in YAML)")
        return str(value)
