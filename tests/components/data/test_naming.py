"""Names and value formats of the data tier: pure functions."""

import pytest

from components.data.naming import atlas_region, bucket_name, max_bucket_short_name, replica_zones


@pytest.mark.parametrize(
    ("aws", "atlas"),
    [("ap-northeast-2", "AP_NORTHEAST_2"), ("us-east-1", "US_EAST_1"), ("eu-west-3", "EU_WEST_3")],
)
def test_atlas_region_names_are_upper_snake_case(aws, atlas):
    assert atlas_region(aws) == atlas


def test_atlas_region_rejects_what_is_not_a_region():
    with pytest.raises(ValueError, match="not an AWS region name: 'AP_NORTHEAST_2'"):
        atlas_region("AP_NORTHEAST_2")


def test_replicas_never_share_the_primary_zone_and_spread_round_robin():
    assert replica_zones(2, 1) == [1]
    assert replica_zones(3, 2) == [1, 2]
    assert replica_zones(3, 3) == [1, 2, 1]
    assert replica_zones(1, 0) == []


def test_replicas_need_a_second_zone():
    with pytest.raises(ValueError, match="at least 2 AZs"):
        replica_zones(1, 1)


def test_bucket_names_carry_environment_name_and_account():
    assert bucket_name("prod", "uploads", "123456789012") == "platform-prod-uploads-123456789012"


def test_longest_allowed_short_name_fits_exactly():
    short = "x" * max_bucket_short_name("staging")
    assert len(bucket_name("staging", short, "123456789012")) == 63
    with pytest.raises(ValueError, match="longer than 63"):
        bucket_name("staging", short + "x", "123456789012")
