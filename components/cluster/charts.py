"""The platform add-ons' Helm charts and their values (pure: plain values in, values documents out).

Values may hold ``pulumi.Output`` leaves (role ARNs); the Helm release resolves them. Names fixed here are
contracts other concerns rely on: the IngressClass ``alb``, the Prometheus service
``kube-prometheus-stack-prometheus.monitoring.svc:9090``, the service accounts the IRSA roles trust.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.cluster.spec import ClusterAutoscalerSpec, LogStorage, LokiSpec, PrometheusSpec


class Addon(StrEnum):
    """The Helm-installed add-ons, by their ``platform:cluster.addons`` key."""

    LOAD_BALANCER_CONTROLLER = "loadBalancerController"
    METRICS_SERVER = "metricsServer"
    ARGO_ROLLOUTS = "argoRollouts"
    EXTERNAL_SECRETS = "externalSecrets"
    KUBE_PROMETHEUS_STACK = "kubePrometheusStack"
    LOKI = "loki"
    ALLOY = "alloy"
    KEDA = "keda"
    CLUSTER_AUTOSCALER = "clusterAutoscaler"


@dataclass(frozen=True)
class Chart:
    """Where an add-on's chart comes from and where it is installed.

    Attributes:
        chart: the chart name in its repository.
        repository: the chart repository URL.
        release: the Helm release name (fixed, so service names are predictable).
        namespace: the namespace it is installed in.
        service_account: the service account its IRSA role trusts, if it has one.
    """

    chart: str
    repository: str
    release: str
    namespace: str
    service_account: str | None = None


MONITORING = "monitoring"

CHARTS: dict[Addon, Chart] = {
    Addon.LOAD_BALANCER_CONTROLLER: Chart(
        "aws-load-balancer-controller",
        "https://aws.github.io/eks-charts",
        "aws-load-balancer-controller",
        "kube-system",
        "aws-load-balancer-controller",
    ),
    Addon.METRICS_SERVER: Chart(
        "metrics-server", "https://kubernetes-sigs.github.io/metrics-server/", "metrics-server", "kube-system"
    ),
    Addon.ARGO_ROLLOUTS: Chart(
        "argo-rollouts", "https://argoproj.github.io/argo-helm", "argo-rollouts", "argo-rollouts"
    ),
    Addon.EXTERNAL_SECRETS: Chart(
        "external-secrets",
        "https://charts.external-secrets.io",
        "external-secrets",
        "external-secrets",
        "external-secrets",
    ),
    Addon.KUBE_PROMETHEUS_STACK: Chart(
        "kube-prometheus-stack",
        "https://prometheus-community.github.io/helm-charts",
        "kube-prometheus-stack",
        MONITORING,
    ),
    Addon.LOKI: Chart("loki", "https://grafana.github.io/helm-charts", "loki", MONITORING, "loki"),
    Addon.ALLOY: Chart("alloy", "https://grafana.github.io/helm-charts", "alloy", MONITORING),
    Addon.KEDA: Chart("keda", "https://kedacore.github.io/charts", "keda", "keda"),
    Addon.CLUSTER_AUTOSCALER: Chart(
        "cluster-autoscaler",
        "https://kubernetes.github.io/autoscaler",
        "cluster-autoscaler",
        "kube-system",
        "cluster-autoscaler",
    ),
}

INGRESS_CLASS = "alb"
CLUSTER_SECRET_STORE = "aws-secrets-manager"
PROMETHEUS_URL = f"http://kube-prometheus-stack-prometheus.{MONITORING}.svc:9090"
LOKI_URL = f"http://loki-gateway.{MONITORING}.svc.cluster.local"
SLACK_SECRET = "alertmanager-slack"  # Kubernetes Secret the Slack webhook lands in
SLACK_SECRET_KEY = "webhook-url"
GRAFANA_SECRET = "grafana-admin"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"

SLACK_WEBHOOK_SECRET = "slack-webhook-url"
GRAFANA_ADMIN_SECRET = "grafana-admin-password"
REQUIRED_SECRETS = {Addon.KUBE_PROMETHEUS_STACK: (SLACK_WEBHOOK_SECRET, GRAFANA_ADMIN_SECRET)}
"""Secrets (``platform/<env>/<name>``) an add-on reads; ``platform:secrets`` must declare them."""


def load_balancer_controller_values(
    cluster_name: str, region: str, vpc_id: Any, role_arn: Any
) -> dict[str, Any]:
    """Two replicas, IRSA, and the IngressClass ``alb`` the services' Ingresses name."""
    chart = CHARTS[Addon.LOAD_BALANCER_CONTROLLER]
    return {
        "clusterName": cluster_name,
        "region": region,
        "vpcId": vpc_id,
        "replicaCount": 2,
        "serviceAccount": {
            "create": True,
            "name": chart.service_account,
            "annotations": {IRSA_ANNOTATION: role_arn},
        },
        "createIngressClassResource": True,
        "ingressClass": INGRESS_CLASS,
    }


