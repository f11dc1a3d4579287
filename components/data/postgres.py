"""PostgreSQL on RDS: a primary, read replicas in other AZs and an optional RDS Proxy."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components.core import iam
from components.core.catalog.instances import rds_problem
from components.core.context import AwsContext
from components.core.logs import RetentionDays, encrypted_log_group
from components.core.model import Spec
from components.data.access import store_security_group
from components.data.dr_spec import PostgresRestoreSpec
from components.data.naming import identifier, replica_zones
from components.data.windows import DailyWindow, WeeklyWindow

PORT = 5432
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# RDS keeps Performance Insights for 7 days free, or whole months (31-day multiples) up to 2 years.
_PI_RETENTION = (7, *(31 * m for m in range(1, 24)), 731)
_MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
LOG_EXPORTS = ("postgresql", "upgrade")


class ProxySpec(Spec):
    """RDS Proxy in front of the primary, pooling the services' connections.

    RDS Proxy sizes its pool as a share of the instance's ``max_connections``, not as a count. The
    background guide sizes the application's pool at 20 connections; the stack files express that as
    ``maxConnectionsPercent``.

    Attributes:
        enabled: Defaults to off.
        max_connections_percent: share of ``max_connections`` the proxy may open, 1-100. Defaults to 20.
        max_idle_connections_percent: share kept open while idle, at most ``max_connections_percent``.
            Defaults to 10.
        idle_client_timeout_seconds: drop clients idle this long, 1-28800. Defaults to 1800.
        connection_borrow_timeout_seconds: wait this long for a pooled connection, 0-3600. Defaults to 120.
    """

    enabled: bool = False
    max_connections_percent: int = Field(default=20, ge=1, le=100)
    max_idle_connections_percent: int = Field(default=10, ge=0, le=100)
    idle_client_timeout_seconds: int = Field(default=1800, ge=1, le=28800)
    connection_borrow_timeout_seconds: int = Field(default=120, ge=0, le=3600)

    @model_validator(mode="after")
    def _idle_within_max(self) -> ProxySpec:
        if self.max_idle_connections_percent > self.max_connections_percent:
            raise ValueError(
                f"maxIdleConnectionsPercent ({self.max_idle_connections_percent}) must not exceed"
                f" maxConnectionsPercent ({self.max_connections_percent})"
            )
        return self


class PostgresSpec(Spec):
    """The environment's PostgreSQL.

    Attributes:
        major_version: PostgreSQL major version, 14-17. Defaults to 17.
        instance_class: e.g. ``db.t4g.medium`` (required).
        replica_instance_class: class of the read replicas. Defaults to ``instance_class``.
        allocated_storage_gb: initial gp3 storage, 20-65536. Defaults to 20.
        max_allocated_storage_gb: storage autoscaling ceiling, above ``allocated_storage_gb``. Defaults to 100.
        database_name: the database created with the instance. Defaults to ``product``.
        master_username: the master user (its password is managed by RDS). Defaults to ``platform_admin``.
        multi_az: a synchronous standby in another AZ. Defaults to on; staging and prod may not turn it off.
        read_replicas: read replicas, 0-5, each in another AZ than the primary. Defaults to 1.
        backup_retention_days: automated backups and point-in-time restore, 1-35 days. Defaults to 7.
        backup_window: daily UTC window ``hh:mm-hh:mm``. Defaults to ``17:00-17:30`` (02:00 KST).
        maintenance_window: weekly UTC window ``ddd:hh:mm-ddd:hh:mm``. Defaults to ``sun:18:00-sun:19:00``.
        slow_statement_ms: log statements slower than this (``log_min_duration_statement``). Defaults to 1000.
        performance_insights_retention_days: 7, a multiple of 31 up to 713, or 731. Defaults to 7.
        monitoring_interval_seconds: enhanced monitoring interval, 1/5/10/15/30/60. Defaults to 60.
        log_retention_days: retention of the exported PostgreSQL logs. Defaults to 30.
        proxy: see :class:`ProxySpec`. Defaults to no proxy.
    """

    major_version: int = Field(default=17, ge=14, le=17)
    instance_class: str
    replica_instance_class: str | None = None
    allocated_storage_gb: int = Field(default=20, ge=20, le=65536)
    max_allocated_storage_gb: int = Field(default=100, ge=21, le=65536)
    database_name: str = "product"
    master_username: str = "platform_admin"
    multi_az: bool = True
    read_replicas: int = Field(default=1, ge=0, le=5)
    backup_retention_days: int = Field(default=7, ge=1, le=35)
    backup_window: DailyWindow = "17:00-17:30"
    maintenance_window: WeeklyWindow = "sun:18:00-sun:19:00"
    slow_statement_ms: int = Field(default=1000, ge=0)
    performance_insights_retention_days: int = 7
    monitoring_interval_seconds: int = 60
    log_retention_days: RetentionDays = 30
    proxy: ProxySpec = ProxySpec()

    @field_validator("instance_class", "replica_instance_class")
    @classmethod
    def _instance_class(cls, value: str | None) -> str | None:
        problem = None if value is None else rds_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("database_name", "master_username")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENTIFIER.fullmatch(value):
            raise ValueError(
                "must start with a letter and hold only lower-case letters, digits and '_' (1-63)"
            )
        return value

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        if value not in _PI_RETENTION:
            raise ValueError("must be 7, a multiple of 31 up to 713, or 731")
        return value

    @field_validator("monitoring_interval_seconds")
    @classmethod
    def _monitoring(cls, value: int) -> int:
        if value not in _MONITORING_INTERVALS:
            raise ValueError(f"must be one of {', '.join(map(str, _MONITORING_INTERVALS))} seconds")
        return value

    @model_validator(mode="after")
    def _storage(self) -> PostgresSpec:
        if self.max_allocated_storage_gb <= self.allocated_storage_gb:
            raise ValueError(
                f"maxAllocatedStorageGb ({self.max_allocated_storage_gb}) must exceed allocatedStorageGb"
                f" ({self.allocated_storage_gb}) for storage autoscaling"
            )
        return self


@dataclass(frozen=True)
class PostgresArgs:
    """Inputs of :class:`Postgres`.

    Attributes:
        spec: the validated settings.
        context: account, partition and region.
        environment: environment name, part of every identifier.
        zones: the AZ names of the data subnets, in order (the primary's zone first).
        db_subnet_group_name: the data subnets' RDS subnet group.
        subnet_ids: the data subnets (for the proxy).
        vpc_id: the VPC.
        source_security_group_id: the only group admitted on 5432 (the workloads' group).
        data_key_arn: encrypts storage and Performance Insights.
        secrets_key_arn: encrypts the RDS-managed master secret.
        logs_key_arn: encrypts the exported log groups.
        deletion_protection: deletion protection and a final snapshot (the tier decides).
        protect: ``protect=True`` on the primary (the tier decides).
        iam_users: the database users the services' identities connect as with IAM authentication (the
            proxy may log in as these only). The users themselves are created by
            :class:`components.data.database_users.DatabaseUsers`. Defaults to none.
        restore: build the primary from another instance's backups (a snapshot, or a point in time of
            its automated backups) instead of an empty database. Defaults to none.
        restore_source_identifier: the source instance's identifier, for a point-in-time restore
            without a replicated-backups ARN. Defaults to none.
    """

    spec: PostgresSpec
    context: AwsContext
    environment: str
    zones: Sequence[pulumi.Input[str]]
    db_subnet_group_name: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    vpc_id: pulumi.Input[str]
    source_security_group_id: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    deletion_protection: bool
    protect: bool
    iam_users: tuple[str, ...] = ()
    restore: PostgresRestoreSpec | None = None
    restore_source_identifier: str | None = None


def database_user(identity: str) -> str:
    """The Postgres user of a service identity: its name with ``-`` as ``_`` (``worker-convert`` →
    ``worker_convert``), so it needs no quoting in SQL."""
    return identity.replace("-", "_")


class Postgres(pulumi.ComponentResource):
    """An encrypted, private PostgreSQL primary with read replicas and an optional RDS Proxy.

    The master password is created and kept by RDS in Secrets Manager under the secrets key
    (``manage_master_user_password``); it never enters code, config or state. Services authenticate with
    IAM: the instance has IAM database authentication on, and the RDS Proxy uses end-to-end IAM
    authentication (``default_auth_scheme=IAM_AUTH``): clients present an IAM token to the proxy, and the
    proxy logs in to the database with IAM as the same user, so no per-user secret exists anywhere.
    :meth:`grant_connect` hands a service identity ``rds-db:connect`` as its database user.
    """

    endpoint: pulumi.Output[str]
    arn: pulumi.Output[str]
    reader_endpoints: pulumi.Output[list[str]]
    primary_identifier: pulumi.Output[str]
    replica_identifiers: list[pulumi.Output[str]]
    port: int
    master_secret_arn: pulumi.Output[str]
    proxy_endpoint: pulumi.Output[str] | None
    connect_resource_ids: pulumi.Output[list[str]]
    """The ``rds-db:connect`` resource ids services connect to: the proxy's (``prx-...``) where there is
    one, else the primary's (``db-...``), and each read replica's."""

    def __init__(self, name: str, args: PostgresArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:Postgres", name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        ident = identifier(args.environment, "postgres")

        security_group = self._security_group(name, args, f"{ident} primary and replicas")
        params = aws.rds.ParameterGroup(
            name,
            family=f"postgres{spec.major_version}",
            description=f"{ident}: TLS only, slow statements and connections logged",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=key, value=value, apply_method="pending-reboot")
                for key, value in _parameters(spec).items()
            ],
            opts=child,
        )
        monitoring_role = self._monitoring_role(name, args.context)

        primary_logs = self._log_groups(f"{name}-primary", ident, args)
        primary = aws.rds.Instance(
            name,
            identifier=ident,
            engine="postgres",
            engine_version=str(spec.major_version),
            instance_class=spec.instance_class,
            # A restored database brings its own name and master user.
            db_name=None if args.restore else spec.database_name,
            username=None if args.restore else spec.master_username,
            **restore_inputs(args.restore, args.restore_source_identifier),
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.secrets_key_arn,
            port=PORT,
            storage_type="gp3",
            allocated_storage=spec.allocated_storage_gb,
            max_allocated_storage=spec.max_allocated_storage_gb,
            storage_encrypted=True,
            kms_key_id=args.data_key_arn,
            db_subnet_group_name=args.db_subnet_group_name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            multi_az=spec.multi_az,
            # A Multi-AZ primary cannot be pinned; a single-AZ one sits in zone 0, apart from its replicas.
            availability_zone=None if spec.multi_az else args.zones[0],
            parameter_group_name=params.name,
            backup_retention_period=spec.backup_retention_days,
            backup_window=spec.backup_window,
            maintenance_window=spec.maintenance_window,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            skip_final_snapshot=not args.deletion_protection,
            final_snapshot_identifier=f"{ident}-final" if args.deletion_protection else None,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.data_key_arn,
            performance_insights_retention_period=spec.performance_insights_retention_days,
            monitoring_interval=spec.monitoring_interval_seconds,
            monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            iam_database_authentication_enabled=True,
            tags={"Name": ident, "role": "primary"},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, depends_on=primary_logs),
        )

        replicas = []
        for i, zone in enumerate(replica_zones(len(args.zones), spec.read_replicas)):
            replica_ident = f"{ident}-replica-{i}"
            logs = self._log_groups(f"{name}-replica-{i}", replica_ident, args)
            replicas.append(
                aws.rds.Instance(
                    f"{name}-replica-{i}",
                    identifier=replica_ident,
                    # The ARN, not the identifier: the replica names its own subnet group.
                    replicate_source_db=primary.arn,
                    instance_class=spec.replica_instance_class or spec.instance_class,
                    storage_type="gp3",
                    max_allocated_storage=spec.max_allocated_storage_gb,
                    storage_encrypted=True,
                    kms_key_id=args.data_key_arn,
                    db_subnet_group_name=args.db_subnet_group_name,
                    vpc_security_group_ids=[security_group.id],
                    availability_zone=args.zones[zone],
                    publicly_accessible=False,
                    multi_az=False,
                    parameter_group_name=params.name,
                    maintenance_window=spec.maintenance_window,
                    auto_minor_version_upgrade=True,
                    copy_tags_to_snapshot=True,
                    # A replica holds no data of its own and cannot take a final snapshot; scaling the
                    # count down must stay a config change.
                    backup_retention_period=0,
                    skip_final_snapshot=True,
                    deletion_protection=False,
                    performance_insights_enabled=True,
                    performance_insights_kms_key_id=args.data_key_arn,
                    performance_insights_retention_period=spec.performance_insights_retention_days,
                    monitoring_interval=spec.monitoring_interval_seconds,
                    monitoring_role_arn=monitoring_role.arn,
                    enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
                    iam_database_authentication_enabled=True,
                    tags={"Name": replica_ident, "role": "replica"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=logs),
                )
            )

        self.endpoint = primary.address
        self.arn = primary.arn
        self.primary_identifier = primary.identifier
        self.replica_identifiers = [r.identifier for r in replicas]
        self.port = PORT
        self.reader_endpoints = pulumi.Output.all(*[r.address for r in replicas])
        self.master_secret_arn = primary.master_user_secrets[0].secret_arn
        self._context = args.context
        self.proxy_endpoint = None
        writer_id: pulumi.Output[str] = primary.resource_id
        if spec.proxy.enabled:
            self.proxy_endpoint, writer_id = self._proxy(name, ident, args, primary, security_group)
        self.connect_resource_ids = pulumi.Output.all(writer_id, *[r.resource_id for r in replicas])

        outputs: dict[str, object] = {
            "endpoint": self.endpoint,
            "reader_endpoints": self.reader_endpoints,
            "port": self.port,
            "master_secret_arn": self.master_secret_arn,
        }
        if self.proxy_endpoint is not None:
            outputs["proxy_endpoint"] = self.proxy_endpoint
        self.register_outputs(outputs)

    def grant_connect(self, identity: str) -> pulumi.Output[list[dict[str, object]]]:
        """The statements letting a service identity connect as its database user (``rds-db:connect``)."""
        ctx = self._context
        return pulumi.Output.all(ctx.partition, ctx.account_id, self.connect_resource_ids).apply(
            lambda v: [grant_connect(v[0], ctx.region, v[1], v[2], database_user(identity))]
        )

    def _security_group(self, name: str, args: PostgresArgs, what: str) -> aws.ec2.SecurityGroup:
        return store_security_group(
            name,
            vpc_id=args.vpc_id,
            source_security_group_id=args.source_security_group_id,
            ports=(PORT, PORT),
            what=f"{what}: PostgreSQL",
            parent=self,
        )

    def _monitoring_role(self, name: str, ctx: AwsContext) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-monitoring",
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("monitoring.rds.amazonaws.com", account))
            ),
            description="RDS enhanced monitoring publishes OS metrics to CloudWatch",
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring",
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:", ctx.partition, ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
            ),
            opts=child,
        )
        return role

    def _log_groups(self, name: str, ident: str, args: PostgresArgs) -> list[pulumi.Resource]:
        """The groups RDS exports to, created first so they are encrypted with the logs key."""
        return [
            encrypted_log_group(
                f"{name}-{export}",
                f"/aws/rds/instance/{ident}/{export}",
                args.spec.log_retention_days,
                args.logs_key_arn,
                pulumi.ResourceOptions(parent=self),
            )
            for export in LOG_EXPORTS
        ]

    def _proxy(
        self,
        name: str,
        ident: str,
        args: PostgresArgs,
        primary: aws.rds.Instance,
        db_group: aws.ec2.SecurityGroup,
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """The proxy; returns its endpoint and its ``rds-db:connect`` resource id (``prx-...``)."""
        child = pulumi.ResourceOptions(parent=self)
        proxy_spec = args.spec.proxy
        proxy_group = self._security_group(f"{name}-proxy", args, f"{ident} proxy")
        # The proxy reaches the database; the database admits the proxy.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-proxy-to-db",
            security_group_id=proxy_group.id,
            referenced_security_group_id=db_group.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL to the primary",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-proxy",
            security_group_id=db_group.id,
            referenced_security_group_id=proxy_group.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL from the RDS Proxy",
            opts=child,
        )
        ctx = args.context
        role = aws.iam.Role(
            f"{name}-proxy",
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("rds.amazonaws.com", account))
            ),
            description=f"{ident} proxy logs in to the database with IAM as the services' users",
            permissions_boundary=args.context.permissions_boundary,
            opts=child,
        )
        users = [database_user(u) for u in args.iam_users]
        aws.iam.RolePolicy(
            f"{name}-proxy",
            role=role.id,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id, primary.resource_id).apply(
                lambda v: json.dumps(_proxy_policy(v[0], ctx.region, v[1], v[2], users))
            ),
            opts=child,
        )
        proxy = aws.rds.Proxy(
            f"{name}-proxy",
            name=f"{ident}-proxy",
            engine_family="POSTGRESQL",
            role_arn=role.arn,
            vpc_subnet_ids=args.subnet_ids,
            vpc_security_group_ids=[proxy_group.id],
            require_tls=True,
            idle_client_timeout=proxy_spec.idle_client_timeout_seconds,
            # End-to-end IAM: clients and the proxy both authenticate with IAM; no secret per user.
            default_auth_scheme="IAM_AUTH",
            opts=child,
        )
        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy",
            db_proxy_name=proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=proxy_spec.max_connections_percent,
                max_idle_connections_percent=proxy_spec.max_idle_connections_percent,
                connection_borrow_timeout=proxy_spec.connection_borrow_timeout_seconds,
            ),
            opts=child,
        )
        aws.rds.ProxyTarget(
            f"{name}-proxy",
            db_proxy_name=proxy.name,
            target_group_name=target_group.name,
            db_instance_identifier=primary.identifier,
            opts=child,
        )
        # The proxy's ARN ends with its resource id, the one its rds-db:connect ARNs name.
        return proxy.endpoint, proxy.arn.apply(lambda arn: arn.rsplit(":", 1)[-1])


def restore_inputs(restore: PostgresRestoreSpec | None, source_identifier: str | None) -> dict[str, Any]:
    """The primary's inputs that restore it: ``snapshot_identifier``, or ``restore_to_point_in_time``
    from the source's (replicated) automated backups, at ``restoreTime`` or the latest restorable time."""
    if restore is None:
        return {}
    if restore.snapshot is not None:
        return {"snapshot_identifier": restore.snapshot}
    return {
        "restore_to_point_in_time": aws.rds.InstanceRestoreToPointInTimeArgs(
            restore_time=restore.restore_time,
            use_latest_restorable_time=None if restore.restore_time else True,
            source_db_instance_automated_backups_arn=restore.source_automated_backups_arn,
            source_db_instance_identifier=None if restore.source_automated_backups_arn else source_identifier,
        )
    }


