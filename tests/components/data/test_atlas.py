"""MongoDB Atlas under the recording mocks: dedicated clusters over PrivateLink, shared dev slots."""

from __future__ import annotations

import json

import pulumi
import pytest
from pydantic import ValidationError

from components.data.atlas import IAM_AUTH_OPTIONS, Atlas, AtlasArgs, with_database
from components.data.atlas_spec import AtlasSpec
from tests.components.data.conftest import DATA_KEY, WORKLOADS_SG, context
from tests.helpers import inputs, of_type, one

ORG = "0123456789abcdef01234567"
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
USER = "mongodbatlas:index/databaseUser:DatabaseUser"
DEDICATED = {
    "orgId": ORG,
    "cluster": {
        "instanceSize": "M30",
        "diskSizeGb": 100,
        "autoScaling": {"computeMin": "M30", "computeMax": "M60"},
        "pointInTime": True,
        "terminationProtection": True,
        "backupSchedule": {"dailyRetentionDays": 30},
    },
}
GATEWAY_ROLE = "arn:aws:iam::123456789012:role/platform-test-workload-gateway"
WORKER_ROLE = "arn:aws:iam::123456789012:role/platform-test-workload-worker"
IAM_USERS = {"gateway": GATEWAY_ROLE, "worker": WORKER_ROLE}
SHARED = {
    "orgId": ORG,
    "shared": {
        "cluster": {"instanceSize": "M10", "diskSizeGb": 10, "backup": False},
        "slotsPerCluster": 2,
        "clusters": ["shared-0"],
        "spares": ["spare-0"],
        "environments": [
            {"name": "main", "cluster": "shared-0", "slot": 0},
            {"name": "alice", "cluster": "shared-0", "slot": 1},
        ],
    },
}


def build(runtime, spec, *, protect=False, iam_users=None):
    return runtime.run(
        lambda: Atlas(
            "mongo",
            AtlasArgs(
                spec=AtlasSpec.model_validate(spec),
                context=context(),
                environment="test",
                vpc_id="vpc-1",
                vpc_cidr="10.30.0.0/16",
                app_subnet_ids=["subnet-app-a", "subnet-app-b"],
                workload_security_group_id=WORKLOADS_SG,
                nat_public_ips=[pulumi.Output.from_input("203.0.113.10")],
                data_key_arn=DATA_KEY,
                protect=protect,
                iam_users=IAM_USERS if iam_users is None else iam_users,
            ),
        )
    )


def test_dedicated_cluster_is_a_replica_set_in_the_same_region_with_autoscaling(mock_runtime):
    cluster = one(build(mock_runtime, DEDICATED, protect=True), CLUSTER)
    values = inputs(cluster)
    assert cluster.protect is True
    assert values["clusterType"] == "REPLICASET"
    (spec,) = values["replicationSpecs"]
    (region,) = spec["regionConfigs"]
    assert (region["providerName"], region["regionName"]) == ("AWS", "AP_NORTHEAST_2")
    assert region["electableSpecs"] == {"instanceSize": "M30", "nodeCount": 3, "diskSizeGb": 100}
    assert region["autoScaling"]["computeMinInstanceSize"] == "M30"
    assert region["autoScaling"]["computeMaxInstanceSize"] == "M60"
    assert values["useEffectiveFields"] is True
    assert values["backupEnabled"] is True
    assert values["pitEnabled"] is True
    assert values["terminationProtectionEnabled"] is True
    assert values["encryptionAtRestProvider"] == "AWS"


def test_encryption_at_rest_uses_the_data_key_through_cloud_provider_access(mock_runtime):
    resources = build(mock_runtime, DEDICATED)
    setup = one(resources, "mongodbatlas:index/cloudProviderAccessSetup:CloudProviderAccessSetup")
    assert inputs(setup)["providerName"] == "AWS"
    role = inputs(one(resources, "aws:iam/role:Role"))  # the only role: no dev environment roles here
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::536727724300:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "external-id-mongo-project"}}
    (use,) = json.loads(inputs(one(resources, "aws:iam/rolePolicy:RolePolicy"))["policy"])["Statement"]
    assert use["Resource"] == DATA_KEY
    assert sorted(use["Action"]) == ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt"]
    kms = inputs(one(resources, "mongodbatlas:index/encryptionAtRest:EncryptionAtRest"))["awsKmsConfig"]
    assert kms["customerMasterKeyId"] == "data-key-id"
    assert kms["region"] == "AP_NORTHEAST_2"
    assert kms["roleId"] == "mongo-project-role-id"
    assert kms["enabled"] is True


