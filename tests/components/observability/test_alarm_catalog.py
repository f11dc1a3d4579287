"""The alarm catalogue (pure): metrics, statistics, thresholds and dimensions, no mocks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.observability.catalog import GIB, cache_alarms, load_balancer_alarms, postgres_alarms
from components.observability.spec import AlarmThresholds, BudgetSpec

T = AlarmThresholds()


def by_suffix(alarms):
    return {a.suffix: a for a in alarms}


def test_postgres_alarms_watch_the_primary_and_each_replica():
    alarms = by_suffix(postgres_alarms(T, "db", ["db-r0", "db-r1"]))
    assert set(alarms) == {
        "rds-cpu", "rds-free-storage", "rds-connections",
        "rds-replica-0-lag", "rds-replica-0-cpu", "rds-replica-1-lag", "rds-replica-1-cpu",
    }  # fmt: skip
    assert (alarms["rds-cpu"].metric, alarms["rds-cpu"].threshold) == ("CPUUtilization", 80)
    storage = alarms["rds-free-storage"]
    assert (storage.metric, storage.statistic, storage.comparison) == (
        "FreeStorageSpace",
        "Minimum",
        "LessThanThreshold",
    )
    assert storage.threshold == 10 * GIB
    lag = alarms["rds-replica-1-lag"]
    assert (lag.metric, lag.dimensions, lag.threshold) == (
        "ReplicaLag",
        {"DBInstanceIdentifier": "db-r1"},
        60,
    )
    assert alarms["rds-connections"].metric == "DatabaseConnections"


def test_cache_alarms_are_per_node():
    alarms = by_suffix(cache_alarms(T, ["c-001", "c-002"]))
    assert set(alarms) == {f"cache-{i}-{m}" for i in (0, 1) for m in ("cpu", "memory", "evictions")}
    assert alarms["cache-1-cpu"].metric == "EngineCPUUtilization"
    assert alarms["cache-1-cpu"].dimensions == {"CacheClusterId": "c-002"}
    assert alarms["cache-0-memory"].metric == "DatabaseMemoryUsagePercentage"
    assert (alarms["cache-0-evictions"].statistic, alarms["cache-0-evictions"].threshold) == ("Sum", 1000)


def test_load_balancer_alarms_follow_the_alert_policy():
    alarms = by_suffix(load_balancer_alarms(T, "app/platform/abc"))
    rate = alarms["lb-5xx-rate"]
    assert rate.threshold == 1.0  # error rate over 1%
    expression = next(q for q in rate.queries if q.get("return_data"))
    assert expression["expression"] == "IF(requests > 0, 100 * (target_5xx + elb_5xx) / requests, 0)"
    metrics = {q["id"]: q["metric"]["metric_name"] for q in rate.queries if "metric" in q}
    assert metrics == {
        "requests": "RequestCount",
        "target_5xx": "HTTPCode_Target_5XX_Count",
        "elb_5xx": "HTTPCode_ELB_5XX_Count",
    }
    p95 = alarms["lb-p95-latency"]
    assert (p95.metric, p95.extended_statistic, p95.threshold) == (
        "TargetResponseTime",
        "p95",
        1.0,
    )  # p95 over 1 s
    assert p95.dimensions == {"LoadBalancer": "app/platform/abc"}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"periodSeconds": 45}, "must be 10, 30 or a multiple of 60 seconds"),
        (
            {"evaluationPeriods": 2, "datapointsToAlarm": 3},
            "datapointsToAlarm (3) cannot exceed evaluationPeriods (2)",
        ),
        ({"lbErrorRatePercent": 0}, "greater than 0"),
    ],
)
def test_invalid_thresholds_are_refused(values, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AlarmThresholds.model_validate(values)


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [((80, 50), "must be increasing"), ((), "at least one"), ((50, 2000), "at most 1000")],
)
def test_budget_thresholds_must_be_increasing_percentages(thresholds, message):
    with pytest.raises(ValidationError, match=message):
        BudgetSpec(monthly_limit_usd=100, alert_thresholds_percent=thresholds)
