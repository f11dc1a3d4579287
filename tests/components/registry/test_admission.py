"""The ImageValidatingPolicy and Kyverno's values (pure), the policy checked against the real CRD schema
(policies.kyverno.io/v1, Kyverno 1.19.0; provenance in tests/components/apps/schemas/crds/PROVENANCE.md)."""

from __future__ import annotations

import jsonschema
import pytest

from components.registry.admission import (
    ADMISSION_SERVICE_ACCOUNT,
    ATTESTATION,
    KYVERNO_HOME,
    SBOM_PREDICATE,
    image_policy,
    kyverno_values,
    webhook_alert_rules,
)
from components.registry.spec import AdmissionSpec
from tests.components.apps.support import validate

SIGNED = [
    "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/product",
    "333333333333.dkr.ecr.ap-northeast-1.amazonaws.com/product",
]
PEM = "-----BEGIN PUBLIC KEY-----\nTU9DSw==\n-----END PUBLIC KEY-----\n"


def policy(**fields) -> dict:
    return image_policy(AdmissionSpec(**fields), "product", SIGNED, ["public.ecr.aws/acme"], PEM)


@pytest.mark.parametrize("mode", ["Enforce", "Audit"])
def test_the_policy_is_a_valid_v1_image_validating_policy(mode: str):
    validate(policy(mode=mode))


def test_the_schema_refuses_what_kyverno_would():
    bad = policy()
    bad["spec"]["failurePolicy"] = "Maybe"
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)
    unknown = policy()
    unknown["spec"]["attestors"][0]["cosign"]["rekor"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate(unknown)


def test_enforce_denies_and_audit_only_reports():
    assert policy(mode="Enforce")["spec"]["validationActions"] == ["Deny"]
    assert policy(mode="Audit")["spec"]["validationActions"] == ["Audit"]


def test_only_the_product_namespace_is_matched_so_kube_system_and_kyverno_never_wait():
    spec = policy()["spec"]
    assert spec["matchConstraints"]["namespaceSelector"] == {
        "matchLabels": {"kubernetes.io/metadata.name": "product"}
    }
    assert spec["matchConstraints"]["resourceRules"][0]["resources"] == ["pods"]


def test_failure_policy_and_a_short_timeout_come_from_the_spec():
    spec = policy(failure_policy="Ignore", timeout_seconds=3)["spec"]
    assert (spec["failurePolicy"], spec["webhookConfiguration"]) == ("Ignore", {"timeoutSeconds": 3})
    assert policy()["spec"]["failurePolicy"] == "Fail"


def test_the_key_is_embedded_no_tlog_and_the_sbom_is_a_cyclonedx_attestation():
    spec = policy()["spec"]
    cosign = spec["attestors"][0]["cosign"]
    assert cosign["key"] == {"data": PEM}  # no `kms`: admission makes no KMS call
    assert cosign["ctlog"] == {"insecureIgnoreTlog": True}
    assert spec["attestations"] == [{"name": ATTESTATION, "intoto": {"type": SBOM_PREDICATE}}]
    assert SBOM_PREDICATE == "https://cyclonedx.org/bom"  # cosign attest --type cyclonedx
    assert spec["validationConfigurations"] == {"mutateDigest": True, "verifyDigest": True, "required": True}


def test_signed_repositories_are_verified_and_other_images_only_allowed_by_registry():
    spec = policy()["spec"]
    assert spec["matchImageReferences"] == [{"glob": f"{s}/*"} for s in SIGNED]
    allowlist, signature, attestation = (v["expression"] for v in spec["validations"])
    for prefix in [*SIGNED, "public.ecr.aws/acme"]:
        assert f"image.startsWith('{prefix}/')" in allowlist
    # an image outside matchImageReferences counts 0 signatures: only the signed repositories' are verified
    for expression in (signature, attestation):
        assert ".filter(image, " in expression
        assert "public.ecr.aws/acme" not in expression
    assert "verifyImageSignatures(image, [attestors.platform-signing-key])" in signature
    assert f"verifyAttestationSignatures(image, attestations.{ATTESTATION}" in attestation
    assert "images.initContainers" in allowlist
    assert "images.ephemeralContainers" in allowlist


def test_kyverno_runs_three_replicas_with_a_budget_the_chart_accepts():
    values = kyverno_values(AdmissionSpec(), "arn:aws:iam::1:role/k")
    controller = values["admissionController"]
    assert controller["replicas"] == 3
    pdb = controller["podDisruptionBudget"]
    # chart 3.9.0's kyverno.pdb.spec fails when both minAvailable and maxUnavailable are set
    assert pdb == {"enabled": True, "minAvailable": 2}
    assert controller["rbac"]["serviceAccount"] == {
        "name": ADMISSION_SERVICE_ACCOUNT,
        "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/k"},
    }
    assert {"name": "HOME", "value": KYVERNO_HOME} in controller["container"]["extraEnvVars"]
    assert {"name": "home", "mountPath": KYVERNO_HOME} in controller["extraVolumeMounts"]
    assert values["features"]["forceFailurePolicyIgnore"] == {"enabled": False}
    excluded = values["config"]["webhooks"]["namespaceSelector"]["matchExpressions"][0]
    assert excluded["operator"] == "NotIn"
    assert excluded["values"] == ["kube-system"]
    assert values["config"]["excludeKyvernoNamespace"] is True


def test_an_alert_fires_on_webhook_errors_and_on_failing_open():
    rules = {r["alert"]: r for r in webhook_alert_rules("prod")["groups"][0]["rules"]}
    assert set(rules) == {"ImageAdmissionWebhookErrors", "ImageAdmissionFailOpen"}
    errors = rules["ImageAdmissionWebhookErrors"]["expr"]
    assert "apiserver_admission_webhook_rejection_count" in errors
    assert 'error_type=~"calling_webhook_error|apiserver_internal_error"' in errors
    assert "apiserver_admission_webhook_fail_open_count" in rules["ImageAdmissionFailOpen"]["expr"]
    assert all(r["labels"]["severity"] == "critical" for r in rules.values())
