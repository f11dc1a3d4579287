"""Delivery: the product's services on the cluster, after their data stores and migrations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.apps.product import ProductServices, ProductServicesArgs
from infra.layers.data import DataTier
from infra.layers.foundation import Foundation
from infra.layers.platform import Platform

PRODUCT_NAMESPACE = "product"


@dataclass(frozen=True)
class Delivery:
    services: ProductServices
    outputs: dict[str, Any] = field(default_factory=dict)


def shared_env(data: DataTier) -> dict[str, pulumi.Input[str]]:
    """Where the data stores are, for every container: endpoints and names only, never a credential.

    Credentials reach pods through ExternalSecrets (see ``components.apps``).
    """
    env: dict[str, pulumi.Input[str]] = {}
    if data.postgres is not None:
        writer = (
            data.postgres.proxy_endpoint
            if data.postgres.proxy_endpoint is not None
            else data.postgres.endpoint
        )
        env["DATABASE_HOST"] = writer
        env["DATABASE_PORT"] = str(data.postgres.port)
        env["DATABASE_READER_HOSTS"] = data.postgres.reader_endpoints.apply(",".join)
    if data.redis is not None:
        env["REDIS_HOST"] = data.redis.primary_endpoint
        env["REDIS_PORT"] = str(data.redis.port)
        env["REDIS_TLS"] = "true"  # in-transit encryption is required on the replication group
    if data.buckets is not None:
        for bucket, bucket_name in data.buckets.names.items():
            env[f"S3_BUCKET_{bucket.upper().replace('-', '_')}"] = bucket_name
    if data.atlas is not None and data.atlas.connection_strings:
        strings = data.atlas.connection_strings
        uri = strings.get("default") or next(iter(strings.values()))
        env["MONGODB_URI"] = uri.apply(lambda value: value or "")  # SRV address, no credentials
    return env


def build(base: Foundation, data: DataTier, platform: Platform | None) -> Delivery | None:
    """The services of ``platform:services``, or ``None`` when the stack declares none.

    Order: data stores and the cluster's add-ons → migrations → services in waves of ``after``.
    """
    settings = base.settings
    if not settings.config.services:
        return None
    if platform is None:  # guarded at load time; kept as a plain error for callers that skip the guardrails
        raise ValueError("platform:services needs platform:cluster")
    redis_address = None
    if data.redis is not None:
        redis_address = pulumi.Output.concat(data.redis.primary_endpoint, f":{data.redis.port}")
    services = ProductServices(
        f"{base.env}-services",
        ProductServicesArgs(
            services=settings.config.services,
            delivery=settings.config.delivery,
            environment=base.env,
            provider=platform.cluster.k8s_provider,
            namespace=PRODUCT_NAMESPACE,
            redis_address=redis_address,
            shared_env=shared_env(data),
            data_stores=[*data.stores(), platform.namespace, platform.addons],
        ),
    )
    return Delivery(services=services, outputs={"service_workloads": services.workloads})
