"""external-dns on the cluster: the ingress hosts' records in the environment's zone, and nowhere else.

Chart ``external-dns`` of kubernetes-sigs/external-dns (https://kubernetes-sigs.github.io/external-dns/),
pinned by ``platform:dns.externalDns.chartVersion``; the values below use the keys of that chart's
``values.yaml`` at 1.21.1 (``provider.name``, ``sources``, ``policy``, ``registry``, ``txtOwnerId``,
``domainFilters``, ``extraArgs``, ``serviceAccount``). Its IRSA role may change record sets only in the
environment's zone (the AWS tutorial of external-dns grants ``hostedzone/*``); listing zones is the only
account-wide action, because Route53's ``ListHostedZones`` has no resource-level permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import chart_images
from components.cluster.charts import IRSA_ANNOTATION
from components.cluster.irsa import Oidc, irsa_role
from components.core import iam
from components.core.iam import document
from components.core.naming import physical_name
from components.network.dns import ExternalDnsSpec
from components.registry.cache import PullThroughCache

CHART = "external-dns"
REPOSITORY = "https://kubernetes-sigs.github.io/external-dns/"
NAMESPACE = "external-dns"
SERVICE_ACCOUNT = "external-dns"


def external_dns_policy(zone_arn: str) -> dict[str, Any]:
    """Record changes in ``zone_arn`` only; listing zones (no resource-level permission) anywhere."""
    return document(
        {
            "Sid": "RecordsOfThisEnvironmentsZone",
            "Effect": "Allow",
            "Action": [
                "route53:ChangeResourceRecordSets",
                "route53:ListResourceRecordSets",
                "route53:ListTagsForResources",
            ],
            "Resource": [zone_arn],
        },
        {
            "Sid": "FindTheZone",
            "Effect": "Allow",
            "Action": ["route53:ListHostedZones"],
            "Resource": ["*"],
        },
    )


def external_dns_values(
    spec: ExternalDnsSpec, zone_name: str, zone_id: Any, environment: str, region: str, role_arn: Any
) -> dict[str, Any]:
    """The chart's values: ingresses only, this zone only (by name and id), owned by this environment."""
    return {
        "provider": {"name": "aws"},
        "env": [{"name": "AWS_DEFAULT_REGION", "value": region}],
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {IRSA_ANNOTATION: role_arn},
        },
        "sources": ["ingress"],
        "policy": spec.policy,
        "registry": "txt",
        # Records carry a TXT owner: this environment never edits another's records, even in a shared zone.
        "txtOwnerId": physical_name(environment),
        "domainFilters": [zone_name],
        "extraArgs": [pulumi.Output.concat("--zone-id-filter=", zone_id), "--aws-zone-type=public"],
        "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
    }


@dataclass(frozen=True)
class ExternalDnsArgs:
    """Inputs of :class:`ExternalDns`.

    Attributes:
        spec: chart version and policy.
        zone_name: the zone's name (the domain filter).
        zone_id: the zone's id (the zone filter).
        zone_arn: the zone's ARN (the role's only resource for record changes).
        environment: the stack name (the TXT owner id).
        region: the AWS region.
        oidc: the cluster's OIDC provider (IRSA).
        k8s_provider: the cluster's Kubernetes provider.
        cluster_ready: what must exist before anything runs on the cluster.
        image_cache: the registry's pull-through cache; the image is pulled through it (from registry.k8s.io,
            ``chart_images.CHART_IMAGES``) after its rules exist. Defaults to none (the upstream registry).
    """

    spec: ExternalDnsSpec
    zone_name: str
    zone_id: pulumi.Input[str]
    zone_arn: pulumi.Input[str]
    environment: str
    region: str
    oidc: Oidc
    k8s_provider: k8s.Provider
    cluster_ready: list[pulumi.Resource]
    image_cache: PullThroughCache | None = None


class ExternalDns(pulumi.ComponentResource):
    """external-dns in its own namespace with a role limited to the environment's zone."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ExternalDnsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:cluster:ExternalDns", name, None, opts)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=NAMESPACE),
            opts=pulumi.ResourceOptions.merge(
                on_cluster, pulumi.ResourceOptions(depends_on=args.cluster_ready)
            ),
        )
        role = irsa_role(
            f"{name}-role",
            args.oidc,
            NAMESPACE,
            SERVICE_ACCOUNT,
            self,
            inline_policy=pulumi.Output.from_input(args.zone_arn).apply(
                lambda arn: iam.dumps(external_dns_policy(arn))
            ),
        )
        values = external_dns_values(
            args.spec, args.zone_name, args.zone_id, args.environment, args.region, role.arn
        )
        needs: list[pulumi.Resource] = [*args.cluster_ready, namespace]
        version, cache = args.spec.chart_version, args.image_cache
        if cache is not None:
            if (why := chart_images.unchecked(CHART, version)) is not None:
                pulumi.log.warn(why, self)
            cached = chart_images.with_cache(CHART, version, values, cache.registry_host, cache.upstreams)
            if cached is not values:
                values, needs = cached, [*needs, cache]
        k8s.helm.v3.Release(
            f"{name}-release",
            name=CHART,
            chart=CHART,
            version=version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=REPOSITORY),
            namespace=NAMESPACE,
            create_namespace=False,
            values=values,
            atomic=True,
            cleanup_on_fail=True,
            max_history=10,
            timeout=600,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=needs)),
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
