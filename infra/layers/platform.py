"""Platform: the EKS cluster, its Helm add-ons and the product namespace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.apps.identity import WorkloadIdentity
from components.apps.review import review_names
from components.cluster.addons import PlatformAddons, PlatformAddonsArgs
from components.cluster.cluster import EksCluster, EksClusterArgs
from components.cluster.edge import PublicEdge, PublicEdgeArgs
from components.cluster.external_dns import ExternalDns, ExternalDnsArgs
from components.cluster.namespaces import PRODUCT_NAMESPACE, ProductNamespace, ProductNamespaceArgs
from components.network.cidr import plan_subnets
from components.network.dns import DnsZone, DnsZoneArgs
from components.registry.cache import PullThroughCache
from infra.layers.foundation import Foundation


@dataclass(frozen=True)
class Platform:
    cluster: EksCluster
    addons: PlatformAddons
    namespace: ProductNamespace
    edge: PublicEdge | None
    dns: DnsZone | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


def build(
    base: Foundation, workloads: list[WorkloadIdentity] | None = None, cache: PullThroughCache | None = None
) -> Platform | None:
    """The cluster layer, or ``None`` for a stack without ``platform:cluster``. External Secrets may read
    the secrets the ``workloads`` declare (in the product namespace) and the add-ons' own; the add-ons
    whose chart allows it pull their images through ``cache``."""
    settings, env, ctx = base.settings, base.env, base.context
    spec = settings.config.cluster
    if spec is None:
        return None
    reviews = review_environments(base)
    if reviews:  # the services deploy identities deploy into each review environment's namespace too
        access = spec.access.model_copy(
            update={"deploy_namespaces": (*spec.access.deploy_namespaces, *reviews)}
        )
        spec = spec.model_copy(update={"access": access})
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
            image_cache_prefixes=cache.prefixes if cache is not None else (),
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
            data_key_arn=base.keys.data,
            protect=settings.protect,
            workload_secrets={
                namespace: sorted({name for w in workloads or [] for name in w.uses.secrets})
                for namespace in (PRODUCT_NAMESPACE, *reviews)
            },
            image_cache=cache,
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
    for review in reviews:
        # A review environment's namespace: the product namespace's isolation, RBAC and flows, its own name.
        ProductNamespace(
            f"{env}-review-{review}",
            ProductNamespaceArgs(
                k8s_provider=cluster.k8s_provider,
                load_balancer_cidrs=subnets.public,
                data_cidrs=subnets.data,
                endpoint_cidrs=subnets.app,
                namespace=review,
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
    dns, dns_outputs = _dns(base, cluster, cache)
    return Platform(
        cluster=cluster,
        addons=addons,
        namespace=namespace,
        edge=edge,
        dns=dns,
        outputs={
            **dns_outputs,
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


def review_environments(base: Foundation) -> tuple[str, ...]:
    """The review environments (``pr-<n>``) recorded on the shared Atlas slots of ``platform:atlas``: each
    gets a namespace, its workloads' Pod Identity associations and Atlas grants (``components.apps.review``)."""
    atlas = base.settings.config.atlas
    if atlas is None or atlas.shared is None:
        return ()
    return review_names(e.name for e in atlas.shared.environments)


def _dns(
    base: Foundation, cluster: EksCluster, cache: PullThroughCache | None
) -> tuple[DnsZone | None, dict[str, Any]]:
    """The zone and certificate of ``platform:dns`` and external-dns writing the ingress hosts there (its
    image through ``cache``)."""
    spec, env = base.settings.config.dns, base.env
    if spec is None:
        return None, {}
    zone = DnsZone(
        f"{env}-dns",
        DnsZoneArgs(
            spec=spec, environment=env, partition=base.context.partition, protect=base.settings.protect
        ),
        base.on_aws,
    )
    if spec.external_dns.enabled:
        ExternalDns(
            f"{env}-external-dns",
            ExternalDnsArgs(
                spec=spec.external_dns,
                zone_name=spec.zone_name,
                zone_id=zone.zone_id,
                zone_arn=zone.zone_arn,
                environment=env,
                region=base.settings.region,
                oidc=cluster.oidc,
                k8s_provider=cluster.k8s_provider,
                cluster_ready=list(cluster.ready),
                image_cache=cache,
            ),
            base.on_aws,
        )
    outputs: dict[str, Any] = {"dns_zone_id": zone.zone_id, "certificate_arn": zone.certificate_arn}
    if zone.name_servers is not None:
        outputs["dns_name_servers"] = zone.name_servers  # delegate to these from the parent zone
    return zone, outputs
