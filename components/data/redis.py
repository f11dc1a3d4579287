"""Redis (or Valkey) on ElastiCache: a replication group with TLS, IAM-authenticated users and a KMS-encrypted
slow log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components.core.catalog.instances import cache_problem
from components.core.logs import RetentionDays, encrypted_log_group
from components.core.model import Spec
from components.data.access import store_security_group
from components.data.naming import identifier
from components.data.windows import DailyWindow, WeeklyWindow

PORT = 6379
# Every user group must hold a user named "default"; this one is switched off (no commands, no keys).
DEFAULT_USER = "default"
DISABLED_ACCESS = "off -@all"
# A service's user reaches only its own key and channel prefixes: components/data/cache_acl.py.


class Engine(StrEnum):
    REDIS = "redis"  # Redis OSS 7
    VALKEY = "valkey"  # Valkey 8


# The engine versions each engine may run and the parameter-group family of each. IAM authentication needs
# Redis OSS 7.0+ or Valkey 7.2+ with in-transit encryption (ElastiCache, "Authenticating with IAM").
ENGINE_VERSIONS: dict[Engine, dict[str, str]] = {
    Engine.REDIS: {"7.0": "redis7", "7.1": "redis7"},
    Engine.VALKEY: {"8.0": "valkey8", "8.1": "valkey8", "8.2": "valkey8"},
}
DEFAULT_VERSION = {Engine.REDIS: "7.1", Engine.VALKEY: "8.0"}


class RedisSpec(Spec):
    """The environment's cache and queue.

    Attributes:
        engine: ``redis`` (Redis OSS 7) or ``valkey`` (Valkey 8). Defaults to ``redis``.
        engine_version: ``7.0``/``7.1`` for redis, ``8.0``/``8.1``/``8.2`` for valkey. Defaults to the newest.
        node_type: e.g. ``cache.t4g.small`` (required).
        nodes: primary plus replicas, 1-6. Two or more turn on automatic failover and Multi-AZ
            (ElastiCache needs a replica for either). Defaults to 2; staging and prod need at least 2.
        snapshot_retention_days: daily snapshots kept, 0-35 (0: none). Defaults to 1.
        snapshot_window: daily UTC window ``hh:mm-hh:mm``. Defaults to ``16:00-17:00``.
        maintenance_window: weekly UTC window. Defaults to ``sun:19:00-sun:20:00``.
        slow_log_retention_days: retention of the slow-log group. Defaults to 30.
    """

    engine: Engine = Engine.REDIS
    engine_version: str | None = None
    node_type: str
    nodes: int = Field(default=2, ge=1, le=6)
    snapshot_retention_days: int = Field(default=1, ge=0, le=35)
    snapshot_window: DailyWindow = "16:00-17:00"
    maintenance_window: WeeklyWindow = "sun:19:00-sun:20:00"
    slow_log_retention_days: RetentionDays = 30

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, value: str) -> str:
        problem = cache_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _version_fits_engine(self) -> RedisSpec:
        allowed = ENGINE_VERSIONS[self.engine]
        if self.engine_version is not None and self.engine_version not in allowed:
            raise ValueError(
                f"engineVersion {self.engine_version!r} is not a {self.engine.value} version this"
                f" platform runs (allowed: {', '.join(allowed)})"
            )
        return self

    @property
    def version(self) -> str:
        return self.engine_version or DEFAULT_VERSION[self.engine]

    @property
    def family(self) -> str:
        return ENGINE_VERSIONS[self.engine][self.version]

    @property
    def failover(self) -> bool:
        """Automatic failover and Multi-AZ: on whenever there is a replica to fail over to."""
        return self.nodes >= 2


@dataclass(frozen=True)
class RedisArgs:
    """Inputs of :class:`Redis`.

    Attributes:
        spec: the validated settings.
        environment: environment name, part of identifiers and the secret name.
        subnet_group_name: the data subnets' ElastiCache subnet group.
        vpc_id: the VPC.
        source_security_group_id: the only group admitted on 6379 (the workloads' group).
        data_key_arn: encrypts data at rest and snapshots.
        logs_key_arn: encrypts the slow-log group.
        final_snapshot: take a final snapshot when the group is deleted (the tier decides).
        protect: ``protect=True`` on the replication group (the tier decides).
        iam_users: the service identities that connect, each as an IAM-authenticated user of its own
            (``<env>-<identity>``), with the access string that confines it to its key prefixes
            (:func:`components.data.cache_acl.access_string`). Defaults to none.
    """

    spec: RedisSpec
    environment: str
    subnet_group_name: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    source_security_group_id: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    final_snapshot: bool
    protect: bool
    iam_users: Mapping[str, str] = field(default_factory=dict)


def cache_user_id(environment: str, identity: str) -> str:
    """The ElastiCache user (id and name, equal as IAM authentication requires) of a service identity."""
    return f"{environment}-{identity}"


class Redis(pulumi.ComponentResource):
    """An ElastiCache replication group reachable only from the workloads, over TLS, with IAM users only.

    There is no AUTH token and no password: a user group holds the switched-off ``default`` user and one
    IAM-authenticated user per service identity; a client authenticates with a short-lived IAM token
    signed by its role, which :meth:`grant_connect` allows (``elasticache:Connect`` on the replication group
    and its own user).
    """

    primary_endpoint: pulumi.Output[str]
    replication_group_id: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    user_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:Redis", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        ident = identifier(args.environment, "redis")

        group = store_security_group(
            name,
            vpc_id=args.vpc_id,
            source_security_group_id=args.source_security_group_id,
            ports=(PORT, PORT),
            what=f"{ident}: {spec.engine.value}",
            parent=self,
        )
        users = [
            aws.elasticache.User(
                f"{name}-user-default",
                user_id=f"{ident}-default",
                user_name=DEFAULT_USER,
                engine=spec.engine.value,
                access_string=DISABLED_ACCESS,
                authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="no-password-required"),
                opts=child,
            ),
            *(
                aws.elasticache.User(
                    f"{name}-user-{identity}",
                    user_id=cache_user_id(args.environment, identity),
                    user_name=cache_user_id(args.environment, identity),
                    engine=spec.engine.value,
                    access_string=access,
                    authentication_mode=aws.elasticache.UserAuthenticationModeArgs(type="iam"),
                    opts=child,
                )
                for identity, access in args.iam_users.items()
            ),
        ]
        user_group = aws.elasticache.UserGroup(
            name,
            user_group_id=ident,
            engine=spec.engine.value,
            user_ids=[user.user_id for user in users],
            opts=child,
        )
        slow_log = encrypted_log_group(
            f"{name}-slow-log",
            f"/platform/{args.environment}/elasticache/{ident}/slow-log",
            spec.slow_log_retention_days,
            args.logs_key_arn,
            child,
        )
        replication_group = aws.elasticache.ReplicationGroup(
            name,
            replication_group_id=ident,
            description=f"platform {args.environment}: cache and queue",
            engine=spec.engine.value,
            engine_version=spec.version,
            parameter_group_name=f"default.{spec.family}",
            node_type=spec.node_type,
            num_cache_clusters=spec.nodes,
            automatic_failover_enabled=spec.failover,
            multi_az_enabled=spec.failover,
            port=PORT,
            subnet_group_name=args.subnet_group_name,
            security_group_ids=[group.id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.data_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            user_group_ids=[user_group.user_group_id],
            snapshot_retention_limit=spec.snapshot_retention_days,
            snapshot_window=spec.snapshot_window,
            maintenance_window=spec.maintenance_window,
            auto_minor_version_upgrade=True,
            final_snapshot_identifier=f"{ident}-final" if args.final_snapshot else None,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            tags={"Name": ident},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.primary_endpoint = replication_group.primary_endpoint_address
        self.replication_group_id = replication_group.replication_group_id
        self.reader_endpoint = replication_group.reader_endpoint_address
        self.port = PORT
        self.user_group_id = user_group.user_group_id
        self._environment = args.environment
        self._users = {identity: users[1 + i] for i, identity in enumerate(args.iam_users)}
        self._group_arn = replication_group.arn
        self.register_outputs(
            {
                "primary_endpoint": self.primary_endpoint,
                "reader_endpoint": self.reader_endpoint,
                "port": self.port,
                "user_group_id": self.user_group_id,
            }
        )

    def grant_connect(self, identity: str) -> pulumi.Output[list[dict[str, object]]]:
        """The statements letting a service identity connect as its own user (``elasticache:Connect``)."""
        user = self._users.get(identity)
        if user is None:
            raise ValueError(f"{identity!r} has no user on this cache (pass it in RedisArgs.iam_users)")
        return pulumi.Output.all(self._group_arn, user.arn).apply(lambda v: [grant_connect(v[0], v[1])])


def grant_connect(replication_group_arn: str, user_arn: str) -> dict[str, object]:
    """``elasticache:Connect`` to one replication group as one user (IAM needs both resources)."""
    return {
        "Sid": "ConnectToCacheWithIam",
        "Effect": "Allow",
        "Action": "elasticache:Connect",
        "Resource": [replication_group_arn, user_arn],
    }
