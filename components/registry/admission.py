"""Admission of signed images (pure): Kyverno's chart values, the ``ImageValidatingPolicy`` for the product
namespace and the alerts on its webhook.

Signing and verification agree on cosign v3's bundle format: the build signs with ``cosign sign --key
awskms:///<key ARN>`` (cosign v3 writes a Sigstore bundle, stored as an OCI 1.1 referrer of the image,
by default: ``--new-bundle-format`` defaults to true in ``cmd/cosign/cli/options/sign.go``, v3.1.2) and
attests the SBOM the same way. Kyverno 1.19.0's image verifier looks for such bundles first
(``pkg/image/verifiers/ivpol/cosign/verifier.go``: ``buildCheckOptsWithBundleDetection`` sets
``NewBundleFormat`` when ``cosign.GetBundles`` finds referrers) and verifies them with cosign v3.1.2's own
code (Kyverno's go.mod). The signature goes to no public transparency log (``--tlog-upload=false``, with
``--use-signing-config=false`` so no TUF signing config adds Rekor back), so the policy sets
``ctlog.insecureIgnoreTlog``: cosign then verifies a key-signed bundle with no observer timestamp
(``pkg/cosign/verify.go``: ``WithNoObserverTimestamps`` when ``IgnoreTlog`` and a key), and an
attestation still counts as verified (``verifyImageAttestationsSigstoreBundle`` returns true for every
bundle that verified).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.registry.spec import AdmissionMode, AdmissionSpec

KYVERNO_NAMESPACE = "kyverno"
KYVERNO_RELEASE = "kyverno"
KYVERNO_CHART = "kyverno"
KYVERNO_REPOSITORY = "https://kyverno.github.io/kyverno/"
ADMISSION_SERVICE_ACCOUNT = "kyverno-admission-controller"
"""Named in the values (the chart's default is the same) so the IRSA role's trust can name it."""
KYVERNO_HOME = "/home/kyverno"
"""A writable HOME for the ECR credential helper's token cache: the admission controller's root filesystem
is read-only (chart 3.9.0 ``admissionController.container.securityContext.readOnlyRootFilesystem``) and
the chart sets no HOME."""

POLICY_NAME = "product-images-signed"
SBOM_PREDICATE = "https://cyclonedx.org/bom"
"""The in-toto predicate type ``cosign attest --type cyclonedx`` writes."""
ATTESTOR = "platform-signing-key"
ATTESTATION = "sbom"

ACTIONS = {AdmissionMode.ENFORCE: ["Deny"], AdmissionMode.AUDIT: ["Audit"]}
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


def kyverno_values(spec: AdmissionSpec, role_arn: Any) -> dict[str, Any]:
    """Values for the Kyverno chart (checked against chart 3.9.0's ``values.yaml``).

    * ``admissionController.replicas`` (default ~, one) and a disruption budget keeping all but one
      (``minAvailable`` only: the chart's ``kyverno.pdb.spec`` fails when both it and ``maxUnavailable``
      are set, and ``minAvailable`` defaults to 1);
    * the admission controller's service account carries the IRSA role it pulls signatures with;
    * a writable HOME (:data:`KYVERNO_HOME`);
    * ``config.webhooks`` keeps the chart's exclusion of ``kube-system`` (and ``excludeKyvernoNamespace``
      its own): the policy itself matches the product namespace only;
    * ``features.forceFailurePolicyIgnore`` stays off: the policy's own failure policy decides.
    """
    return {
        "admissionController": {
            "replicas": spec.replicas,
            "podDisruptionBudget": {"enabled": True, "minAvailable": spec.replicas - 1},
            "rbac": {
                "serviceAccount": {
                    "name": ADMISSION_SERVICE_ACCOUNT,
                    "annotations": {IRSA_ANNOTATION: role_arn},
                }
            },
            "container": {"extraEnvVars": [{"name": "HOME", "value": KYVERNO_HOME}]},
            "extraVolumes": [{"name": "home", "emptyDir": {}}],
            "extraVolumeMounts": [{"name": "home", "mountPath": KYVERNO_HOME}],
        },
        "config": {
            "excludeKyvernoNamespace": True,
            "webhooks": {
                "namespaceSelector": {
                    "matchExpressions": [
                        {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
                    ]
                }
            },
        },
        "features": {"forceFailurePolicyIgnore": {"enabled": False}},
    }


def _startswith_any(variable: str, prefixes: Sequence[str]) -> str:
    return " || ".join(f"{variable}.startsWith('{p}/')" for p in prefixes)


def image_policy(
    spec: AdmissionSpec,
    namespace: str,
    signed_repositories: Sequence[str],
    allowed_registries: Sequence[str],
    public_key: Any,
) -> dict[str, Any]:
    """The ``ImageValidatingPolicy`` (``policies.kyverno.io/v1``) for pods in ``namespace``.

    Every image under ``signed_repositories`` (``<registry>/product``, one per owned registry) must carry
    the signing key's signature and a CycloneDX attestation signed by it, and be pinned by digest (Kyverno
    resolves a tag to its digest, ``mutateDigest``, and refuses an image without one, ``verifyDigest``).
    Every image must come from those registries or ``allowed_registries`` (whose images are not
    signature-checked). ``public_key`` (PEM) is embedded: admission makes no KMS call.

    Only ``namespace`` is matched (``matchConstraints.namespaceSelector``), so ``kube-system`` and
    Kyverno's own namespace never wait for this webhook, whatever its failure policy.
    """
    prefixes = [*signed_repositories, *allowed_registries]
    images = "images.containers + images.initContainers + images.ephemeralContainers"
    # An image outside matchImageReferences counts 0 verified signatures (Kyverno 1.19.0
    # pkg/cel/libs/imageverify/impl.go skips it): verify only the signed repositories' images.
    signed = f"({images}).filter(image, {_startswith_any('image', signed_repositories)})"
    return {
        "apiVersion": "policies.kyverno.io/v1",
        "kind": "ImageValidatingPolicy",
        "metadata": {"name": POLICY_NAME},
        "spec": {
            "validationActions": ACTIONS[spec.mode],
            "failurePolicy": spec.failure_policy.value,
            "webhookConfiguration": {"timeoutSeconds": spec.timeout_seconds},
            "matchConstraints": {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                "resourceRules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": ["CREATE", "UPDATE"],
                        "resources": ["pods"],
                    }
                ],
            },
            "matchImageReferences": [{"glob": f"{repository}/*"} for repository in signed_repositories],
            "validationConfigurations": {"mutateDigest": True, "verifyDigest": True, "required": True},
            "attestors": [
                {
                    "name": ATTESTOR,
                    "cosign": {
                        "key": {"data": public_key},
                        # Signed with --tlog-upload=false: nothing was written to Rekor (module docstring).
                        "ctlog": {"insecureIgnoreTlog": True},
                    },
                }
            ],
            "attestations": [{"name": ATTESTATION, "intoto": {"type": SBOM_PREDICATE}}],
            "validations": [
                {
                    "expression": f"({images}).all(image, {_startswith_any('image', prefixes)})",
                    "message": "images come from this environment's registry or an allowed one"
                    f" ({', '.join(prefixes)}); see docs/IMAGES.md",
                },
                {
                    "expression": f"{signed}.map(image, verifyImageSignatures(image, [attestors.{ATTESTOR}]))"
                    ".all(count, count > 0)",
                    "message": "the image is not signed by this environment's signing key (docs/IMAGES.md)",
                },
                {
                    "expression": f"{signed}.map(image, verifyAttestationSignatures(image,"
                    f" attestations.{ATTESTATION}, [attestors.{ATTESTOR}])).all(count, count > 0)",
                    "message": "the image has no CycloneDX SBOM attested with this environment's signing key"
                    " (docs/IMAGES.md)",
                },
            ],
        },
    }


def webhook_alert_rules(environment: str) -> dict[str, Any]:
    """A ``PrometheusRule`` spec: Kyverno's webhook erring (the API server could not call it, so a
    product pod was refused under ``Fail``) or failing open (admitted unverified under ``Ignore``), read
    from the API server's own counters (``apiserver_admission_webhook_rejection_count`` with
    ``error_type`` ``calling_webhook_error``/``apiserver_internal_error``, and
    ``apiserver_admission_webhook_fail_open_count``), which kube-prometheus-stack scrapes."""
    selector = 'name=~".*kyverno.*"'
    return {
        "groups": [
            {
                "name": "image-admission",
                "rules": [
                    {
                        "alert": "ImageAdmissionWebhookErrors",
                        "expr": "sum(rate(apiserver_admission_webhook_rejection_count{"
                        f'{selector},error_type=~"calling_webhook_error|apiserver_internal_error"}}[5m])) > 0',
                        "for": "5m",
                        "labels": {"severity": "critical", "environment": environment},
                        "annotations": {
                            "summary": "Kyverno's admission webhook is failing: new product pods are refused"
                            " (or admitted unverified); see docs/IMAGES.md, 'When admission refuses an image'",
                        },
                    },
                    {
                        "alert": "ImageAdmissionFailOpen",
                        "expr": f"sum(rate(apiserver_admission_webhook_fail_open_count{{{selector}}}[5m])) > 0",
                        "for": "1m",
                        "labels": {"severity": "critical", "environment": environment},
                        "annotations": {
                            "summary": "Pods were admitted without image verification (the webhook failed open)",
                        },
                    },
                ],
            }
        ]
    }
