"""platform:registry: the spec's own checks and what each tier demands (pure, no mocks)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from components.core.tier import Tier, policy_for
from components.registry.rules import registry_problems
from components.registry.spec import NEEDS_CREDENTIALS, AdmissionSpec, CacheRuleSpec, RegistrySpec, Upstream

SUBJECT = "repo:acme/slidecraft:environment:prod:job_workflow_ref:acme/platform/.github/workflows/build-and-sign.yml@refs/heads/main"
SECRET = "ecr-pullthroughcache/docker-hub"
ARN = "arn:aws:secretsmanager:ap-northeast-2:333333333333:secret:ecr-pullthroughcache/docker-hub-AbCdEf"


def spec(**fields: Any) -> RegistrySpec:
    return RegistrySpec.model_validate({"pushSubjects": [SUBJECT], **fields})


def problems(
    tier: Tier, region: str = "ap-northeast-2", cluster: bool = True, **fields: Any
) -> dict[str, str]:
    found = registry_problems(spec(**fields), policy_for(tier), tier.value, region, cluster)
    return dict(found)


def test_defaults_are_immutable_continuous_scan_every_upstream_cached_and_a_p256_signing_key():
    registry = spec()
    assert registry.tag_mutability.value == "IMMUTABLE"
    assert registry.continuous_scan is True
    assert {r.upstream: r.secret_name for r in registry.pull_through_cache} == {
        Upstream.K8S: None,
        Upstream.QUAY: None,
        Upstream.ECR_PUBLIC: None,
        # the secrets every account's bootstrap creates (components/bootstrap/pull_through.py)
        Upstream.DOCKER_HUB: "ecr-pullthroughcache/docker-hub",
        Upstream.GHCR: "ecr-pullthroughcache/github-container-registry",
    }
    assert (registry.signing_key.key_usage, registry.signing_key.key_spec) == ("SIGN_VERIFY", "ECC_NIST_P256")
    assert registry.admission is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("keyUsage", "ENCRYPT_DECRYPT", "must be an asymmetric SIGN_VERIFY key"),
        ("keySpec", "SYMMETRIC_DEFAULT", "must be asymmetric"),
        ("keySpec", "HMAC_256", "must be asymmetric"),
    ],
)
def test_rejects_a_signing_key_that_is_not_asymmetric_sign_verify(field: str, value: str, message: str):
    with pytest.raises(ValidationError, match=message):
        spec(signingKey={field: value})


def test_push_subjects_are_required_exact_and_without_wildcards():
    with pytest.raises(ValidationError):
        RegistrySpec.model_validate({})
    with pytest.raises(ValidationError, match=r"no\s+wildcard"):
        spec(pushSubjects=["repo:acme/slidecraft:*"])
    with pytest.raises(ValidationError, match="exact GitHub OIDC subject"):
        spec(pushSubjects=["acme/slidecraft"])


@pytest.mark.parametrize("upstream", sorted(NEEDS_CREDENTIALS))
def test_docker_hub_and_ghcr_read_an_ecr_pullthroughcache_secret_by_name(upstream: Upstream):
    assert CacheRuleSpec(upstream=upstream).secret_name == f"ecr-pullthroughcache/{upstream.value}"
    assert CacheRuleSpec(upstream=upstream, credential_secret=SECRET).secret_name == SECRET
    for wrong in ("other/docker-hub", ARN, "ecr-pullthroughcache/", "ecr-pullthroughcache/a b"):
        with pytest.raises(ValidationError, match="starting with ecr-pullthroughcache/") as raised:
            CacheRuleSpec(upstream=upstream, credential_secret=wrong)
        assert raised.value.errors()[0]["input"] == wrong  # reported with the value received
    with pytest.raises(ValidationError, match="credentialSecretArn"):  # the old key: unknown now
        CacheRuleSpec.model_validate({"upstream": upstream.value, "credentialSecretArn": ARN})


def test_an_upstream_without_authentication_takes_no_credentials_and_appears_once():
    with pytest.raises(ValidationError, match="takes no credentials"):
        CacheRuleSpec(upstream=Upstream.QUAY, credential_secret=SECRET)
    assert CacheRuleSpec(upstream=Upstream.QUAY).secret_name is None
    with pytest.raises(ValidationError, match="quay appears more than once"):
        spec(pullThroughCache=[{"upstream": "quay"}, {"upstream": "quay"}])


@pytest.mark.parametrize("tier", [Tier.STAGING, Tier.PROD])
def test_staging_and_prod_refuse_mutable_tags(tier: Tier):
    found = problems(tier, tagMutability="MUTABLE", replicationRegion="ap-northeast-1", admission={})
    assert found["registry.tagMutability"].startswith(f"{tier.value} service repositories must be IMMUTABLE")
    assert found["registry.tagMutability"].endswith("got 'MUTABLE'")


def test_dev_may_use_mutable_tags_and_audit():
    assert (
        problems(Tier.DEV, tagMutability="MUTABLE", admission={"mode": "Audit", "failurePolicy": "Ignore"})
        == {}
    )


def test_prod_refuses_an_audit_mode_policy_and_a_fail_open_webhook():
    found = problems(
        Tier.PROD, replicationRegion="ap-northeast-1", admission={"mode": "Audit", "failurePolicy": "Ignore"}
    )
    assert found["registry.admission.mode"].endswith("got 'Audit'")
    assert "prod refuses unverified images" in found["registry.admission.mode"]
    assert found["registry.admission.failurePolicy"].endswith("got 'Ignore'")


def test_prod_replicates_to_another_region_and_admits_only_signed_images():
    found = problems(Tier.PROD)
    assert (
        found["registry.replicationRegion"] == "prod replicates its service images to a DR region; got none"
    )
    assert found["registry.admission"].startswith("prod admits only signed images")
    same = problems(Tier.PROD, replicationRegion="ap-northeast-2", admission={})
    assert "must be another region" in same["registry.replicationRegion"]


def test_without_a_cluster_admission_is_neither_required_nor_checked():
    assert problems(Tier.PROD, cluster=False, replicationRegion="ap-northeast-1") == {}
    assert (
        problems(Tier.PROD, cluster=False, replicationRegion="ap-northeast-1", admission={"mode": "Audit"})
        == {}
    )


def test_admission_defaults_enforce_fail_closed_five_seconds_three_replicas_chart_3_9_0():
    admission = AdmissionSpec()
    assert (admission.mode.value, admission.failure_policy.value) == ("Enforce", "Fail")
    assert (admission.timeout_seconds, admission.replicas, admission.chart_version) == (5, 3, "3.9.0")
    with pytest.raises(ValidationError):
        AdmissionSpec(replicas=2)
    with pytest.raises(ValidationError):
        AdmissionSpec(timeout_seconds=30)
