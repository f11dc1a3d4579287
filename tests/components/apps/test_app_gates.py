"""The gates judge data, never its absence: every gate against a healthy, an unhealthy and an empty
Prometheus answer, evaluated as Argo Rollouts v1.8.3 evaluates them (``tests/components/apps/expr.py``);
and the series they read exist (a ServiceMonitor per Service, labels the alerts select on)."""

from __future__ import annotations

import math
import re

import pytest

from components.apps import gates, manifests
from components.apps.spec import DeliverySpec, Gate
from components.cluster.charts import prometheus_values
from components.cluster.namespaces import PRODUCT_NAMESPACE
from components.cluster.spec import PrometheusSpec
from components.observability.signals import ServiceSignals, prometheus_rule_spec
from components.observability.spec import AlarmThresholds
from settings import stacks
from settings.config import parse_services, platform_settings
from tests.components.apps.expr import (
    ROLLOUT_REACTION,
    ExprError,
    assess_metric,
    eval_condition,
    evaluate_result,
)
from tests.components.apps.support import TARGET, validate

DELIVERY = DeliverySpec()
METRICS = {gate: gates.gate_metric(gate, DELIVERY, "product", TARGET.prometheus_url) for gate in Gate}

# What Prometheus answers for the gate's query (Argo passes a vector's sample values as []float64).
FIXTURES: dict[Gate, dict[str, list[float]]] = {
    Gate.ERROR_RATE: {"healthy": [0.004], "unhealthy": [0.12], "empty": []},
    Gate.LATENCY_P95: {"healthy": [0.31], "unhealthy": [2.4], "empty": []},
    Gate.JOB_SUCCESS_RATE: {"healthy": [0.99], "unhealthy": [0.6], "empty": []},
}
EXPECTED = {"healthy": "continue", "unhealthy": "abort", "empty": "pause"}


def _run(metric: dict, answer: list[float]) -> str:
    """The Rollout's reaction after an AnalysisRun that gets ``answer`` at every measurement."""
    phases: list[str] = []
    for _ in range(int(metric["count"])):
        phases.append(evaluate_result(answer, metric))
        verdict = assess_metric(phases, metric)
        if verdict != "Running":
            return ROLLOUT_REACTION[verdict]
    return ROLLOUT_REACTION[assess_metric(phases, metric)]


@pytest.mark.parametrize("gate", list(Gate))
@pytest.mark.parametrize("case", ["healthy", "unhealthy", "empty"])
def test_every_gate_passes_healthy_aborts_unhealthy_and_pauses_on_no_data(gate, case):
    assert _run(METRICS[gate], FIXTURES[gate][case]) == EXPECTED[case]


@pytest.mark.parametrize("gate", list(Gate))
def test_an_empty_answer_is_inconclusive_not_successful_nor_an_error(gate):
    # neither condition holds on [], so the measurement is Inconclusive (not Error: no index panics)
    assert evaluate_result([], METRICS[gate]) == "Inconclusive"
    # a single inconclusive measurement ends the run: the rollout pauses for a person
    assert assess_metric(["Inconclusive"], METRICS[gate]) == "Inconclusive"


def test_an_error_rate_between_the_thresholds_pauses_for_a_person():
    assert evaluate_result([0.03], METRICS[Gate.ERROR_RATE]) == "Inconclusive"
    assert _run(METRICS[Gate.ERROR_RATE], [0.03]) == "pause"


def test_a_nan_latency_is_not_a_pass():
    assert evaluate_result([math.nan], METRICS[Gate.LATENCY_P95]) == "Inconclusive"


def test_latency_tolerates_the_configured_misses_then_aborts():
    metric = METRICS[Gate.LATENCY_P95]
    assert metric["failureLimit"] == DELIVERY.gates.latency_failure_limit == 1
    assert assess_metric(["Failed"], metric) == "Running"
    assert assess_metric(["Failed", "Failed"], metric) == "Failed"


def test_prometheus_errors_abort_after_the_consecutive_error_limit():
    metric = METRICS[Gate.ERROR_RATE]
    limit = metric["consecutiveErrorLimit"]
    assert assess_metric(["Error"] * limit, metric) == "Running"
    assert ROLLOUT_REACTION[assess_metric(["Error"] * (limit + 1), metric)] == "abort"


def test_the_evaluator_is_faithful_where_the_old_conditions_failed():
    # An unguarded index on an empty answer is a run-time error in expr (Argo: phase Error), and a
    # success condition without a failure condition turns "false" into Failed: the guard and the pair
    # of conditions are what make no data Inconclusive.
    with pytest.raises(ExprError):
        eval_condition([], "result[0] < 0.02")
    assert evaluate_result([], {"successCondition": "result[0] < 0.02"}) == "Error"
    assert eval_condition([], "len(result) > 0 && result[0] < 0.02") is False  # short-circuits
    assert evaluate_result([0.5], {"successCondition": "result[0] < 0.02"}) == "Failed"
    assert evaluate_result([0.5], {}) == "Successful"


