"""Platform: the EKS cluster, its Helm add-ons and the product namespace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.cluster.addons import PlatformAddons, PlatformAddonsArgs
from components.cluster.cluster import EksCluster, EksClusterArgs
from components.cluster.edge import PublicEdge, PublicEdgeArgs
from components.cluster.namespaces import ProductNamespace, ProductNamespaceArgs
from components.network.cidr import plan_subnets
from infra.layers.foundation import Foundation


@dataclass(frozen=True)
class Platform:
    cluster: EksCluster
    addons: PlatformAddons
    namespace: ProductNamespace
    edge: PublicEdge | None
    outputs: dict[str, Any] = field(default_factory=dict)


def build(base: Foundation) -> Platform | None:
    """The cluster layer, or ``None`` for a stack without ``platform:cluster``."""
    settings, env, ctx = base.settings, base.env, base.context
    spec = settings.config.cluster
    if spec is None:
        return None
    cluster = EksCluster(
        f"{env}-cluster",
        EksClusterArgs(
            spec=spec,
            context=ctx,
            environment=env,
            subnet_ids=base.network.app_subnet_ids,
            workload_security_group_id=base.network.workload_security_group_id,
            cluster_key_arn=base.keys.cluster,
            logs_key_arn=base.keys.logs,
            deletion_protection=settings.policy.deletion_protection,
            protect=settings.protect,
            autoscaled=spec.addons.cluster_autoscaler.enabled,
            # the in-VPC runners reach the private API endpoint
            api_client_security_group_ids=[base.runners.security_group_id] if base.runners else [],
        ),
        base.on_aws,
    )
    subnets = plan_subnets(settings.config.network.cidr, settings.config.network.az_count)
    addons = PlatformAddons(
        f"{env}-addons",
        PlatformAddonsArgs(
            spec=spec.addons,
            context=ctx,
            environment=env,
            cluster_name=cluster.name,
            vpc_id=base.network.vpc_id,
            oidc=cluster.oidc,
            k8s_provider=cluster.k8s_provider,
            secrets_key_arn=base.keys.secrets,
            cluster_ready=[*cluster.ready, base.secrets],
            app_cidrs=subnets.app,
            data_cidrs=subnets.data,
        ),
        base.on_aws,
    )
    namespace = ProductNamespace(
        f"{env}-product",
        ProductNamespaceArgs(
            k8s_provider=cluster.k8s_provider,
            load_balancer_cidrs=subnets.public,
            data_cidrs=subnets.data,
            endpoint_cidrs=subnets.app,
            cluster_ready=tuple(cluster.ready),
        ),
    )
    edge = None
    if addons.ingress_class is not None:
        # What the controller's ALBs are annotated with (services project): WAF and access logs.
        edge = PublicEdge(
            f"{env}-edge",
            PublicEdgeArgs(
                environment=env, context=ctx, logs_key_arn=base.keys.logs, protect=settings.protect
            ),
            base.on_aws,
        )
    return Platform(
        cluster=cluster,
        addons=addons,
        namespace=namespace,
        edge=edge,
        outputs={
            "cluster_name": cluster.name,
            "cluster_endpoint": cluster.endpoint,
            "cluster_certificate_authority": cluster.certificate_authority,
            "cluster_oidc_provider_arn": cluster.oidc.provider_arn,
            "kubeconfig": cluster.kubeconfig,  # a secret: Output.secret in the component
            # What the services project builds on (infra/contract.py), each from the component that owns it.
            "product_namespace": namespace.name,
            **{
                key: value
                for key, value in (
                    ("secret_store_name", addons.secret_store_name),
                    ("prometheus_url", addons.prometheus_url),
                    ("ingress_class", addons.ingress_class),
                )
                if value is not None
            },
            **(
                {"waf_web_acl_arn": edge.web_acl_arn, "alb_access_log_bucket": edge.access_log_bucket}
                if edge is not None
                else {}
            ),
        },
    )
