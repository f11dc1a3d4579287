"""Alert route, budget and alarms under the mock runtime; per tier from the repository's stack files."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components.core.context import AwsContext
from components.observability.alarms import (
    CacheAlarmTarget,
    PostgresAlarmTarget,
    ServiceAlarms,
    ServiceAlarmsArgs,
)
from components.observability.alerting import Alerting, AlertingArgs
from components.observability.budget import Budget, BudgetArgs
from settings import stacks
from settings.config import ConfigError, parse
from tests.conftest import STACKS, stack_run
from tests.helpers import inputs, of_type, one, policy

TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:alerts"
LOGS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/logs"
SECRETS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/secrets"
WEBHOOK = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:platform/prod/slack-webhook-url"


def settings(stack: str):
    return parse(stacks.read(stack).config, stack)


def on_aws():
    provider = aws.Provider("aws", region="ap-northeast-2")
    return provider, pulumi.ResourceOptions(providers=[provider])


def test_alert_topic_is_encrypted_and_forwarded_to_slack_with_the_webhook_secret(mock_runtime):
    def program():
        provider, opts = on_aws()
        ctx = AwsContext.lookup("ap-northeast-2", provider)
        Alerting("prod-alerts", AlertingArgs("prod", ctx, LOGS_KEY, SECRETS_KEY, WEBHOOK), opts)

    found = mock_runtime.run(program)
    assert inputs(one(found, "aws:sns/topic:Topic"))["kmsMasterKeyId"] == LOGS_KEY
    (statement,) = policy(one(found, "aws:sns/topicPolicy:TopicPolicy"))["Statement"]
    assert statement["Principal"]["Service"] == ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    function = inputs(one(found, "aws:lambda/function:Function"))
    assert function["environment"]["variables"] == {"WEBHOOK_SECRET_ARN": WEBHOOK}
    assert function["handler"] == "slack_forwarder.handler"
    assert function["loggingConfig"]["logGroup"] == "/platform/prod/alerts-to-slack"
    assert inputs(one(found, "aws:cloudwatch/logGroup:LogGroup"))["kmsKeyId"] == LOGS_KEY
    subscription = inputs(one(found, "aws:sns/topicSubscription:TopicSubscription"))
    assert subscription["protocol"] == "lambda"
    role_policy = policy(one(found, "aws:iam/rolePolicy:RolePolicy"))
    reads = {s["Sid"]: s["Resource"] for s in role_policy["Statement"]}
    assert reads["ReadWebhook"] == WEBHOOK
    assert reads["DecryptWebhook"] == SECRETS_KEY
    permission = inputs(one(found, "aws:lambda/permission:Permission"))
    assert permission["principal"] == "sns.amazonaws.com"


def test_forwarder_failures_land_in_an_encrypted_dead_letter_queue_and_decrypts_only_via_services(
    mock_runtime,
):
    def program():
        provider, opts = on_aws()
        ctx = AwsContext.lookup("ap-northeast-2", provider)
        Alerting("prod-alerts", AlertingArgs("prod", ctx, LOGS_KEY, SECRETS_KEY, WEBHOOK), opts)

    found = mock_runtime.run(program)
    queue = one(found, "aws:sqs/queue:Queue")
    QUEUE_ARN = f"arn:aws:mock:ap-northeast-2:123456789012:queue/{queue.name}"
    assert inputs(queue)["kmsMasterKeyId"] == LOGS_KEY
    assert inputs(queue)["messageRetentionSeconds"] == 14 * 24 * 3600
    function = inputs(one(found, "aws:lambda/function:Function"))
    assert function["deadLetterConfig"]["targetArn"] == QUEUE_ARN
    statements = {s["Sid"]: s for s in policy(one(found, "aws:iam/rolePolicy:RolePolicy"))["Statement"]}
    assert statements["DecryptWebhook"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.ap-northeast-2.amazonaws.com"}
    }
    assert statements["WriteDeadLetters"]["Resource"] == QUEUE_ARN
    assert function["kmsKeyArn"] == LOGS_KEY
    assert function["reservedConcurrentExecutions"] == 5
    assert statements["EncryptDeadLetters"]["Resource"] == LOGS_KEY
    assert statements["EncryptDeadLetters"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "sqs.ap-northeast-2.amazonaws.com"}
    }
    assert all(s.get("Condition") for s in statements.values() if str(s["Action"]).count("kms:"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_has_an_alert_topic_and_a_budget_from_its_stack_file(stack: str):
    found = stack_run(stack)
    spec = settings(stack).config.observability.budget
    budget = inputs(one(found.resources, "aws:budgets/budget:Budget"))
    assert budget["limitAmount"] == f"{spec.monthly_limit_usd:.2f}"
    assert budget["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:environment${stack}"]}]
    actual = [n["threshold"] for n in budget["notifications"] if n["notificationType"] == "ACTUAL"]
    assert actual == list(spec.alert_thresholds_percent)
    assert [n["notificationType"] for n in budget["notifications"]].count("FORECASTED") == 1
    topic = one(found.resources, "aws:sns/topic:Topic")
    assert all(
        n["subscriberSnsTopicArns"] == [f"arn:aws:mock:ap-northeast-2:123456789012:topic/{topic.name}"]
        for n in budget["notifications"]
    )
    assert "alert_topic_arn" in found.outputs


def test_budget_without_forecast_alerts_on_actual_spend_only(mock_runtime):
    from components.observability.spec import BudgetSpec

    spec = BudgetSpec(
        monthly_limit_usd=99.5, alert_thresholds_percent=(100,), forecast_threshold_percent=None
    )
    found = mock_runtime.run(lambda: Budget("b", BudgetArgs(spec, "dev", TOPIC), on_aws()[1]))
    budget = inputs(one(found, "aws:budgets/budget:Budget"))
    assert budget["limitAmount"] == "99.50"
    assert [n["notificationType"] for n in budget["notifications"]] == ["ACTUAL"]


@pytest.mark.parametrize("stack", STACKS)
def test_alarms_per_tier_use_the_stack_files_thresholds(stack: str, mock_runtime):
    thresholds = settings(stack).config.observability.alarms
    args = ServiceAlarmsArgs(
        thresholds,
        TOPIC,
        postgres=PostgresAlarmTarget("db", ("db-replica",)),
        cache=CacheAlarmTarget("cache", 2),
        load_balancer_arn_suffix="app/platform/123",
    )
    found = mock_runtime.run(lambda: ServiceAlarms(f"{stack}-alarms", args, on_aws()[1]))
    alarms = {
        r.name.removeprefix(f"{stack}-alarms-"): inputs(r)
        for r in of_type(found, "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(alarms) == {
        "rds-cpu", "rds-free-storage", "rds-connections", "rds-replica-0-lag", "rds-replica-0-cpu",
        "cache-0-cpu", "cache-0-memory", "cache-0-evictions", "cache-1-cpu", "cache-1-memory", "cache-1-evictions",
        "lb-5xx-rate", "lb-p95-latency",
    }  # fmt: skip
    for alarm in alarms.values():
        assert alarm["alarmActions"] == [TOPIC]
        assert alarm["okActions"] == [TOPIC]
        assert alarm["evaluationPeriods"] == thresholds.evaluation_periods
        assert alarm["datapointsToAlarm"] == thresholds.datapoints_to_alarm
    assert alarms["rds-connections"]["threshold"] == thresholds.rds_connections
    assert alarms["cache-1-memory"]["dimensions"] == {"CacheClusterId": "cache-002"}
    assert alarms["lb-p95-latency"]["extendedStatistic"] == "p95"
    assert alarms["lb-p95-latency"]["threshold"] == thresholds.lb_p95_latency_seconds
    rate = alarms["lb-5xx-rate"]
    assert "metricName" not in rate
    assert rate["threshold"] == thresholds.lb_error_rate_percent
    assert [q["id"] for q in rate["metricQueries"]] == ["requests", "target_5xx", "elb_5xx", "error_rate"]


def test_alarms_for_targets_not_given_are_not_created(mock_runtime):
    args = ServiceAlarmsArgs(
        settings("dev").config.observability.alarms, TOPIC, load_balancer_arn_suffix="app/x/1"
    )
    found = mock_runtime.run(lambda: ServiceAlarms("a", args, on_aws()[1]))
    assert sorted(r.name for r in of_type(found, "aws:cloudwatch/metricAlarm:MetricAlarm")) == [
        "a-lb-5xx-rate",
        "a-lb-p95-latency",
    ]


def _values(stack: str) -> dict[str, str]:
    return dict(stacks.read(stack).config)


@pytest.mark.parametrize("stack", STACKS)
def test_observability_settings_are_optional_to_parse(stack: str):
    # Prod still needs the alert topic and the budget: the policy pack's tier-floors rule checks them.
    values = _values(stack)
    del values["platform:observability"]
    assert parse(values, stack).config.observability is None


def test_webhook_secret_must_be_a_declared_external_secret():
    values = _values("staging")
    obs = json.loads(values["platform:observability"])
    obs["slackWebhookSecret"] = "slack-url"
    values["platform:observability"] = json.dumps(obs)
    with pytest.raises(ConfigError) as caught:
        parse(values, "staging")
    external = ", ".join(s.name for s in settings("staging").config.secrets.external)
    assert caught.value.problems == [
        f"platform:observability.slackWebhookSecret: must name one of secrets.external ({external}); got 'slack-url'"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_rules_and_dashboards_are_wired_to_the_cluster_after_kube_prometheus_stack(stack: str):
    resources = stack_run(stack).resources
    provider = one(resources, "pulumi:providers:kubernetes")
    release = next(
        r
        for r in of_type(resources, "kubernetes:helm.sh/v3:Release")
        if inputs(r).get("chart") == "kube-prometheus-stack"
    )
    rule = one(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", f"{stack}-slo")
    dashboards = [
        r
        for r in of_type(resources, "kubernetes:core/v1:ConfigMap")
        if r.name.endswith("-dashboards-services")
    ]
    assert len(dashboards) == 1
    for resource in (rule, dashboards[0]):
        assert resource.provider is not None
        assert resource.provider.startswith(provider.urn)
        assert release.urn in resource.dependencies
    thresholds = settings(stack).config.observability.alarms
    alerts = {r["alert"]: r for r in inputs(rule)["spec"]["groups"][0]["rules"]}
    assert alerts["ServiceHighErrorRate"]["expr"].endswith(f" > {thresholds.lb_error_rate_percent:g}")
