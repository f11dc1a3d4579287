"""Settings of the environment's observability (``platform:observability``)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from components.core.model import Spec

_PERIODS = (10, 30)  # high-resolution periods; otherwise any multiple of 60


class AlarmThresholds(Spec):
    """When the CloudWatch alarms fire. The service-level ones follow the product's alert policy.

    Attributes:
        period_seconds: metric period, 10, 30 or a multiple of 60. Defaults to 60.
        evaluation_periods: periods looked at, 1-60. Defaults to 5.
        datapoints_to_alarm: breaching periods (of those) that fire the alarm. Defaults to 3.
        rds_cpu_percent: RDS CPUUtilization above this. Defaults to 80.
        rds_free_storage_gib: RDS FreeStorageSpace below this. Defaults to 10 GiB.
        rds_replica_lag_seconds: ReplicaLag of a read replica above this. Defaults to 60.
        rds_connections: DatabaseConnections above this. Defaults to 400.
        cache_engine_cpu_percent: ElastiCache EngineCPUUtilization above this. Defaults to 75.
        cache_memory_percent: DatabaseMemoryUsagePercentage above this. Defaults to 80.
        cache_evictions: Evictions per period above this. Defaults to 1000.
        lb_error_rate_percent: the load balancer's 5xx responses, percent of requests. Defaults to 1 (alert
            policy: error rate over 1%).
        lb_p95_latency_seconds: TargetResponseTime p95 above this. Defaults to 1 (alert policy: p95 over 1 s).
    """

    period_seconds: int = 60
    evaluation_periods: int = Field(default=5, ge=1, le=60)
    datapoints_to_alarm: int = Field(default=3, ge=1, le=60)
    rds_cpu_percent: float = Field(default=80, gt=0, le=100)
    rds_free_storage_gib: float = Field(default=10, gt=0)
    rds_replica_lag_seconds: float = Field(default=60, gt=0)
    rds_connections: int = Field(default=400, gt=0)
    cache_engine_cpu_percent: float = Field(default=75, gt=0, le=100)
    cache_memory_percent: float = Field(default=80, gt=0, le=100)
    cache_evictions: int = Field(default=1000, ge=0)
    lb_error_rate_percent: float = Field(default=1.0, gt=0, le=100)
    lb_p95_latency_seconds: float = Field(default=1.0, gt=0)

    @field_validator("period_seconds")
    @classmethod
    def _period(cls, value: int) -> int:
        if value not in _PERIODS and (value <= 0 or value % 60):
            raise ValueError("must be 10, 30 or a multiple of 60 seconds")
        return value

    @model_validator(mode="after")
    def _datapoints(self) -> AlarmThresholds:
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError(
                f"datapointsToAlarm ({self.datapoints_to_alarm}) cannot exceed evaluationPeriods"
                f" ({self.evaluation_periods})"
            )
        return self


class BudgetSpec(Spec):
    """The environment's monthly cost budget.

    Attributes:
        monthly_limit_usd: the budget, in US dollars (required).
        alert_thresholds_percent: actual spend, in percent of the budget, that alerts. Defaults to 50,
            80 and 100.
        forecast_threshold_percent: forecast spend that alerts, or none. Defaults to 100.
    """

    monthly_limit_usd: float = Field(gt=0)
    alert_thresholds_percent: tuple[float, ...] = (50, 80, 100)
    forecast_threshold_percent: float | None = Field(default=100, gt=0, le=1000)

    @field_validator("alert_thresholds_percent")
    @classmethod
    def _thresholds(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("must have at least one threshold")
        if any(not 0 < t <= 1000 for t in value):
            raise ValueError("each threshold must be above 0 and at most 1000 percent")
        if len(set(value)) != len(value) or list(value) != sorted(value):
            raise ValueError("must be increasing, without repeats")
        return value


class ObservabilitySpec(Spec):
    """Alert routing, budget and alarm thresholds.

    Attributes:
        slack_webhook_secret: short name of the external secret holding the Slack incoming webhook the
            alerts are forwarded to. Defaults to ``slack-webhook-url``; it must be one of
            ``platform:secrets.external``.
        alarms: alarm thresholds. Defaults to :class:`AlarmThresholds`' defaults.
        budget: the monthly budget (required).
    """

    slack_webhook_secret: str = "slack-webhook-url"
    alarms: AlarmThresholds = AlarmThresholds()
    budget: BudgetSpec
