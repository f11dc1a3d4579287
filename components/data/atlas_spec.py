"""What a stack file can say about MongoDB Atlas: a dedicated cluster, or slots on shared dev clusters."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from components.core.catalog.services import atlas_tier_problem
from components.core.model import KeyedError, Spec
from components.data.slots import Pool, Slot, problems

_ORG_ID = re.compile(r"^[0-9a-f]{24}$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,22}$")  # Atlas uses a cluster name's first 23 characters in hostnames
_DATABASE = re.compile(r"^[A-Za-z0-9_]{1,63}$")
_RESERVED_DATABASES = ("admin", "local", "config")
ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


def _size_number(size: str) -> int:
    return int(size[1:])


def _instance_size(value: str) -> str:
    problem = atlas_tier_problem(value)
    if problem:
        raise ValueError(problem)
    return value


InstanceSize = Annotated[str, AfterValidator(_instance_size)]


class Role(StrEnum):
    """The built-in roles a service user may hold: data access on one database, nothing administrative."""

    READ = "read"
    READ_WRITE = "readWrite"


class AutoScalingSpec(Spec):
    """Compute and disk autoscaling bounds.

    Attributes:
        compute_min: smallest tier to scale down to (required).
        compute_max: largest tier to scale up to (required).
        disk: grow the disk automatically. Defaults to on.
    """

    compute_min: InstanceSize
    compute_max: InstanceSize
    disk: bool = True

    @model_validator(mode="after")
    def _bounds(self) -> AutoScalingSpec:
        if _size_number(self.compute_min) > _size_number(self.compute_max):
            raise ValueError(f"computeMin {self.compute_min} is above computeMax {self.compute_max}")
        return self


class BackupScheduleSpec(Spec):
    """Cloud backup snapshots and the point-in-time window.

    Attributes:
        reference_hour_of_day: UTC hour snapshots are taken. Defaults to 17 (02:00 KST).
        restore_window_days: point-in-time restore window, 1-7 days. Defaults to 7.
        hourly_every_hours: hours between snapshots, 6, 8 or 12. Defaults to 6.
        hourly_retention_days: Defaults to 2.
        daily_retention_days: Defaults to 7.
        weekly_retention_weeks: Defaults to 4.
        monthly_retention_months: Defaults to 12.
    """

    reference_hour_of_day: int = Field(default=17, ge=0, le=23)
    restore_window_days: int = Field(default=7, ge=1, le=7)
    hourly_every_hours: int = 6
    hourly_retention_days: int = Field(default=2, ge=1)
    daily_retention_days: int = Field(default=7, ge=1)
    weekly_retention_weeks: int = Field(default=4, ge=1)
    monthly_retention_months: int = Field(default=12, ge=1)

    @field_validator("hourly_every_hours")
    @classmethod
    def _hourly(cls, value: int) -> int:
        if value not in (6, 8, 12):
            raise ValueError("must be 6, 8 or 12 hours")
        return value


class ClusterSpec(Spec):
    """An Atlas replica set on AWS in the environment's region (nodes spread over the region's zones).

    Attributes:
        instance_size: e.g. ``M30`` (required).
        node_count: electable nodes, 3, 5 or 7. Defaults to 3.
        disk_size_gb: Defaults to 40.
        auto_scaling: see :class:`AutoScalingSpec`. Defaults to none.
        mongo_version: MongoDB major version. Defaults to ``8.0``.
        backup: cloud backup. Defaults to on.
        point_in_time: continuous backup for point-in-time restore (needs ``backup``). Defaults to off.
        termination_protection: Atlas refuses to terminate the cluster. Defaults to off.
        backup_schedule: an explicit snapshot schedule. Defaults to Atlas's default policy.
    """

    instance_size: InstanceSize
    node_count: int = 3
    disk_size_gb: int = Field(default=40, ge=10, le=4096)
    auto_scaling: AutoScalingSpec | None = None
    mongo_version: str = "8.0"
    backup: bool = True
    point_in_time: bool = False
    termination_protection: bool = False
    backup_schedule: BackupScheduleSpec | None = None

    @field_validator("node_count")
    @classmethod
    def _nodes(cls, value: int) -> int:
        if value not in (3, 5, 7):
            raise ValueError("must be 3, 5 or 7 electable nodes (an odd replica set)")
        return value

    @field_validator("mongo_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in ("7.0", "8.0"):
            raise ValueError("must be 7.0 or 8.0")
        return value

    @model_validator(mode="after")
    def _backups(self) -> ClusterSpec:
        if (self.point_in_time or self.backup_schedule) and not self.backup:
            raise ValueError("pointInTime and backupSchedule need backup: true")
        scaling = self.auto_scaling
        if scaling and not (
            _size_number(scaling.compute_min)
            <= _size_number(self.instance_size)
            <= _size_number(scaling.compute_max)
        ):
            raise ValueError(
                f"instanceSize {self.instance_size} is outside autoScaling {scaling.compute_min}-{scaling.compute_max}"
            )
        return self


class EnvironmentSpec(Spec):
    """A dev environment's recorded slot (written by ``python -m tools env add``).

    Attributes:
        name: the environment (required).
        cluster: the shared cluster (required).
        slot: the slot index on it (required).
    """

    name: str
    cluster: str
    slot: int = Field(ge=0)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not ENV_NAME.fullmatch(value):
            raise ValueError(
                "must be lower-case letters, digits and '-', starting with a letter, 1-20 characters"
            )
        return value


class FreedSlotSpec(Spec):
    """A slot waiting in the reuse queue.

    Attributes:
        cluster: the shared cluster (required).
        slot: the slot index (required).
    """

    cluster: str
    slot: int = Field(ge=0)


class SharedSpec(Spec):
    """Shared dev clusters and the slot of each dev environment on them.

    Attributes:
        cluster: the shape of every shared cluster (required).
        slots_per_cluster: environments per cluster, 1-100. Defaults to 10.
        clusters: names of the clusters in service, in allocation order (required).
        spares: provisioned spare clusters, used only when every slot is taken. Defaults to none.
        environments: environment slots, in the order they were added. Defaults to none.
        freed_slots: the reuse queue, oldest first. Defaults to none.
        services_environment: the environment whose database the services stack's services use (their
            identities get its role). Defaults to ``main``.
    """

    cluster: ClusterSpec
    slots_per_cluster: int = Field(default=10, ge=1, le=100)
    clusters: tuple[str, ...] = Field(min_length=1)
    spares: tuple[str, ...] = ()
    environments: tuple[EnvironmentSpec, ...] = ()
    freed_slots: tuple[FreedSlotSpec, ...] = ()
    services_environment: str = "main"

    @field_validator("clusters", "spares")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [n for n in value if not _NAME.fullmatch(n)]
        if bad:
            raise ValueError(f"cluster names must be lower-case, start with a letter, 1-23 characters: {bad}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SharedSpec:
        found = problems(self.pool())
        if found:
            raise ValueError("; ".join(found))
        return self

    def pool(self) -> Pool:
        return Pool(
            slots_per_cluster=self.slots_per_cluster,
            clusters=self.clusters,
            spares=self.spares,
            environments=tuple((e.name, Slot(e.cluster, e.slot)) for e in self.environments),
            freed=tuple(Slot(f.cluster, f.slot) for f in self.freed_slots),
        )


class AtlasSpec(Spec):
    """MongoDB Atlas for the environment.

    Attributes:
        org_id: the Atlas organization (24 hex characters) (required).
        public_key: Atlas API public key, a ``secure:`` value. Defaults to the provider's environment
            variables (``MONGODB_ATLAS_PUBLIC_KEY``).
        private_key: Atlas API private key, a ``secure:`` value. Defaults to ``MONGODB_ATLAS_PRIVATE_KEY``.
        encryption_at_rest: encrypt with the environment's data key through cloud-provider access.
            Defaults to on.
        cluster: a dedicated cluster in a project of its own (staging, prod).
        database: the services' database on the dedicated cluster; a service whose ``uses.mongodb`` is
            true gets ``readWrite`` on it as an AWS IAM database user. Defaults to ``product``.
        shared: shared dev clusters with environment slots (dev). Exactly one of ``cluster``/``shared``.
    """

    org_id: str
    public_key: SecretStr | None = None
    private_key: SecretStr | None = None
    encryption_at_rest: bool = True
    cluster: ClusterSpec | None = None
    database: str = "product"
    shared: SharedSpec | None = None

    @field_validator("org_id")
    @classmethod
    def _org(cls, value: str) -> str:
        if not _ORG_ID.fullmatch(value):
            raise ValueError("must be an Atlas organization id (24 hexadecimal characters)")
        return value

    @model_validator(mode="after")
    def _shape(self) -> AtlasSpec:
        if (self.public_key is None) != (self.private_key is None):
            raise ValueError(
                "set both publicKey and privateKey (as secrets), or neither to use the environment"
            )
        if (self.cluster is None) == (self.shared is None):
            raise ValueError("set exactly one of cluster (a dedicated cluster) or shared (dev slots)")
        if not _DATABASE.match(self.database) or self.database in _RESERVED_DATABASES:
            raise KeyedError(
                "database",
                "must be an application database (letters, digits, '_'), not admin, local or config",
                self.database,
            )
        return self
