"""Images: the environment's registry (ECR), its pull-through cache, the image-signing key and admission
of signed images (Kyverno). Why a registry per environment: docs/IMAGES.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.cluster.charts import Addon
from components.cluster.image_admission import ImageAdmission, ImageAdmissionArgs
from components.cluster.namespaces import PRODUCT_NAMESPACE
from components.registry.cache import PullThroughCache, PullThroughCacheArgs
from components.registry.policies import (
    SERVICE_PREFIX,
    PromotionSource,
    owned_registries,
    registry_host,
    service_repositories,
)
from components.registry.registry import ImageRegistry, ImageRegistryArgs
from components.registry.signing import SigningKey, SigningKeyArgs
from infra.layers.foundation import Foundation
from infra.layers.identity import Identities
from infra.layers.platform import Platform
from settings.config import ServicesSettings


def cache(base: Foundation) -> PullThroughCache | None:
    """The pull-through cache, before the cluster (its add-ons pull through it); none without a registry."""
    spec = base.settings.config.registry
    if spec is None:
        return None
    host = registry_host(base.settings.account_id, base.settings.region)
    return PullThroughCache(
        f"{base.env}-image-cache", PullThroughCacheArgs(tuple(spec.pull_through_cache), host), base.on_aws
    )


@dataclass(frozen=True)
class Images:
    registry: ImageRegistry | None = None
    admission: ImageAdmission | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


def images_of(services: ServicesSettings | None) -> list[str]:
    """Every image the services stack file names (``image`` and ``rollbackTo``)."""
    if services is None:
        return []
    return [
        image
        for spec in services.config.apps.values()
        for image in (spec.image, spec.rollback_to)
        if image is not None
    ]


def build(
    base: Foundation,
    cluster: Platform | None,
    identities: Identities,
    services: ServicesSettings | None,
    cache: PullThroughCache | None = None,
    replica_key_arn: pulumi.Input[str] | None = None,
    promotion_source: PromotionSource | None = None,
) -> Images:
    """The signing key, admission (with the cluster) and the service repositories, each pullable only by
    the nodes, the workloads and admission (and by the next environment's push role, promoting from here);
    the push role promotes from ``promotion_source``."""
    settings, env, ctx = base.settings, base.env, base.context
    spec = settings.config.registry
    if spec is None:
        return Images()
    host = registry_host(settings.account_id, settings.region)
    key = SigningKey(
        f"{env}-image-signing",
        SigningKeyArgs(
            spec=spec.signing_key,
            context=ctx,
            environment=env,
            deletion_window_days=settings.config.keys.deletion_window_days,
            protect=settings.protect,
            promotion_role_arns=tuple(spec.promotion_role_arns),
        ),
        base.on_aws,
    )
    admission = None
    pullers: list[pulumi.Input[str]] = []
    if cluster is not None:
        pullers.append(cluster.cluster.node_role_arn)
        if spec.admission is not None:
            prometheus = cluster.addons.releases.get(Addon.KUBE_PROMETHEUS_STACK)
            admission = ImageAdmission(
                f"{env}-image-admission",
                ImageAdmissionArgs(
                    spec=spec.admission,
                    environment=env,
                    namespace=PRODUCT_NAMESPACE,
                    signed_repositories=[
                        f"{registry}/{SERVICE_PREFIX}"
                        for registry in owned_registries(settings.account_id, settings.region, spec)
                    ],
                    allowed_registries=spec.allowed_registries,
                    repository_arn_pattern=pulumi.Output.concat(
                        "arn:",
                        ctx.partition,
                        ":ecr:",
                        ctx.region,
                        ":",
                        ctx.account_id,
                        ":repository/",
                        SERVICE_PREFIX,
                        "/*",
                    ),
                    public_key_pem=key.public_key_pem,
                    oidc=cluster.cluster.oidc,
                    k8s_provider=cluster.cluster.k8s_provider,
                    cluster_ready=cluster.cluster.ready,
                    alert_after=(prometheus,) if prometheus is not None else (),
                    image_cache=cache,
                ),
                base.on_aws,
            )
            pullers.append(admission.role_arn)
    pullers += [role.role_arn for _, role in sorted(identities.roles.items())]
    pullers += spec.promotion_role_arns  # the next environment's push role copies by digest from here
    registry = ImageRegistry(
        f"{env}-images",
        ImageRegistryArgs(
            spec=spec,
            context=ctx,
            environment=env,
            repositories=service_repositories(images_of(services), host),
            data_key_arn=base.keys.data,
            signing_key_arn=key.key_arn,
            pull_role_arns=pullers,
            replica_key_arn=replica_key_arn,
            protect=settings.protect,
            promotion_source=promotion_source,
        ),
        base.on_aws,
    )
    return Images(
        registry=registry,
        admission=admission,
        outputs={
            "image_registry": host,
            "image_repository_urls": registry.repository_urls,
            "image_push_role_arn": registry.push_role_arn,
            "image_signing_key_arn": key.key_arn,
            # what admission embeds; `cosign verify --key <this file>` checks an image by hand
            "image_signing_public_key": key.public_key_pem,
        },
    )
