"""Encryption at rest with a customer-managed KMS key, and KMS key rotation."""

from __future__ import annotations

from collections.abc import Callable

from components.registry.spec import CREDENTIAL_SECRET_PREFIX
from policy.model import UNKNOWN, Resource, ResourceRule, is_set, is_true, items

RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SECRET = "aws:secretsmanager/secret:Secret"
EKS = "aws:eks/cluster:Cluster"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TOPIC = "aws:sns/topic:Topic"
KMS_KEY = "aws:kms/key:Key"
BACKUP_REPLICATION = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
BUCKET_REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"

ACCESS_LOG_SUFFIX = "-access-logs"
"""S3 server access logs cannot be delivered to an SSE-KMS bucket (see FIELD-NOTES), so a bucket whose
encryption resource is named ``...-access-logs`` may use SSE-S3 (AES256). Every other bucket uses a CMK."""
ALB_LOG_SUFFIX = "-alb-logs"
"""ALB access logs support SSE-S3 only (ELB user guide, access-log bucket requirements), so the
``...-alb-logs`` bucket (``components.cluster.edge``) may use AES256 too."""
SSE_S3_SUFFIXES = (ACCESS_LOG_SUFFIX, ALB_LOG_SUFFIX)

_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _needs_key(r: Resource, key: str = "kmsKeyId") -> list[str]:
    return [] if is_set(r.get(key)) else [f"{key} must name the environment's customer-managed KMS key"]


def _all_true(r: Resource, *keys: str) -> list[str]:
    return [f"{key} must be true" for key in keys if not is_true(r.get(key))]


def _secret(r: Resource) -> list[str]:
    """A CMK, except for the ECR pull-through cache's upstream credentials (``ecr-pullthroughcache/...``,
    created by the bootstrap: components/bootstrap/pull_through.py), which ECR reads only under the AWS
    managed ``aws/secretsmanager`` key (ECR user guide, "Storing your upstream repository credentials in
    an AWS Secrets Manager secret"): for them a CMK is the mistake."""
    name = r.get("name")
    if isinstance(name, str) and name.startswith(CREDENTIAL_SECRET_PREFIX):
        if is_set(r.get("kmsKeyId")):
            return [
                f"kmsKeyId must be unset for {name}: ECR reads pull-through cache credentials only under"
                " the aws/secretsmanager key"
            ]
        return []
    return _needs_key(r)


def _rds_instance(r: Resource) -> list[str]:
    if is_set(r.get("replicateSourceDb")) and not is_set(r.get("kmsKeyId")):
        return []  # a same-region replica inherits its source's key
    return _needs_key(r) + _all_true(r, "storageEncrypted")


def _bucket_sse(r: Resource) -> list[str]:
    rules = items(r.get("rules"))
    if r.get("rules") is UNKNOWN:
        return []
    if not rules:
        return ["rules must set a default encryption"]
    problems = []
    for i, rule in enumerate(rules):
        default = Resource(r.type, r.name, rule).get("applyServerSideEncryptionByDefault") or {}
        algorithm = default.get("sseAlgorithm") if isinstance(default, dict) else UNKNOWN
        if algorithm is UNKNOWN:
            continue
        if algorithm == "AES256" and r.name.endswith(SSE_S3_SUFFIXES):
            continue
        if algorithm not in _KMS_ALGORITHMS:
            problems.append(f"rules[{i}] uses {algorithm!r}; data buckets use aws:kms with a CMK")
        elif not is_set(default.get("kmsMasterKeyId")):
            problems.append(
                f"rules[{i}].kmsMasterKeyId must name a CMK (the AWS-managed aws/s3 key is not one)"
            )
    return problems


def _eks(r: Resource) -> list[str]:
    configs = items(r.get("encryptionConfig")) or (
        [r.get("encryptionConfig")] if r.get("encryptionConfig") else []
    )
    for config in configs:
        view = Resource(r.type, r.name, config if isinstance(config, dict) else {})
        if is_set(view.get("provider", "keyArn")) and "secrets" in (
            items(view.get("resources")) or ["secrets"]
        ):
            return []
    return ["encryptionConfig must encrypt 'secrets' with the cluster's KMS key"]


def _bucket_replication(r: Resource) -> list[str]:
    """Every enabled rule re-encrypts its replicas under a CMK of the destination's region."""
    if r.get("rules") is UNKNOWN:
        return []
    problems = []
    for i, rule in enumerate(items(r.get("rules"))):
        view = Resource(r.type, r.name, rule if isinstance(rule, dict) else {})
        if view.get("status") == "Enabled" and not is_set(
            view.get("destination", "encryptionConfiguration", "replicaKmsKeyId")
        ):
            problems.append(f"rules[{i}].destination.encryptionConfiguration.replicaKmsKeyId must name a CMK")
    return problems


def _launch_template(r: Resource) -> list[str]:
    mappings = items(r.get("blockDeviceMappings"))
    if r.get("blockDeviceMappings") is UNKNOWN:
        return []
    if not mappings:
        return ["blockDeviceMappings must declare the root volume, encrypted with the cluster key"]
    problems = []
    for i, mapping in enumerate(mappings):
        ebs = Resource(r.type, r.name, mapping if isinstance(mapping, dict) else {})
        if not is_true(ebs.get("ebs", "encrypted")):
            problems.append(f"blockDeviceMappings[{i}].ebs.encrypted must be true")
        if not is_set(ebs.get("ebs", "kmsKeyId")):
            problems.append(f"blockDeviceMappings[{i}].ebs.kmsKeyId must name the cluster's KMS key")
    return problems


ENCRYPTION_CHECKS: dict[str, Callable[[Resource], list[str]]] = {
    RDS_INSTANCE: _rds_instance,
    RDS_CLUSTER: lambda r: _needs_key(r) + _all_true(r, "storageEncrypted"),
    REDIS: lambda r: _needs_key(r) + _all_true(r, "atRestEncryptionEnabled", "transitEncryptionEnabled"),
    BUCKET_SSE: _bucket_sse,
    SECRET: _secret,
    EKS: _eks,
    LOG_GROUP: _needs_key,
    VOLUME: lambda r: _needs_key(r) + _all_true(r, "encrypted"),
    LAUNCH_TEMPLATE: _launch_template,
    TOPIC: lambda r: _needs_key(r, "kmsMasterKeyId"),
    BACKUP_REPLICATION: _needs_key,  # else the DR region's copies use the AWS-managed aws/rds key
    BUCKET_REPLICATION: _bucket_replication,
}
"""The encryption check of each resource type that stores data."""


def _encryption(r: Resource) -> list[str]:
    check = ENCRYPTION_CHECKS.get(r.type)
    return check(r) if check else []


def _rotation(r: Resource) -> list[str]:
    if r.type != KMS_KEY:
        return []
    spec = r.get("customerMasterKeySpec")
    if spec not in (None, UNKNOWN, "SYMMETRIC_DEFAULT"):
        return []  # AWS rotates only symmetric encryption keys
    return [] if is_true(r.get("enableKeyRotation")) else ["enableKeyRotation must be true"]


CMK_ENCRYPTION = ResourceRule(
    "cmk-encryption",
    "Data at rest (RDS, ElastiCache, S3, Secrets Manager, EKS secrets, log groups, EBS, SNS) is encrypted "
    "with a customer-managed KMS key.",
    _encryption,
)
KMS_ROTATION = ResourceRule("kms-rotation", "Symmetric KMS keys rotate automatically.", _rotation)