def metrics_server_values() -> dict[str, Any]:
    return {"replicas": 2, "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}


def argo_rollouts_values() -> dict[str, Any]:
    """The controller and its CRDs (``Rollout``, ``AnalysisTemplate``...), kept if the release goes."""
    return {
        "installCRDs": True,
        "keepCRDs": True,
        "controller": {"replicas": 2},
        "dashboard": {"enabled": False},
    }


def external_secrets_values(role_arn: Any) -> dict[str, Any]:
    chart = CHARTS[Addon.EXTERNAL_SECRETS]
    return {
        "installCRDs": True,
        "serviceAccount": {
            "create": True,
            "name": chart.service_account,
            "annotations": {IRSA_ANNOTATION: role_arn},
        },
    }


def cluster_secret_store_spec(region: str, namespaces: Sequence[str]) -> dict[str, Any]:
    """Secrets Manager of this region, read with the operator's own IRSA role (no static credentials),
    for ExternalSecrets in ``namespaces`` only (``conditions``: any other namespace's are refused)."""
    return {
        "provider": {"aws": {"service": "SecretsManager", "region": region}},
        "conditions": [{"namespaces": sorted(set(namespaces))}],
    }


def external_secret_spec(
    target: str, data: list[dict[str, Any]], template: dict[str, str] | None = None
) -> dict[str, Any]:
    """An ExternalSecret from the ``aws-secrets-manager`` store into the Secret ``target``."""
    spec: dict[str, Any] = {
        "refreshInterval": "1h",
        "secretStoreRef": {"kind": "ClusterSecretStore", "name": CLUSTER_SECRET_STORE},
        "target": {"name": target, "creationPolicy": "Owner"},
        "data": data,
    }
    if template is not None:
        spec["target"]["template"] = {"engineVersion": "v2", "data": template}
    return spec


def prometheus_values(spec: PrometheusSpec, environment: str, loki: bool) -> dict[str, Any]:
    """Prometheus sized by tier; Alertmanager to Slack (webhook read from a file); Grafana.

    The Slack webhook never appears in the values: Alertmanager reads it from the Secret an ExternalSecret
    keeps in sync with ``platform/<env>/slack-webhook-url`` (``api_url_file``). Grafana's admin password
    comes from ``platform/<env>/grafana-admin-password`` the same way (the chart's default is public).
    """
    prometheus_spec: dict[str, Any] = {
        "replicas": spec.prometheus_replicas,
        "retention": spec.retention,
        # Pick up every ServiceMonitor/PodMonitor/PrometheusRule, not only the chart's own.
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "ruleSelectorNilUsesHelmValues": False,
    }
    if spec.storage_gib:
        prometheus_spec["storageSpec"] = {
            "volumeClaimTemplate": {
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": f"{spec.storage_gib}Gi"}},
                }
            }
        }
    grafana: dict[str, Any] = {
        "enabled": True,
        "admin": {"existingSecret": GRAFANA_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"},
    }
    if loki:
        grafana["additionalDataSources"] = [
            {"name": "Loki", "type": "loki", "access": "proxy", "url": LOKI_URL}
        ]
    return {
        "fullnameOverride": "kube-prometheus-stack",
        "prometheus": {"prometheusSpec": prometheus_spec},
        "alertmanager": {
            "alertmanagerSpec": {"replicas": spec.alertmanager_replicas, "secrets": [SLACK_SECRET]},
            "config": alertmanager_config(environment),
        },
        "grafana": grafana,
    }


def alertmanager_config(environment: str) -> dict[str, Any]:
    """Route every alert to Slack except the always-firing ``Watchdog`` heartbeat."""
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": "slack",
            "group_by": ["alertname", "namespace"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}],
        },
        "receivers": [
            {"name": "null"},
            {
                "name": "slack",
                "slack_configs": [
                    {
                        "api_url_file": f"/etc/alertmanager/secrets/{SLACK_SECRET}/{SLACK_SECRET_KEY}",
                        "send_resolved": True,
                        "title": f"[{environment}] " + "{{ .CommonLabels.alertname }} ({{ .Status }})",
                        "text": "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
                    }
                ],
            },
        ],
    }


