"""What a stack file can say about the EKS cluster and its platform add-ons (``platform:cluster``)."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.core.catalog.instances import architecture, ec2_problem
from components.core.catalog.kubernetes import SupportType
from components.core.catalog.services import eks_version_problem
from components.core.logs import RetentionDays
from components.core.model import Spec

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_EKS_ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")
_CHART_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_NODE_GROUP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_DURATION = re.compile(r"^\d+[hdw]$")


def _matches(pattern: re.Pattern[str], message: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


EksAddonVersion = Annotated[
    str, _matches(_EKS_ADDON_VERSION, "must be an EKS add-on version such as v1.20.4-eksbuild.2")
]
ChartVersion = Annotated[
    str,
    _matches(
        _CHART_VERSION, "must be an exact chart version such as 1.14.0 (no ranges: versions are pinned)"
    ),
]
RoleArn = Annotated[
    str, _matches(_ROLE_ARN, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/name")
]
Duration = Annotated[
    str, _matches(_DURATION, "must be a duration in hours, days or weeks, such as 48h or 30d")
]


NODE_AMI_TYPE = "AL2023_x86_64_STANDARD"
"""The AMI type of every managed node group (EKS ``amiType``); its instance types must be x86_64."""
NODE_ARCHITECTURE = "x86_64"


def covers_whole_internet(cidrs: tuple[str, ...] | list[str]) -> bool:
    """Whether the IPv4 networks together admit every address (``0.0.0.0/1`` + ``128.0.0.0/1`` does)."""
    networks = [ipaddress.IPv4Network(c, strict=False) for c in cidrs]
    return sum(n.num_addresses for n in ipaddress.collapse_addresses(networks)) == 2**32


class CapacityType(StrEnum):
    """How a managed node group buys its instances (EKS ``capacityType``)."""

    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


class TaintEffect(StrEnum):
    """The taint effects the EKS API accepts (it spells them differently from Kubernetes)."""

    NO_SCHEDULE = "NO_SCHEDULE"
    NO_EXECUTE = "NO_EXECUTE"
    PREFER_NO_SCHEDULE = "PREFER_NO_SCHEDULE"


class TaintSpec(Spec):
    """A taint every node of a group carries.

    Attributes:
        key: the taint key (required).
        value: the taint value. Defaults to empty.
        effect: ``NO_SCHEDULE``, ``NO_EXECUTE`` or ``PREFER_NO_SCHEDULE`` (required).
    """

    key: str
    value: str = ""
    effect: TaintEffect

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _LABEL_KEY.fullmatch(value):
            raise ValueError("must be a Kubernetes label-style key such as dedicated or example.com/gpu")
        return value


class NodeGroupSpec(Spec):
    """A managed node group in the private app subnets.

    Attributes:
        name: short name, lower-case, 2-32 characters; the group is ``<cluster>-<name>`` (required).
        instance_types: EC2 instance types, at least one (several help SPOT find capacity) (required).
        capacity_type: ``ON_DEMAND`` or ``SPOT``. Defaults to ``ON_DEMAND``.
        min_size: fewest nodes. Defaults to 1.
        desired_size: nodes at creation; the autoscaler moves it afterwards. Defaults to 2.
        max_size: most nodes. Defaults to 3.
        disk_size_gib: root volume size (gp3, encrypted with the cluster key). Defaults to 50.
        max_unavailable_percentage: share of nodes replaced at once in a rolling update. Defaults to 33.
        labels: Kubernetes labels of the nodes. Defaults to none.
        taints: taints of the nodes. Defaults to none.
    """

    name: str
    instance_types: tuple[str, ...] = Field(min_length=1)
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    min_size: int = Field(default=1, ge=0, le=100)
    desired_size: int = Field(default=2, ge=0, le=100)
    max_size: int = Field(default=3, ge=1, le=100)
    disk_size_gib: int = Field(default=50, ge=20, le=1000)
    max_unavailable_percentage: int = Field(default=33, ge=1, le=100)
    labels: dict[str, str] = Field(default_factory=dict)
    taints: tuple[TaintSpec, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NODE_GROUP_NAME.fullmatch(value):
            raise ValueError("must be 2-32 lower-case letters, digits and '-', starting with a letter")
        return value

    @field_validator("instance_types")
    @classmethod
    def _instance_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        problems = [p for p in (ec2_problem(t) for t in value) if p]
        if problems:
            raise ValueError("; ".join(problems))
        arm = [t for t in value if architecture(t) != NODE_ARCHITECTURE]
        if arm:
            raise ValueError(
                f"{', '.join(arm)} run(s) arm64, but node groups use the {NODE_AMI_TYPE} AMI; choose"
                " x86_64 types (e.g. m6i, m7i, t3)"
            )
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, label in value.items():
            if not _LABEL_KEY.fullmatch(key) or not _LABEL_VALUE.fullmatch(label):
                raise ValueError(f"label {key}={label!r} is not a valid Kubernetes label")
        return value

    @model_validator(mode="after")
    def _sizes(self) -> NodeGroupSpec:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"needs minSize <= desiredSize <= maxSize; got {self.min_size} <= {self.desired_size}"
                f" <= {self.max_size}"
            )
        return self


class EndpointSpec(Spec):
    """Who can reach the Kubernetes API server. The private endpoint is always on.

    Attributes:
        public_access: also expose a public endpoint. Defaults to off; prod may not turn it on.
        public_access_cidrs: the only networks the public endpoint admits; required when it is on
            (EKS would otherwise admit 0.0.0.0/0). Defaults to none.
    """

    public_access: bool = False
    public_access_cidrs: tuple[str, ...] = ()

    @field_validator("public_access_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            try:
                ipaddress.IPv4Network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"{cidr!r} is not an IPv4 network in CIDR form") from None
        return value

    @model_validator(mode="after")
    def _public_needs_cidrs(self) -> EndpointSpec:
        if self.public_access and not self.public_access_cidrs:
            raise ValueError("publicAccess needs publicAccessCidrs (without them EKS admits 0.0.0.0/0)")
        if not self.public_access and self.public_access_cidrs:
            raise ValueError("publicAccessCidrs is set but publicAccess is false")
        return self


class AccessSpec(Spec):
    """Who may use the cluster, through EKS access entries (authentication mode ``API``, no aws-auth).

    The identity that creates the cluster gets nothing implicit: every identity, the one running the
    first ``pulumi up`` included, needs its entry here (see ``docs/RUNBOOK.md``).

    Attributes:
        admin_role_arns: people's roles with ``AmazonEKSClusterAdminPolicy`` on the whole cluster (at
            least one, so the cluster never depends on a CI identity alone) (required).
        platform_deploy_role_arns: the platform project's deploy identities: cluster admin (they install
            Helm releases, CRDs and namespaces). Defaults to none.
        services_deploy_role_arns: the services project's deploy identities: ``AmazonEKSEditPolicy`` in
            ``deploy_namespaces`` plus a Role for the custom resources the services use (Rollouts,
            AnalysisTemplates, ExternalSecrets, KEDA objects, ServiceMonitors). Defaults to none.
        preview_role_arns: the preview identities of both projects: ``AmazonEKSViewPolicy`` on the cluster
            plus read access to those custom resources. Defaults to none.
        deploy_namespaces: namespaces the services deploy identities may edit, at least one (an empty
            list would mean the whole cluster). Defaults to ``product``.
    """

    admin_role_arns: tuple[RoleArn, ...] = Field(min_length=1)
    platform_deploy_role_arns: tuple[RoleArn, ...] = ()
    services_deploy_role_arns: tuple[RoleArn, ...] = ()
    preview_role_arns: tuple[RoleArn, ...] = ()
    deploy_namespaces: tuple[str, ...] = ("product",)

    @field_validator("deploy_namespaces")
    @classmethod
    def _namespaces(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError(
                "must name at least one namespace: an empty list would scope the deploy roles' edit access"
                " to the whole cluster"
            )
        bad = [n for n in value if not _DNS_LABEL.fullmatch(n)]
        if bad:
            raise ValueError(
                f"{', '.join(repr(n) for n in bad)}: a namespace is a DNS label (lower-case letters, digits"
                " and '-', 1-63 characters, starting and ending with a letter or digit)"
            )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> AccessSpec:
        seen: dict[str, str] = {}
        for field_name in (
            "admin_role_arns",
            "platform_deploy_role_arns",
            "services_deploy_role_arns",
            "preview_role_arns",
        ):
            for arn in getattr(self, field_name):
                key = to_camel(field_name)
                if arn in seen:
                    raise ValueError(
                        f"a role can have one access entry only; {arn} is listed in {seen[arn]} and {key}"
                    )
                seen[arn] = key
        return self


class CoreAddonsSpec(Spec):
    """Versions of the EKS-managed add-ons; each must be built for the cluster's Kubernetes version.

    Attributes:
        vpc_cni: ``vpc-cni`` (pod networking; NetworkPolicy enforcement is switched on).
        coredns: ``coredns``.
        kube_proxy: ``kube-proxy``.
        pod_identity_agent: ``eks-pod-identity-agent``.
        ebs_csi_driver: ``aws-ebs-csi-driver`` (with its own IRSA role).
    """

    vpc_cni: EksAddonVersion
    coredns: EksAddonVersion
    kube_proxy: EksAddonVersion
    pod_identity_agent: EksAddonVersion
    ebs_csi_driver: EksAddonVersion


class ChartSpec(Spec):
    """A Helm-installed add-on: on or off, and its exact chart version.

    Attributes:
        enabled: install it. Defaults to on.
        chart_version: the pinned chart version (required).
    """

    enabled: bool = True
    chart_version: ChartVersion


class PrometheusSpec(ChartSpec):
    """kube-prometheus-stack: Prometheus, Alertmanager (to Slack) and Grafana.

    Attributes:
        retention: how long Prometheus keeps samples. Defaults to ``2d`` (dev's minimal footprint).
        storage_gib: persistent volume for Prometheus; 0 keeps data on the pod only. Defaults to 0.
        prometheus_replicas: Defaults to 1.
        alertmanager_replicas: Defaults to 1.
    """

    retention: Duration = "2d"
    storage_gib: int = Field(default=0, ge=0, le=4000)
    prometheus_replicas: int = Field(default=1, ge=1, le=5)
    alertmanager_replicas: int = Field(default=1, ge=1, le=5)


class LogStorage(StrEnum):
    """Where Loki keeps chunks and index."""

    FILESYSTEM = "filesystem"  # the pod's persistent volume: lost with the volume, one zone
    S3 = "s3"  # a bucket of its own, encrypted with the data key, written through Loki's own IAM role


class LokiSpec(ChartSpec):
    """Loki (single binary) for logs.

    Attributes:
        retention: how long logs are kept. Defaults to ``168h`` (7 days).
        storage: ``filesystem`` (chunks and index on the volume) or ``s3`` (chunks and index in the
            environment's Loki bucket; the volume only holds the write-ahead log and caches). Prod
            requires ``s3``. Defaults to ``filesystem``.
        storage_gib: the persistent volume: chunks and index with ``filesystem``, the write-ahead log
            with ``s3``. Defaults to 10.
    """

    retention: Duration = "168h"
    storage: LogStorage = LogStorage.FILESYSTEM
    storage_gib: int = Field(default=10, ge=1, le=4000)


CLUSTER_AUTOSCALER_APP_VERSIONS: dict[str, str] = {
    "9.50.1": "1.33.0",
    "9.51.0": "1.33.0",
    "9.52.0": "1.34.1",
    "9.52.1": "1.34.1",
    "9.53.0": "1.34.2",
    "9.54.0": "1.35.0",
    "9.54.1": "1.35.0",
    "9.55.0": "1.35.0",
}
"""The autoscaler each cluster-autoscaler chart version runs (``appVersion`` of its ``Chart.yaml``,
kubernetes/autoscaler tags ``cluster-autoscaler-chart-<version>``). Upstream supports an autoscaler only
on the Kubernetes minor of the same number."""


class ClusterAutoscalerSpec(ChartSpec):
    """Cluster Autoscaler; its minor version must equal the cluster's Kubernetes minor.

    Attributes:
        image_tag: the autoscaler image tag (``v1.34.2``), set explicitly on the release. Defaults to the
            chart version's own (:data:`CLUSTER_AUTOSCALER_APP_VERSIONS`); required for a chart version
            not in that table.
    """

    image_tag: str | None = Field(default=None, pattern=r"^v1\.\d+\.\d+$")

    @property
    def autoscaler_version(self) -> str | None:
        """``1.34.2``: the image tag's version, else the chart's ``appVersion``; None if unknown."""
        if self.image_tag is not None:
            return self.image_tag.removeprefix("v")
        return CLUSTER_AUTOSCALER_APP_VERSIONS.get(self.chart_version)


class AddonsSpec(Spec):
    """The platform add-ons installed from their Helm charts, each with a toggle and a pinned version.

    Attributes:
        load_balancer_controller: AWS Load Balancer Controller (IngressClass ``alb``).
        metrics_server: metrics-server (HPA and ``kubectl top``).
        argo_rollouts: Argo Rollouts (blue/green and canary; installs its CRDs).
        external_secrets: External Secrets Operator and the ``aws-secrets-manager`` ClusterSecretStore.
        kube_prometheus_stack: Prometheus, Alertmanager, Grafana. Needs ``externalSecrets``.
        loki: Loki. Needs ``kubePrometheusStack`` (its Grafana shows the logs).
        alloy: Grafana Alloy, the log shipper into Loki. Needs ``loki``.
        keda: KEDA (queue-length autoscaling of workers).
        cluster_autoscaler: Cluster Autoscaler for the managed node groups.
    """

    load_balancer_controller: ChartSpec
    metrics_server: ChartSpec
    argo_rollouts: ChartSpec
    external_secrets: ChartSpec
    kube_prometheus_stack: PrometheusSpec
    loki: LokiSpec
    alloy: ChartSpec
    keda: ChartSpec
    cluster_autoscaler: ClusterAutoscalerSpec

    def by_key(self, key: str) -> ChartSpec:
        """The add-on under its stack-file key (``loadBalancerController``)."""
        for field, info in type(self).model_fields.items():
            if info.alias == key:
                chart: ChartSpec = getattr(self, field)
                return chart
        raise KeyError(key)

    @model_validator(mode="after")
    def _dependencies(self) -> AddonsSpec:
        needs = [
            ("kubePrometheusStack", self.kube_prometheus_stack, "externalSecrets", self.external_secrets),
            ("loki", self.loki, "kubePrometheusStack", self.kube_prometheus_stack),
            ("alloy", self.alloy, "loki", self.loki),
        ]
        for name, addon, needed_name, needed in needs:
            if addon.enabled and not needed.enabled:
                raise ValueError(f"{name} is enabled but needs {needed_name}, which is disabled")
        return self


class ClusterSpec(Spec):
    """The environment's EKS cluster.

    Attributes:
        kubernetes_version: ``1.28``-``1.39``; the core add-on versions must match it (required).
        support_type: the cluster's upgrade policy when its version leaves EKS standard support:
            ``STANDARD`` (AWS upgrades the control plane itself at that date) or ``EXTENDED`` (it stays,
            billed $0.60 instead of $0.10 per cluster-hour). Defaults to ``STANDARD``: extended support is
            a cost a stack accepts explicitly (AWS's own default, when the field is unset, is EXTENDED).
            Validation warns 90 days before the date and refuses prod past it unless ``EXTENDED``.
        endpoint: API server reachability. Defaults to private only.
        access: access entries for admin and deploy roles (required).
        log_retention_days: control-plane log retention. Defaults to 90.
        node_groups: managed node groups, at least one, unique names (required).
        core_addons: EKS add-on versions (required).
        addons: Helm add-ons (required).
    """

    kubernetes_version: str
    support_type: SupportType = SupportType.STANDARD
    endpoint: EndpointSpec = EndpointSpec()
    access: AccessSpec
    log_retention_days: RetentionDays = 90
    node_groups: tuple[NodeGroupSpec, ...] = Field(min_length=1)
    core_addons: CoreAddonsSpec
    addons: AddonsSpec

    @field_validator("kubernetes_version")
    @classmethod
    def _version(cls, value: str) -> str:
        problem = eks_version_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("node_groups")
    @classmethod
    def _unique_groups(cls, value: tuple[NodeGroupSpec, ...]) -> tuple[NodeGroupSpec, ...]:
        names = [g.name for g in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"node group name(s) used twice: {', '.join(twice)}")
        return value

    @model_validator(mode="after")
    def _kube_proxy_matches(self) -> ClusterSpec:
        # kube-proxy is the one add-on versioned after Kubernetes itself: v1.34.x for 1.34.
        if not self.core_addons.kube_proxy.startswith(f"v{self.kubernetes_version}."):
            raise ValueError(
                f"coreAddons.kubeProxy {self.core_addons.kube_proxy} does not match kubernetesVersion"
                f" {self.kubernetes_version} (expected v{self.kubernetes_version}.x-eksbuild.N)"
            )
        return self

    @model_validator(mode="after")
    def _autoscaler_matches(self) -> ClusterSpec:
        # Upstream builds and tests each Cluster Autoscaler minor against the Kubernetes minor of the same
        # number (1.34.x for 1.34); another minor may use APIs the cluster does not serve.
        autoscaler = self.addons.cluster_autoscaler
        if not autoscaler.enabled:
            return self
        version = autoscaler.autoscaler_version
        if version is None:
            known = ", ".join(f"{c} (v{v})" for c, v in CLUSTER_AUTOSCALER_APP_VERSIONS.items())
            raise ValueError(
                f"addons.clusterAutoscaler.chartVersion {autoscaler.chart_version}: its autoscaler version is"
                f" not known here; set addons.clusterAutoscaler.imageTag to v{self.kubernetes_version}.x"
                f" (known chart versions: {known})"
            )
        if version.rsplit(".", 1)[0] != self.kubernetes_version:
            raise ValueError(
                f"addons.clusterAutoscaler runs autoscaler {version} (chart {autoscaler.chart_version}"
                f"{', imageTag' if autoscaler.image_tag else ''}) on Kubernetes {self.kubernetes_version};"
                f" the autoscaler's minor must equal the cluster's: pick a chart whose appVersion is"
                f" {self.kubernetes_version}.x or set imageTag v{self.kubernetes_version}.x"
            )
        return self
