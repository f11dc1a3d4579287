"""IAM documents of the cluster and its add-ons (pure: plain strings in, policy documents out)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from components.core.iam import document

_POLICIES = Path(__file__).parent / "iam_policies"

# AWS-managed policies, by name; ARNs are built with the partition.
CLUSTER_MANAGED_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_MANAGED_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
VPC_CNI_MANAGED_POLICY = "AmazonEKS_CNI_Policy"
EBS_CSI_MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy"


def managed_policy_arn(partition: str, name: str) -> str:
    """``arn:<partition>:iam::aws:policy/<name>``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def access_policy_arn(partition: str, name: str) -> str:
    """An EKS access policy, e.g. ``AmazonEKSClusterAdminPolicy``."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def eks_service_trust(account_id: str) -> dict[str, Any]:
    """Trust of the cluster role: the EKS service, on behalf of this account only."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def ec2_trust() -> dict[str, Any]:
    """Trust of the node role: EC2 instances (the nodes)."""
    return document(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )


def irsa_trust(provider_arn: str, issuer: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Trust for IAM roles for service accounts: only ``system:serviceaccount:<ns>:<sa>`` of this cluster.

    Args:
        provider_arn: the cluster's IAM OIDC provider.
        issuer: the cluster's OIDC issuer URL, with or without ``https://``.
        namespace: the service account's namespace.
        service_account: the service account's name.
    """
    host = issuer.removeprefix("https://")
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{host}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                    f"{host}:aud": "sts.amazonaws.com",
                }
            },
        }
    )


def cluster_encryption_policy(key_arn: str) -> dict[str, Any]:
    """What the cluster role needs on the cluster key for envelope encryption of Kubernetes secrets."""
    return document(
        {
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
            "Resource": key_arn,
        }
    )


def ebs_csi_kms_policy(key_arn: str) -> dict[str, Any]:
    """What the EBS CSI driver needs to create and attach volumes encrypted with the cluster key."""
    return document(
        {
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            "Resource": key_arn,
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
        {
            "Effect": "Allow",
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ],
            "Resource": key_arn,
        },
    )


def external_secrets_policy(
    partition: str,
    region: str,
    account_id: str,
    environment: str,
    secrets_key_arn: str,
    names: Sequence[str],
) -> dict[str, Any]:
    """External Secrets may read the secrets ``names`` of this environment (``platform/<env>/<name>``:
    those the add-ons and the services declare they read) and nothing else.

    Secrets Manager appends ``-`` and six characters to a secret's name in its ARN, hence ``-??????``.
    Decryption with the secrets key is allowed only through Secrets Manager in this region.
    """
    if not names:
        return document(
            {"Sid": "NoSecretsDeclared", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}
        )
    prefix = f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:platform/{environment}"
    secrets = [f"{prefix}/{name}-??????" for name in sorted(set(names))]
    return document(
        {
            "Sid": "ReadThisEnvironmentsSecrets",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
                "secretsmanager:ListSecretVersionIds",
            ],
            "Resource": secrets,
        },
        {
            "Sid": "DecryptThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": secrets_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    )


def cluster_autoscaler_policy(cluster_name: str) -> dict[str, Any]:
    """The Cluster Autoscaler's policy as its AWS documentation recommends, scoped to this cluster's groups.

    Managed node groups tag their Auto Scaling groups ``k8s.io/cluster-autoscaler/<cluster>=owned``; only
    those can be resized or have instances terminated.
    """
    return document(
        {
            "Sid": "ScaleThisClustersGroups",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
            },
        },
        {
            "Sid": "Discover",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            "Resource": "*",
        },
    )


@cache
def _published(name: str) -> str:
    return (_POLICIES / name).read_text()


def load_balancer_controller_policy(partition: str) -> dict[str, Any]:
    """The AWS Load Balancer Controller's published policy (see ``iam_policies/README.md``).

    The file is kept verbatim; only its ``arn:aws:`` ARNs are moved to ``partition``.
    """
    text = _published("aws-load-balancer-controller.json")
    return json.loads(text.replace('"arn:aws:', f'"arn:{partition}:'))


def actions(policy: dict[str, Any]) -> set[str]:
    """Every action a policy allows (for tests and reviews)."""
    found: set[str] = set()
    for statement in policy["Statement"]:
        value: list[str] | str = statement.get("Action", [])
        found.update([value] if isinstance(value, str) else value)
    return found


def loki_bucket_policy(bucket_arn: str, key_arn: str, region: str) -> dict[str, Any]:
    """Loki's access: list its one bucket, read, write and delete objects in it (the compactor deletes
    expired chunks), and use the data key only through S3 in this region (SSE-KMS with bucket keys)."""
    return document(
        {"Sid": "ListTheLogBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {
            "Sid": "ReadWriteLogObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "DataKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    )
