"""The public edge: WAF web ACL with AWS managed rule groups, SSE-S3 ALB log bucket, platform outputs."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from components.cluster.edge import (
    ELB_LOG_ACCOUNTS,
    LOG_DELIVERY_SERVICE,
    PublicEdge,
    PublicEdgeArgs,
    alb_log_bucket_policy,
)
from components.core.context import AwsContext
from tests.conftest import stack_run
from tests.helpers import inputs, of_type, one, policy

LOGS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/logs"
BUCKET = "arn:aws:s3:::platform-prod-alb-logs-123456789012"


@pytest.fixture
def edge(mock_runtime):
    def program():
        provider = aws.Provider("aws", region="ap-northeast-2")
        ctx = AwsContext.lookup("ap-northeast-2", provider)
        PublicEdge(
            "prod-edge", PublicEdgeArgs("prod", ctx, LOGS_KEY), pulumi.ResourceOptions(providers=[provider])
        )

    return mock_runtime.run(program)


def test_web_acl_is_regional_and_runs_the_aws_managed_rule_groups(edge):
    acl = inputs(one(edge, "aws:wafv2/webAcl:WebAcl"))
    assert acl["scope"] == "REGIONAL"  # the controller supports regional web ACLs only
    assert acl["defaultAction"] == {"allow": {}}
    groups = {r["statement"]["managedRuleGroupStatement"]["name"]: r for r in acl["rules"]}
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    } <= set(groups)
    assert all(r["statement"]["managedRuleGroupStatement"]["vendorName"] == "AWS" for r in groups.values())
    assert all(r["overrideAction"] == {"none": {}} for r in groups.values())  # block as the groups say
    assert len({r["priority"] for r in acl["rules"]}) == len(acl["rules"])


def test_waf_logs_to_an_encrypted_aws_waf_logs_group(edge):
    group = inputs(one(edge, "aws:cloudwatch/logGroup:LogGroup"))
    assert group["name"].startswith("aws-waf-logs-")
    assert group["kmsKeyId"] == LOGS_KEY
    logging = inputs(one(edge, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"))
    assert len(logging["logDestinationConfigs"]) == 1


def test_alb_log_bucket_is_sse_s3_private_and_expires_logs(edge):
    (sse,) = inputs(
        one(edge, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    )["rules"]
    assert sse["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "AES256"
    }  # no CMK: ALB logs need SSE-S3
    block = inputs(one(edge, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"))
    assert all(
        block[k]
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    (rule,) = inputs(one(edge, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"))["rules"]
    assert rule["expiration"]["days"] == 365
    assert one(edge, "aws:s3/bucket:Bucket").protect


def test_seoul_delivers_alb_logs_as_its_elb_account_under_this_accounts_prefix(edge):
    statements = {s["Sid"]: s for s in policy(one(edge, "aws:s3/bucketPolicy:BucketPolicy"))["Statement"]}
    delivery = statements["AlbAccessLogDelivery"]
    assert delivery["Principal"] == {"AWS": "arn:aws:iam::600734575887:root"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"].endswith("/*/AWSLogs/123456789012/*")
    assert statements["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_regions_opened_after_august_2022_use_the_log_delivery_service_principal():
    assert "ap-southeast-4" not in ELB_LOG_ACCOUNTS
    document = alb_log_bucket_policy(BUCKET, "123456789012", "ap-southeast-4", "aws")
    assert document["Statement"][1]["Principal"] == {"Service": LOG_DELIVERY_SERVICE}


def test_prod_exports_the_web_acl_and_the_log_bucket_for_the_services_stack():
    outputs = stack_run("prod").outputs
    assert outputs["waf_web_acl_arn"].startswith("arn:aws:")
    assert outputs["alb_access_log_bucket"] == "platform-prod-alb-logs-123456789012"
    resources = stack_run("prod").resources
    assert len(of_type(resources, "aws:wafv2/webAcl:WebAcl")) == 1
