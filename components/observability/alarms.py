"""CloudWatch alarms on the data tier and the load balancer, notifying the alert topic.

The targets (database identifiers, cache group, load-balancer ARN suffix) come from the components that
own them; each group is optional so the alarms can be wired as those components land.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.observability.catalog import (
    AlarmDefinition,
    cache_alarms,
    load_balancer_alarms,
    postgres_alarms,
)
from components.observability.spec import AlarmThresholds


@dataclass(frozen=True)
class PostgresAlarmTarget:
    """The RDS instances to watch: the primary's identifier and each read replica's."""

    primary_id: pulumi.Input[str]
    replica_ids: tuple[pulumi.Input[str], ...] = ()


@dataclass(frozen=True)
class CacheAlarmTarget:
    """The ElastiCache replication group and its number of nodes.

    Metrics are published per node, whose ids (``<group>-001``, ``<group>-002``, ...) follow from the
    group id, so the alarms need no output of the group but its id.
    """

    replication_group_id: pulumi.Input[str]
    node_count: int


@dataclass(frozen=True)
class ServiceAlarmsArgs:
    """Inputs of :class:`ServiceAlarms`.

    Attributes:
        thresholds: from ``platform:observability.alarms``.
        topic_arn: where the alarms (and their recoveries) notify.
        postgres: the RDS primary and replicas. Defaults to none (no RDS alarms).
        cache: the ElastiCache group. Defaults to none.
        load_balancer_arn_suffix: the ALB's ``app/<name>/<id>`` (its ``arn_suffix``). Defaults to none.
    """

    thresholds: AlarmThresholds
    topic_arn: pulumi.Input[str]
    postgres: PostgresAlarmTarget | None = None
    cache: CacheAlarmTarget | None = None
    load_balancer_arn_suffix: pulumi.Input[str] | None = None


def cache_node_ids(target: CacheAlarmTarget) -> list[pulumi.Output[str]]:
    return [
        pulumi.Output.concat(target.replication_group_id, f"-{i + 1:03d}") for i in range(target.node_count)
    ]


class ServiceAlarms(pulumi.ComponentResource):
    """One ``MetricAlarm`` per :class:`~components.observability.catalog.AlarmDefinition`."""

    alarm_names: list[pulumi.Output[str]]
    alarm_arns: dict[str, pulumi.Output[str]]
    """The alarms' ARNs by definition suffix (``lb-5xx-rate``: what rolls a feature-flag change back)."""

    def __init__(
        self, name: str, args: ServiceAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:observability:ServiceAlarms", name, None, opts)
        t = args.thresholds
        definitions: list[AlarmDefinition] = []
        if args.postgres is not None:
            definitions += postgres_alarms(t, args.postgres.primary_id, list(args.postgres.replica_ids))
        if args.cache is not None:
            definitions += cache_alarms(t, cache_node_ids(args.cache))
        if args.load_balancer_arn_suffix is not None:
            definitions += load_balancer_alarms(t, args.load_balancer_arn_suffix)
        alarms = {d.suffix: self._alarm(name, d, args) for d in definitions}
        self.alarm_names = [alarm.name for alarm in alarms.values()]
        self.alarm_arns = {suffix: alarm.arn for suffix, alarm in alarms.items()}
        self.register_outputs({"alarm_names": self.alarm_names})

    def _alarm(self, name: str, d: AlarmDefinition, args: ServiceAlarmsArgs) -> aws.cloudwatch.MetricAlarm:
        t = args.thresholds
        single_metric = not d.queries
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{d.suffix}",
            alarm_description=d.description,
            comparison_operator=d.comparison,
            threshold=d.threshold,
            evaluation_periods=t.evaluation_periods,
            datapoints_to_alarm=t.datapoints_to_alarm,
            # No data from a quiet database or balancer is not an incident.
            treat_missing_data="notBreaching",
            namespace=d.namespace if single_metric else None,
            metric_name=d.metric if single_metric else None,
            statistic=d.statistic or None,
            extended_statistic=d.extended_statistic or None,
            period=t.period_seconds if single_metric else None,
            dimensions=d.dimensions or None,
            metric_queries=list(d.queries) or None,
            alarm_actions=[args.topic_arn],
            ok_actions=[args.topic_arn],
            opts=pulumi.ResourceOptions(parent=self),
        )
