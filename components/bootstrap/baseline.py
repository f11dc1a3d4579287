"""The account's security baseline: a multi-region CloudTrail trail (log file validation, KMS-encrypted)
to a private, versioned, TLS-only audit bucket; a GuardDuty detector; Security Hub with the AWS
Foundational Security Best Practices standard; and the service-linked roles the environment's key
policies name."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.bootstrap.policies import cloudtrail_bucket_policy, cloudtrail_key_policy, trail_arn
from components.core import iam, s3
from components.core.context import AwsContext

FOUNDATIONAL_STANDARD = "standards/aws-foundational-security-best-practices/v/1.0.0"
"""Security Hub's standard ARN is ``arn:<partition>:securityhub:<region>::<this>`` (no account; the
``aws_securityhub_standards_subscription`` docs' table)."""
AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"
NONCURRENT_LOG_DAYS = 30


def foundational_standard_arn(partition: str, region: str) -> str:
    return f"arn:{partition}:securityhub:{region}::{FOUNDATIONAL_STANDARD}"


@dataclass(frozen=True)
class AccountBaselineArgs:
    """Inputs of :class:`AccountBaseline`.

    Attributes:
        trail_name: the trail's name (its ARN is known before it exists: the bucket and key policies
            name it).
        bucket_name: the audit bucket's (globally unique) name.
        context: account, partition and region (the trail's home region).
        log_retention_days: how long log files are kept.
        key_deletion_window_days: waiting period before the trail's key is deleted, 7-30 days.
        create_autoscaling_service_linked_role: create ``AWSServiceRoleForAutoScaling``.
        protect: protect the bucket and key.
    """

    trail_name: str
    bucket_name: str
    context: AwsContext
    log_retention_days: int
    key_deletion_window_days: int
    create_autoscaling_service_linked_role: bool
    protect: bool


class AccountBaseline(pulumi.ComponentResource):
    """What every account of the platform has before a stack runs, whatever the stacks do."""

    trail_arn: pulumi.Output[str]
    audit_bucket_name: pulumi.Output[str]
    guardduty_detector_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: AccountBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:bootstrap:AccountBaseline", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)
        trail = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
            lambda v: trail_arn(v[0], ctx.region, v[1], args.trail_name)
        )

        key = aws.kms.Key(
            f"{name}-trail",
            description="CloudTrail log files",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id, trail).apply(
                lambda v: iam.dumps(cloudtrail_key_policy(v[0], v[1], v[2]))
            ),
            opts=kept,
        )
        aws.kms.Alias(f"{name}-trail", name="alias/cloudtrail", target_key_id=key.key_id, opts=child)

        bucket = aws.s3.Bucket(f"{name}-audit", bucket=args.bucket_name, force_destroy=False, opts=kept)
        s3.enforce_owner(f"{name}-audit-ownership", bucket, child)
        access_block = s3.block_public_access(f"{name}-audit-public-access", bucket, child)
        s3.enable_versioning(f"{name}-audit-versioning", bucket, child)
        s3.encrypt(f"{name}-audit-encryption", bucket, key.arn, child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-audit-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-audit-logs",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": args.log_retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_LOG_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                }
            ],
            opts=child,
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-audit-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, trail, ctx.account_id).apply(
                lambda v: iam.dumps(cloudtrail_bucket_policy(v[0], v[1], v[2]))
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_block]),
        )
        created = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=args.trail_name,
            s3_bucket_name=bucket.bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=key.arn,
            # CloudTrail checks that it may write to the bucket when the trail is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        detector = aws.guardduty.Detector(
            f"{name}-guardduty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES", opts=child
        )
        hub = aws.securityhub.Account(
            f"{name}-securityhub",
            # Only the standard subscribed below, not whatever AWS enables by default.
            enable_default_standards=False,
            auto_enable_controls=True,
            opts=child,
        )
        aws.securityhub.StandardsSubscription(
            f"{name}-foundational",
            standards_arn=ctx.partition.apply(lambda p: foundational_standard_arn(p, ctx.region)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hub]),
        )
        if args.create_autoscaling_service_linked_role:
            # The environment's data key policy names AWSServiceRoleForAutoScaling (EBS volumes of the
            # node groups); a key policy naming a principal that does not exist yet is refused.
            aws.iam.ServiceLinkedRole(
                f"{name}-autoscaling",
                aws_service_name=AUTOSCALING_SERVICE,
                description="Auto Scaling (the node groups' EBS volumes use the data key)",
                opts=child,
            )

        self.trail_arn = created.arn
        self.audit_bucket_name = bucket.bucket
        self.guardduty_detector_id = detector.id
        self.register_outputs(
            {
                "trail_arn": self.trail_arn,
                "audit_bucket_name": self.audit_bucket_name,
                "guardduty_detector_id": self.guardduty_detector_id,
            }
        )
