"""Lifecycle rules: validation messages and golden renderings (pure, no mocks)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.data.buckets import BucketsSpec
from components.data.lifecycle import LifecycleRuleSpec, render
from settings import stacks
from tests.components.data.golden_files import assert_golden


def rule(**values):
    return LifecycleRuleSpec.model_validate({"id": "r", **values})


def test_every_filter_and_action_renders_as_the_sdk_expects():
    rules = (
        rule(
            id="all-objects",
            transitions=[
                {"days": 30, "storageClass": "STANDARD_IA"},
                {"days": 90, "storageClass": "GLACIER_IR"},
            ],
        ),
        rule(id="tmp", prefix="tmp/", expirationDays=7, noncurrentVersionExpirationDays=1),
        rule(id="one-tag", tags={"class": "scratch"}, expirationDays=3),
        rule(id="prefix-and-tags", prefix="exports/", tags={"b": "2", "a": "1"}, expirationDays=30),
        rule(id="abort", abortIncompleteMultipartUploadDays=7, enabled=False),
    )
    assert_golden("lifecycle_all_features.json", render(rules))


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stack_files_render_the_background_policy(stack):
    raw = stacks.read(stack).config["platform:buckets"]
    spec = BucketsSpec.model_validate_json(raw)
    rendered = {bucket.name: render(bucket.lifecycle) for bucket in spec.buckets}
    assert_golden(f"lifecycle_{stack}.json", rendered)
    # The policy itself, independent of the golden file: IA at 30 days, tmp/ gone at 7, uploads aborted at 7.
    uploads = rendered["uploads"][0]
    assert uploads["transitions"] == [{"days": 30, "storage_class": "STANDARD_IA"}]
    assert uploads["abort_incomplete_multipart_upload"] == {"days_after_initiation": 7}
    tmp = next(r for r in rendered["exports"] if r["filter"] == {"prefix": "tmp/"})
    assert tmp["expiration"] == {"days": 7}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"expirationDays": -1}, "greater than or equal to 1"),
        ({"transitions": [{"days": -5, "storageClass": "GLACIER"}]}, "greater than or equal to 0"),
        ({"transitions": [{"days": 30, "storageClass": "FAST_LANE"}]}, "Input should be 'STANDARD_IA'"),
        ({"transitions": [{"days": 10, "storageClass": "STANDARD_IA"}]}, "no earlier than 30 days; got 10"),
        (
            {"transitions": [{"days": 60, "storageClass": "GLACIER"}], "expirationDays": 30},
            "transition at 60 days is not before expiration at 30 days",
        ),
        (
            {
                "transitions": [
                    {"days": 90, "storageClass": "GLACIER"},
                    {"days": 30, "storageClass": "STANDARD_IA"},
                ]
            },
            "strictly increasing days; got days [90, 30]",
        ),
        ({}, "has no action"),
        (
            {"tags": {"a": "b"}, "abortIncompleteMultipartUploadDays": 7},
            "cannot abort incomplete uploads in a rule filtered by tags",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_reason(values, message):
    with pytest.raises(ValidationError) as raised:
        rule(**values)
    assert message in str(raised.value)
