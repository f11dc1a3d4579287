"""Each rule of the policy pack against a passing and a failing resource (plain data, no mocks)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy.catalog import evaluate
from policy.cluster import EKS_CONTROL_PLANE_LOGS
from policy.encryption import CMK_ENCRYPTION, KMS_ROTATION
from policy.exposure import NO_PUBLIC_EXPOSURE, open_to_internet_problem
from policy.model import UNKNOWN, Resource
from policy.s3 import S3_COVERAGE
from policy.tier import TIER_FLOORS, infer_tier
from policy.workloads import WORKLOAD_HARDENING, image_problem

KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/data"


def r(type_: str, protect: bool = False, name: str = "x", **props: Any) -> Resource:
    return Resource(type=type_, name=name, props=props, protect=protect, urn=f"urn:{name}")


# --- cmk-encryption --------------------------------------------------------------------------------

ENCRYPTED = [
    r(
        "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication",
        sourceDbInstanceArn="arn:aws:rds:ap-northeast-2:123456789012:db:x",
        kmsKeyId=KEY,
    ),
    r(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        rules=[
            {"status": "Disabled", "filter": {"prefix": "tmp/"}, "destination": {"bucket": "arn"}},
            {
                "status": "Enabled",
                "destination": {"bucket": "arn", "encryptionConfiguration": {"replicaKmsKeyId": KEY}},
            },
        ],
    ),
    r("aws:rds/instance:Instance", storageEncrypted=True, kmsKeyId=KEY),
    r("aws:rds/instance:Instance", replicateSourceDb="primary"),  # a replica inherits the key
    r("aws:rds/cluster:Cluster", storageEncrypted=True, kmsKeyId=KEY),
    r(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        atRestEncryptionEnabled=True,
        transitEncryptionEnabled=True,
        kmsKeyId=KEY,
    ),
    r(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}}],
    ),
    r(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        name="uploads-access-logs",
        rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
    ),
    r("aws:secretsmanager/secret:Secret", kmsKeyId=UNKNOWN),  # unknown in a preview counts as set
    r("aws:eks/cluster:Cluster", encryptionConfig={"provider": {"keyArn": KEY}, "resources": ["secrets"]}),
    r("aws:cloudwatch/logGroup:LogGroup", kmsKeyId=KEY),
    r("aws:ebs/volume:Volume", encrypted=True, kmsKeyId=KEY),
    r(
        "aws:ec2/launchTemplate:LaunchTemplate",
        blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": KEY}}],
    ),
    r("aws:sns/topic:Topic", kmsMasterKeyId=KEY),
]
UNENCRYPTED = [
    (r("aws:rds/instance:Instance", storageEncrypted=False), "storageEncrypted must be true"),
    (r("aws:rds/cluster:Cluster", storageEncrypted=True), "kmsKeyId must name"),
    (
        r("aws:elasticache/replicationGroup:ReplicationGroup", kmsKeyId=KEY, transitEncryptionEnabled=True),
        "atRestEncryptionEnabled must be true",
    ),
    (
        r(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
        ),
        "uses 'AES256'",
    ),
    (
        r(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            rules=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}],
        ),
        "kmsMasterKeyId must name a CMK",
    ),
    (r("aws:secretsmanager/secret:Secret"), "kmsKeyId must name"),
    (r("aws:eks/cluster:Cluster"), "encryptionConfig must encrypt 'secrets'"),
    (r("aws:cloudwatch/logGroup:LogGroup", retentionInDays=7), "kmsKeyId must name"),
    (r("aws:ebs/volume:Volume", kmsKeyId=KEY), "encrypted must be true"),
    (r("aws:ec2/launchTemplate:LaunchTemplate"), "blockDeviceMappings must declare the root volume"),
    (
        r("aws:ec2/launchTemplate:LaunchTemplate", blockDeviceMappings=[{"ebs": {"encrypted": True}}]),
        "ebs.kmsKeyId",
    ),
    (r("aws:sns/topic:Topic"), "kmsMasterKeyId must name"),
    (
        r("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"),
        "kmsKeyId must name",
    ),
    (
        r(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            rules=[{"status": "Enabled", "destination": {"bucket": "arn"}}],
        ),
        "rules[0].destination.encryptionConfiguration.replicaKmsKeyId must name a CMK",
    ),
]


@pytest.mark.parametrize("resource", ENCRYPTED, ids=lambda x: x.type.split(":")[-1])
def test_cmk_encryption_passes_resources_encrypted_with_a_cmk(resource: Resource):
    assert CMK_ENCRYPTION.check(resource) == []


@pytest.mark.parametrize(
    ("resource", "expected"), UNENCRYPTED, ids=lambda x: getattr(x, "type", "").split(":")[-1]
)
def test_cmk_encryption_fails_unencrypted_resources(resource: Resource, expected: str):
    problems = CMK_ENCRYPTION.check(resource)
    assert any(expected in p for p in problems), problems


def test_the_pull_through_cache_credentials_are_the_one_secret_under_aws_secretsmanager():
    # ECR reads ecr-pullthroughcache/* only under the AWS managed key: there a CMK is the violation,
    # while any other secret without a CMK still is one.
    def secret(**props: Any) -> Resource:
        return Resource("aws:secretsmanager/secret:Secret", "credentials", props)

    assert CMK_ENCRYPTION.check(secret(name="ecr-pullthroughcache/docker-hub")) == []
    (problem,) = CMK_ENCRYPTION.check(secret(name="ecr-pullthroughcache/docker-hub", kmsKeyId=KEY))
    assert "must be unset for ecr-pullthroughcache/docker-hub" in problem
    assert CMK_ENCRYPTION.check(secret(name="platform/prod/ecr-pullthroughcache")) == [
        "kmsKeyId must name the environment's customer-managed KMS key"
    ]


def test_cmk_encryption_ignores_types_that_store_nothing():
    assert CMK_ENCRYPTION.check(r("aws:ec2/vpc:Vpc", cidrBlock="10.0.0.0/16")) == []


# --- kms-rotation ----------------------------------------------------------------------------------


def test_kms_rotation_passes_a_rotating_key_and_fails_one_that_does_not():
    assert KMS_ROTATION.check(r("aws:kms/key:Key", enableKeyRotation=True)) == []
    assert KMS_ROTATION.check(r("aws:kms/key:Key", enableKeyRotation=False)) == [
        "enableKeyRotation must be true"
    ]
    assert KMS_ROTATION.check(r("aws:kms/key:Key")) == ["enableKeyRotation must be true"]


def test_kms_rotation_does_not_ask_asymmetric_keys_to_rotate():
    assert KMS_ROTATION.check(r("aws:kms/key:Key", customerMasterKeySpec="RSA_2048")) == []


# --- no-public-exposure ----------------------------------------------------------------------------

PRIVATE = [
    r("aws:rds/instance:Instance", publiclyAccessible=False),
    r("aws:elasticache/replicationGroup:ReplicationGroup", subnetGroupName="data", securityGroupIds=["sg-1"]),
    r(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        blockPublicAcls=True,
        blockPublicPolicy=True,
        ignorePublicAcls=True,
        restrictPublicBuckets=True,
    ),
    r(
        "aws:s3/bucketPolicy:BucketPolicy",
        policy=json.dumps(
            {
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ]
            }
        ),
    ),
    r("aws:s3/bucketAcl:BucketAcl", acl="private"),
    r(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ipProtocol="tcp",
        fromPort=443,
        toPort=443,
        cidrIpv4="0.0.0.0/0",
    ),
    r(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        ipProtocol="tcp",
        fromPort=5432,
        toPort=5432,
        referencedSecurityGroupId="sg-w",
    ),
    r(
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        type="ingress",
        protocol="tcp",
        fromPort=80,
        toPort=80,
        cidrBlocks=["0.0.0.0/0"],
    ),
    r(
        "aws:ec2/securityGroup:SecurityGroup",
        ingress=[{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
    ),
    r("mongodbatlas:index/projectIpAccessList:ProjectIpAccessList", cidrBlock="10.30.0.0/16"),
]
PUBLIC = [
    (r("aws:rds/instance:Instance", publiclyAccessible=True), "publiclyAccessible must be false"),
    (r("aws:elasticache/replicationGroup:ReplicationGroup"), "subnetGroupName"),
    (
        r(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            blockPublicAcls=True,
            blockPublicPolicy=False,
            ignorePublicAcls=True,
            restrictPublicBuckets=True,
        ),
        "blockPublicPolicy must be true",
    ),
    (
        r(
            "aws:s3/bucketPolicy:BucketPolicy",
            policy={
                "Statement": [{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]
            },
        ),
        "'Open' allows any principal",
    ),
    (r("aws:s3/bucketAcl:BucketAcl", acl="public-read"), "makes the bucket public"),
    (
        r(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            ipProtocol="tcp",
            fromPort=22,
            toPort=22,
            cidrIpv4="0.0.0.0/0",
        ),
        "tcp 22-22",
    ),
    (
        r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", ipProtocol="-1", cidrIpv6="::/0"),
        "all ports",
    ),
    (
        r(
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            type="ingress",
            protocol="tcp",
            fromPort=0,
            toPort=65535,
            cidrBlocks=["0.0.0.0/0"],
        ),
        "tcp 0-65535",
    ),
    (
        r(
            "aws:ec2/securityGroup:SecurityGroup",
            ingress=[{"protocol": "tcp", "fromPort": 6379, "toPort": 6379, "cidrBlocks": ["0.0.0.0/0"]}],
        ),
        "ingress[0]",
    ),
    (
        r("mongodbatlas:index/projectIpAccessList:ProjectIpAccessList", cidrBlock="0.0.0.0/0"),
        "opens the database",
    ),
]


@pytest.mark.parametrize("resource", PRIVATE, ids=lambda x: x.type.split(":")[-1])
def test_no_public_exposure_passes_private_resources(resource: Resource):
    assert NO_PUBLIC_EXPOSURE.check(resource) == []


@pytest.mark.parametrize(
    ("resource", "expected"), PUBLIC, ids=lambda x: getattr(x, "type", "").split(":")[-1]
)
def test_no_public_exposure_fails_public_resources(resource: Resource, expected: str):
    problems = NO_PUBLIC_EXPOSURE.check(resource)
    assert any(expected in p for p in problems), problems


def test_only_load_balancer_ports_may_be_open_to_the_internet():
    assert open_to_internet_problem("tcp", 443, 443, ["0.0.0.0/0"]) is None
    assert open_to_internet_problem("6", 80, 80, ["::/0"]) is None
    assert open_to_internet_problem("tcp", 80, 443, ["0.0.0.0/0"]) is not None  # a range, not two ports
    assert open_to_internet_problem("udp", 443, 443, ["0.0.0.0/0"]) is not None
    assert open_to_internet_problem("tcp", 22, 22, ["10.0.0.0/8"]) is None  # not from anywhere


# --- eks-control-plane-logs ------------------------------------------------------------------------


def test_eks_logs_pass_with_every_log_type_and_fail_naming_the_missing_ones():
    every = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert EKS_CONTROL_PLANE_LOGS.check(r("aws:eks/cluster:Cluster", enabledClusterLogTypes=every)) == []
    problems = EKS_CONTROL_PLANE_LOGS.check(r("aws:eks/cluster:Cluster", enabledClusterLogTypes=["api"]))
    assert problems == [
        "enabledClusterLogTypes is missing audit, authenticator, controllerManager, scheduler"
    ]


# --- workload-hardening ----------------------------------------------------------------------------


def container(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "api",
        "image": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api:1.4.2",
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {"runAsNonRoot": True},
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def workload(kind: str, *containers: dict[str, Any], pod_security: dict[str, Any] | None = None) -> Resource:
    types = {
        "Deployment": "kubernetes:apps/v1:Deployment",
        "Rollout": "kubernetes:argoproj.io/v1alpha1:Rollout",
    }
    pod: dict[str, Any] = {"containers": list(containers)}
    if pod_security:
        pod["securityContext"] = pod_security
    return r(types[kind], spec={"template": {"spec": pod}})


@pytest.mark.parametrize("kind", ["Deployment", "Rollout"])
def test_hardened_workload_passes(kind: str):
    assert WORKLOAD_HARDENING.check(workload(kind, container())) == []


@pytest.mark.parametrize("kind", ["Deployment", "Rollout"])
@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"readinessProbe": None}, "has no readinessProbe"),
        ({"livenessProbe": None}, "has no livenessProbe"),
        ({"resources": {"limits": {"memory": "1Gi"}}}, "has no resources.requests.cpu"),
        ({"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}, "has no resources.limits.memory"),
        ({"securityContext": None}, "may run as root"),
        ({"image": "ghcr.io/acme/api:latest"}, "uses the mutable 'latest' tag"),
        ({"image": "ghcr.io/acme/api"}, "has no tag"),
    ],
)
def test_unhardened_workload_fails(kind: str, overrides: dict[str, Any], expected: str):
    problems = WORKLOAD_HARDENING.check(workload(kind, container(**overrides)))
    assert any(expected in p for p in problems), problems


def test_pod_level_run_as_non_root_covers_its_containers():
    resource = workload("Deployment", container(securityContext=None), pod_security={"runAsNonRoot": True})
    assert WORKLOAD_HARDENING.check(resource) == []


def test_rollout_with_a_workload_ref_is_judged_through_its_deployment():
    resource = r(
        "kubernetes:argoproj.io/v1alpha1:Rollout", spec={"workloadRef": {"kind": "Deployment", "name": "api"}}
    )
    assert WORKLOAD_HARDENING.check(resource) == []


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("api:1.2.3", True),
        ("registry:5000/team/api:2024-01-01", True),
        ("api@sha256:" + "a" * 64, True),
        ("registry:5000/team/api", False),
        ("api:latest", False),
        ("", False),
    ],
)
def test_image_pinning(image: str, pinned: bool):
    assert (image_problem(image) is None) == pinned


# --- s3-bucket-coverage ----------------------------------------------------------------------------


def test_every_bucket_needs_an_access_block_and_encryption():
    bucket = r("aws:s3/bucket:Bucket")
    block = r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    sse = r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert S3_COVERAGE.check([bucket, block, sse], None) == []
    messages = [m for _, m in S3_COVERAGE.check([bucket, bucket, block, sse], None)]
    assert messages == [
        "2 S3 buckets but only 1 with a public access block; every bucket needs one",
        "2 S3 buckets but only 1 with a default encryption configuration; every bucket needs one",
    ]


# --- tier-floors -------------------------------------------------------------------------------------


def prod_stack(**changes: Any) -> list[Resource]:
    primary = {"multiAz": True, "deletionProtection": True, "backupRetentionPeriod": 14}
    stack = {
        "primary": r("aws:rds/instance:Instance", True, "db", **{**primary, **changes.get("primary", {})}),
        "replica": r("aws:rds/instance:Instance", True, "db-replica", replicateSourceDb=UNKNOWN),
        "redis": r(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            True,
            "cache",
            multiAzEnabled=True,
            automaticFailoverEnabled=True,
        ),
        "eks": r(
            "aws:eks/cluster:Cluster",
            False,
            "eks",
            deletionProtection=True,
            vpcConfig={
                "endpointPrivateAccess": True,
                "endpointPublicAccess": False,
                **changes.get("vpc", {}),
            },
        ),
        "atlas": r(
            "mongodbatlas:index/advancedCluster:AdvancedCluster",
            True,
            "mongo",
            **{"terminationProtectionEnabled": True, "backupEnabled": True, **changes.get("atlas", {})},
        ),
        "bucket": r("aws:s3/bucket:Bucket", True, "uploads"),
        "vpc-network": r("aws:ec2/vpc:Vpc", False, "network"),
        "topic": r("aws:sns/topic:Topic", False, "alerts"),
        "budget": r("aws:budgets/budget:Budget", False, "budget"),
    }
    for name in changes.get("drop", ()):
        del stack[name]
    for name in changes.get("unprotect", ()):
        stack[name] = Resource(stack[name].type, stack[name].name, stack[name].props, False, stack[name].urn)
    return list(stack.values())


def messages(resources: list[Resource], tier: str | None = "prod") -> list[str]:
    return [m for _, m in TIER_FLOORS.check(resources, tier)]


def test_a_complete_prod_stack_passes_the_tier_rules():
    assert messages(prod_stack()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"primary": {"multiAz": False}}, "multiAz must be true in prod"),
        ({"primary": {"deletionProtection": False}}, "deletionProtection must be true in prod"),
        (
            {"primary": {"backupRetentionPeriod": 3}},
            "backupRetentionPeriod must be at least 7 days in prod; got 3",
        ),
        ({"drop": ["replica"]}, "prod needs a read replica of db"),
        ({"unprotect": ["bucket"]}, "stateful resources are protected in prod"),
        ({"unprotect": ["primary"]}, "stateful resources are protected in prod"),
        (
            {"atlas": {"terminationProtectionEnabled": False}},
            "terminationProtectionEnabled must be true in prod",
        ),
        ({"atlas": {"backupEnabled": False}}, "backupEnabled must be true in prod"),
        ({"vpc": {"endpointPublicAccess": True}}, "endpointPublicAccess must be false in prod"),
        ({"vpc": {"endpointPrivateAccess": False}}, "vpcConfig.endpointPrivateAccess must be true"),
        ({"drop": ["topic"]}, "prod needs an alert topic (aws:sns/topic:Topic; platform:observability)"),
        (
            {"drop": ["budget"]},
            "prod needs a cost budget (aws:budgets/budget:Budget; platform:observability)",
        ),
    ],
)
def test_prod_tier_rules_fail(changes: dict[str, Any], expected: str):
    found = messages(prod_stack(**changes))
    assert any(expected in m for m in found), found


def test_a_read_replica_need_not_be_protected_but_its_primary_must():
    assert messages(prod_stack(unprotect=["replica"])) == []
    assert messages(prod_stack(unprotect=["primary"])) == [
        "stateful resources are protected in prod (protect=True)"
    ]


def test_dev_floors_ask_for_none_of_prods_guarantees():
    assert messages(prod_stack(drop=["replica"], unprotect=["bucket"]), tier="dev") == []


def test_staging_floors_come_from_the_same_table_as_the_config_guardrails():
    # staging protects and keeps a replica (components/core/tier.py), but its API may be public and it
    # needs no Atlas termination protection.
    found = messages(
        prod_stack(
            drop=["replica"],
            unprotect=["bucket"],
            vpc={"endpointPublicAccess": True},
            atlas={"terminationProtectionEnabled": False},
        ),
        tier="staging",
    )
    assert found == [
        "stateful resources are protected in staging (protect=True)",
        "staging needs a read replica of db (replicateSourceDb); found none",
    ]


def test_an_unknown_tier_is_checked_against_nothing():
    assert messages(prod_stack(drop=["replica"]), tier=None) == []


def test_a_stack_without_the_network_needs_no_alert_topic_or_budget():
    # The services project holds no VPC: its environment's alerting and budget live in the platform stack.
    assert messages(prod_stack(drop=["vpc-network", "topic", "budget"])) == []


def test_tier_is_inferred_from_the_providers_tier_tag_never_the_stack_name():
    provider = r(
        "pulumi:providers:aws",
        name="aws",
        defaultTags=json.dumps({"tags": {"environment": "prod-euw1", "tier": "prod"}}),
    )
    assert infer_tier([provider]) == "prod"
    named_prod = r(
        "pulumi:providers:aws", name="aws", defaultTags=json.dumps({"tags": {"environment": "prod"}})
    )
    assert infer_tier([named_prod]) is None
    assert messages([provider, *prod_stack(drop=["replica"])], tier=None) == [
        "prod needs a read replica of db (replicateSourceDb); found none"
    ]


def test_evaluate_reports_each_violation_with_its_policy_and_resource():
    found = evaluate([r("aws:kms/key:Key", name="k", enableKeyRotation=False)], tier="dev")
    assert [(v.policy, v.name, v.message, str(v.enforcement)) for v in found] == [
        ("kms-rotation", "k", "enableKeyRotation must be true", "mandatory")
    ]


# --- iam-permissions-boundary ----------------------------------------------------------------------

BOUNDARY = "arn:aws:iam::123456789012:policy/platform-permissions-boundary"


@pytest.mark.parametrize("boundary", [BOUNDARY, UNKNOWN])
def test_permissions_boundary_passes_a_role_that_carries_one(boundary: Any):
    from policy.iam import IAM_PERMISSIONS_BOUNDARY

    role = r("aws:iam/role:Role", assumeRolePolicy="{}", permissionsBoundary=boundary)
    assert IAM_PERMISSIONS_BOUNDARY.check(role) == []


@pytest.mark.parametrize("props", [{}, {"permissionsBoundary": ""}, {"permissionsBoundary": None}])
def test_permissions_boundary_fails_a_role_without_one(props: dict[str, Any]):
    from policy.iam import IAM_PERMISSIONS_BOUNDARY

    (message,) = IAM_PERMISSIONS_BOUNDARY.check(r("aws:iam/role:Role", assumeRolePolicy="{}", **props))
    assert message.startswith("permissionsBoundary is not set")


def test_permissions_boundary_is_mandatory_in_the_pack():
    violations = evaluate([r("aws:iam/role:Role", name="ci")])
    assert [(v.policy, v.name, v.enforcement.value) for v in violations] == [
        ("iam-permissions-boundary", "ci", "mandatory")
    ]
