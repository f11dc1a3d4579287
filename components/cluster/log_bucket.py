"""Loki's own S3 bucket and the IRSA role that alone may use it (prod keeps logs off the pod's volume)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.cluster.charts import CHARTS, Addon, LokiBucket
from components.cluster.irsa import Oidc, irsa_role
from components.cluster.policies import loki_bucket_policy
from components.core import iam, s3
from components.core.context import AwsContext
from components.data.buckets import bucket_policy
from components.data.naming import bucket_name

SHORT_NAME = "loki"


@dataclass(frozen=True)
class LogBucketArgs:
    """Inputs of :class:`LogBucket`.

    Attributes:
        context: account, partition and region.
        environment: the stack name; the bucket is ``platform-<env>-loki-<account>``.
        data_key_arn: the environment's data KMS key; the bucket's default encryption (SSE-KMS).
        oidc: the cluster's OIDC provider, for the role's trust.
        protect: keep the bucket (and refuse to delete a non-empty one) where the tier protects data.
    """

    context: AwsContext
    environment: str
    data_key_arn: pulumi.Input[str]
    oidc: Oidc
    protect: bool


class LogBucket(pulumi.ComponentResource):
    """A private, TLS-only bucket encrypted with the data key, and the role Loki's service account
    (``monitoring/loki``) assumes: list, read, write and delete in that bucket only. ``loki`` is what the
    chart's values need (bucket name, region, role ARN)."""

    loki: LokiBucket

    def __init__(self, name: str, args: LogBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:cluster:LogBucket", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name,
            bucket=ctx.account_id.apply(lambda account: bucket_name(args.environment, SHORT_NAME, account)),
            force_destroy=not args.protect,
            tags={"Name": SHORT_NAME},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        s3.block_public_access(name, bucket, child)
        s3.enforce_owner(name, bucket, child)
        s3.encrypt(name, bucket, args.data_key_arn, child)
        # Retention is the compactor's (limits_config.retention_period); S3 only cleans up failed uploads.
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="abort-incomplete-uploads",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, ctx.account_id).apply(
                lambda v: iam.dumps(bucket_policy(v[0], v[1], []))
            ),
            opts=child,
        )
        chart = CHARTS[Addon.LOKI]
        assert chart.service_account is not None
        policy: Any = pulumi.Output.all(bucket.arn, args.data_key_arn).apply(
            lambda v: iam.dumps(loki_bucket_policy(v[0], v[1], ctx.region))
        )
        role = irsa_role(
            f"{name}-loki", args.oidc, chart.namespace, chart.service_account, self, inline_policy=policy
        )
        self.loki = LokiBucket(name=bucket.bucket, region=ctx.region, role_arn=role.arn)
        self.register_outputs({"bucket": bucket.bucket, "role_arn": role.arn})