def test_cluster_waits_for_encryption_access_list_and_privatelink(mock_runtime):
    resources = build(mock_runtime, DEDICATED)
    cluster = one(resources, CLUSTER)
    needed = [
        one(resources, "mongodbatlas:index/encryptionAtRest:EncryptionAtRest").urn,
        one(resources, "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList").urn,
        one(resources, "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService").urn,
    ]
    assert set(needed) <= set(cluster.dependencies)


def test_dedicated_access_list_is_the_vpc_only(mock_runtime):
    (entry,) = of_type(
        build(mock_runtime, DEDICATED), "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
    )
    assert inputs(entry)["cidrBlock"] == "10.30.0.0/16"


def test_privatelink_endpoint_sits_in_the_app_subnets_and_admits_only_workloads(mock_runtime):
    resources = build(mock_runtime, DEDICATED)
    endpoint = inputs(one(resources, "aws:ec2/vpcEndpoint:VpcEndpoint"))
    assert endpoint["vpcEndpointType"] == "Interface"
    assert endpoint["serviceName"] == "com.amazonaws.vpce.ap-northeast-2.vpce-svc-mock"
    assert endpoint["subnetIds"] == ["subnet-app-a", "subnet-app-b"]
    (rule,) = of_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert inputs(rule)["referencedSecurityGroupId"] == WORKLOADS_SG
    service = inputs(
        one(resources, "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService")
    )
    assert service["privateLinkId"] == "mongo-privatelink-private-link-id"
    assert service["endpointServiceId"] == "mongo-privatelink-id"


def test_service_users_are_aws_iam_users_of_their_roles_with_read_write_on_the_services_database(
    mock_runtime,
):
    resources = build(mock_runtime, DEDICATED)
    users = {inputs(u)["username"]: u for u in of_type(resources, USER)}
    assert set(users) == {GATEWAY_ROLE, WORKER_ROLE}
    gateway = inputs(users[GATEWAY_ROLE])
    assert gateway["awsIamType"] == "ROLE"
    assert gateway["authDatabaseName"] == "$external"
    assert gateway["roles"] == [{"roleName": "readWrite", "databaseName": "product"}]
    assert gateway["scopes"] == [{"name": "platform-test-mongo", "type": "CLUSTER"}]
    for user in users.values():  # no password of any kind, and no secret to keep one
        assert not {"password", "passwordWo", "passwordWoVersion"} & set(user.inputs)
    assert of_type(resources, "aws:secretsmanager/secret:Secret") == []


def test_connection_strings_ask_the_driver_for_iam_authentication_and_carry_no_credential():
    uri = with_database("product", "mongodb+srv://cluster.mongodb.net")
    assert uri == f"mongodb+srv://cluster.mongodb.net/product?{IAM_AUTH_OPTIONS}"
    assert "authMechanism=MONGODB-AWS" in uri
    assert "@" not in uri


def test_prod_backup_schedule_is_rendered(mock_runtime):
    schedule = inputs(
        one(build(mock_runtime, DEDICATED), "mongodbatlas:index/cloudBackupSchedule:CloudBackupSchedule")
    )
    assert schedule["restoreWindowDays"] == 7
    assert schedule["policyItemDaily"] == {
        "frequencyInterval": 1,
        "retentionUnit": "days",
        "retentionValue": 30,
    }
    assert schedule["policyItemHourly"]["frequencyInterval"] == 6


def test_shared_dev_clusters_include_the_spares_and_are_not_protected(mock_runtime):
    clusters = of_type(build(mock_runtime, SHARED), CLUSTER)
    assert sorted(inputs(c)["name"] for c in clusters) == ["shared-0", "spare-0"]
    assert all(not c.protect for c in clusters)
    assert all(
        inputs(c)["useEffectiveFields"] is False for c in clusters
    )  # no autoscaling, no effective fields


