"""Delivery, the services project: the product's services on the cluster of the platform stack.

Everything here reads the platform through :class:`infra.contract.PlatformStack` (a ``StackReference``):
the cluster to talk to, where the stores are. The stores, add-ons and namespace were deployed by the
platform stack before this one runs, so nothing here waits on them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.apps.feature_flags import FeatureFlags, FeatureFlagsArgs, FlagStoreIds
from components.apps.flag_store import reader_env
from components.apps.identity import workload_identities
from components.apps.product import PlatformServices, ProductServices, ProductServicesArgs
from components.apps.spec import AppSpec, Scheme
from components.cluster.kubeconfig import kubeconfig
from components.core.tags import common_tags
from infra.contract import PlatformOutput, PlatformStack, platform_services
from settings.config import ServicesSettings


@dataclass(frozen=True)
class Delivery:
    services: ProductServices | None
    platform: PlatformStack
    outputs: dict[str, Any] = field(default_factory=dict)


def shared_env(settings: ServicesSettings, platform: PlatformStack) -> dict[str, pulumi.Input[str]]:
    """Where the data stores are, for every container: endpoints and names only, never a credential.

    Which stores exist is read from the platform stack's settings (so the program knows at plan time);
    their addresses from its outputs. Credentials reach pods through ExternalSecrets.
    """
    stores = settings.platform.config
    env: dict[str, pulumi.Input[str]] = {}
    if settings.config.flags:
        env.update(reader_env(settings.environment))
    if stores.postgres is not None:
        proxied = stores.postgres.proxy.enabled
        writer = PlatformOutput.POSTGRES_PROXY_ENDPOINT if proxied else PlatformOutput.POSTGRES_ENDPOINT
        env["DATABASE_HOST"] = platform.output(writer)
        env["DATABASE_PORT"] = platform.output(PlatformOutput.POSTGRES_PORT).apply(str)
        env["DATABASE_READER_HOSTS"] = platform.output(PlatformOutput.POSTGRES_READER_ENDPOINTS).apply(
            ",".join
        )
    if stores.redis is not None:
        env["REDIS_HOST"] = platform.output(PlatformOutput.REDIS_PRIMARY_ENDPOINT)
        env["REDIS_PORT"] = platform.output(PlatformOutput.REDIS_PORT).apply(str)
        env["REDIS_TLS"] = "true"  # in-transit encryption is required on the replication group
    if stores.buckets is not None:
        names = platform.output(PlatformOutput.BUCKET_NAMES)
        for bucket in stores.buckets.buckets:
            variable = f"S3_BUCKET_{bucket.name.upper().replace('-', '_')}"
            env[variable] = names.apply(functools.partial(_bucket, bucket.name))
    if stores.atlas is not None:
        strings = platform.output(PlatformOutput.ATLAS_CONNECTION_STRINGS)
        # SRV address, no credentials: the default database's cluster, or the first one.
        if settings.review_namespace is not None:  # a review environment: its own slot's database
            env["MONGODB_URI"] = strings.apply(functools.partial(_own_database, settings.environment))
        else:
            env["MONGODB_URI"] = strings.apply(
                lambda found: (
                    (found.get("default") or next(iter(found.values()), None) or "") if found else ""
                )
            )
    return env


def _bucket(name: str, names: dict[str, str]) -> str:
    return names[name]


def _own_database(environment: str, found: dict[str, str] | None) -> str:
    """A review environment's connection string: the dev environment of its name (its Atlas slot)."""
    if not found or environment not in found:
        raise pulumi.RunError(
            f"the platform stack has no Atlas environment {environment!r}: `python -m tools env add"
            f" {environment}` records its slot, and the platform stack's deploy creates it"
        )
    return found[environment]


def smoke_targets(apps: Mapping[str, AppSpec]) -> dict[str, dict[str, str]]:
    """What the deploy's smoke checks reach (``.github/scripts/smoke_check.py --targets``): each exposed
    service's ``https://<host><path>`` (``/healthz`` and ``/readyz`` under it) and each WebSocket URL."""
    urls, websockets = {}, {}
    for name, spec in sorted(apps.items()):
        if spec.ingress is None or spec.ingress.scheme != Scheme.INTERNET_FACING:
            continue
        urls[name] = f"https://{spec.ingress.host}{spec.ingress.path.rstrip('/')}"
        if spec.ingress.websocket_path:
            websockets[name] = f"wss://{spec.ingress.host}{spec.ingress.websocket_path}"
    return {"https": urls, "websockets": websockets}


