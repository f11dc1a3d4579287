"""The public edge of the environment's ALBs: a WAF web ACL and the access-log bucket.

The ALBs themselves are created by the AWS Load Balancer Controller from the services' Ingresses, so
this component only makes what those Ingresses point at through annotations (controller v2.14.0,
``docs/guide/ingress/annotations.md``): ``alb.ingress.kubernetes.io/wafv2-acl-arn`` (regional web ACLs
only) and ``alb.ingress.kubernetes.io/load-balancer-attributes`` with
``access_logs.s3.enabled=true,access_logs.s3.bucket=<bucket>,access_logs.s3.prefix=<prefix>``. Both
annotations are *Exclusive* in an IngressGroup: every Ingress of a group carries the same value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.core import iam, s3
from components.core.context import AwsContext
from components.core.logs import encrypted_log_group
from components.core.naming import physical_name
from components.core.s3 import deny_insecure_transport
from components.data.naming import bucket_name

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
"""AWS managed rule groups, evaluated in this order: known-bad sources first, then the OWASP-style
common rules, then known exploit patterns (Log4j JNDI lookups among them)."""

ALB_LOGS = "alb-logs"

# Regions opened before August 2022 deliver ALB access logs as their regional Elastic Load Balancing
# account; later regions as the service principal logdelivery.elasticloadbalancing.amazonaws.com
# (ELB user guide, "Enable access logs for your Application Load Balancer", bucket policy).
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


@dataclass(frozen=True)
class PublicEdgeArgs:
    """Inputs of :class:`PublicEdge`.

    Attributes:
        environment: the stack name (bucket and ACL names).
        context: account, partition and region.
        logs_key_arn: encrypts the WAF log group (the ALB log bucket cannot use a CMK: SSE-S3 only).
        log_retention_days: how long ALB access logs and WAF logs are kept. Defaults to 365.
        protect: protect the log bucket from deletion. Defaults to true.
    """

    environment: str
    context: AwsContext
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int = 365
    protect: bool = True


class PublicEdge(pulumi.ComponentResource):
    """A regional WAF web ACL with AWS managed rule groups, and an SSE-S3 bucket for ALB access logs.

    The bucket is SSE-S3 (AES256) because ALB access logs support no other server-side encryption (a
    CMK-encrypted bucket makes the delivery fail); it blocks public access, enforces bucket-owner
    ownership, refuses non-TLS requests and admits only the ELB log delivery for this account's prefix.
    WAF logs go to the CloudWatch log group ``aws-waf-logs-<env>`` under the logs key.
    """

    web_acl_arn: pulumi.Output[str]
    access_log_bucket: pulumi.Output[str]

    def __init__(self, name: str, args: PublicEdgeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:cluster:PublicEdge", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        acl = aws.wafv2.WebAcl(
            name,
            name=physical_name(args.environment, "public"),
            description="Public ALBs: AWS managed rule groups",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=[_managed_rule(group, priority) for priority, group in enumerate(MANAGED_RULE_GROUPS)],
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=physical_name(args.environment, "public"),
                sampled_requests_enabled=True,
            ),
            opts=child,
        )
        waf_logs = encrypted_log_group(
            f"{name}-waf-logs",
            f"aws-waf-logs-platform-{args.environment}",  # WAF requires the aws-waf-logs- prefix
            args.log_retention_days,
            args.logs_key_arn,
            child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            name, resource_arn=acl.arn, log_destination_configs=[waf_logs.arn], opts=child
        )

        bucket = aws.s3.Bucket(
            f"{name}-{ALB_LOGS}",
            bucket=ctx.account_id.apply(lambda account: bucket_name(args.environment, ALB_LOGS, account)),
            force_destroy=not args.protect,
            tags={"Name": ALB_LOGS},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        s3.block_public_access(f"{name}-{ALB_LOGS}", bucket, child)
        s3.enforce_owner(f"{name}-{ALB_LOGS}", bucket, child)
        versioning = s3.enable_versioning(f"{name}-{ALB_LOGS}", bucket, child)
        s3.encrypt(f"{name}-{ALB_LOGS}", bucket, None, child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-{ALB_LOGS}",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-alb-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=args.log_retention_days
                    ),
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=1
                        )
                    ),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=1
                        )
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-{ALB_LOGS}",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, ctx.account_id, ctx.partition).apply(
                lambda v: iam.dumps(alb_log_bucket_policy(v[0], v[1], ctx.region, v[2]))
            ),
            opts=child,
        )
        self.web_acl_arn = acl.arn
        self.access_log_bucket = bucket.bucket
        self.register_outputs({"web_acl_arn": self.web_acl_arn, "access_log_bucket": self.access_log_bucket})


def _managed_rule(group: str, priority: int) -> aws.wafv2.WebAclRuleArgs:
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
            none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
        ),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                name=group, vendor_name="AWS"
            )
        ),
        visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True, metric_name=group, sampled_requests_enabled=True
        ),
    )


def alb_log_bucket_policy(bucket_arn: str, account_id: str, region: str, partition: str) -> dict[str, Any]:
    """TLS only; ALB log delivery may write under ``AWSLogs/<account>/`` of any prefix, nothing else.

    The writer is the region's Elastic Load Balancing account where it has one (regions opened before
    August 2022, ap-northeast-2 among them), otherwise the log delivery service principal.
    """
    elb_account = ELB_LOG_ACCOUNTS.get(region)
    writer: dict[str, Any] = (
        {"AWS": f"arn:{partition}:iam::{elb_account}:root"}
        if elb_account
        else {"Service": LOG_DELIVERY_SERVICE}
    )
    return iam.document(
        deny_insecure_transport(bucket_arn),
        {
            "Sid": "AlbAccessLogDelivery",
            "Effect": "Allow",
            "Principal": writer,
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*/AWSLogs/{account_id}/*",
        },
    )
