"""Redis on ElastiCache under the recording mocks."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components.data.cache_acl import access_string
from components.data.redis import Redis, RedisArgs, RedisSpec
from tests.components.data.conftest import DATA_KEY, LOGS_KEY, WORKLOADS_SG
from tests.helpers import inputs, of_type, one

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
USER = "aws:elasticache/user:User"
USER_GROUP = "aws:elasticache/userGroup:UserGroup"


def build(runtime, *, protect=False, final_snapshot=False, grants_for=(), **spec):
    values = {"nodeType": "cache.t4g.small", **spec}
    granted = {}

    def program():
        cache = Redis(
            "cache",
            RedisArgs(
                spec=RedisSpec.model_validate(values),
                environment="test",
                subnet_group_name="cache-subnets",
                vpc_id="vpc-1",
                source_security_group_id=WORKLOADS_SG,
                data_key_arn=DATA_KEY,
                logs_key_arn=LOGS_KEY,
                final_snapshot=final_snapshot,
                protect=protect,
                iam_users={
                    "gateway": access_string(["job:"]),
                    "worker-convert": access_string(["job:convert"]),
                },
            ),
        )
        for identity in grants_for:
            cache.grant_connect(identity).apply(lambda v, i=identity: granted.__setitem__(i, v))

    resources = runtime.run(program)
    return (resources, granted) if grants_for else resources


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


def test_only_iam_users_can_connect_no_auth_token_exists(mock_runtime):
    resources = build(mock_runtime)
    group = one(resources, GROUP)
    assert not {"authToken", "authTokenWo", "authTokenWoVersion"} & set(group.inputs)
    assert of_type(resources, "aws:secretsmanager/secret:Secret") == []
    users = {inputs(u)["userId"]: inputs(u) for u in of_type(resources, USER)}
    # Every user group needs a "default" user: this one is switched off.
    default = users["platform-test-redis-default"]
    assert (default["userName"], default["accessString"]) == ("default", "off -@all")
    for identity in ("test-gateway", "test-worker-convert"):
        user = users[identity]
        assert user["userName"] == identity  # IAM authentication needs user name == user id
        assert user["authenticationMode"] == {"type": "iam"}
        assert "-@dangerous" in user["accessString"]
        assert "passwords" not in user
    user_group = inputs(one(resources, USER_GROUP))
    assert sorted(user_group["userIds"]) == sorted(users)
    assert inputs(group)["userGroupIds"] == [user_group["userGroupId"]]


def test_a_service_is_granted_connect_on_the_group_as_its_own_user_only(mock_runtime):
    _, granted = build(mock_runtime, grants_for=("gateway",))
    (statement,) = granted["gateway"]
    assert statement["Action"] == "elasticache:Connect"
    assert statement["Resource"] == [
        "arn:aws:mock:ap-northeast-2:123456789012:replicationgroup/cache",
        "arn:aws:mock:ap-northeast-2:123456789012:user/cache-user-gateway",
    ]
    json.dumps(statement)  # plain data, ready for a policy document


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
