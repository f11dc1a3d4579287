"""NetworkPolicies of the add-on namespaces (pure: namespace and CIDRs in, policy specs out).

Each add-on namespace denies everything, then allows, by a policy named after the flow:

* ``allow-dns``: egress to CoreDNS (UDP/TCP 53);
* ``allow-within-namespace``: the add-on's own components talk to each other (operator and webhook,
  Prometheus, Alertmanager, Grafana, Loki and Alloy);
* ``allow-https-egress``: TCP 443 anywhere: the Kubernetes API server (its endpoint ENIs sit in the app
  subnets; a private endpoint answers on 443), AWS APIs through the interface endpoints or NAT (STS for
  IRSA, Secrets Manager, ELBv2), Slack for Alertmanager;
* ``allow-from-monitoring``: Prometheus scrapes the add-on's metrics;
* ``allow-from-control-plane`` (only where the add-on serves the API server): the admission webhooks
  and the aggregated metrics API, from the app subnets (the control plane's ENIs) on those ports only;
* add-on specific egress: KEDA to Redis (the queue scaler) and to Prometheus; Argo Rollouts to
  Prometheus (analysis runs); Prometheus and Alloy to every scrape target in the app subnets (pods,
  node exporters, kubelets) on any port.

Kubelet probes come from the node itself, which the VPC CNI's policy agent does not filter (the product
namespace relies on the same behaviour). ``kube-system`` gets no policy: the VPC CNI, CoreDNS,
kube-proxy and the controllers there are the cluster's plumbing, and a mistake there stops every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.cluster.network_policies import DATA_TIER_PORTS, baseline_policies

_NAMESPACE_NAME = "kubernetes.io/metadata.name"
PROMETHEUS_PORT = 9090
MONITORING = "monitoring"


@dataclass(frozen=True)
class AddonFlows:
    """What one add-on namespace needs beyond the common flows.

    Attributes:
        webhook_ports: ports the control plane calls (admission webhooks, aggregated APIs). Defaults to none.
        to_prometheus: queries Prometheus in ``monitoring``. Defaults to false.
        to_redis: reaches Redis in the data subnets. Defaults to false.
        scrapes_vpc: reaches every address of the app subnets on any port (scrape targets: pods, node
            exporters, kubelets; never the data subnets). Defaults to false.
    """

    webhook_ports: tuple[int, ...] = ()
    to_prometheus: bool = False
    to_redis: bool = False
    scrapes_vpc: bool = False


ADDON_FLOWS: dict[str, AddonFlows] = {
    # external-secrets chart: its validating webhook listens on 10250 (webhook.port).
    "external-secrets": AddonFlows(webhook_ports=(10250,)),
    # KEDA chart: admission webhooks on 9443, the external-metrics API server on 6443.
    "keda": AddonFlows(webhook_ports=(9443, 6443), to_prometheus=True, to_redis=True),
    "argo-rollouts": AddonFlows(to_prometheus=True),
    # kube-prometheus-stack: the operator's admission webhook on 10250; Prometheus scrapes the VPC.
    MONITORING: AddonFlows(webhook_ports=(10250,), scrapes_vpc=True),
}


def _namespace(name: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {_NAMESPACE_NAME: name}}}


def addon_policies(
    namespace: str, app_cidrs: tuple[str, ...], data_cidrs: tuple[str, ...], flows: AddonFlows
) -> dict[str, dict[str, Any]]:
    """NetworkPolicy specs by name for the add-on namespace ``namespace``.

    Args:
        namespace: the add-on namespace.
        app_cidrs: the app subnets: nodes, pods and the control plane's ENIs live there.
        data_cidrs: the data subnets (Redis).
        flows: what the add-on needs beyond the common flows.
    """
    app = [{"ipBlock": {"cidr": cidr}} for cidr in app_cidrs]
    everyone: dict[str, Any] = {}
    tcp = "TCP"
    policies: dict[str, dict[str, Any]] = {
        **baseline_policies(),
        "allow-https-egress": {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": tcp, "port": 443}]}
            ],
        },
    }
    if namespace != MONITORING:
        policies["allow-from-monitoring"] = {
            "podSelector": everyone,
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [_namespace(MONITORING)]}],
        }
    if flows.webhook_ports:
        policies["allow-from-control-plane"] = {
            "podSelector": everyone,
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": app,
                    "ports": [{"protocol": tcp, "port": port} for port in flows.webhook_ports],
                }
            ],
        }
    if flows.to_prometheus:
        policies["allow-to-prometheus"] = {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {"to": [_namespace(MONITORING)], "ports": [{"protocol": tcp, "port": PROMETHEUS_PORT}]}
            ],
        }
    if flows.to_redis:
        policies["allow-to-redis"] = {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": cidr}} for cidr in data_cidrs],
                    "ports": [{"protocol": tcp, "port": DATA_TIER_PORTS["redis"]}],
                }
            ],
        }
    if flows.scrapes_vpc:
        policies["allow-scrape-vpc"] = {
            "podSelector": everyone,
            "policyTypes": ["Egress"],
            "egress": [{"to": app}],
        }
    return policies
