"""The Pulumi program of the platform, and the entry point of its offline tools.

Under the Pulumi language host (or the offline preview, which runs this file the same way) a resource
monitor is configured: the program reads the stack's settings, composes the components and exports
their outputs. Run as ``python -m infra ...`` with no monitor, it is the command line instead.
"""

import sys

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as mongodbatlas

from components.cluster.addons import PlatformAddons, PlatformAddonsArgs
from components.cluster.charts import Addon
from components.cluster.cluster import EksCluster, EksClusterArgs
from components.cluster.namespaces import ProductNamespace, ProductNamespaceArgs
from components.core.context import AwsContext
from components.data.atlas import Atlas, AtlasArgs
from components.data.buckets import Buckets, BucketsArgs
from components.data.postgres import Postgres, PostgresArgs
from components.data.redis import Redis, RedisArgs
from components.network.cidr import plan_subnets
from components.network.vpc import Network, NetworkArgs
from components.observability.alerting import Alerting, AlertingArgs
from components.observability.budget import Budget, BudgetArgs
from components.observability.kubernetes import Dashboards, MonitoringArgs, ServiceAlertRules
from components.security.keys import Keys, KeysArgs
from components.security.secrets import Secrets, SecretsArgs
from infra import cli, config


def program() -> None:
    settings = config.load()
    env = settings.environment

    aws_provider = aws.Provider(
        "aws",
        region=settings.region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
    )
    ctx = AwsContext.lookup(settings.region, aws_provider)
    on_aws = pulumi.ResourceOptions(providers=[aws_provider])

    keys = Keys(f"{env}-keys", KeysArgs(settings.config.keys, ctx, env, settings.protect), on_aws)
    network = Network(f"{env}-network", NetworkArgs(settings.config.network, ctx, keys.logs), on_aws)
    secrets = Secrets(f"{env}-secrets", SecretsArgs(settings.config.secrets, env, keys.secrets), on_aws)

    pulumi.export("vpc_id", network.vpc_id)
    pulumi.export("app_subnet_ids", network.app_subnet_ids)
    pulumi.export("data_subnet_ids", network.data_subnet_ids)
    pulumi.export("kms_key_arns", {purpose.value: arn for purpose, arn in keys.arns.items()})
    pulumi.export("secret_arns", secrets.arns)

    # Data tier: private stores in the data subnets, admitting only the workloads' security group.
    cfg = settings.config
    keep = settings.policy.deletion_protection or settings.protect  # a stack may tighten, never loosen
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
            ),
            on_aws,
        )
        pulumi.export("postgres_endpoint", postgres.endpoint)
        pulumi.export("postgres_reader_endpoints", postgres.reader_endpoints)
        pulumi.export("postgres_port", postgres.port)
        pulumi.export("postgres_master_secret_arn", postgres.master_secret_arn)
        if postgres.proxy_endpoint is not None:
            pulumi.export("postgres_proxy_endpoint", postgres.proxy_endpoint)
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
                secrets_key_arn=keys.secrets,
                logs_key_arn=keys.logs,
                secret_recovery_window_days=cfg.secrets.recovery_window_days,
                final_snapshot=keep,
                protect=settings.protect,
            ),
            on_aws,
        )
        pulumi.export("redis_primary_endpoint", redis.primary_endpoint)
        pulumi.export("redis_reader_endpoint", redis.reader_endpoint)
        pulumi.export("redis_port", redis.port)
        pulumi.export("redis_auth_secret_arn", redis.auth_secret_arn)
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
            on_aws,
        )
        pulumi.export("bucket_names", buckets.names)
        pulumi.export("bucket_arns", buckets.arns)
    if cfg.atlas is not None:
        # Atlas API keys: secret config when set, otherwise the provider's MONGODB_ATLAS_* variables.
        atlas_keys = cfg.atlas
        atlas_provider = mongodbatlas.Provider(
            "mongodbatlas",
            public_key=pulumi.Output.secret(atlas_keys.public_key.get_secret_value())
            if atlas_keys.public_key
            else None,
            private_key=pulumi.Output.secret(atlas_keys.private_key.get_secret_value())
            if atlas_keys.private_key
            else None,
        )
        mongo = Atlas(
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
                secrets_key_arn=keys.secrets,
                secret_recovery_window_days=cfg.secrets.recovery_window_days,
                protect=settings.protect,
            ),
            pulumi.ResourceOptions(providers=[aws_provider, atlas_provider]),
        )
        pulumi.export("atlas_project_id", mongo.project_id)
        pulumi.export("atlas_connection_strings", mongo.connection_strings)
        pulumi.export("atlas_user_secret_arns", mongo.user_secret_arns)
    cluster_spec = settings.config.cluster
    if cluster_spec is not None:
        cluster = EksCluster(
            f"{env}-cluster",
            EksClusterArgs(
                spec=cluster_spec,
                context=ctx,
                environment=env,
                subnet_ids=network.app_subnet_ids,
                workload_security_group_id=network.workload_security_group_id,
                cluster_key_arn=keys.cluster,
                logs_key_arn=keys.logs,
                deletion_protection=settings.policy.deletion_protection,
                protect=settings.protect,
                autoscaled=cluster_spec.addons.cluster_autoscaler.enabled,
            ),
            on_aws,
        )
        addons = PlatformAddons(
            f"{env}-addons",
            PlatformAddonsArgs(
                spec=cluster_spec.addons,
                context=ctx,
                environment=env,
                cluster_name=cluster.name,
                vpc_id=network.vpc_id,
                oidc=cluster.oidc,
                k8s_provider=cluster.k8s_provider,
                secrets_key_arn=keys.secrets,
                cluster_ready=[*cluster.ready, secrets],
            ),
            on_aws,
        )
        subnets = plan_subnets(settings.config.network.cidr, settings.config.network.az_count)
        ProductNamespace(
            f"{env}-product",
            ProductNamespaceArgs(
                k8s_provider=cluster.k8s_provider,
                load_balancer_cidrs=subnets.public,
                data_cidrs=subnets.data,
                cluster_ready=tuple(cluster.ready),
            ),
        )
        pulumi.export("cluster_name", cluster.name)
        pulumi.export("cluster_endpoint", cluster.endpoint)
        pulumi.export("cluster_oidc_provider_arn", cluster.oidc.provider_arn)
        pulumi.export("kubeconfig", cluster.kubeconfig)  # a secret: Output.secret in the component

    observability = settings.config.observability
    if observability is not None:
        alerting = Alerting(
            f"{env}-alerts",
            AlertingArgs(env, ctx, keys.logs, keys.secrets, secrets.arns[observability.slack_webhook_secret]),
            on_aws,
        )
        Budget(f"{env}-budget", BudgetArgs(observability.budget, env, alerting.topic_arn), on_aws)
        pulumi.export("alert_topic_arn", alerting.topic_arn)
        if cluster_spec is not None and Addon.KUBE_PROMETHEUS_STACK in addons.releases:
            # The operator's CRDs and Grafana's dashboard sidecar come with the kube-prometheus-stack release.
            prometheus = addons.releases[Addon.KUBE_PROMETHEUS_STACK]
            monitoring = MonitoringArgs(observability.alarms, cluster.k8s_provider, after=(prometheus,))
            ServiceAlertRules(f"{env}-slo", monitoring)
            Dashboards(f"{env}-dashboards", monitoring)


if pulumi.runtime.settings.get_monitor() is None:
    sys.exit(cli.main())
program()
