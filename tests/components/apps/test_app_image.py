"""Image tag rules per tier: accept and reject tables (pure, no mocks)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.apps.image import parse_image, tag_problem
from components.core.tier import Tier

REPO = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/product/gateway"
DIGEST = "sha256:" + "ab" * 32

ACCEPTED = [
    (Tier.DEV, f"{REPO}:dev-2611220130"),
    (Tier.DEV, f"{REPO}:v1.2.3-dev.4"),
    (Tier.DEV, f"{REPO}:v0.0.0-dev.0@{DIGEST}"),
    (Tier.STAGING, f"{REPO}:rc-2612312359"),
    (Tier.STAGING, f"{REPO}:v2.10.0-rc.1"),
    (Tier.PROD, f"{REPO}:v1.2.3@{DIGEST}"),
    (Tier.PROD, f"{REPO}:v10.20.30@{DIGEST}"),
    (Tier.PROD, f"localhost:5000/web:v1.0.0@{DIGEST}"),
]

REJECTED = [
    (Tier.DEV, f"{REPO}:latest", "'latest' is never deployed"),
    (Tier.PROD, f"{REPO}:LATEST", "'latest' is never deployed"),
    (Tier.DEV, REPO, "must be tagged"),
    (Tier.PROD, f"{REPO}@{DIGEST}", "must be tagged"),
    (Tier.PROD, "localhost:5000/web", "must be tagged"),
    (Tier.DEV, f"{REPO}:dev-261122013", "dev accepts only dev-YYMMDDHHmm or vX.Y.Z-dev.N"),
    (Tier.DEV, f"{REPO}:dev-2613220130", "impossible date-time"),
    (Tier.DEV, f"{REPO}:v1.2.3", "dev accepts only"),
    (Tier.DEV, f"{REPO}:rc-2611220130", "dev accepts only"),
    (Tier.STAGING, f"{REPO}:dev-2611220130", "staging accepts only rc-YYMMDDHHmm or vX.Y.Z-rc.N"),
    (Tier.STAGING, f"{REPO}:v1.2.3", "staging accepts only"),
    (Tier.STAGING, f"{REPO}:rc-2611222460", "impossible date-time"),
    (Tier.PROD, f"{REPO}:v1.2.3-rc.1", "prod accepts only vX.Y.Z"),
    (Tier.PROD, f"{REPO}:v1.2", "prod accepts only vX.Y.Z"),
    (Tier.PROD, f"{REPO}:1.2.3", "prod accepts only vX.Y.Z"),
    (Tier.PROD, f"{REPO}:v01.2.3", "prod accepts only vX.Y.Z"),
    (Tier.PROD, f"{REPO}:v1.2.3-abc1234", "prod accepts only vX.Y.Z"),
    (Tier.PROD, f"{REPO}:v1.2.3@sha256:abc", "digest must be sha256:<64"),
    (Tier.PROD, f"{REPO}:v1.2.3@sha256:{'AB' * 32}", "digest must be sha256:<64"),
    (Tier.PROD, "Product/Gateway:v1.2.3", "repository must be lower-case"),
    (Tier.PROD, f"{REPO}:v1.2.3", "prod images must be pinned by digest"),
    (Tier.PROD, "localhost:5000/web:v1.0.0", "prod images must be pinned by digest"),
]


@pytest.mark.parametrize(("tier", "image"), ACCEPTED)
def test_accepts_the_tiers_release_tags(tier, image):
    assert tag_problem(image, tier) is None


@pytest.mark.parametrize(("tier", "image", "message"), REJECTED)
def test_rejects_with_a_reason(tier, image, message):
    problem = tag_problem(image, tier)
    assert problem is not None
    assert message in problem


def test_parse_keeps_registry_port_apart_from_the_tag():
    image = parse_image(f"localhost:5000/web:v1.0.0@{DIGEST}")
    assert (image.repository, image.tag, image.digest) == ("localhost:5000/web", "v1.0.0", DIGEST)
    assert str(image) == f"localhost:5000/web:v1.0.0@{DIGEST}"


_semver = st.tuples(*(st.integers(0, 999),) * 3).map(lambda v: f"v{v[0]}.{v[1]}.{v[2]}")


@given(_semver)
def test_every_release_tag_ships_to_prod_and_nowhere_else(version):
    image = f"{REPO}:{version}"
    assert tag_problem(f"{image}@{DIGEST}", Tier.PROD) is None
    assert tag_problem(image, Tier.STAGING) is not None
    assert tag_problem(image, Tier.DEV) is not None


@given(_semver, st.integers(0, 99), st.sampled_from([("dev", Tier.DEV), ("rc", Tier.STAGING)]))
def test_prereleases_ship_only_to_their_tier(version, n, channel):
    label, tier = channel
    image = f"{REPO}:{version}-{label}.{n}"
    assert [t for t in Tier if tag_problem(image, t) is None] == [tier]


@given(st.datetimes().map(lambda d: d.strftime("%y%m%d%H%M")))
def test_any_real_build_stamp_is_accepted(stamp):
    assert tag_problem(f"{REPO}:dev-{stamp}", Tier.DEV) is None
    assert tag_problem(f"{REPO}:rc-{stamp}", Tier.STAGING) is None


def test_staging_and_dev_accept_a_tag_without_digest_prod_does_not():
    assert tag_problem(f"{REPO}:rc-2612312359", Tier.STAGING) is None
    assert tag_problem(f"{REPO}:dev-2611220130", Tier.DEV) is None
    problem = tag_problem(f"{REPO}:v1.2.3", Tier.PROD)
    assert problem == f"prod images must be pinned by digest: {REPO}:v1.2.3@sha256:<64 hex>"
