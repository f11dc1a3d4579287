"""The product's S3 buckets: private, versioned, KMS-encrypted, TLS-only, logged, with lifecycle rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components.core import iam, s3
from components.core.context import AwsContext
from components.core.model import Spec
from components.core.s3 import deny_insecure_transport
from components.data.lifecycle import LifecycleRuleSpec, render, unique_ids
from components.data.naming import bucket_name

_SHORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
ACCESS_LOGS = "access-logs"
REQUIRED_BUCKETS = ("uploads", "exports", "static")


class BucketSpec(Spec):
    """One data bucket.

    Attributes:
        name: short name; the bucket is ``platform-<env>-<name>-<account>`` (required).
        lifecycle: lifecycle rules, rendered in order. Defaults to none.
    """

    name: str = Field(min_length=1, max_length=33)
    lifecycle: tuple[LifecycleRuleSpec, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SHORT_NAME.fullmatch(value) or "--" in value:
            raise ValueError("must be lower-case letters, digits and single '-', not at either end")
        if value == ACCESS_LOGS:
            raise ValueError(f"{ACCESS_LOGS!r} is the access-log bucket's name; choose another")
        return value

    @field_validator("lifecycle")
    @classmethod
    def _unique_rules(cls, value: tuple[LifecycleRuleSpec, ...]) -> tuple[LifecycleRuleSpec, ...]:
        return unique_ids(value)


class AccessLogsSpec(Spec):
    """The bucket the others write their server access logs to.

    Attributes:
        retention_days: days access logs are kept, 1 or more. Defaults to 90.
    """

    retention_days: int = Field(default=90, ge=1)


class BucketsSpec(Spec):
    """The environment's object storage.

    Attributes:
        buckets: the data buckets; the product needs ``uploads``, ``exports`` and ``static`` (required).
        access_logs: see :class:`AccessLogsSpec`.
    """

    buckets: tuple[BucketSpec, ...]
    access_logs: AccessLogsSpec = AccessLogsSpec()

    @model_validator(mode="after")
    def _names(self) -> BucketsSpec:
        names = [b.name for b in self.buckets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"bucket name(s) declared twice: {', '.join(twice)}")
        missing = [n for n in REQUIRED_BUCKETS if n not in names]
        if missing:
            raise ValueError(
                f"the product needs buckets {', '.join(REQUIRED_BUCKETS)}; missing {', '.join(missing)}"
            )
        return self


@dataclass(frozen=True)
class BucketsArgs:
    """Inputs of :class:`Buckets`.

    Attributes:
        spec: the validated settings.
        context: account and partition, for names and policies.
        environment: environment name, part of every bucket name.
        data_key_arn: the data key (SSE-KMS) of the data buckets.
        protect: ``protect=True`` on every bucket and no ``force_destroy`` (the tier decides).
    """

    spec: BucketsSpec
    context: AwsContext
    environment: str
    data_key_arn: pulumi.Input[str]
    protect: bool


class Buckets(pulumi.ComponentResource):
    """The data buckets and the access-log bucket they log to.

    The access-log bucket is encrypted with SSE-S3 (AES256): S3 server access logging cannot deliver
    to an SSE-KMS bucket. Every data bucket uses SSE-KMS with the data key and S3 bucket keys.
    """

    names: dict[str, pulumi.Output[str]]
    arns: dict[str, pulumi.Output[str]]
    ids: dict[str, pulumi.Output[str]]
    versionings: dict[str, aws.s3.BucketVersioning]
    """Each data bucket's id and versioning resource, for what attaches to it later (replication)."""

    def __init__(self, name: str, args: BucketsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:data:Buckets", name, None, opts)
        spec = args.spec
        self._args = args
        self.names, self.arns, self.ids, self.versionings = {}, {}, {}, {}

        logs, logs_versioning = self._bucket(f"{name}-{ACCESS_LOGS}", ACCESS_LOGS)
        self._encrypt(f"{name}-{ACCESS_LOGS}", logs, None)
        self._lifecycle(
            f"{name}-{ACCESS_LOGS}",
            logs,
            logs_versioning,
            render(
                (
                    LifecycleRuleSpec(
                        id="expire-access-logs",
                        expiration_days=spec.access_logs.retention_days,
                        noncurrent_version_expiration_days=1,
                        abort_incomplete_multipart_upload_days=1,
                    ),
                )
            ),
        )
        self._record(ACCESS_LOGS, logs)

        sources = []
        for bucket_spec in spec.buckets:
            resource_name = f"{name}-{bucket_spec.name}"
            bucket, versioning = self._bucket(resource_name, bucket_spec.name)
            self._encrypt(resource_name, bucket, args.data_key_arn)
            aws.s3.BucketLogging(
                resource_name,
                bucket=bucket.id,
                target_bucket=logs.id,
                target_prefix=f"{bucket_spec.name}/",
                opts=pulumi.ResourceOptions(parent=self),
            )
            if bucket_spec.lifecycle:
                self._lifecycle(resource_name, bucket, versioning, render(bucket_spec.lifecycle))
            self._policy(resource_name, bucket, [])
            sources.append(bucket.arn)
            self._record(bucket_spec.name, bucket)
            self.ids[bucket_spec.name] = bucket.id
            self.versionings[bucket_spec.name] = versioning

        # The log bucket admits the S3 logging service for these source buckets of this account only.
        self._policy(f"{name}-{ACCESS_LOGS}", logs, sources)
        self.register_outputs({"names": self.names, "arns": self.arns})

    def grant(self, short: str, access: str) -> pulumi.Output[list[dict[str, Any]]]:
        """The statements letting an identity ``read`` or ``readWrite`` the objects of bucket ``short``,
        with the data key usable through S3 in this region only (CDK's ``grantRead``/``grantReadWrite``)."""
        if short not in self.arns:
            raise ValueError(f"no bucket {short!r} (buckets: {', '.join(sorted(self.arns)) or 'none'})")
        region = self._args.context.region
        return pulumi.Output.all(self.arns[short], self._args.data_key_arn).apply(
            lambda v: grant_objects(v[0], v[1], region, write=access == "readWrite")
        )

    def _record(self, short: str, bucket: aws.s3.Bucket) -> None:
        self.names[short] = bucket.bucket
        self.arns[short] = bucket.arn

    def _bucket(self, name: str, short: str) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        args = self._args
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name,
            bucket=args.context.account_id.apply(
                lambda account: bucket_name(args.environment, short, account)
            ),
            force_destroy=not args.protect,
            tags={"Name": short},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        s3.block_public_access(name, bucket, child)
        s3.enforce_owner(name, bucket, child)
        versioning = s3.enable_versioning(name, bucket, child)
        return bucket, versioning

    def _encrypt(self, name: str, bucket: aws.s3.Bucket, kms_key_arn: pulumi.Input[str] | None) -> None:
        """SSE-KMS with bucket keys under ``kms_key_arn``, or SSE-S3 (AES256) when it is ``None``."""
        s3.encrypt(name, bucket, kms_key_arn, pulumi.ResourceOptions(parent=self))

    def _lifecycle(
        self,
        name: str,
        bucket: aws.s3.Bucket,
        versioning: aws.s3.BucketVersioning,
        rules: list[dict[str, Any]],
    ) -> None:
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[_rule_args(rule) for rule in rules],
            # Rules on versions need versioning in place first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

    def _policy(self, name: str, bucket: aws.s3.Bucket, log_sources: list[pulumi.Output[str]]) -> None:
        ctx = self._args.context

        def render_policy(values: list[Any]) -> str:
            arn, account, *sources = values
            return iam.dumps(bucket_policy(arn, account, sources))

        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, ctx.account_id, *log_sources).apply(render_policy),
            opts=pulumi.ResourceOptions(parent=self),
        )


READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")


def grant_objects(bucket_arn: str, data_key_arn: str, region: str, *, write: bool) -> list[dict[str, Any]]:
    """A bucket's objects (and listing it), plus the data key through S3 only (``kms:ViaService``):
    decrypt to read, generate data keys to write."""
    key_actions = ["kms:Decrypt", "kms:GenerateDataKey"] if write else ["kms:Decrypt"]
    return [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
        {
            "Sid": "ReadWriteObjects" if write else "ReadObjects",
            "Effect": "Allow",
            "Action": [*READ_ACTIONS, *(WRITE_ACTIONS if write else ())],
            "Resource": f"{bucket_arn}/*",
        },
        {
            "Sid": "DataKeyThroughS3",
            "Effect": "Allow",
            "Action": key_actions,
            "Resource": data_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    ]


def bucket_policy(bucket_arn: str, account_id: str, log_sources: list[str]) -> dict[str, Any]:
    """Deny any request not made over TLS; on the log bucket, let S3 logging write for ``log_sources``."""
    statements: list[dict[str, Any]] = [deny_insecure_transport(bucket_arn)]
    if log_sources:
        statements.append(
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": sorted(log_sources)},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            }
        )
    return iam.document(*statements)


def _rule_args(rule: dict[str, Any]) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """A rendered rule (see :func:`components.data.lifecycle.render_rule`) as the SDK's argument class."""
    flt = rule["filter"]
    combined = flt.get("and_")
    tag = flt.get("tag")
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=rule["id"],
        status=rule["status"],
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
            prefix=flt.get("prefix"),
            tag=aws.s3.BucketLifecycleConfigurationRuleFilterTagArgs(**tag) if tag else None,
            and_=aws.s3.BucketLifecycleConfigurationRuleFilterAndArgs(**combined) if combined else None,
        ),
        transitions=[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(**t) for t in rule["transitions"]]
        if "transitions" in rule
        else None,
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(**rule["expiration"])
        if "expiration" in rule
        else None,
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            **rule["noncurrent_version_expiration"]
        )
        if "noncurrent_version_expiration" in rule
        else None,
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            **rule["abort_incomplete_multipart_upload"]
        )
        if "abort_incomplete_multipart_upload" in rule
        else None,
    )
