"""The add-on namespaces' NetworkPolicies: deny by default, then each add-on's documented flows."""

from __future__ import annotations

import pytest

from components.cluster.addon_network_policies import ADDON_FLOWS, addon_policies
from components.cluster.network_policies import egress_allowed
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type

APP = ("10.30.0.0/19", "10.30.32.0/19")
DATA = ("10.30.160.0/24", "10.30.161.0/24")
PROMETHEUS = {"namespace": {"kubernetes.io/metadata.name": "monitoring"}, "pod": {"app": "prometheus"}}
DNS = {"namespace": {"kubernetes.io/metadata.name": "kube-system"}, "pod": {"k8s-app": "kube-dns"}}


def policies(namespace: str) -> dict:
    return addon_policies(namespace, APP, DATA, ADDON_FLOWS[namespace])


@pytest.mark.parametrize("namespace", sorted(ADDON_FLOWS))
def test_every_addon_namespace_denies_first_and_keeps_dns_and_https(namespace):
    found = policies(namespace)
    assert found["default-deny-all"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert egress_allowed(found, 53, protocol="UDP", labels=DNS, namespace=namespace)
    assert egress_allowed(found, 443, address="10.30.5.6", namespace=namespace)  # API server ENI, endpoints
    assert not egress_allowed(found, 5432, address="10.30.160.10", namespace=namespace)


def test_keda_reaches_redis_and_prometheus_and_serves_the_control_plane():
    found = policies("keda")
    assert egress_allowed(found, 6379, address="10.30.161.9", namespace="keda") == ["allow-to-redis"]
    assert egress_allowed(found, 9090, labels=PROMETHEUS, namespace="keda") == ["allow-to-prometheus"]
    (rule,) = found["allow-from-control-plane"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": c}} for c in APP]
    assert sorted(p["port"] for p in rule["ports"]) == [6443, 9443]


def test_argo_rollouts_queries_prometheus_for_its_analysis_runs_and_has_no_webhook():
    found = policies("argo-rollouts")
    assert egress_allowed(found, 9090, labels=PROMETHEUS, namespace="argo-rollouts")
    assert "allow-from-control-plane" not in found


def test_external_secrets_webhook_is_open_to_the_control_plane_only_on_its_port():
    (rule,) = policies("external-secrets")["allow-from-control-plane"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 10250}]


def test_monitoring_scrapes_the_app_subnets_and_other_addons_admit_it():
    assert egress_allowed(policies("monitoring"), 9100, address="10.30.33.4", namespace="monitoring")
    for namespace in ("keda", "argo-rollouts", "external-secrets"):
        assert policies(namespace)["allow-from-monitoring"]["ingress"] == [
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]}
        ]


@pytest.mark.parametrize("stack", STACKS)
def test_each_enabled_addon_namespace_gets_its_policies_but_kube_system_none(stack):
    resources = stack_run(stack).resources
    namespaces = {inputs(r)["metadata"]["name"] for r in of_type(resources, "kubernetes:core/v1:Namespace")}
    by_namespace: dict[str, set[str]] = {}
    for r in of_type(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        meta = inputs(r)["metadata"]
        by_namespace.setdefault(meta["namespace"], set()).add(meta["name"])
    assert "kube-system" not in by_namespace
    for namespace in set(ADDON_FLOWS) & namespaces:
        assert "default-deny-all" in by_namespace[namespace], namespace
