"""KMS key policies per data class (pure: plain strings in, a policy document out).

Every key grants the account root full control (which is what lets IAM policies delegate use of the
key) and, where a service encrypts with the key on its own behalf rather than a caller's, that service
by name, scoped by a condition to this account. No statement has a wildcard principal.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from components.core.iam import Statement, document


class KeyPurpose(StrEnum):
    """The data classes that get a key of their own, so access to one class never implies another."""

    DATA = "data"  # RDS, ElastiCache, S3, Atlas encryption at rest, Performance Insights
    SECRETS = "secrets"  # Secrets Manager
    LOGS = "logs"  # CloudWatch Logs, SNS alarm topics
    CLUSTER = "cluster"  # EKS envelope encryption, node EBS volumes


DESCRIPTIONS = {
    KeyPurpose.DATA: "data stores (RDS, ElastiCache, S3, Atlas)",
    KeyPurpose.SECRETS: "Secrets Manager secrets",
    KeyPurpose.LOGS: "CloudWatch Logs and alarm topics",
    KeyPurpose.CLUSTER: "EKS secrets and node volumes",
}


def key_policy(purpose: KeyPurpose, partition: str, account_id: str, region: str) -> dict[str, Any]:
    """The key policy for a key of ``purpose`` in ``account_id``/``region``."""
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[Statement] = [
        {
            "Sid": "AccountRootFullControl",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    if purpose == KeyPurpose.LOGS:
        statements.append(
            {
                "Sid": "CloudWatchLogsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                    }
                },
            }
        )
        statements.append(
            {
                "Sid": "AlarmPublishersOfThisAccount",
                "Effect": "Allow",
                "Principal": {
                    "Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"]
                },
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        )
    if purpose == KeyPurpose.CLUSTER:
        # Managed node groups launch instances through the Auto Scaling service-linked role; without
        # these grants, nodes with encrypted root volumes fail to start.
        autoscaling = (
            f"arn:{partition}:iam::{account_id}:role/aws-service-role/autoscaling.amazonaws.com/"
            "AWSServiceRoleForAutoScaling"
        )
        statements.append(
            {
                "Sid": "AutoScalingUseOfTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                ],
                "Resource": "*",
            }
        )
        statements.append(
            {
                "Sid": "AutoScalingGrantsForAttachedResources",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return document(*statements)
