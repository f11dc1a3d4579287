"""S3 buckets under the recording mocks: access blocks, encryption, TLS-only policies, logging, lifecycle."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components.data.buckets import Buckets, BucketsArgs, BucketsSpec
from tests.components.data.conftest import DATA_KEY, context
from tests.components.data.golden_files import assert_golden
from tests.helpers import inputs, of_type

SPEC = {
    "buckets": [
        {
            "name": "uploads",
            "lifecycle": [
                {
                    "id": "ia",
                    "transitions": [{"days": 30, "storageClass": "STANDARD_IA"}],
                    "abortIncompleteMultipartUploadDays": 7,
                }
            ],
        },
        {
            "name": "exports",
            "lifecycle": [
                {"id": "tmp", "prefix": "tmp/", "expirationDays": 7},
                {"id": "scratch", "prefix": "scratch/", "tags": {"kind": "scratch"}, "expirationDays": 3},
            ],
        },
        {"name": "static"},
    ]
}
ACCOUNT = "123456789012"


def build(runtime, *, protect=False, spec=SPEC):
    return runtime.run(
        lambda: Buckets(
            "b",
            BucketsArgs(
                spec=BucketsSpec.model_validate(spec),
                context=context(),
                environment="test",
                data_key_arn=DATA_KEY,
                protect=protect,
            ),
        )
    )


def by_bucket(resources, type_):
    return {r.name.removeprefix("b-"): inputs(r) for r in of_type(resources, type_)}


def test_every_bucket_is_private_owner_enforced_and_versioned(mock_runtime):
    resources = build(mock_runtime)
    names = {inputs(r)["bucket"] for r in of_type(resources, "aws:s3/bucket:Bucket")}
    assert names == {f"platform-test-{n}-{ACCOUNT}" for n in ("access-logs", "uploads", "exports", "static")}
    blocks = by_bucket(resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert len(blocks) == 4
    assert all(
        b["blockPublicAcls"]
        and b["blockPublicPolicy"]
        and b["ignorePublicAcls"]
        and b["restrictPublicBuckets"]
        for b in blocks.values()
    )
    ownership = by_bucket(resources, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert {o["rule"]["objectOwnership"] for o in ownership.values()} == {"BucketOwnerEnforced"}
    versioning = by_bucket(resources, "aws:s3/bucketVersioning:BucketVersioning")
    assert {v["versioningConfiguration"]["status"] for v in versioning.values()} == {"Enabled"}


def test_data_buckets_use_the_data_key_and_the_log_bucket_uses_sse_s3(mock_runtime):
    encryption = by_bucket(
        build(mock_runtime),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    for name in ("uploads", "exports", "static"):
        (rule,) = encryption[name]["rules"]
        assert rule["applyServerSideEncryptionByDefault"] == {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": DATA_KEY,
        }
        assert rule["bucketKeyEnabled"] is True
    (log_rule,) = encryption["access-logs"]["rules"]
    assert log_rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}


def test_every_bucket_denies_requests_without_tls(mock_runtime):
    policies = by_bucket(build(mock_runtime), "aws:s3/bucketPolicy:BucketPolicy")
    assert len(policies) == 4
    for policy in policies.values():
        deny = json.loads(policy["policy"])["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_data_buckets_log_to_the_log_bucket_which_admits_only_their_logging(mock_runtime):
    resources = build(mock_runtime)
    logging = by_bucket(resources, "aws:s3/bucketLogging:BucketLogging")
    assert set(logging) == {"uploads", "exports", "static"}
    assert {lg["targetBucket"] for lg in logging.values()} == {"b-access-logs-id"}
    assert logging["uploads"]["targetPrefix"] == "uploads/"
    statement = json.loads(by_bucket(resources, "aws:s3/bucketPolicy:BucketPolicy")["access-logs"]["policy"])[
        "Statement"
    ][1]
    assert statement["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert len(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == 3


def test_lifecycle_rules_reach_the_provider_as_rendered(mock_runtime):
    lifecycle = by_bucket(
        build(mock_runtime), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    assert set(lifecycle) == {"access-logs", "uploads", "exports"}  # static declares none
    assert_golden("lifecycle_recorded.json", {name: value["rules"] for name, value in lifecycle.items()})


def test_dev_buckets_may_be_force_destroyed_and_prod_buckets_are_protected(mock_runtime):
    for bucket in of_type(build(mock_runtime), "aws:s3/bucket:Bucket"):
        assert bucket.protect is False
        assert inputs(bucket)["forceDestroy"] is True


def test_protected_buckets_are_never_force_destroyed(mock_runtime):
    for bucket in of_type(build(mock_runtime, protect=True), "aws:s3/bucket:Bucket"):
        assert bucket.protect is True
        assert inputs(bucket)["forceDestroy"] is False


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"buckets": [{"name": "uploads"}, {"name": "exports"}]},
            "the product needs buckets uploads, exports, static; missing static",
        ),
        (
            {"buckets": [{"name": "uploads"}, {"name": "uploads"}, {"name": "exports"}, {"name": "static"}]},
            "declared twice: uploads",
        ),
        ({"buckets": [{"name": "Uploads"}]}, "must be lower-case letters"),
        ({"buckets": [{"name": "access-logs"}]}, "is the access-log bucket's name"),
        ({"buckets": [{"name": "x" * 34}]}, "at most 33 characters"),
        (
            {
                "buckets": [
                    {
                        "name": "uploads",
                        "lifecycle": [{"id": "a", "expirationDays": 1}, {"id": "a", "expirationDays": 2}],
                    }
                ]
            },
            "lifecycle rule id(s) used twice: a",
        ),
    ],
)
def test_invalid_bucket_settings_are_refused(spec, message):
    with pytest.raises(ValidationError) as raised:
        BucketsSpec.model_validate(spec)
    assert message in str(raised.value)
