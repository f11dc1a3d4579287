"""PrometheusRule and Grafana dashboards: rendered documents against reviewed golden files, and the
components under mocks with an explicit Kubernetes provider."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pulumi_kubernetes as k8s
from ruamel.yaml import YAML

from components.observability.kubernetes import Dashboards, MonitoringArgs, ServiceAlertRules
from components.observability.signals import ServiceSignals, prometheus_rule_spec, service_dashboard
from components.observability.spec import AlarmThresholds
from tests.helpers import inputs, one

GOLDEN = Path(__file__).with_name("golden")
T = AlarmThresholds()


def golden(name: str, document: Any) -> Any:
    """The golden file's content; ``UPDATE_GOLDEN=1`` rewrites it from ``document`` (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return json.loads(path.read_text())


def test_prometheus_rules_match_the_golden_file():
    assert prometheus_rule_spec(ServiceSignals(), T) == golden(
        "prometheus_rule_spec.json", prometheus_rule_spec(ServiceSignals(), T)
    )


def test_dashboard_matches_the_golden_file():
    assert service_dashboard(ServiceSignals(), T) == golden(
        "services_dashboard.json", service_dashboard(ServiceSignals(), T)
    )


def test_rules_alert_on_the_same_thresholds_as_the_cloudwatch_alarms():
    custom = AlarmThresholds(lb_error_rate_percent=2.5, lb_p95_latency_seconds=0.8)
    rules = {r["alert"]: r for r in prometheus_rule_spec(ServiceSignals(), custom)["groups"][0]["rules"]}
    assert rules["ServiceHighErrorRate"]["expr"].endswith(" > 2.5")
    assert rules["ServiceHighLatencyP95"]["expr"].endswith(" > 0.8")
    assert rules["ServiceHighLatencyP95"]["expr"].startswith("histogram_quantile(0.95, ")
    assert all(r["for"] == "5m" for r in rules.values())


def test_dashboard_draws_the_alert_thresholds():
    panels = {p["title"]: p for p in service_dashboard(ServiceSignals(), T)["panels"]}
    steps = panels["p95 response time"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1] == {"color": "red", "value": 1.0}
    assert panels["Error rate (5xx, %)"]["fieldConfig"]["defaults"]["unit"] == "percent"
    assert len({p["id"] for p in panels.values()}) == 4


def k8s_provider() -> k8s.Provider:
    return k8s.Provider("k8s", kubeconfig="{}")


def test_prometheus_rule_is_selected_by_the_operator_and_uses_the_given_provider(mock_runtime):
    found = mock_runtime.run(lambda: ServiceAlertRules("platform-slo", MonitoringArgs(T, k8s_provider())))
    rule = one(found, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    metadata = inputs(rule)["metadata"]
    assert metadata["namespace"] == "monitoring"
    assert metadata["labels"]["release"] == "kube-prometheus-stack"
    assert inputs(rule)["spec"] == prometheus_rule_spec(ServiceSignals(), T)
    assert rule.provider is not None
    assert "k8s" in rule.provider


def test_dashboards_are_configmaps_the_grafana_sidecar_loads(mock_runtime):
    found = mock_runtime.run(lambda: Dashboards("platform", MonitoringArgs(T, k8s_provider())))
    config_map = one(found, "kubernetes:core/v1:ConfigMap")
    metadata = inputs(config_map)["metadata"]
    assert (metadata["namespace"], metadata["labels"]["grafana_dashboard"]) == ("monitoring", "1")
    (data,) = inputs(config_map)["data"].values()
    assert json.loads(data) == service_dashboard(ServiceSignals(), T)
    assert "k8s" in (config_map.provider or "")


def test_golden_rules_are_a_valid_prometheus_rule_file_shape():
    # The operator copies `spec` into a Prometheus rule file: groups of rules with alert/expr/for.
    spec = YAML(typ="safe").load((GOLDEN / "prometheus_rule_spec.json").read_text())
    for group in spec["groups"]:
        assert set(group) == {"name", "rules"}
        for rule in group["rules"]:
            assert {"alert", "expr", "for", "labels", "annotations"} == set(rule)
            assert rule["expr"].count("(") == rule["expr"].count(")")
