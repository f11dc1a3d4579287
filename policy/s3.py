"""Every bucket has a public access block and a default encryption (counted over the stack, because a
preview cannot tell which configuration belongs to which bucket: the bucket ids are unknown)."""

from __future__ import annotations

from collections.abc import Sequence

from policy.model import Resource, StackRule

BUCKET = "aws:s3/bucket:Bucket"
ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def _coverage(resources: Sequence[Resource], tier: str | None) -> list[tuple[Resource | None, str]]:
    buckets = sum(r.type == BUCKET for r in resources)
    found: list[tuple[Resource | None, str]] = []
    for token, what in ((ACCESS_BLOCK, "a public access block"), (SSE, "a default encryption configuration")):
        have = sum(r.type == token for r in resources)
        if have < buckets:
            found.append((None, f"{buckets} S3 buckets but only {have} with {what}; every bucket needs one"))
    return found


S3_COVERAGE = StackRule(
    "s3-bucket-coverage", "Every S3 bucket has a public access block and default encryption.", _coverage
)
