"""The service-level signals inside the cluster: a ``PrometheusRule`` and Grafana dashboards as
ConfigMaps the Grafana sidecar loads (label ``grafana_dashboard: "1"``, namespace ``monitoring``).

Both take the cluster's ``pulumi_kubernetes.Provider`` explicitly; they are wired when the cluster and its
kube-prometheus-stack add-on land (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.observability.signals import ServiceSignals, prometheus_rule_spec, service_dashboard
from components.observability.spec import AlarmThresholds

MONITORING_NAMESPACE = "monitoring"
PROMETHEUS_RELEASE = "kube-prometheus-stack"
"""The Helm release of the Prometheus operator: its default ``ruleSelector`` matches ``release: <name>``."""


@dataclass(frozen=True)
class MonitoringArgs:
    """Inputs of :class:`ServiceAlertRules` and :class:`Dashboards`.

    Attributes:
        thresholds: the alert thresholds (``platform:observability.alarms``).
        provider: the cluster's Kubernetes provider.
        signals: metric names and windows. Defaults to :class:`ServiceSignals`' defaults.
        after: resources the objects wait for, e.g. the kube-prometheus-stack release that installs the
            ``PrometheusRule`` CRD and Grafana. Defaults to none. (A component's ``depends_on`` does not
            reach its children's registrations, so the children take it themselves.)
    """

    thresholds: AlarmThresholds
    provider: k8s.Provider
    signals: ServiceSignals = field(default_factory=ServiceSignals)
    after: tuple[pulumi.Resource, ...] = ()


class ServiceAlertRules(pulumi.ComponentResource):
    """A ``PrometheusRule`` with the service-level alerts (error rate, p95 latency, targets down)."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:observability:ServiceAlertRules", name, None, opts)
        k8s.apiextensions.CustomResource(
            name,
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata={
                "name": name,
                "namespace": MONITORING_NAMESPACE,
                "labels": {"release": PROMETHEUS_RELEASE, "app.kubernetes.io/part-of": "platform"},
            },
            spec=prometheus_rule_spec(args.signals, args.thresholds),
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.after)),
        )
        self.register_outputs({})


class Dashboards(pulumi.ComponentResource):
    """Grafana dashboards as code: one ConfigMap per dashboard, picked up by Grafana's sidecar."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:observability:Dashboards", name, None, opts)
        dashboard = service_dashboard(args.signals, args.thresholds)
        k8s.core.v1.ConfigMap(
            f"{name}-services",
            metadata={
                "name": f"{name}-services",
                "namespace": MONITORING_NAMESPACE,
                "labels": {"grafana_dashboard": "1", "app.kubernetes.io/part-of": "platform"},
            },
            data={"platform-services.json": json.dumps(dashboard, indent=2, sort_keys=True)},
            opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=list(args.after)),
        )
        self.register_outputs({})
