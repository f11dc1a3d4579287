"""IAM and resource policies of the bootstrap project (pure: plain strings in, documents out)."""

from __future__ import annotations

from typing import Any

from components.core.iam import Statement, document
from components.core.s3 import deny_insecure_transport

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"
MAIN = "refs/heads/main"
PULL_REQUEST_REF = "refs/pull/*/merge"
"""The ref of a ``pull_request`` run; ``*`` is the pull request's number."""
SUBJECT_CLAIMS = ("repo", "context", "job_workflow_ref")
"""The repository's OIDC subject template (``include_claim_keys``): AWS evaluates no custom claim, so the
workflow ref is put into ``sub`` itself (GitHub docs, "Customizing the subject claims")."""


# --- GitHub OIDC trust ------------------------------------------------------------------------------


def job_workflow_ref(repository: str, workflow: str, ref: str = MAIN) -> str:
    """The ``job_workflow_ref`` claim of a job defined in ``workflow`` (``.github/workflows/x.yml``)."""
    return f"{repository}/{workflow}@{ref}"


def github_subject(repository: str, environment: str, workflow: str, ref: str = MAIN) -> str:
    """The ``sub`` claim under the :data:`SUBJECT_CLAIMS` template, of a job of ``repository`` defined in
    ``workflow`` at ``ref`` that runs in GitHub Environment ``environment``:
    ``repo:<owner/name>:environment:<env>:job_workflow_ref:<owner/name>/<workflow>@<ref>``."""
    return (
        f"repo:{repository}:environment:{environment}"
        f":job_workflow_ref:{job_workflow_ref(repository, workflow, ref)}"
    )


def deploy_trust(
    provider_arn: str, repository: str, environment: str, workflows: tuple[str, ...]
) -> dict[str, Any]:
    """A deploy role's trust: only jobs of ``repository``'s ``workflows`` from ``main``, running in the
    (main-only) GitHub Environment ``environment``.

    Every claim is matched exactly (``StringEquals``, no wildcards): another repository, another branch,
    another workflow of this repository, or a job outside the environment cannot assume the role.
    """
    subjects = [github_subject(repository, environment, w) for w in workflows]
    return _trust("GitHubActionsDeploy", provider_arn, {"StringEquals": _claims(subjects)})


