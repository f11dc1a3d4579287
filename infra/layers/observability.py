"""Observability: the alert topic (to Slack), the budget, CloudWatch alarms on the data tier and the
load balancer, and in the cluster the service-level alert rules and dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.apps.spec import DEFAULT_INGRESS_GROUP
from components.cluster.charts import Addon
from components.observability.alarms import (
    CacheAlarmTarget,
    PostgresAlarmTarget,
    ServiceAlarms,
    ServiceAlarmsArgs,
)
from components.observability.alerting import Alerting, AlertingArgs
from components.observability.budget import Budget, BudgetArgs
from components.observability.kubernetes import Dashboards, MonitoringArgs, ServiceAlertRules
from infra.layers.data import DataTier
from infra.layers.foundation import Foundation
from infra.layers.platform import Platform

# The Ingress group the public services share (components.apps, set by the services project): one ALB,
# which the Load Balancer Controller tags with the cluster and the group.
PUBLIC_INGRESS_GROUP = DEFAULT_INGRESS_GROUP
NO_LOAD_BALANCER = "app/none-yet/0"
FLAG_ROLLBACK_ALARM = "lb-5xx-rate"
"""The alarm AppConfig watches while a feature-flag change rolls out (components/apps/feature_flags.py)."""


@dataclass(frozen=True)
class Observability:
    alerting: Alerting
    outputs: dict[str, Any] = field(default_factory=dict)
    flags_rollback_alarm_arn: pulumi.Output[str] | None = None
    """The alarm that rolls a feature-flag change back (the load balancer's 5xx rate), where it exists."""


def load_balancer_arn_suffix(arns: list[str]) -> str:
    """``app/<name>/<id>`` of the first ALB ARN, or a placeholder before the controller has made one.

    On the first deployment the ALB does not exist yet: the alarms then watch a dimension with no data
    (``INSUFFICIENT_DATA``, treated as not breaching) and the next ``pulumi up`` points them at it.
    """
    for arn in sorted(arns):
        _, _, suffix = arn.partition(":loadbalancer/")
        if suffix.startswith("app/"):
            return suffix
    return NO_LOAD_BALANCER


def build(base: Foundation, data: DataTier, platform: Platform | None) -> Observability | None:
    settings, env = base.settings, base.env
    spec = settings.config.observability
    if spec is None:
        return None
    alerting = Alerting(
        f"{env}-alerts",
        AlertingArgs(
            env, base.context, base.keys.logs, base.keys.secrets, base.secrets.arns[spec.slack_webhook_secret]
        ),
        base.on_aws,
    )
    Budget(f"{env}-budget", BudgetArgs(spec.budget, env, alerting.topic_arn), base.on_aws)

    postgres = redis = None
    if data.postgres is not None:
        postgres = PostgresAlarmTarget(
            data.postgres.primary_identifier, tuple(data.postgres.replica_identifiers)
        )
    if data.redis is not None and settings.config.redis is not None:
        redis = CacheAlarmTarget(data.redis.replication_group_id, settings.config.redis.nodes)
    alb = None
    if platform is not None and platform.addons.ingress_class is not None:
        found = aws.resourcegroupstaggingapi.get_resources_output(
            resource_type_filters=["elasticloadbalancing:loadbalancer"],
            tag_filters=[
                {"key": "elbv2.k8s.aws/cluster", "values": [platform.cluster.name]},
                {"key": "ingress.k8s.aws/stack", "values": [PUBLIC_INGRESS_GROUP]},
            ],
            opts=pulumi.InvokeOutputOptions(provider=base.aws_provider),
        )
        # The lookup may answer null (no list) or entries without an ARN: both mean "no ALB yet".
        alb = found.resource_tag_mapping_lists.apply(
            lambda mappings: load_balancer_arn_suffix(
                [m.resource_arn for m in mappings or [] if m and m.resource_arn]
            )
        )
    outputs: dict[str, Any] = {"alert_topic_arn": alerting.topic_arn}
    rollback_alarm = None
    if postgres or redis or alb is not None:
        alarms = ServiceAlarms(
            f"{env}-alarms",
            ServiceAlarmsArgs(
                spec.alarms, alerting.topic_arn, postgres=postgres, cache=redis, load_balancer_arn_suffix=alb
            ),
            base.on_aws,
        )
        # The services' feature flags roll a change back when the product's 5xx rate alarms.
        rollback_alarm = alarms.alarm_arns.get(FLAG_ROLLBACK_ALARM)

    if platform is not None and Addon.KUBE_PROMETHEUS_STACK in platform.addons.releases:
        # The operator's CRDs and Grafana's dashboard sidecar come with the kube-prometheus-stack release.
        prometheus = platform.addons.releases[Addon.KUBE_PROMETHEUS_STACK]
        monitoring = MonitoringArgs(spec.alarms, platform.cluster.k8s_provider, after=(prometheus,))
        ServiceAlertRules(f"{env}-slo", monitoring)
        Dashboards(f"{env}-dashboards", monitoring)
    return Observability(alerting=alerting, outputs=outputs, flags_rollback_alarm_arn=rollback_alarm)