def _parameters(spec: PostgresSpec) -> dict[str, str]:
    """The parameter group: TLS only, slow statements and every connection logged."""
    return {
        "rds.force_ssl": "1",
        "log_min_duration_statement": str(spec.slow_statement_ms),
        "log_connections": "1",
        "log_disconnections": "1",
        "log_lock_waits": "1",
    }


def grant_connect(
    partition: str, region: str, account_id: str, resource_ids: list[str], db_user: str
) -> dict[str, object]:
    """``rds-db:connect`` as ``db_user`` on each of ``resource_ids`` (the proxy's or instance's ids)."""
    return {
        "Sid": "ConnectToPostgresWithIam",
        "Effect": "Allow",
        "Action": "rds-db:connect",
        "Resource": [
            f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{rid}/{db_user}" for rid in resource_ids
        ],
    }


def _proxy_policy(
    partition: str, region: str, account_id: str, instance_resource_id: str, users: list[str]
) -> dict[str, object]:
    """The proxy logs in to the primary with IAM as the services' users, and as no one else."""
    if not users:  # a proxy no identity uses yet: a policy document needs a statement
        return iam.document(
            {"Sid": "NoDatabaseUsersYet", "Effect": "Deny", "Action": "rds-db:connect", "Resource": "*"}
        )
    prefix = f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{instance_resource_id}"
    return iam.document(
        {
            "Sid": "ProxyConnectsWithIam",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": [f"{prefix}/{user}" for user in users],
        }
    )
