"""IAM and resource policies of the bootstrap project (pure: plain strings in, documents out)."""

from __future__ import annotations

from typing import Any

from components.core.iam import Statement, document

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"


def github_subject(repository: str, environment: str) -> str:
    """The OIDC ``sub`` claim of a job of ``repository`` that runs in GitHub Environment ``environment``."""
    return f"repo:{repository}:environment:{environment}"


def github_trust(provider_arn: str, repository: str, environment: str) -> dict[str, Any]:
    """A role trust policy admitting only jobs of ``repository`` running in ``environment``.

    Both claims are matched exactly (``StringEquals``, no wildcards): another repository, a branch
    without the environment, or a pull request from a fork cannot assume the role.
    """
    return document(
        {
            "Sid": "GitHubActionsEnvironment",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                    f"{GITHUB_OIDC_HOST}:sub": github_subject(repository, environment),
                }
            },
        }
    )


def root_only_key_policy(partition: str, account_id: str) -> dict[str, Any]:
    """A key policy granting the account root full control, which lets IAM policies delegate its use."""
    return document(
        {
            "Sid": "AccountRootFullControl",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )


def tls_only_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """Deny every request to the bucket that is not over TLS (1.2 or later)."""
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return document(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyOutdatedTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
    )


def state_access(
    bucket_arn: str, state_key_arn: str, secrets_key_arn: str, project: str, stack: str
) -> dict[str, Any]:
    """What a CI role needs of the backend for one stack: its state objects (and the project's lock and
    history files, which the CLI writes even for a preview), the state key, and the stack's secrets key.

    The DIY backend keeps a stack's files under ``.pulumi/stacks/<project>/<stack>*``,
    ``.pulumi/history/<project>/<stack>/`` and ``.pulumi/backups/<project>/<stack>/``; locks under
    ``.pulumi/locks/``.
    """
    prefixes = [
        f".pulumi/stacks/{project}/{stack}*",
        ".pulumi/locks/*",  # lock paths differ between backend layouts; a lock holds no state
        f".pulumi/history/{project}/{stack}/*",
        f".pulumi/backups/{project}/{stack}/*",
    ]
    statements: list[Statement] = [
        {"Sid": "ListState", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {
            "Sid": "ReadWriteStackState",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            "Resource": [f"{bucket_arn}/{p}" for p in prefixes] + [f"{bucket_arn}/.pulumi/meta.yaml"],
        },
        {
            "Sid": "StateKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": state_key_arn,
        },
        {
            "Sid": "StackSecretsKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"],
            "Resource": secrets_key_arn,
        },
    ]
    return document(*statements)
