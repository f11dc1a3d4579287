"""Postgres on RDS under the recording mocks: defaults, tier differences, keys, sources, replicas, proxy."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components.data.postgres import Postgres, PostgresArgs, PostgresSpec
from tests.components.data.conftest import DATA_KEY, LOGS_KEY, SECRETS_KEY, WORKLOADS_SG, ZONES, context
from tests.helpers import inputs, of_type, one

INSTANCE = "aws:rds/instance:Instance"


def build(runtime, *, protect=False, deletion_protection=False, zones=ZONES, grants=None, **spec):
    values = {"instanceClass": "db.t4g.medium", **spec}

    def create():
        pg = Postgres(
            "pg",
            PostgresArgs(
                spec=PostgresSpec.model_validate(values),
                context=context(),
                environment="test",
                zones=zones,
                db_subnet_group_name="data-subnets",
                subnet_ids=["subnet-a", "subnet-b"],
                vpc_id="vpc-1",
                source_security_group_id=WORKLOADS_SG,
                data_key_arn=DATA_KEY,
                secrets_key_arn=SECRETS_KEY,
                logs_key_arn=LOGS_KEY,
                deletion_protection=deletion_protection,
                protect=protect,
                iam_users=("gateway", "worker-convert", "gateway-migrate"),
            ),
        )
        if grants is not None:
            pg.grant_connect("worker-convert").apply(lambda v: grants.extend(v))

    return runtime.run(create)


def test_defaults_are_private_encrypted_postgres_17_with_managed_password(mock_runtime):
    primary = inputs(one(build(mock_runtime), INSTANCE, "pg"))
    assert primary["engine"] == "postgres"
    assert primary["engineVersion"] == "17"
    assert primary["storageType"] == "gp3"
    assert (primary["allocatedStorage"], primary["maxAllocatedStorage"]) == (20, 100)
    assert primary["publiclyAccessible"] is False
    assert primary["storageEncrypted"] is True
    assert primary["manageMasterUserPassword"] is True
    assert "password" not in primary
    assert primary["dbSubnetGroupName"] == "data-subnets"
    assert primary["backupRetentionPeriod"] == 7
    assert primary["autoMinorVersionUpgrade"] is True
    assert primary["copyTagsToSnapshot"] is True
    assert primary["performanceInsightsEnabled"] is True
    assert primary["monitoringInterval"] == 60
    assert primary["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]


def test_each_key_is_the_right_cmk(mock_runtime):
    resources = build(mock_runtime, readReplicas=1)
    for instance in of_type(resources, INSTANCE):
        values = inputs(instance)
        assert values["kmsKeyId"] == DATA_KEY
        assert values["performanceInsightsKmsKeyId"] == DATA_KEY
    assert inputs(one(resources, INSTANCE, "pg"))["masterUserSecretKmsKeyId"] == SECRETS_KEY
    groups = of_type(resources, "aws:cloudwatch/logGroup:LogGroup")
    assert {inputs(g)["name"] for g in groups} == {
        "/aws/rds/instance/platform-test-postgres/postgresql",
        "/aws/rds/instance/platform-test-postgres/upgrade",
        "/aws/rds/instance/platform-test-postgres-replica-0/postgresql",
        "/aws/rds/instance/platform-test-postgres-replica-0/upgrade",
    }
    assert all(inputs(g)["kmsKeyId"] == LOGS_KEY for g in groups)


def test_parameter_group_forces_tls_and_logs_slow_statements_and_connections(mock_runtime):
    group = inputs(one(build(mock_runtime, slowStatementMs=500), "aws:rds/parameterGroup:ParameterGroup"))
    assert group["family"] == "postgres17"
    params = {p["name"]: p["value"] for p in group["parameters"]}
    assert params["rds.force_ssl"] == "1"
    assert params["log_min_duration_statement"] == "500"
    assert params["log_connections"] == "1"
    assert params["log_disconnections"] == "1"


def test_port_5432_is_admitted_only_from_the_workloads_group(mock_runtime):
    resources = build(mock_runtime)
    rules = of_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert len(rules) == 1
    rule = inputs(rules[0])
    assert rule["referencedSecurityGroupId"] == WORKLOADS_SG
    assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (5432, 5432, "tcp")
    assert "cidrIpv4" not in rule
    assert of_type(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_dev_tier_is_destroyable_and_takes_no_final_snapshot(mock_runtime):
    primary = one(build(mock_runtime, multiAz=False, readReplicas=0, backupRetentionDays=1), INSTANCE, "pg")
    values = inputs(primary)
    assert primary.protect is False
    assert values["deletionProtection"] is False
    assert values["skipFinalSnapshot"] is True
    assert values["multiAz"] is False
    assert values["backupRetentionPeriod"] == 1
    assert values["availabilityZone"] == ZONES[0]  # pinned, so replicas can be placed elsewhere


def test_prod_tier_is_protected_multi_az_and_keeps_a_final_snapshot(mock_runtime):
    primary = one(
        build(mock_runtime, protect=True, deletion_protection=True, backupRetentionDays=30), INSTANCE, "pg"
    )
    values = inputs(primary)
    assert primary.protect is True
    assert values["deletionProtection"] is True
    assert values["skipFinalSnapshot"] is False
    assert values["finalSnapshotIdentifier"] == "platform-test-postgres-final"
    assert values["multiAz"] is True
    assert "availabilityZone" not in values  # a Multi-AZ primary cannot be pinned
    assert values["backupRetentionPeriod"] == 30


def test_replicas_use_the_source_arn_sit_in_other_azs_and_skip_final_snapshots(mock_runtime):
    resources = build(mock_runtime, protect=True, deletion_protection=True, multiAz=False, readReplicas=2)
    primary = one(resources, INSTANCE, "pg")
    replicas = sorted((r for r in of_type(resources, INSTANCE) if r.name != "pg"), key=lambda r: r.name)
    assert [r.name for r in replicas] == ["pg-replica-0", "pg-replica-1"]
    zones = []
    for replica in replicas:
        values = inputs(replica)
        # The ARN the mocks gave the primary, not its identifier: the replica names a subnet group.
        assert values["replicateSourceDb"] == "arn:aws:mock:ap-northeast-2:123456789012:instance/pg"
        assert values["dbSubnetGroupName"] == "data-subnets"
        assert values["skipFinalSnapshot"] is True
        assert values["storageEncrypted"] is True
        assert values["monitoringInterval"] == 60
        assert "manageMasterUserPassword" not in values
        zones.append(values["availabilityZone"])
    assert zones == ["ap-northeast-2b", "ap-northeast-2c"]
    assert inputs(primary)["availabilityZone"] not in zones


def test_proxy_uses_end_to_end_iam_auth_as_the_services_users_and_no_secret(mock_runtime):
    resources = build(mock_runtime, proxy={"enabled": True, "maxConnectionsPercent": 20})
    proxy = inputs(one(resources, "aws:rds/proxy:Proxy"))
    assert proxy["engineFamily"] == "POSTGRESQL"
    assert proxy["requireTls"] is True
    assert proxy["defaultAuthScheme"] == "IAM_AUTH"
    assert "auths" not in proxy  # no secret per database user
    pool = inputs(one(resources, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"))[
        "connectionPoolConfig"
    ]
    assert pool["maxConnectionsPercent"] == 20
    role_policy = json.loads(inputs(one(resources, "aws:iam/rolePolicy:RolePolicy", "pg-proxy"))["policy"])
    (connect,) = role_policy["Statement"]
    assert connect["Action"] == "rds-db:connect"
    prefix = "arn:aws:rds-db:ap-northeast-2:123456789012:dbuser:db-PG"
    assert connect["Resource"] == [
        f"{prefix}/gateway",
        f"{prefix}/worker_convert",
        f"{prefix}/gateway_migrate",
    ]
    assert inputs(one(resources, INSTANCE, "pg"))["iamDatabaseAuthenticationEnabled"] is True
    # The proxy's group admits the workloads only; the database admits the workloads and the proxy.
    ingress = {
        r.name: inputs(r)
        for r in of_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert ingress["pg-proxy-from-workloads"]["referencedSecurityGroupId"] == WORKLOADS_SG
    assert ingress["pg-proxy-from-workloads"]["securityGroupId"] == "pg-proxy-id"
    assert ingress["pg-from-proxy"] == {
        **ingress["pg-from-proxy"],
        "securityGroupId": "pg-id",
        "referencedSecurityGroupId": "pg-proxy-id",
    }
    assert ingress["pg-from-workloads"]["referencedSecurityGroupId"] == WORKLOADS_SG


def test_a_service_connects_as_its_database_user_to_the_proxy_and_the_replicas(mock_runtime):
    granted: list = []
    build(mock_runtime, grants=granted, proxy={"enabled": True}, readReplicas=1)
    (statement,) = granted
    assert statement["Action"] == "rds-db:connect"
    assert statement["Resource"] == [
        "arn:aws:rds-db:ap-northeast-2:123456789012:dbuser:prx-pg-proxy/worker_convert",
        "arn:aws:rds-db:ap-northeast-2:123456789012:dbuser:db-PG-REPLICA-0/worker_convert",
    ]


def test_without_a_proxy_a_service_connects_to_the_instance_with_iam(mock_runtime):
    granted: list = []
    build(mock_runtime, grants=granted, readReplicas=0)
    assert granted[0]["Resource"] == [
        "arn:aws:rds-db:ap-northeast-2:123456789012:dbuser:db-PG/worker_convert"
    ]


def test_no_proxy_by_default(mock_runtime):
    assert of_type(build(mock_runtime), "aws:rds/proxy:Proxy") == []


def test_replicas_need_a_second_zone(mock_runtime):
    with pytest.raises(Exception, match="at least 2 AZs"):
        build(mock_runtime, readReplicas=1, zones=ZONES[:1])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"instanceClass": "t4g.medium"}, "must be an RDS instance class such as db.t4g.medium"),
        ({"instanceClass": "db.t4g.medium", "majorVersion": 12}, "greater than or equal to 14"),
        (
            {"instanceClass": "db.t4g.medium", "allocatedStorageGb": 100, "maxAllocatedStorageGb": 50},
            "must exceed allocatedStorageGb",
        ),
        ({"instanceClass": "db.t4g.medium", "backupRetentionDays": 0}, "greater than or equal to 1"),
        ({"instanceClass": "db.t4g.medium", "backupWindow": "2am"}, "hh:mm-hh:mm"),
        ({"instanceClass": "db.t4g.medium", "maintenanceWindow": "sunday"}, "ddd:hh:mm-ddd:hh:mm"),
        (
            {"instanceClass": "db.t4g.medium", "performanceInsightsRetentionDays": 10},
            "must be 7, a multiple of 31",
        ),
        (
            {"instanceClass": "db.t4g.medium", "monitoringIntervalSeconds": 0},
            "must be one of 1, 5, 10, 15, 30, 60",
        ),
        ({"instanceClass": "db.t4g.medium", "readReplicas": 6}, "less than or equal to 5"),
        ({"instanceClass": "db.t4g.medium", "masterUsername": "Admin-User"}, "must start with a letter"),
        (
            {
                "instanceClass": "db.t4g.medium",
                "proxy": {"maxConnectionsPercent": 10, "maxIdleConnectionsPercent": 20},
            },
            "must not exceed maxConnectionsPercent",
        ),
        ({}, "Field required"),
    ],
)
def test_invalid_postgres_settings_are_refused(values, message):
    with pytest.raises(ValidationError) as raised:
        PostgresSpec.model_validate(values)
    assert message in str(raised.value)
