"""The service-level signals as Prometheus rules and a Grafana dashboard (pure: data in, documents out).

The services expose the usual RED metrics (``http_requests_total{code}`` and the
``http_request_duration_seconds`` histogram); each service with a Service has a ``ServiceMonitor``
(``components/apps/manifests.py``), and the Prometheus operator labels its targets with ``namespace`` and
``service`` (the Kubernetes Service), the labels these rules select and group on. Thresholds are the CloudWatch alarms' (``platform:observability.alarms``): error rate over
``lbErrorRatePercent`` and p95 over ``lbP95LatencySeconds``, so both views alert on the same policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.observability.spec import AlarmThresholds

DATASOURCE = "${datasource}"


@dataclass(frozen=True)
class ServiceSignals:
    """Where the signals come from and when they alert.

    Attributes:
        namespace: the workloads' namespace. Defaults to ``product``.
        requests_metric: the request counter, labelled ``code``. Defaults to ``http_requests_total``.
        duration_metric: the latency histogram's base name. Defaults to ``http_request_duration_seconds``.
        window: the rate window. Defaults to ``5m``.
        for_duration: how long a condition holds before it fires. Defaults to ``5m``.
    """

    namespace: str = "product"
    requests_metric: str = "http_requests_total"
    duration_metric: str = "http_request_duration_seconds"
    window: str = "5m"
    for_duration: str = "5m"

    def error_rate(self) -> str:
        """Percent of 5xx responses per service."""
        selector = f'namespace="{self.namespace}"'
        rate = f"rate({self.requests_metric}{{{{{selector}{{code}}}}}}[{self.window}])"
        errors = rate.format(code=',code=~"5.."')
        total = rate.format(code="")
        return f"100 * sum by (namespace, service) ({errors}) / sum by (namespace, service) ({total})"

    def p95_latency(self) -> str:
        """The 95th percentile response time per service, in seconds."""
        return (
            f"histogram_quantile(0.95, sum by (namespace, service, le) "
            f'(rate({self.duration_metric}_bucket{{namespace="{self.namespace}"}}[{self.window}])))'
        )


def prometheus_rule_spec(signals: ServiceSignals, t: AlarmThresholds) -> dict[str, Any]:
    """The ``spec`` of a ``PrometheusRule``: error rate, p95 latency and scrape targets down."""
    return {
        "groups": [
            {
                "name": "platform-service-level",
                "rules": [
                    {
                        "alert": "ServiceHighErrorRate",
                        "expr": f"{signals.error_rate()} > {t.lb_error_rate_percent:g}",
                        "for": signals.for_duration,
                        "labels": {"severity": "critical"},
                        "annotations": {
                            "summary": f"{{{{ $labels.service }}}}: more than {t.lb_error_rate_percent:g}% of requests fail",
                            "description": '5xx responses are {{ $value | printf "%.2f" }}% of requests.',
                        },
                    },
                    {
                        "alert": "ServiceHighLatencyP95",
                        "expr": f"{signals.p95_latency()} > {t.lb_p95_latency_seconds:g}",
                        "for": signals.for_duration,
                        "labels": {"severity": "warning"},
                        "annotations": {
                            "summary": f"{{{{ $labels.service }}}}: p95 response time over {t.lb_p95_latency_seconds:g} s",
                            "description": 'p95 is {{ $value | printf "%.2f" }} s.',
                        },
                    },
                    {
                        "alert": "ServiceTargetDown",
                        "expr": f'up{{namespace="{signals.namespace}"}} == 0',
                        "for": signals.for_duration,
                        "labels": {"severity": "critical"},
                        "annotations": {
                            "summary": "{{ $labels.service }}: a scrape target is down",
                            "description": "{{ $labels.pod }} has not answered Prometheus for "
                            + signals.for_duration
                            + ".",
                        },
                    },
                ],
            }
        ]
    }


def _panel(
    panel_id: int, title: str, expr: str, unit: str, threshold: float | None, x: int, y: int
) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    if threshold is not None:
        steps.append({"color": "red", "value": threshold})
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": DATASOURCE},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "thresholds": {"mode": "absolute", "steps": steps},
                "custom": {"thresholdsStyle": {"mode": "line" if threshold is not None else "off"}},
            },
            "overrides": [],
        },
        "targets": [{"refId": "A", "expr": expr, "legendFormat": "{{service}}"}],
    }


def service_dashboard(signals: ServiceSignals, t: AlarmThresholds) -> dict[str, Any]:
    """A Grafana dashboard (JSON model) of the services' RED signals, with the alert thresholds drawn."""
    requests = f'sum by (service) (rate({signals.requests_metric}{{namespace="{signals.namespace}"}}[{signals.window}]))'
    restarts = f'sum by (pod) (increase(kube_pod_container_status_restarts_total{{namespace="{signals.namespace}"}}[1h]))'
    return {
        "uid": "platform-services",
        "title": "Platform / Services",
        "tags": ["platform", "slo"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}
            ]
        },
        "panels": [
            _panel(1, "Requests per second", requests, "reqps", None, 0, 0),
            _panel(2, "Error rate (5xx, %)", signals.error_rate(), "percent", t.lb_error_rate_percent, 12, 0),
            _panel(3, "p95 response time", signals.p95_latency(), "s", t.lb_p95_latency_seconds, 0, 8),
            _panel(4, "Container restarts (1 h)", restarts, "short", None, 12, 8),
        ],
    }