def preview_trust(
    provider_arn: str,
    repository: str,
    environment: str,
    workflow: str,
    main_only: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A preview role's trust: only the preview ``workflow`` of ``repository`` in GitHub Environment
    ``environment``, from ``main`` or from a pull request of this repository (forks get no OIDC token), and
    the ``main_only`` workflows (the scheduled drift check) from ``main`` alone.

    The only wildcard is the pull request's number in ``refs/pull/<n>/merge``; what a preview role may do is
    read its own stack (see :func:`state_access`), so a pull request that edits the workflow gains no write.
    """
    subjects = [github_subject(repository, environment, workflow, ref) for ref in (MAIN, PULL_REQUEST_REF)]
    subjects += [github_subject(repository, environment, w) for w in main_only]
    condition = {
        "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE},
        "StringLike": {f"{GITHUB_OIDC_HOST}:sub": subjects},
    }
    return _trust("GitHubActionsPreview", provider_arn, condition)


def _claims(subjects: list[str]) -> dict[str, Any]:
    return {
        f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
        f"{GITHUB_OIDC_HOST}:sub": subjects[0] if len(subjects) == 1 else subjects,
    }


def _trust(sid: str, provider_arn: str, condition: dict[str, Any]) -> dict[str, Any]:
    return document(
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


# --- keys and buckets -------------------------------------------------------------------------------


def root_only_key_policy(partition: str, account_id: str) -> dict[str, Any]:
    """A key policy granting the account root full control, which lets IAM policies delegate its use."""
    return document(_root_statement(partition, account_id))


def _root_statement(partition: str, account_id: str) -> Statement:
    return {
        "Sid": "AccountRootFullControl",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def tls_only_statements(bucket_arn: str) -> list[Statement]:
    """Deny every request to the bucket that is not over TLS 1.2 or later."""
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return [
        deny_insecure_transport(bucket_arn),
        {
            "Sid": "DenyOutdatedTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
    ]


def tls_only_bucket_policy(bucket_arn: str) -> dict[str, Any]:
    """A bucket policy of only :func:`tls_only_statements`."""
    return document(*tls_only_statements(bucket_arn))


def trail_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{name}"


def cloudtrail_bucket_policy(bucket_arn: str, trail: str, account_id: str) -> dict[str, Any]:
    """CloudTrail may check the bucket's ACL and write its log files under ``AWSLogs/<account>/``, for
    this account's trail only (``aws:SourceArn``); every request must use TLS 1.2+."""
    source = {"aws:SourceArn": trail}
    return document(
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": source},
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{account_id}/*",
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}},
        },
        *tls_only_statements(bucket_arn),
    )


def cloudtrail_key_policy(partition: str, account_id: str, trail: str) -> dict[str, Any]:
    """The trail's key: the account root, and CloudTrail encrypting for this account's trail only."""
    return document(
        _root_statement(partition, account_id),
        {
            "Sid": "CloudTrailEncryptLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"
                },
            },
        },
        {
            "Sid": "CloudTrailDescribeKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail}},
        },
    )


# --- state ------------------------------------------------------------------------------------------


def stack_state_objects(bucket_arn: str, project: str, stack: str) -> list[str]:
    """The objects of one stack in a DIY backend: its checkpoint (and ``.bak``/``.gz`` variants), its
    history and its backups (``.pulumi/{stacks,history,backups}/<project>/<stack>``)."""
    return [
        f"{bucket_arn}/.pulumi/stacks/{project}/{stack}.json*",
        f"{bucket_arn}/.pulumi/history/{project}/{stack}/*",
        f"{bucket_arn}/.pulumi/backups/{project}/{stack}/*",
    ]


def state_access(
    bucket_arn: str,
    state_key_arn: str,
    secrets_key_arn: str,
    project: str,
    stack: str,
    *,
    region: str,
    write: bool,
    reads: tuple[tuple[str, str, str], ...] = (),
    other_keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What a CI role needs of the backend for one stack.

    A deploy role (``write``) reads and writes its stack's objects and the locks, and encrypts and decrypts
    with its stack's secrets key. A preview role reads its stack's checkpoint and ``.pulumi/meta.yaml``
    only (a DIY-backend preview writes nothing), and only decrypts. Neither touches any other object: an
    explicit deny covers every S3 object but these, whatever else the role is granted.

    Args:
        reads: ``(project, stack, secrets_key_arn)`` of other stacks whose checkpoint the role must read:
            the services stacks read their platform stack through a ``StackReference``.
        other_keys: the secrets keys of the account's other stacks: denied outright, whatever else the role
            is granted (the platform deploy's ``kms:*``), so no role decrypts another stack's secrets.
    """
    own = stack_state_objects(bucket_arn, project, stack)
    readable = (own if write else own[:1]) + [f"{bucket_arn}/.pulumi/meta.yaml"]
    readable += [stack_state_objects(bucket_arn, p, s)[0] for p, s, _ in reads]
    # Locks live under .pulumi/locks/<organization>/<project>/<stack>/ (project-scoped DIY layout).
    locks = f"{bucket_arn}/.pulumi/locks/*/{project}/{stack}/*"
    statements: list[Statement] = [
        {"Sid": "ListState", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {"Sid": "ReadStackState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": readable},
        {
            # NotResource: no S3 object anywhere but these (the program stores no object of its own), so
            # no managed policy granted later (s3:* of the platform's deploy) reads or writes other state.
            "Sid": "DenyOtherObjects",
            "Effect": "Deny",
            "Action": ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            "NotResource": sorted(set([*readable, *own, locks] if write else readable)),
        },
        {
            # Only through S3, for objects of this bucket; S3 only hands the role its own objects.
            "Sid": "StateKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"] if write else "kms:Decrypt",
            "Resource": state_key_arn,
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"s3.{region}.amazonaws.com",
                    "kms:EncryptionContext:aws:s3:arn": bucket_arn,
                }
            },
        },
        {
            "Sid": "StackSecretsKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:DescribeKey"] if write else "kms:Decrypt",
            "Resource": secrets_key_arn,
        },
    ]
    if write:
        statements.insert(
            2,
            {
                "Sid": "WriteStackState",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": [*own, locks],
            },
        )
        statements[1]["Resource"] = [*readable, locks]
    if other_keys:
        statements.append(
            {"Sid": "DenyOtherStacksKeys", "Effect": "Deny", "Action": "kms:*", "Resource": list(other_keys)}
        )
    if reads:
        statements.append(
            {
                "Sid": "ReferencedStacksSecretsKeys",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": [key for _, _, key in reads],
            }
        )
    return document(*statements)
