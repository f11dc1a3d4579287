"""Redis on ElastiCache under the recording mocks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.data.redis import Redis, RedisArgs, RedisSpec
from infra.preview.mocks import is_secret
from tests.components.data.conftest import DATA_KEY, LOGS_KEY, SECRETS_KEY, WORKLOADS_SG
from tests.helpers import inputs, of_type, one

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def build(runtime, *, protect=False, final_snapshot=False, **spec):
    values = {"nodeType": "cache.t4g.small", **spec}
    return runtime.run(
        lambda: Redis(
            "cache",
            RedisArgs(
                spec=RedisSpec.model_validate(values),
                environment="test",
                subnet_group_name="cache-subnets",
                vpc_id="vpc-1",
                source_security_group_id=WORKLOADS_SG,
                data_key_arn=DATA_KEY,
                secrets_key_arn=SECRETS_KEY,
                logs_key_arn=LOGS_KEY,
                secret_recovery_window_days=7,
                final_snapshot=final_snapshot,
                protect=protect,
            ),
        )
    )


def test_defaults_encrypt_in_transit_and_at_rest_with_the_data_key(mock_runtime):
    group = inputs(one(build(mock_runtime), GROUP))
    assert (group["engine"], group["engineVersion"], group["parameterGroupName"]) == (
        "redis",
        "7.1",
        "default.redis7",
    )
    assert group["transitEncryptionEnabled"] is True
    assert group["transitEncryptionMode"] == "required"
    assert group["atRestEncryptionEnabled"] is True
    assert group["kmsKeyId"] == DATA_KEY
    assert group["subnetGroupName"] == "cache-subnets"
    assert group["numCacheClusters"] == 2
    assert group["automaticFailoverEnabled"] is True
    assert group["multiAzEnabled"] is True


def test_auth_token_goes_through_the_write_only_input_from_a_secret_under_the_secrets_key(mock_runtime):
    resources = build(mock_runtime)
    group = one(resources, GROUP)
    assert is_secret(group.inputs["authTokenWo"])
    assert "authToken" not in group.inputs
    assert group.inputs["authTokenWoVersion"] == 1
    secret = inputs(one(resources, "aws:secretsmanager/secret:Secret"))
    assert secret["name"] == "platform/test/redis-auth-token"
    assert secret["kmsKeyId"] == SECRETS_KEY


def test_slow_log_goes_to_a_log_group_under_the_logs_key(mock_runtime):
    resources = build(mock_runtime)
    log_group = inputs(one(resources, "aws:cloudwatch/logGroup:LogGroup"))
    assert log_group["kmsKeyId"] == LOGS_KEY
    (delivery,) = inputs(one(resources, GROUP))["logDeliveryConfigurations"]
    assert delivery == {
        "destination": log_group["name"],
        "destinationType": "cloudwatch-logs",
        "logFormat": "json",
        "logType": "slow-log",
    }


def test_6379_is_admitted_only_from_the_workloads_group(mock_runtime):
    (rule,) = of_type(build(mock_runtime), "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    values = inputs(rule)
    assert values["referencedSecurityGroupId"] == WORKLOADS_SG
    assert (values["fromPort"], values["toPort"]) == (6379, 6379)


def test_one_dev_node_has_no_failover_and_is_destroyable(mock_runtime):
    group = one(build(mock_runtime, nodes=1, snapshotRetentionDays=0), GROUP)
    values = inputs(group)
    assert values["numCacheClusters"] == 1
    assert values["automaticFailoverEnabled"] is False
    assert values["multiAzEnabled"] is False
    assert "finalSnapshotIdentifier" not in values
    assert group.protect is False


def test_prod_group_is_protected_and_keeps_a_final_snapshot(mock_runtime):
    group = one(
        build(mock_runtime, nodes=3, snapshotRetentionDays=7, protect=True, final_snapshot=True), GROUP
    )
    assert group.protect is True
    assert inputs(group)["finalSnapshotIdentifier"] == "platform-test-redis-final"
    assert inputs(group)["snapshotRetentionLimit"] == 7


def test_valkey_8_uses_its_own_parameter_family(mock_runtime):
    group = inputs(one(build(mock_runtime, engine="valkey"), GROUP))
    assert (group["engine"], group["engineVersion"], group["parameterGroupName"]) == (
        "valkey",
        "8.0",
        "default.valkey8",
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"nodeType": "t4g.small"}, "must be an ElastiCache node type"),
        ({"nodeType": "cache.t4g.small", "engine": "memcached"}, "Input should be 'redis' or 'valkey'"),
        (
            {"nodeType": "cache.t4g.small", "engine": "valkey", "engineVersion": "7.1"},
            "not a valkey version this platform runs (allowed: 8.0, 8.1, 8.2)",
        ),
        ({"nodeType": "cache.t4g.small", "nodes": 7}, "less than or equal to 6"),
        ({"nodeType": "cache.t4g.small", "snapshotRetentionDays": 36}, "less than or equal to 35"),
        ({"nodeType": "cache.t4g.small", "slowLogRetentionDays": 2}, "retention periods CloudWatch accepts"),
    ],
)
def test_invalid_redis_settings_are_refused(values, message):
    with pytest.raises(ValidationError) as raised:
        RedisSpec.model_validate(values)
    assert message in str(raised.value)
