"""The deployment gates as Argo Rollouts ``AnalysisTemplate``s on Prometheus (pure rendering).

Each gate is one template in the product namespace, shared by every service and parameterised by the
``service`` argument (the Service whose pods are measured: the canary or preview Service during a
rollout). The series exist because every service with a Service has a ``ServiceMonitor``
(:func:`components.apps.manifests.service_monitor`): Prometheus labels each sample with the
``namespace`` and the ``service`` (the Kubernetes Service) it was scraped through. Conditions follow
the deployment guide:

* ``error-rate``: passes below ``maxErrorRate`` (2%); at or above ``abortErrorRate`` (5%) the measurement
  fails and, with ``failureLimit: 0``, the rollout aborts at once (traffic returns to stable). Between
  the two the measurement is inconclusive: the rollout pauses for a person ("investigate, then stop").
* ``latency-p95``: p95 under ``maxP95LatencySeconds`` (1 s); ``latencyFailureLimit`` misses tolerated.
* ``job-success-rate``: at least ``minJobSuccessRate`` (95%) of jobs over ``window`` (5 minutes).

**No data never passes.** The queries have no constant fallback (no ``or vector(0)``): with no series,
or with series but no traffic in the window (the denominator is filtered by ``> 0``, a NaN quantile by
``>= 0``), Prometheus answers an empty vector. The one ``or`` left completes the *numerator* from the
denominator's own series (``or 0 * total``): a service that has answered requests but never a 5xx has no
5xx series, and its error rate is 0, not unknown; without traffic the right-hand side is empty too.

How Argo Rollouts v1.8.3 judges an empty answer (``metricproviders/prometheus/prometheus.go``,
``processResponse``): a vector becomes ``[]float64`` (empty here) and goes to
``utils/evaluate/evaluate.go`` ``EvaluateResult``, which evaluates both conditions with expr-lang. A bare
``result[0]`` on an empty slice is a run-time error, i.e. a measurement in phase ``Error``; errors only
end the run after ``consecutiveErrorLimit`` (default 4) in a row, and a metric without a
``failureCondition`` turns "success false" into "failed". So every condition here is guarded
(``len(result) > 0 && ...``) and each metric has both conditions: with no data neither holds, which
``EvaluateResult`` reports as ``Inconclusive``; ``inconclusiveLimit: 0`` then makes the metric (and the
AnalysisRun) ``Inconclusive`` on the first such measurement (``analysis/analysis.go``
``assessMetricFailureInconclusiveOrError``: ``Inconclusive > inconclusiveLimit``), and the Rollout pauses
with ``InconclusiveAnalysisRun`` (``rollout/analysis.go`` ``setPauseOrAbort``) until a person promotes or
aborts. An unreachable Prometheus is an ``Error``; ``consecutiveErrorLimit`` bounds how many in a row are
tolerated before the run errors, which aborts the rollout like a failure.
"""

from __future__ import annotations

from typing import Any

from components.apps.spec import DeliverySpec, Gate

API_VERSION = "argoproj.io/v1alpha1"
INCONCLUSIVE_LIMIT = 0
"""A single measurement without data pauses the rollout for a person."""
CONSECUTIVE_ERROR_LIMIT = 2
"""Query errors (Prometheus unreachable) tolerated in a row before the run errors and the rollout aborts."""
HAS_DATA = "len(result) > 0"
"""The guard in front of every condition: an empty answer satisfies neither (so it is inconclusive)."""


def _selector(namespace: str, extra: str = "") -> str:
    return f'namespace="{namespace}",service="{{{{args.service}}}}"{extra}'


def _ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator`` over the window, empty when the denominator is (no series, no traffic).

    A missing numerator series (never a 5xx, never a failed job) counts as zero, derived from the
    denominator's own series so that it is absent exactly when there is no traffic."""
    return f"(sum({numerator}) or 0 * sum({denominator})) / (sum({denominator}) > 0)"


def gate_query(gate: Gate, delivery: DeliverySpec, namespace: str) -> str:
    """The PromQL of ``gate`` for the Service ``{{args.service}}``; an empty result means no data."""
    g = delivery.gates
    sel = _selector(namespace)
    if gate == Gate.ERROR_RATE:
        errors = _selector(namespace, ',code=~"5.."')
        return _ratio(
            f"rate({g.requests_metric}{{{errors}}}[{g.window}])",
            f"rate({g.requests_metric}{{{sel}}}[{g.window}])",
        )
    if gate == Gate.LATENCY_P95:
        # No request in the window: every bucket's rate is 0 and the quantile is NaN; `>= 0` drops it.
        return f"histogram_quantile(0.95, sum by (le) (rate({g.latency_metric}_bucket{{{sel}}}[{g.window}]))) >= 0"
    ok = _selector(namespace, ',status="succeeded"')
    return _ratio(
        f"increase({g.jobs_metric}{{{ok}}}[{g.window}])", f"increase({g.jobs_metric}{{{sel}}}[{g.window}])"
    )


def gate_conditions(gate: Gate, delivery: DeliverySpec) -> tuple[str, str]:
    """``(successCondition, failureCondition)`` of ``gate``: both false on an empty result."""
    g = delivery.gates
    if gate == Gate.ERROR_RATE:
        return (
            f"{HAS_DATA} && result[0] < {g.max_error_rate}",
            f"{HAS_DATA} && result[0] >= {g.abort_error_rate}",
        )
    if gate == Gate.LATENCY_P95:
        return (
            f"{HAS_DATA} && result[0] < {g.max_p95_latency_seconds}",
            f"{HAS_DATA} && result[0] >= {g.max_p95_latency_seconds}",
        )
    return (
        f"{HAS_DATA} && result[0] >= {g.min_job_success_rate}",
        f"{HAS_DATA} && result[0] < {g.min_job_success_rate}",
    )


def gate_metric(gate: Gate, delivery: DeliverySpec, namespace: str, prometheus_url: str) -> dict[str, Any]:
    """The single ``metrics[]`` entry of ``gate``'s template."""
    g = delivery.gates
    success, failure = gate_conditions(gate, delivery)
    return {
        "name": gate.value,
        "interval": g.interval,
        "count": g.count,
        "successCondition": success,
        "failureCondition": failure,
        "failureLimit": g.latency_failure_limit if gate == Gate.LATENCY_P95 else 0,
        "inconclusiveLimit": INCONCLUSIVE_LIMIT,
        "consecutiveErrorLimit": CONSECUTIVE_ERROR_LIMIT,
        "provider": {
            "prometheus": {"address": prometheus_url, "query": gate_query(gate, delivery, namespace)}
        },
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
