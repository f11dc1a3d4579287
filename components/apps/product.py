"""The product's services as one component: gates, migrations, then services in ``after`` order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.apps import drain, gates, manifests, objects
from components.apps.app import App, AppArgs
from components.apps.migration import Migration, MigrationArgs
from components.apps.spec import AppSpec, DeliverySpec, Gate, rollout_waves


@dataclass(frozen=True)
class PlatformServices:
    """What the services rely on in the platform stack, as plain names (each owned by a platform
    component and exported as a platform stack output; see ``infra/contract.py``).

    Attributes:
        namespace: the product namespace (``ProductNamespace``).
        secret_store: the ``ClusterSecretStore`` (``PlatformAddons``).
        prometheus_url: the gates' Prometheus (``PlatformAddons``).
        ingress_class: the load balancer controller's IngressClass (``PlatformAddons``).
    """

    namespace: str
    secret_store: str
    prometheus_url: str
    ingress_class: str


@dataclass(frozen=True)
class ProductServicesArgs:
    """Inputs of :class:`ProductServices`.

    Attributes:
        services: ``settings.config.services`` (name → spec).
        delivery: ``settings.config.delivery``.
        environment: the environment name; secrets are read from ``platform/<environment>/<name>``.
        provider: the cluster's Kubernetes provider; every object uses it explicitly.
        platform: what the platform stack provides: the namespace (a plain name, because the gates'
            PromQL selects on it), the secret store, Prometheus and the IngressClass.
        redis_address: ``host:port`` of the Redis that queue workers scale on. Defaults to none (then no
            service may scale on a queue).
        shared_env: non-secret deploy-time values for every container, e.g. ``{"REDIS_HOST":
            redis.primary_endpoint, "DATABASE_HOST": postgres.proxy_endpoint}``. Defaults to none.
        web_acl_arn: the platform's WAF web ACL for internet-facing ingresses. Defaults to none.
        access_log_bucket: the platform's ALB access-log bucket. Defaults to none (no access logs).
        certificate_arn: the platform's ACM certificate for the ingress hosts (``platform:dns``).
            Defaults to none.
        data_stores: resources that must exist before migrations and services. The stores and add-ons
            live in the platform stack, deployed before this one, so the services project passes none.
            Defaults to nothing.
    """

    services: dict[str, AppSpec]
    delivery: DeliverySpec
    environment: str
    provider: k8s.Provider
    platform: PlatformServices
    redis_address: pulumi.Input[str] | None = None
    shared_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    web_acl_arn: pulumi.Input[str] | None = None
    access_log_bucket: pulumi.Input[str] | None = None
    certificate_arn: pulumi.Input[str] | None = None
    data_stores: Sequence[pulumi.Resource] = field(default_factory=tuple)


def gates_in_use(services: dict[str, AppSpec]) -> list[Gate]:
    """The gates any service's strategy runs, in a stable order."""
    used = {gate for spec in services.values() for gate in spec.strategy.gates}
    return [gate for gate in Gate if gate in used]


class ProductServices(pulumi.ComponentResource):
    """Every service of the product, in the order data stores → its migration → the service (in waves of
    ``after``; e.g. gateway and web, then mcp). ``workloads`` maps service name to its workload name."""

    workloads: dict[str, str]

    def __init__(
        self, name: str, args: ProductServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:apps:ProductServices", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        queued = [n for n, s in args.services.items() if s.autoscaling and s.autoscaling.queue]
        if queued and args.redis_address is None:
            raise ValueError(f"services {', '.join(queued)} scale on a Redis queue: pass redis_address")
        platform = args.platform
        target = manifests.Target(
            environment=args.environment,
            namespace=platform.namespace,
            delivery=args.delivery,
            secret_store=platform.secret_store,
            prometheus_url=platform.prometheus_url,
            ingress_class=platform.ingress_class,
            redis_address=args.redis_address,
            shared_env=args.shared_env,
            web_acl_arn=args.web_acl_arn,
            access_log_bucket=args.access_log_bucket,
            certificate_arn=args.certificate_arn,
        )

        # A workload waits for the objects it needs, never for a whole component (the SDK expands a
        # component into all its children and checks every edge for cycles): the AnalysisTemplates of
        # its own gates, the migrations (the services share the database a migration changes) and the
        # workloads of the services named in ``after``. The service's other objects wait only for the
        # data stores, so a service adds a bounded number of edges, for its workload alone.
        templates = {
            gate: objects.create(
                f"{name}-analysistemplate-{gate.value}",
                gates.analysis_template(gate, args.delivery, platform.namespace, platform.prometheus_url),
                child,
            )
            for gate in gates_in_use(args.services)
        }
        # A draining worker's Rollout names its own drain template (components/apps/drain.py).
        drains = {
            service: objects.create(
                f"{name}-analysistemplate-{drain.template_name(service)}",
                drain.analysis_template(
                    service,
                    queue.drain,
                    queue.list_name,
                    queue.metric,
                    queue.in_flight_metric,
                    platform.namespace,
                    platform.prometheus_url,
                ),
                child,
            )
            for service, spec in args.services.items()
            if spec.autoscaling and (queue := spec.autoscaling.queue) is not None and queue.drain is not None
        }
        # The migrations run one at a time, in the services' order (they change one database's schema),
        # so a workload waits for the last one alone and still starts after all of them.
        last_migration: list[pulumi.Resource] = []
        for service, spec in args.services.items():
            if spec.migration is not None:
                migration = Migration(
                    f"{name}-{service}-migration",
                    MigrationArgs(service, spec, target, args.provider, args.data_stores, last_migration),
                    pulumi.ResourceOptions(parent=self),
                )
                last_migration = [migration.job]
        apps: dict[str, App] = {}
        for wave in rollout_waves(args.services):
            for service in wave:
                spec = args.services[service]
                depends_on: list[pulumi.Resource] = [
                    *(templates[gate] for gate in dict.fromkeys(spec.strategy.gates)),
                    *([drains[service]] if service in drains else []),
                    *last_migration,
                    *(apps[a].workload for a in spec.after),
                ]
                apps[service] = App(
                    f"{name}-{service}",
                    AppArgs(service, spec, target, args.provider, depends_on, stores=args.data_stores),
                    pulumi.ResourceOptions(parent=self),
                )
        self.workloads = {service: app.workload_name for service, app in apps.items()}
        self.register_outputs({"workloads": self.workloads})
