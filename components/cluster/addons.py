"""The platform add-ons, installed from their Helm charts at pinned versions, with their IRSA roles.

Node autoscaling uses the Cluster Autoscaler rather than Karpenter, deliberately:

* it resizes the *managed node groups* the stack files declare, within their ``minSize``/``maxSize``, so
  every node still comes from the hardened launch template (IMDSv2 hop limit 1, root volume encrypted with
  the cluster key, the workload security group the data tier admits). Karpenter launches instances from
  its own ``EC2NodeClass`` and would need that hardening, the subnets and the security groups declared a
  second time, outside the node groups the tier guardrails check;
* it needs one IRSA role and no other infrastructure; Karpenter needs an SQS interruption queue,
  EventBridge rules, an instance profile and access entries for the nodes it creates;
* the workloads here are a handful of services and workers whose instance types are known; Karpenter's
  strength (bin-packing across many instance types, fast provisioning) matters less than one audited way
  to create nodes. Switching later means replacing this release and the node groups' ownership of capacity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.cluster import chart_images, charts, policies
from components.cluster.addon_network_policies import ADDON_FLOWS, addon_policies
from components.cluster.charts import CHARTS, GRAFANA_ADMIN_SECRET, SLACK_WEBHOOK_SECRET, Addon
from components.cluster.irsa import Oidc, irsa_role
from components.cluster.log_bucket import LogBucket, LogBucketArgs
from components.cluster.spec import AddonsSpec, ChartSpec, LogStorage
from components.core import iam
from components.core.context import AwsContext
from components.registry.cache import PullThroughCache
from components.security.secrets import secret_name

_READY = {"pulumi.com/waitFor": "condition=Ready", "pulumi.com/timeoutSeconds": "300"}


@dataclass(frozen=True)
class PlatformAddonsArgs:
    """Inputs of :class:`PlatformAddons`.

    Attributes:
        spec: toggles and chart versions.
        context: account, partition and region.
        environment: the stack name (secret names ``platform/<env>/...``).
        cluster_name: the EKS cluster.
        vpc_id: the VPC (the load balancer controller does not guess it).
        oidc: the cluster's OIDC provider, for the IRSA roles.
        k8s_provider: the cluster's Kubernetes provider; every Kubernetes object uses it.
        secrets_key_arn: the secrets key External Secrets may decrypt with.
        cluster_ready: what must exist before anything runs on the cluster (nodes, core add-ons).
        app_cidrs: the app subnets, for the add-on namespaces' NetworkPolicies (the control plane's
            webhook calls, Prometheus's scrape targets). Defaults to none: no NetworkPolicies.
        data_cidrs: the data subnets (KEDA's Redis scaler). Defaults to none.
        data_key_arn: the data key Loki's bucket is encrypted with (``loki.storage: s3``). Defaults to
            none (then Loki may only use the filesystem).
        protect: protect stateful resources (Loki's bucket). Defaults to false.
        workload_secrets: namespace → the secrets (short names) its workloads declare they read; External
            Secrets may read these and the add-ons' own (``REQUIRED_SECRETS``), for these namespaces and
            the add-ons' only. Defaults to none.
        image_cache: the registry's pull-through cache; the charts that allow it pull their image through
            it (``chart_images.CHART_IMAGES``), after its rules exist. Defaults to none (upstream registries).
    """

    spec: AddonsSpec
    context: AwsContext
    environment: str
    cluster_name: str
    vpc_id: pulumi.Input[str]
    oidc: Oidc
    k8s_provider: k8s.Provider
    secrets_key_arn: pulumi.Input[str]
    cluster_ready: list[pulumi.Resource]
    app_cidrs: tuple[str, ...] = ()
    data_cidrs: tuple[str, ...] = ()
    data_key_arn: pulumi.Input[str] | None = None
    protect: bool = False
    workload_secrets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    image_cache: PullThroughCache | None = None


class PlatformAddons(pulumi.ComponentResource):
    """The Helm-installed add-ons the stack enables, each pinned to its chart version.

    With External Secrets on, the ``aws-secrets-manager`` ClusterSecretStore reads this environment's
    secrets. With kube-prometheus-stack on, Alertmanager's Slack webhook and Grafana's admin password come
    from Secrets Manager through ExternalSecrets, never through values.
    """

    releases: dict[Addon, k8s.helm.v3.Release]
    secret_store_name: str | None
    """The ``ClusterSecretStore`` services read secrets through; ``None`` without External Secrets."""
    prometheus_url: str | None
    """Where the services' gates query Prometheus; ``None`` without kube-prometheus-stack."""
    ingress_class: str | None
    """The IngressClass of the load balancer controller; ``None`` without it."""

    def __init__(
        self, name: str, args: PlatformAddonsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:cluster:PlatformAddons", name, None, opts)
        self._name, self._args = name, args
        spec, ctx = args.spec, args.context
        enabled = {addon: spec.by_key(addon.value) for addon in Addon}
        enabled = {addon: chart for addon, chart in enabled.items() if chart.enabled}
        self._namespaces = self._create_namespaces(enabled)
        self.releases = {}

        if Addon.LOAD_BALANCER_CONTROLLER in enabled:
            role = self._irsa(
                Addon.LOAD_BALANCER_CONTROLLER,
                ctx.partition.apply(lambda p: iam.dumps(policies.load_balancer_controller_policy(p))),
            )
            self._release(
                Addon.LOAD_BALANCER_CONTROLLER,
                enabled,
                charts.load_balancer_controller_values(args.cluster_name, ctx.region, args.vpc_id, role.arn),
            )
        if Addon.METRICS_SERVER in enabled:
            self._release(Addon.METRICS_SERVER, enabled, charts.metrics_server_values())
        if Addon.ARGO_ROLLOUTS in enabled:
            self._release(Addon.ARGO_ROLLOUTS, enabled, charts.argo_rollouts_values())
        if Addon.KEDA in enabled:
            self._release(Addon.KEDA, enabled, charts.keda_values())
        if Addon.CLUSTER_AUTOSCALER in enabled:
            role = self._irsa(
                Addon.CLUSTER_AUTOSCALER, iam.dumps(policies.cluster_autoscaler_policy(args.cluster_name))
            )
            self._release(
                Addon.CLUSTER_AUTOSCALER,
                enabled,
                charts.cluster_autoscaler_values(
                    spec.cluster_autoscaler, args.cluster_name, ctx.region, role.arn
                ),
            )

        store: list[pulumi.Resource] = []
        if Addon.EXTERNAL_SECRETS in enabled:
            store = [self._secret_store(enabled)]
        if Addon.KUBE_PROMETHEUS_STACK in enabled:
            synced = self._monitoring_secrets(store)
            self._release(
                Addon.KUBE_PROMETHEUS_STACK,
                enabled,
                charts.prometheus_values(spec.kube_prometheus_stack, args.environment, Addon.LOKI in enabled),
                depends_on=synced,
            )
        if Addon.LOKI in enabled:
            self._release(Addon.LOKI, enabled, charts.loki_values(spec.loki, self._log_bucket()))
        if Addon.ALLOY in enabled:
            self._release(Addon.ALLOY, enabled, charts.alloy_values(), depends_on=[self.releases[Addon.LOKI]])

        self.secret_store_name = charts.CLUSTER_SECRET_STORE if Addon.EXTERNAL_SECRETS in enabled else None
        self.prometheus_url = charts.PROMETHEUS_URL if Addon.KUBE_PROMETHEUS_STACK in enabled else None
        self.ingress_class = charts.INGRESS_CLASS if Addon.LOAD_BALANCER_CONTROLLER in enabled else None
        self.register_outputs(
            {
                "releases": {addon.value: r.name for addon, r in self.releases.items()},
                "secret_store_name": self.secret_store_name,
                "prometheus_url": self.prometheus_url,
                "ingress_class": self.ingress_class,
            }
        )

    def _k8s(self, depends_on: list[pulumi.Resource] | None = None) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(
            parent=self, provider=self._args.k8s_provider, depends_on=depends_on or []
        )

    def _create_namespaces(self, enabled: dict[Addon, ChartSpec]) -> dict[str, k8s.core.v1.Namespace]:
        wanted = sorted({CHARTS[a].namespace for a in enabled} - {"kube-system"})
        created = {
            namespace: k8s.core.v1.Namespace(
                f"{self._name}-{namespace}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace),
                opts=self._k8s(self._args.cluster_ready),
            )
            for namespace in wanted
        }
        app_cidrs = self._args.app_cidrs
        for namespace, resource in created.items():
            if not app_cidrs or namespace not in ADDON_FLOWS:
                continue
            specs = addon_policies(namespace, app_cidrs, self._args.data_cidrs, ADDON_FLOWS[namespace])
            for policy, spec in specs.items():
                k8s.networking.v1.NetworkPolicy(
                    f"{self._name}-{namespace}-{policy}",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=policy, namespace=namespace),
                    spec=spec,
                    opts=self._k8s([resource]),
                )
        return created

    def _log_bucket(self) -> charts.LokiBucket | None:
        """Loki's bucket and role when it stores in S3, else None."""
        args = self._args
        if args.spec.loki.storage is not LogStorage.S3:
            return None
        if args.data_key_arn is None:
            raise ValueError("loki storage s3 needs data_key_arn (the bucket is encrypted with the data key)")
        bucket = LogBucket(
            f"{self._name}-logs",
            LogBucketArgs(args.context, args.environment, args.data_key_arn, args.oidc, args.protect),
            pulumi.ResourceOptions(parent=self),
        )
        return bucket.loki

    def _irsa(self, addon: Addon, policy: pulumi.Input[str]) -> aws.iam.Role:
        chart = CHARTS[addon]
        assert chart.service_account is not None
        return irsa_role(
            f"{self._name}-{chart.release}",
            self._args.oidc,
            chart.namespace,
            chart.service_account,
            self,
            inline_policy=policy,
        )

    def _release(
        self,
        addon: Addon,
        enabled: dict[Addon, ChartSpec],
        values: dict[str, Any],
        depends_on: list[pulumi.Resource] | None = None,
    ) -> k8s.helm.v3.Release:
        chart = CHARTS[addon]
        namespace = self._namespaces.get(chart.namespace)
        needs = [*self._args.cluster_ready, *([namespace] if namespace else []), *(depends_on or [])]
        cache = self._args.image_cache
        version = enabled[addon].chart_version
        if cache is not None:
            if (why := chart_images.unchecked(chart.chart, version)) is not None:
                pulumi.log.warn(why, self)
            cached = chart_images.with_cache(
                chart.chart, version, values, cache.registry_host, cache.upstreams
            )
            if cached is not values:
                values, needs = cached, [*needs, cache]
        release = k8s.helm.v3.Release(
            f"{self._name}-{chart.release}",
            name=chart.release,
            chart=chart.chart,
            version=version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repository),
            namespace=chart.namespace,
            create_namespace=False,
            values=values,
            atomic=True,
            cleanup_on_fail=True,
            max_history=10,
            timeout=900,
            opts=self._k8s(needs),
        )
        self.releases[addon] = release
        return release

    def _secret_store(self, enabled: dict[Addon, ChartSpec]) -> k8s.apiextensions.CustomResource:
        args, ctx = self._args, self._args.context
        readers = secret_readers(enabled, args.workload_secrets)
        names = sorted({name for secrets in readers.values() for name in secrets})
        policy = pulumi.Output.all(ctx.partition, ctx.account_id, args.secrets_key_arn).apply(
            lambda v: iam.dumps(
                policies.external_secrets_policy(v[0], ctx.region, v[1], args.environment, v[2], names)
            )
        )
        role = self._irsa(Addon.EXTERNAL_SECRETS, policy)
        operator = self._release(Addon.EXTERNAL_SECRETS, enabled, charts.external_secrets_values(role.arn))
        return k8s.apiextensions.CustomResource(
            f"{self._name}-{charts.CLUSTER_SECRET_STORE}",
            api_version="external-secrets.io/v1",
            kind="ClusterSecretStore",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=charts.CLUSTER_SECRET_STORE, annotations=_READY),
            spec=charts.cluster_secret_store_spec(ctx.region, sorted(readers)),
            opts=self._k8s([operator]),
        )

    def _monitoring_secrets(self, store: list[pulumi.Resource]) -> list[pulumi.Resource]:
        env = self._args.environment
        namespace = self._namespaces[charts.MONITORING]
        slack = charts.external_secret_spec(
            charts.SLACK_SECRET,
            [
                {
                    "secretKey": charts.SLACK_SECRET_KEY,
                    "remoteRef": {"key": secret_name(env, SLACK_WEBHOOK_SECRET)},
                }
            ],
        )
        grafana = charts.external_secret_spec(
            charts.GRAFANA_SECRET,
            [{"secretKey": "password", "remoteRef": {"key": secret_name(env, GRAFANA_ADMIN_SECRET)}}],
            template={"admin-user": "admin", "admin-password": "{{ .password }}"},
        )
        # The Slack webhook is set by an operator after the first deployment, so its ExternalSecret is not
        # waited for (Alertmanager starts once it syncs); Grafana's password is generated and exists at once.
        return [
            k8s.apiextensions.CustomResource(
                f"{self._name}-{target}",
                api_version="external-secrets.io/v1",
                kind="ExternalSecret",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=target, namespace=charts.MONITORING, annotations=_READY if wait else None
                ),
                spec=spec,
                opts=self._k8s([*store, namespace]),
            )
            for target, spec, wait in (
                (charts.SLACK_SECRET, slack, False),
                (charts.GRAFANA_SECRET, grafana, True),
            )
        ]


def secret_readers(
    enabled: Mapping[Addon, ChartSpec], workload_secrets: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Namespace → the secrets read there through the cluster store: the enabled add-ons' own
    (``REQUIRED_SECRETS``, in their namespace) and the workloads' declared ones."""
    readers: dict[str, set[str]] = {}
    for addon, names in charts.REQUIRED_SECRETS.items():
        if addon in enabled:
            readers.setdefault(CHARTS[addon].namespace, set()).update(names)
    for namespace, declared in workload_secrets.items():
        if declared:
            readers.setdefault(namespace, set()).update(declared)
    return {namespace: sorted(found) for namespace, found in sorted(readers.items())}
