"""Data tier: private stores in the data subnets, admitting only the workloads' security group."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_mongodbatlas as mongodbatlas

from components.apps.identity import WorkloadIdentity
from components.apps.identity import role_name as workload_role_name
from components.apps.manifests import migration_identity
from components.apps.review import review_names
from components.data.atlas import Atlas, AtlasArgs
from components.data.buckets import Buckets, BucketsArgs
from components.data.cache_acl import access_string
from components.data.database_users import DatabaseUsers, DatabaseUsersArgs
from components.data.naming import identifier
from components.data.postgres import Postgres, PostgresArgs, database_user
from components.data.redis import Redis, RedisArgs
from infra.layers.foundation import Foundation


@dataclass(frozen=True)
class DataTier:
    """The stores a stack declares (``None`` where its stack file has no such section)."""

    postgres: Postgres | None = None
    redis: Redis | None = None
    buckets: Buckets | None = None
    atlas: Atlas | None = None
    outputs: dict[str, Any] = field(default_factory=dict)

    def stores(self) -> list[pulumi.Resource]:
        """The stores that exist, for ordering what must wait for them (migrations, services)."""
        return [s for s in (self.postgres, self.redis, self.buckets, self.atlas) if s is not None]


def build(base: Foundation, identities: list[WorkloadIdentity] | None = None) -> DataTier:
    """The stores, each with a user of its own for every workload identity that uses it (IAM auth)."""
    settings, env, ctx = base.settings, base.env, base.context
    identities = identities or []
    cfg, network, keys = settings.config, base.network, base.keys
    keep = settings.policy.deletion_protection or settings.protect  # a stack may tighten, never loosen
    outputs: dict[str, Any] = {}

    postgres = None
    if cfg.postgres is not None:
        postgres = Postgres(
            f"{env}-postgres",
            PostgresArgs(
                spec=cfg.postgres,
                context=ctx,
                environment=env,
                zones=network.availability_zones,
                db_subnet_group_name=network.db_subnet_group_name,
                subnet_ids=network.data_subnet_ids,
                vpc_id=network.vpc_id,
                source_security_group_id=network.workload_security_group_id,
                data_key_arn=keys.data,
                secrets_key_arn=keys.secrets,
                logs_key_arn=keys.logs,
                deletion_protection=keep,
                protect=settings.protect,
                iam_users=tuple(i.name for i in identities if i.uses.database),
                restore=cfg.restore.postgres if cfg.restore else None,
                restore_source_identifier=identifier(cfg.restore.from_stack, "postgres")
                if cfg.restore
                else None,
            ),
            base.on_aws,
        )
        users = {
            database_user(i.name): i.name == migration_identity(i.service)
            for i in identities
            if i.uses.database
        }
        if users:
            # The users the migrations and services log in as, created inside the VPC by the program.
            DatabaseUsers(
                f"{env}-postgres-users",
                DatabaseUsersArgs(
                    context=ctx,
                    environment=env,
                    users=users,
                    database=cfg.postgres.database_name,
                    host=postgres.endpoint,
                    port=postgres.port,
                    master_secret_arn=postgres.master_secret_arn,
                    secrets_key_arn=keys.secrets,
                    subnet_ids=network.app_subnet_ids,
                    security_group_id=network.workload_security_group_id,
                    logs_key_arn=keys.logs,
                    wait_for=[postgres],
                    log_retention_days=cfg.postgres.log_retention_days,  # kept as long as the database's
                ),
                base.on_aws,
            )
        outputs["postgres_endpoint"] = postgres.endpoint
        outputs["postgres_reader_endpoints"] = postgres.reader_endpoints
        outputs["postgres_port"] = postgres.port
        outputs["postgres_master_secret_arn"] = postgres.master_secret_arn
        if postgres.proxy_endpoint is not None:
            outputs["postgres_proxy_endpoint"] = postgres.proxy_endpoint

    redis = None
    if cfg.redis is not None:
        redis = Redis(
            f"{env}-redis",
            RedisArgs(
                spec=cfg.redis,
                environment=env,
                subnet_group_name=network.cache_subnet_group_name,
                vpc_id=network.vpc_id,
                source_security_group_id=network.workload_security_group_id,
                data_key_arn=keys.data,
                logs_key_arn=keys.logs,
                final_snapshot=keep,
                protect=settings.protect,
                iam_users={
                    i.name: access_string(i.uses.cache.prefixes, i.uses.cache.channels)
                    for i in identities
                    if i.uses.cache
                },
            ),
            base.on_aws,
        )
        outputs["redis_primary_endpoint"] = redis.primary_endpoint
        outputs["redis_reader_endpoint"] = redis.reader_endpoint
        outputs["redis_port"] = redis.port

    buckets = None
    if cfg.buckets is not None:
        buckets = Buckets(
            f"{env}-buckets",
            BucketsArgs(
                spec=cfg.buckets,
                context=ctx,
                environment=env,
                data_key_arn=keys.data,
                protect=settings.protect,
            ),
            base.on_aws,
        )
        outputs["bucket_names"] = buckets.names
        outputs["bucket_arns"] = buckets.arns

    atlas = None
    if cfg.atlas is not None:
        # Atlas API keys: secret config when set, otherwise the provider's MONGODB_ATLAS_* variables.
        api = cfg.atlas
        atlas_provider = mongodbatlas.Provider(
            "mongodbatlas",
            public_key=pulumi.Output.secret(api.public_key.get_secret_value()) if api.public_key else None,
            private_key=pulumi.Output.secret(api.private_key.get_secret_value()) if api.private_key else None,
        )
        atlas = Atlas(
            f"{env}-atlas",
            AtlasArgs(
                spec=cfg.atlas,
                context=ctx,
                environment=env,
                vpc_id=network.vpc_id,
                vpc_cidr=network.vpc_cidr,
                app_subnet_ids=network.app_subnet_ids,
                workload_security_group_id=network.workload_security_group_id,
                nat_public_ips=network.nat_public_ips,
                data_key_arn=keys.data,
                protect=settings.protect,
                copy_region=cfg.dr.region if cfg.dr else None,
                copy_oplogs=cfg.dr.atlas_copy_oplogs is not False if cfg.dr else False,
                restore=cfg.restore.atlas if cfg.restore else None,
                restore_source_cluster=identifier(cfg.restore.from_stack, "mongo") if cfg.restore else None,
                # Atlas trusts each role by ARN; the roles' names are fixed, so the ARN is known before
                # the identity layer creates them.
                iam_users={
                    i.name: pulumi.Output.concat(
                        "arn:",
                        ctx.partition,
                        ":iam::",
                        ctx.account_id,
                        ":role/",
                        workload_role_name(env, i.name),
                    )
                    for i in identities
                    if i.uses.mongodb
                },
                review_environments=review_names(e.name for e in cfg.atlas.shared.environments)
                if cfg.atlas.shared is not None
                else (),
            ),
            pulumi.ResourceOptions(providers=[base.aws_provider, atlas_provider]),
        )
        outputs["atlas_project_id"] = atlas.project_id
        outputs["atlas_connection_strings"] = atlas.connection_strings
        if atlas.environment_role_arns:
            outputs["atlas_environment_role_arns"] = atlas.environment_role_arns

    return DataTier(postgres=postgres, redis=redis, buckets=buckets, atlas=atlas, outputs=outputs)
