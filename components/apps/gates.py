"""The deployment gates as Argo Rollouts ``AnalysisTemplate``s on Prometheus (pure rendering).

Each gate is one template in the product namespace, shared by every service and parameterised by the
``service`` argument (the Service whose pods are measured: the canary or preview Service during a
rollout). Conditions follow the deployment guide:

* ``error-rate``: passes below ``maxErrorRate`` (2%); at or above ``abortErrorRate`` (5%) the measurement
  fails and, with ``failureLimit: 0``, the rollout aborts at once (traffic returns to stable). Between
  the two the measurement is inconclusive: the rollout pauses for a person ("investigate, then stop").
* ``latency-p95``: p95 under ``maxP95LatencySeconds`` (1 s); ``latencyFailureLimit`` misses tolerated.
* ``job-success-rate``: at least ``minJobSuccessRate`` (95%) of jobs over ``window`` (5 minutes).

No traffic is not a failure: the queries fall back to ``vector(0)`` (or 1 for success rates) when the
denominator is empty, so a quiet preview is judged by its probes alone.
"""

from __future__ import annotations

from typing import Any

from components.apps.spec import DeliverySpec, Gate

API_VERSION = "argoproj.io/v1alpha1"


def _selector(namespace: str, extra: str = "") -> str:
    return f'namespace="{namespace}",service="{{{{args.service}}}}"{extra}'


def gate_metric(gate: Gate, delivery: DeliverySpec, namespace: str, prometheus_url: str) -> dict[str, Any]:
    """The single ``metrics[]`` entry of ``gate``'s template."""
    g = delivery.gates
    common: dict[str, Any] = {"name": gate.value, "interval": g.interval, "count": g.count}
    if gate == Gate.ERROR_RATE:
        sel = _selector(namespace)
        errors = _selector(namespace, ',code=~"5.."')
        query = (
            f"(sum(rate({g.requests_metric}{{{errors}}}[{g.window}])) or vector(0))"
            f" / (sum(rate({g.requests_metric}{{{sel}}}[{g.window}])) > 0) or vector(0)"
        )
        return {
            **common,
            "successCondition": f"result[0] < {g.max_error_rate}",
            "failureCondition": f"result[0] >= {g.abort_error_rate}",
            "failureLimit": 0,
            "inconclusiveLimit": 0,
            "provider": {"prometheus": {"address": prometheus_url, "query": query}},
        }
    if gate == Gate.LATENCY_P95:
        sel = _selector(namespace)
        query = (
            f"histogram_quantile(0.95, sum by (le) (rate({g.latency_metric}_bucket{{{sel}}}[{g.window}])))"
            " > 0 or vector(0)"
        )
        return {
            **common,
            "successCondition": f"result[0] < {g.max_p95_latency_seconds}",
            "failureLimit": g.latency_failure_limit,
            "provider": {"prometheus": {"address": prometheus_url, "query": query}},
        }
    sel = _selector(namespace)
    ok = _selector(namespace, ',status="succeeded"')
    query = (
        f"(sum(increase({g.jobs_metric}{{{ok}}}[{g.window}])) or vector(0))"
        f" / (sum(increase({g.jobs_metric}{{{sel}}}[{g.window}])) > 0) or vector(1)"
    )
    return {
        **common,
        "successCondition": f"result[0] >= {g.min_job_success_rate}",
        "failureLimit": 0,
        "provider": {"prometheus": {"address": prometheus_url, "query": query}},
    }


def analysis_template(
    gate: Gate, delivery: DeliverySpec, namespace: str, prometheus_url: str
) -> dict[str, Any]:
    """The ``AnalysisTemplate`` manifest of ``gate``."""
    return {
        "apiVersion": API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": {
            "name": gate.value,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/part-of": "product", "app.kubernetes.io/managed-by": "pulumi"},
        },
        "spec": {
            "args": [{"name": "service"}],
            "metrics": [gate_metric(gate, delivery, namespace, prometheus_url)],
        },
    }


def analysis_ref(gates: tuple[Gate, ...], service: str) -> dict[str, Any]:
    """An analysis block (``templates`` + ``args``) running ``gates`` against ``service``'s pods."""
    return {
        "templates": [{"templateName": gate.value} for gate in gates],
        "args": [{"name": "service", "value": service}],
    }
