"""The CloudWatch alarms as data (pure): which metric, statistic, threshold and dimensions each has.

The component turns each :class:`AlarmDefinition` into an ``aws.cloudwatch.MetricAlarm``; keeping the
list here lets it be tested without Pulumi and read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from components.observability.spec import AlarmThresholds

GIB = 1024**3


@dataclass(frozen=True)
class AlarmDefinition:
    """One alarm.

    Attributes:
        suffix: appended to the component's name (``<name>-<suffix>``).
        description: what it means and what to look at.
        namespace: the CloudWatch namespace; empty for a metric-math alarm.
        metric: metric name; empty for a metric-math alarm.
        statistic: ``Average``/``Maximum``/``Minimum``/``Sum``, or empty when ``extended_statistic`` is set.
        comparison: ``GreaterThanThreshold`` or ``LessThanThreshold``.
        threshold: the value compared with.
        dimensions: CloudWatch dimensions (values may be Pulumi outputs).
        extended_statistic: a percentile such as ``p95``.
        queries: metric-math queries (``aws.cloudwatch.MetricAlarm.metric_queries`` shape).
    """

    suffix: str
    description: str
    namespace: str
    metric: str
    statistic: str
    comparison: str
    threshold: float
    dimensions: dict[str, Any] = field(default_factory=dict)
    extended_statistic: str = ""
    queries: tuple[dict[str, Any], ...] = ()


def postgres_alarms(t: AlarmThresholds, primary_id: Any, replica_ids: list[Any]) -> list[AlarmDefinition]:
    """CPU, free storage and connections of the primary; CPU and lag of each read replica."""
    rds = "AWS/RDS"
    found = [
        AlarmDefinition(
            "rds-cpu",
            f"RDS CPU above {t.rds_cpu_percent:g}%",
            rds,
            "CPUUtilization",
            "Average",
            "GreaterThanThreshold",
            t.rds_cpu_percent,
            {"DBInstanceIdentifier": primary_id},
        ),
        AlarmDefinition(
            "rds-free-storage",
            f"RDS free storage below {t.rds_free_storage_gib:g} GiB",
            rds,
            "FreeStorageSpace",
            "Minimum",
            "LessThanThreshold",
            t.rds_free_storage_gib * GIB,
            {"DBInstanceIdentifier": primary_id},
        ),
        AlarmDefinition(
            "rds-connections",
            f"RDS connections above {t.rds_connections}",
            rds,
            "DatabaseConnections",
            "Maximum",
            "GreaterThanThreshold",
            float(t.rds_connections),
            {"DBInstanceIdentifier": primary_id},
        ),
    ]
    for i, replica in enumerate(replica_ids):
        found += [
            AlarmDefinition(
                f"rds-replica-{i}-lag",
                f"RDS replica {i} lags more than {t.rds_replica_lag_seconds:g} s",
                rds,
                "ReplicaLag",
                "Maximum",
                "GreaterThanThreshold",
                t.rds_replica_lag_seconds,
                {"DBInstanceIdentifier": replica},
            ),
            AlarmDefinition(
                f"rds-replica-{i}-cpu",
                f"RDS replica {i} CPU above {t.rds_cpu_percent:g}%",
                rds,
                "CPUUtilization",
                "Average",
                "GreaterThanThreshold",
                t.rds_cpu_percent,
                {"DBInstanceIdentifier": replica},
            ),
        ]
    return found


def cache_alarms(t: AlarmThresholds, node_ids: list[Any]) -> list[AlarmDefinition]:
    """Engine CPU, memory and evictions of every cache node (ElastiCache publishes them per node)."""
    cache = "AWS/ElastiCache"
    found = []
    for i, node in enumerate(node_ids):
        dims = {"CacheClusterId": node}
        found += [
            AlarmDefinition(
                f"cache-{i}-cpu",
                f"cache node {i} engine CPU above {t.cache_engine_cpu_percent:g}%",
                cache,
                "EngineCPUUtilization",
                "Average",
                "GreaterThanThreshold",
                t.cache_engine_cpu_percent,
                dims,
            ),
            AlarmDefinition(
                f"cache-{i}-memory",
                f"cache node {i} memory above {t.cache_memory_percent:g}%",
                cache,
                "DatabaseMemoryUsagePercentage",
                "Maximum",
                "GreaterThanThreshold",
                t.cache_memory_percent,
                dims,
            ),
            AlarmDefinition(
                f"cache-{i}-evictions",
                f"cache node {i} evicts more than {t.cache_evictions} keys per period",
                cache,
                "Evictions",
                "Sum",
                "GreaterThanThreshold",
                float(t.cache_evictions),
                dims,
            ),
        ]
    return found


def load_balancer_alarms(t: AlarmThresholds, arn_suffix: Any) -> list[AlarmDefinition]:
    """The service-level alarms: 5xx rate (the balancer's and the targets') and p95 response time."""
    elb = "AWS/ApplicationELB"
    dims = {"LoadBalancer": arn_suffix}

    def metric(id_: str, name: str) -> dict[str, Any]:
        return {
            "id": id_,
            "return_data": False,
            "metric": {
                "namespace": elb,
                "metric_name": name,
                "period": t.period_seconds,
                "stat": "Sum",
                "dimensions": dims,
            },
        }

    rate = {
        "id": "error_rate",
        "label": "5xx responses, % of requests",
        # No requests means no errors, not an unknown rate.
        "expression": "IF(requests > 0, 100 * (target_5xx + elb_5xx) / requests, 0)",
        "return_data": True,
    }
    return [
        AlarmDefinition(
            "lb-5xx-rate",
            f"5xx responses above {t.lb_error_rate_percent:g}% of requests",
            "",
            "",
            "",
            "GreaterThanThreshold",
            t.lb_error_rate_percent,
            queries=(
                metric("requests", "RequestCount"),
                metric("target_5xx", "HTTPCode_Target_5XX_Count"),
                metric("elb_5xx", "HTTPCode_ELB_5XX_Count"),
                rate,
            ),
        ),
        AlarmDefinition(
            "lb-p95-latency",
            f"p95 response time above {t.lb_p95_latency_seconds:g} s",
            elb,
            "TargetResponseTime",
            "",
            "GreaterThanThreshold",
            t.lb_p95_latency_seconds,
            dims,
            extended_statistic="p95",
        ),
    ]
