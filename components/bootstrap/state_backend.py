"""The Pulumi state backend of one environment's account: a versioned, KMS-encrypted, private, TLS-only
bucket, and one KMS key per stack (per project) for Pulumi's secrets provider."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.bootstrap.policies import root_only_key_policy, tls_only_bucket_policy
from components.core import iam, s3
from components.core.context import AwsContext

NONCURRENT_STATE_DAYS = 90
"""Old versions of state files are kept 90 days: long enough to roll a stack back by hand."""


STATE_KEY_ALIAS = "alias/pulumi-state"


def secrets_key_alias(project: str, environment: str) -> str:
    """The alias the stack files' ``secretsprovider: awskms://alias/<project>-<env>-pulumi`` lines name."""
    return f"alias/{project}-{environment}-pulumi"


@dataclass(frozen=True)
class StateBackendArgs:
    """Inputs of :class:`StateBackend`.

    Attributes:
        bucket_name: the state bucket's (globally unique) name.
        environment: the environment (stack name) the account holds.
        projects: a secrets-provider key is made for each project's stack of the environment.
        context: account, partition and region for the key policies.
        key_deletion_window_days: waiting period before a key is deleted, 7-30 days.
        protect: mark the bucket and keys ``protect=True``.
    """

    bucket_name: str
    environment: str
    projects: tuple[str, ...]
    context: AwsContext
    key_deletion_window_days: int
    protect: bool


class StateBackend(pulumi.ComponentResource):
    """The bucket the environment's stacks keep their state in, and their secrets keys
    (``secrets_key_arns[project]``)."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    state_key_arn: pulumi.Output[str]
    secrets_key_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:bootstrap:StateBackend", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)
        key_policy = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
            lambda v: iam.dumps(root_only_key_policy(v[0], v[1]))
        )

        def key(suffix: str, description: str, alias: str) -> aws.kms.Key:
            created = aws.kms.Key(
                f"{name}-{suffix}",
                description=description,
                enable_key_rotation=True,
                deletion_window_in_days=args.key_deletion_window_days,
                policy=key_policy,
                opts=kept,
            )
            aws.kms.Alias(f"{name}-{suffix}", name=alias, target_key_id=created.key_id, opts=child)
            return created

        env = args.environment
        state_key = key("state", "Pulumi state bucket", STATE_KEY_ALIAS)
        self.secrets_key_arns = {
            project: key(
                f"{project}-{env}-pulumi",
                f"Pulumi secrets provider of stack {project}/{env}",
                secrets_key_alias(project, env),
            ).arn
            for project in args.projects
        }

        bucket = aws.s3.Bucket(name, bucket=args.bucket_name, force_destroy=False, opts=kept)
        s3.enforce_owner(f"{name}-ownership", bucket, child)
        access_block = s3.block_public_access(f"{name}-public-access", bucket, child)
        s3.enable_versioning(f"{name}-versioning", bucket, child)
        s3.encrypt(f"{name}-encryption", bucket, state_key.arn, child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-old-state-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_STATE_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=bucket.arn.apply(lambda arn: iam.dumps(tls_only_bucket_policy(arn))),
            # The public access block first, so that no policy is ever evaluated without it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.state_key_arn = state_key.arn
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "state_key_arn": self.state_key_arn,
                "secrets_key_arns": self.secrets_key_arns,
            }
        )