@pytest.mark.parametrize("gate", list(Gate))
def test_no_query_falls_back_to_a_constant(gate):
    query = METRICS[gate]["provider"]["prometheus"]["query"]
    assert "vector(" not in query
    # the only `or` completes a numerator from the denominator's own series (0 * series), never a constant
    for right in re.findall(r"\bor\b\s*([^)]*)", query):
        assert right.startswith("0 * sum("), query
    assert 'namespace="product"' in query
    assert 'service="{{args.service}}"' in query


def test_ratio_queries_drop_an_empty_denominator():
    for gate in (Gate.ERROR_RATE, Gate.JOB_SUCCESS_RATE):
        assert METRICS[gate]["provider"]["prometheus"]["query"].endswith("> 0)")
    assert METRICS[Gate.LATENCY_P95]["provider"]["prometheus"]["query"].endswith(">= 0")  # drops NaN


def _services(stack: str):
    platform = platform_settings(stack)
    stack_file = stacks.read(stack, stacks.Project.SERVICES)
    return parse_services(stack_file.config, stack, platform).config


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_every_service_with_a_service_is_scraped_through_a_named_port(stack):
    config = _services(stack)
    scraped = 0
    for name, spec in config.apps.items():
        objects = manifests.render_app(name, spec, TARGET).objects
        monitors = [o for o in objects if o["kind"] == "ServiceMonitor"]
        services = [o for o in objects if o["kind"] == "Service"]
        assert len(monitors) == (1 if spec.service else 0), name
        for monitor in monitors:
            validate(monitor)
            selector = monitor["spec"]["selector"]["matchLabels"]
            assert monitor["spec"]["namespaceSelector"] == {"matchNames": [TARGET.namespace]}
            # it selects the stable Service and the Rollout's canary/preview Service alike
            assert {s["metadata"]["name"] for s in services} >= {name}
            for service in services:
                assert selector.items() <= service["metadata"]["labels"].items(), service["metadata"]["name"]
                port_names = {p["name"] for p in service["spec"]["ports"]}
                assert {e["port"] for e in monitor["spec"]["endpoints"]} <= port_names
            scraped += 1
        if spec.strategy.type.value == "canary":
            assert f"{name}-canary" in {s["metadata"]["name"] for s in services}
        if spec.strategy.type.value == "blueGreen":
            assert f"{name}-preview" in {s["metadata"]["name"] for s in services}
    assert scraped >= 3


def test_prometheus_selects_service_monitors_and_rules_of_every_release_and_namespace():
    # kube-prometheus-stack 79.7.1 templates/prometheus/prometheus.yaml: with the *NilUsesHelmValues
    # flags false and no selector given, it renders `serviceMonitorSelector: {}` (every ServiceMonitor)
    # and `serviceMonitorNamespaceSelector: {}` (every namespace); true would add `release: <name>`.
    spec = prometheus_values(PrometheusSpec(chart_version="79.7.1"), "prod", loki=False)["prometheus"][
        "prometheusSpec"
    ]
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False
    assert spec["ruleSelectorNilUsesHelmValues"] is False
    assert "serviceMonitorSelector" not in spec
    assert "serviceMonitorNamespaceSelector" not in spec


def test_alerts_read_the_series_the_service_monitors_produce():
    # The operator relabels every ServiceMonitor target with `namespace` and `service` (prometheus-operator
    # v0.86.2 pkg/prometheus/promcfg.go, __meta_kubernetes_namespace / __meta_kubernetes_service_name);
    # the alerts select and group on those labels, on the metric names the gates use.
    signals = ServiceSignals()
    g = DELIVERY.gates
    assert signals.namespace == PRODUCT_NAMESPACE == TARGET.namespace
    assert (signals.requests_metric, signals.duration_metric) == (g.requests_metric, g.latency_metric)
    rules = {
        r["alert"]: r["expr"] for r in prometheus_rule_spec(signals, AlarmThresholds())["groups"][0]["rules"]
    }
    for alert in ("ServiceHighErrorRate", "ServiceHighLatencyP95"):
        assert "by (namespace, service" in rules[alert]
        assert f'namespace="{PRODUCT_NAMESPACE}"' in rules[alert]
        assert "vector(" not in rules[alert]
    assert rules["ServiceTargetDown"] == f'up{{namespace="{PRODUCT_NAMESPACE}"}} == 0'