def feature_flags(settings: ServicesSettings, platform: PlatformStack) -> dict[str, pulumi.Output[str]]:
    """``services:flags`` deployed into the platform's AppConfig store (``components/apps/feature_flags.py``)
    through an AWS provider of the environment's account; the store's ids, for the release holds
    (``.github/scripts/queue_hold.py``), as an output."""
    region, account = settings.platform.region, settings.platform.account_id
    provider = aws.Provider(
        "aws",
        region=region,
        # As the platform's provider: credentials of another account are refused before any call.
        allowed_account_ids=[account],
        default_tags=aws.ProviderDefaultTagsArgs(
            tags=common_tags(
                settings.project, settings.environment, settings.platform.config.tags, settings.tier.value
            )
        ),
    )
    ids = {key: platform.output(key) for key in FLAG_STORE}
    store = FlagStoreIds(*(ids[key] for key in FLAG_STORE))
    FeatureFlags(
        f"{settings.environment}-flags",
        FeatureFlagsArgs(settings.config.flags, settings.tier, settings.environment, store),
        pulumi.ResourceOptions(providers=[provider]),
    )
    return {
        "application_id": ids[PlatformOutput.FLAGS_APPLICATION_ID],
        "holds_environment_id": ids[PlatformOutput.FLAGS_HOLDS_ENVIRONMENT_ID],
        "holds_profile_id": ids[PlatformOutput.FLAGS_HOLDS_PROFILE_ID],
    }


FLAG_STORE = (
    PlatformOutput.FLAGS_APPLICATION_ID,
    PlatformOutput.FLAGS_ENVIRONMENT_ID,
    PlatformOutput.FLAGS_HOLDS_ENVIRONMENT_ID,
    PlatformOutput.FLAGS_PROFILE_ID,
    PlatformOutput.FLAGS_HOLDS_PROFILE_ID,
    PlatformOutput.FLAGS_STRATEGY_ID,
)
"""The platform outputs naming the flag store, in :class:`FlagStoreIds`' order."""


def kubernetes_provider(settings: ServicesSettings, platform: PlatformStack) -> k8s.Provider:
    """The cluster's API through the platform's outputs, authenticated as whoever runs ``pulumi``
    (``aws eks get-token``): the services deploy identity in CI, which may edit only the product namespace."""
    document = kubeconfig(
        platform.output(PlatformOutput.CLUSTER_NAME),
        platform.output(PlatformOutput.CLUSTER_ENDPOINT),
        platform.output(PlatformOutput.CLUSTER_CERTIFICATE_AUTHORITY),
        settings.platform.region,
    )
    return k8s.Provider(
        "k8s",
        kubeconfig=pulumi.Output.secret(pulumi.Output.json_dumps(document)),  # type: ignore[arg-type]
        enable_server_side_apply=True,
        delete_unreachable=False,
    )


def _platform_services(settings: ServicesSettings) -> PlatformServices:
    """The platform's names; a review environment runs in its own namespace (the platform creates it)."""
    names = platform_services()
    if settings.review_namespace is None:
        return names
    return dataclasses.replace(names, namespace=settings.review_namespace)


def _edge(settings: ServicesSettings, platform: PlatformStack) -> dict[str, Any]:
    """The platform's WAF web ACL and ALB access-log bucket for the public ingresses, where it has them."""
    cluster = settings.platform.config.cluster
    if cluster is None or not cluster.addons.load_balancer_controller.enabled:
        return {}
    return {
        "web_acl_arn": platform.output(PlatformOutput.WAF_WEB_ACL_ARN),
        "access_log_bucket": platform.output(PlatformOutput.ALB_ACCESS_LOG_BUCKET),
    }


def build(settings: ServicesSettings) -> Delivery:
    """The services of ``services:apps`` (none is a valid, empty stack).

    Order inside: gates (AnalysisTemplates) → migrations → services in waves of ``after``.
    """
    platform = PlatformStack(settings.platform_stack)
    outputs: dict[str, Any] = {
        "platform_stack": settings.platform_stack,
        "smoke_targets": smoke_targets(settings.config.apps),
    }
    if settings.config.flags:
        outputs["flags"] = feature_flags(settings, platform)
    if not settings.config.apps:
        return Delivery(services=None, platform=platform, outputs=outputs)
    provider = kubernetes_provider(settings, platform)
    redis_address = None
    if settings.platform.config.redis is not None:
        redis_address = pulumi.Output.concat(
            platform.output(PlatformOutput.REDIS_PRIMARY_ENDPOINT),
            ":",
            platform.output(PlatformOutput.REDIS_PORT).apply(str),
        )
    services = ProductServices(
        f"{settings.environment}-services",
        ProductServicesArgs(
            services=settings.config.apps,
            delivery=settings.config.delivery,
            environment=settings.environment,
            provider=provider,
            platform=_platform_services(settings),
            redis_address=redis_address,
            shared_env=shared_env(settings, platform),
            **_edge(settings, platform),
            certificate_arn=(
                platform.output(PlatformOutput.CERTIFICATE_ARN)
                if settings.platform.config.dns is not None
                else None
            ),
        ),
    )
    outputs["service_workloads"] = services.workloads
    # Every ServiceAccount the services run as has its role in the platform stack (checked at deploy).
    outputs["workload_roles"] = platform.identities(
        [w.name for w in workload_identities(settings.config.apps)]
    )
    outputs["platform_names"] = platform.agreement()
    return Delivery(services=services, platform=platform, outputs=outputs)
