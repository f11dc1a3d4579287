"""Review environments' names, hosts, quota and TTL (pure: components/apps/review.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from components.apps.review import (
    ReviewEnvironmentSpec,
    ReviewError,
    ReviewSpec,
    expired,
    expiry,
    is_review,
    pull_request_of,
    quota_problem,
    review_host,
    review_names,
    stack_name,
)
from components.data.atlas_spec import ENV_NAME

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def test_a_pull_request_names_its_stack_namespace_and_dev_environment():
    assert stack_name(123) == "pr-123"
    assert pull_request_of("pr-123") == 123
    assert is_review("pr-1")
    assert not is_review("main")
    assert not is_review("pr-0")
    assert not is_review("pr-0123")  # one spelling per pull request
    assert not is_review("pr-12345678")  # longer than the Atlas environment names allow
    with pytest.raises(ReviewError, match="1-9999999"):
        stack_name(0)


@given(st.integers(min_value=1, max_value=9_999_999))
def test_every_review_name_is_a_valid_dev_environment_name(number):
    name = stack_name(number)
    assert ENV_NAME.fullmatch(name)  # the Atlas slot's environment
    assert pull_request_of(name) == number


def test_review_names_keep_the_recorded_order_and_skip_other_environments():
    assert review_names(["main", "pr-7", "alice", "pr-3"]) == ("pr-7", "pr-3")


def test_hosts_get_the_review_name_on_their_first_label_inside_the_same_zone():
    assert review_host("api.dev.slidecraft.example.com", "pr-123") == "api-pr-123.dev.slidecraft.example.com"
    with pytest.raises(ReviewError, match="longer than 63"):
        review_host("a" * 60 + ".dev.example.com", "pr-123")


def test_the_quota_counts_other_review_environments_only():
    policy = ReviewSpec(maxEnvironments=2)
    assert quota_problem(["main", "alice", "pr-1"], "pr-2", policy) is None
    problem = quota_problem(["main", "pr-1", "pr-2"], "pr-3", policy)
    assert problem == (
        "services:review.maxEnvironments is 2 and 2 review environment(s) exist (pr-1, pr-2): close one,"
        " or raise the quota"
    )


def test_ttl_sets_the_expiry_and_the_sweep_compares_in_utc():
    ends = expiry(NOW, 72)
    assert ends == NOW + timedelta(hours=72)
    assert not expired(ends, ends - timedelta(seconds=1))
    assert expired(ends, ends)


def test_policy_defaults_and_its_limits():
    policy = ReviewSpec()
    assert (policy.label, policy.max_environments, policy.ttl_hours) == ("review-env", 3, 72)
    for bad in ({"maxEnvironments": 0}, {"ttlHours": 337}, {"label": "a,b"}, {"label": " padded"}):
        with pytest.raises(ValidationError):
            ReviewSpec.model_validate(bad)


def test_a_review_stack_states_its_expiry_with_a_time_zone():
    spec = ReviewEnvironmentSpec.model_validate(
        {"base": "dev", "pullRequest": 7, "expiresAt": "2026-12-09T20:00:00+09:00"}
    )
    assert spec.expires_at == datetime(2026, 12, 9, 11, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="time zone"):
        ReviewEnvironmentSpec.model_validate(
            {"base": "dev", "pullRequest": 7, "expiresAt": "2026-12-09T20:00:00"}
        )