def test_each_dev_environment_is_a_database_and_a_user_scoped_to_its_cluster(mock_runtime):
    resources = build(mock_runtime, SHARED)
    roles = {
        inputs(r)["roleName"]: r for r in of_type(resources, "mongodbatlas:index/customDbRole:CustomDbRole")
    }
    assert set(roles) == {"env-main", "env-alice"}
    assert inputs(roles["env-alice"])["inheritedRoles"] == [
        {"roleName": "readWrite", "databaseName": "env_alice"}
    ]
    users = {u.name: u for u in of_type(resources, USER)}
    alice = users["mongo-env-alice-user"]
    assert inputs(alice)["roles"] == [{"roleName": "env-alice", "databaseName": "admin"}]
    assert inputs(alice)["scopes"] == [{"name": "shared-0", "type": "CLUSTER"}]
    # A developer signs in as the environment's own IAM role (no password): the user is that role's ARN.
    role = one(resources, "aws:iam/role:Role", "mongo-env-alice")
    assert inputs(role)["name"] == "platform-test-mongo-env-alice"
    assert inputs(alice)["awsIamType"] == "ROLE"
    assert inputs(alice)["username"] == "arn:aws:mock:ap-northeast-2:123456789012:role/mongo-env-alice"
    # The user depends on the database's role, so Pulumi deletes the user first, then the database.
    assert roles["env-alice"].urn in alice.dependencies
    assert roles["env-main"].urn not in alice.dependencies


def test_dev_services_get_the_services_environments_role_on_its_cluster(mock_runtime):
    resources = build(mock_runtime, SHARED)
    gateway = inputs(one(resources, USER, "mongo-user-gateway"))
    assert gateway["username"] == GATEWAY_ROLE
    assert gateway["roles"] == [{"roleName": "env-main", "databaseName": "admin"}]
    assert gateway["scopes"] == [{"name": "shared-0", "type": "CLUSTER"}]


def test_shared_access_list_is_the_nat_addresses(mock_runtime):
    (entry,) = of_type(
        build(mock_runtime, SHARED), "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
    )
    assert inputs(entry)["cidrBlock"] == "203.0.113.10/32"


def test_dev_has_no_privatelink(mock_runtime):
    assert of_type(build(mock_runtime, SHARED), "aws:ec2/vpcEndpoint:VpcEndpoint") == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"orgId": "my-org", "cluster": {"instanceSize": "M10"}}, "must be an Atlas organization id"),
        ({"orgId": ORG}, "set exactly one of cluster"),
        (
            {"orgId": ORG, "cluster": {"instanceSize": "M10"}, "shared": SHARED["shared"]},
            "set exactly one of cluster",
        ),
        (
            {"orgId": ORG, "publicKey": "abc", "cluster": {"instanceSize": "M10"}},
            "set both publicKey and privateKey",
        ),
        ({"orgId": ORG, "cluster": {"instanceSize": "M5"}}, "must be a dedicated Atlas tier"),
        ({"orgId": ORG, "cluster": {"instanceSize": "M10", "nodeCount": 4}}, "must be 3, 5 or 7"),
        (
            {
                "orgId": ORG,
                "cluster": {"instanceSize": "M10", "autoScaling": {"computeMin": "M30", "computeMax": "M20"}},
            },
            "computeMin M30 is above computeMax M20",
        ),
        (
            {
                "orgId": ORG,
                "cluster": {"instanceSize": "M10", "autoScaling": {"computeMin": "M20", "computeMax": "M30"}},
            },
            "instanceSize M10 is outside autoScaling M20-M30",
        ),
        (
            {"orgId": ORG, "cluster": {"instanceSize": "M10", "backup": False, "pointInTime": True}},
            "need backup: true",
        ),
        (
            {"orgId": ORG, "cluster": {"instanceSize": "M10"}, "database": "admin"},
            "not admin, local or config",
        ),
        (
            {
                "orgId": ORG,
                "shared": {
                    **SHARED["shared"],
                    "environments": [
                        {"name": "a", "cluster": "shared-0", "slot": 0},
                        {"name": "b", "cluster": "shared-0", "slot": 0},
                    ],
                },
            },
            "environments 'a' and 'b' share slot shared-0#0",
        ),
        (
            {
                "orgId": ORG,
                "shared": {
                    **SHARED["shared"],
                    "environments": [{"name": "a", "cluster": "spare-0", "slot": 0}],
                },
            },
            "cluster 'spare-0' is not in service",
        ),
    ],
)
def test_invalid_atlas_settings_are_refused(spec, message):
    with pytest.raises(ValidationError) as raised:
        AtlasSpec.model_validate(spec)
    assert message in str(raised.value)
