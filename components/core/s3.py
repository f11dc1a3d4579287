"""The hardening every bucket of the program gets, in one place.

Public access blocked, bucket-owner-enforced ownership (no ACLs), versioning, and server-side encryption:
SSE-KMS with bucket keys under the given key, or SSE-S3 (AES256) where a log delivery service cannot write
to a CMK-encrypted bucket (S3 server access logs, ALB access logs). Callers name each child resource
themselves, so adopting these helpers changes no URN. ``region`` places the resource in another region
than the provider's (a DR replica bucket); ``None`` keeps the provider's.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws


def deny_insecure_transport(bucket_arn: str) -> dict[str, Any]:
    """The bucket-policy statement every bucket of the program carries: no request except over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def block_public_access(
    name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions, region: str | None = None
) -> aws.s3.BucketPublicAccessBlock:
    """All four public-access switches on."""
    return aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        region=region,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )


def enforce_owner(
    name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions, region: str | None = None
) -> aws.s3.BucketOwnershipControls:
    """``BucketOwnerEnforced``: ACLs off, the bucket's account owns every object."""
    return aws.s3.BucketOwnershipControls(
        name,
        bucket=bucket.id,
        region=region,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )


def enable_versioning(
    name: str, bucket: aws.s3.Bucket, opts: pulumi.ResourceOptions, region: str | None = None
) -> aws.s3.BucketVersioning:
    """Versioning on (old versions are expired by each bucket's own lifecycle rules)."""
    return aws.s3.BucketVersioning(
        name,
        bucket=bucket.id,
        region=region,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=opts,
    )


def encrypt(
    name: str,
    bucket: aws.s3.Bucket,
    kms_key_arn: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
    region: str | None = None,
) -> aws.s3.BucketServerSideEncryptionConfiguration:
    """SSE-KMS with bucket keys under ``kms_key_arn``, or SSE-S3 (AES256) when it is ``None``."""
    default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="AES256"
    )
    if kms_key_arn is not None:
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=kms_key_arn
        )
    return aws.s3.BucketServerSideEncryptionConfiguration(
        name,
        bucket=bucket.id,
        region=region,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default,
                bucket_key_enabled=kms_key_arn is not None,
            )
        ],
        opts=opts,
    )