@dataclass(frozen=True)
class LokiBucket:
    """Where Loki writes with ``storage: s3``: its own bucket, and the IRSA role limited to it.

    Attributes:
        name: the bucket (an input: known once created).
        region: the bucket's region.
        role_arn: the role Loki's service account assumes.
    """

    name: Any
    region: str
    role_arn: Any


def loki_values(spec: LokiSpec, bucket: LokiBucket | None = None) -> dict[str, Any]:
    """Loki as one binary; chunks and index on its volume (``filesystem``) or in its bucket (``s3``, read
    and written with its own IRSA role, no keys); retention by the compactor.

    Chart 6.46.0 or later: 6.45.x fails to render without ``loki.storage.bucketNames.chunks`` even on the
    filesystem (grafana/loki#19655). With ``s3`` the bucket is both the chunks and the ruler bucket
    (``admin`` is only read by the enterprise edition); the volume keeps the write-ahead log.
    """
    s3 = spec.storage is LogStorage.S3
    if s3 and bucket is None:
        raise ValueError("loki storage s3 needs its bucket and role")
    store = "s3" if s3 else "filesystem"
    storage: dict[str, Any] = {"type": "filesystem"}
    service_account: dict[str, Any] = {"create": True, "name": CHARTS[Addon.LOKI].service_account}
    if s3:
        assert bucket is not None
        storage = {
            "type": "s3",
            "bucketNames": {"chunks": bucket.name, "ruler": bucket.name},
            "s3": {"region": bucket.region},
        }
        service_account["annotations"] = {IRSA_ANNOTATION: bucket.role_arn}
    return {
        "deploymentMode": "SingleBinary",
        "serviceAccount": service_account,
        "loki": {
            "auth_enabled": False,
            "commonConfig": {"replication_factor": 1},
            "storage": storage,
            "schemaConfig": {
                "configs": [
                    {
                        "from": "2024-04-01",
                        "store": "tsdb",
                        "object_store": store,
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {"retention_period": spec.retention},
            "compactor": {"retention_enabled": True, "delete_request_store": store},
        },
        "singleBinary": {"replicas": 1, "persistence": {"enabled": True, "size": f"{spec.storage_gib}Gi"}},
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},
    }


ALLOY_CONFIG = f"""\
discovery.kubernetes "pods" {{
  role = "pod"
  selectors {{
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }}
}}

discovery.relabel "pods" {{
  targets = discovery.kubernetes.pods.targets
  rule {{
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }}
  rule {{
    source_labels = ["__meta_kubernetes_pod_label_app_kubernetes_io_name"]
    target_label  = "app"
  }}
}}

loki.source.kubernetes "pods" {{
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
}}

loki.write "default" {{
  endpoint {{
    url = "{LOKI_URL}/loki/api/v1/push"
  }}
}}
"""
"""Alloy's pipeline: the logs of the pods on Alloy's own node, read through the API server, labelled and
pushed to Loki. Alloy runs as a DaemonSet without clustering, so each instance must only tail its own
node's pods (else every line is shipped once per node): the chart sets ``HOSTNAME`` to the node name
(``spec.nodeName`` from the downward API, alloy chart 1.2.0 ``templates/containers/_agent.yaml``) and
discovery keeps the pods whose ``spec.nodeName`` equals it (the field selector the
``discovery.kubernetes`` reference shows for DaemonSets)."""


def alloy_values() -> dict[str, Any]:
    return {
        "alloy": {"configMap": {"create": True, "content": ALLOY_CONFIG}},
        "controller": {"type": "daemonset"},
    }


def keda_values() -> dict[str, Any]:
    return {"operator": {"replicaCount": 1}}


def cluster_autoscaler_values(
    spec: ClusterAutoscalerSpec, cluster_name: str, region: str, role_arn: Any
) -> dict[str, Any]:
    """Auto-discovery of this cluster's managed node groups (EKS tags their Auto Scaling groups). The image
    tag is always explicit: the autoscaler whose minor the cluster spec checked against Kubernetes'."""
    chart = CHARTS[Addon.CLUSTER_AUTOSCALER]
    version = spec.autoscaler_version
    if version is None:  # the spec refuses this; a direct caller gets a clear error
        raise ValueError(f"cluster-autoscaler chart {spec.chart_version}: set imageTag")
    return {
        "image": {"tag": f"v{version}"},
        "cloudProvider": "aws",
        "awsRegion": region,
        "autoDiscovery": {"clusterName": cluster_name},
        "rbac": {
            "serviceAccount": {
                "create": True,
                "name": chart.service_account,
                "annotations": {IRSA_ANNOTATION: role_arn},
            }
        },
        "extraArgs": {
            "balance-similar-node-groups": True,
            "skip-nodes-with-system-pods": False,
            "expander": "least-waste",
        },
    }
