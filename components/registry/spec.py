"""``platform:registry``: the environment's ECR registry, its signing key and image admission (pure).

Where the registry lives (docs/IMAGES.md argues it): in each environment's own account, created by that
environment's platform stack. An image is built once into dev's registry, signed there, and promoted by
digest (``cosign copy`` keeps the digest, the signature and the SBOM attestation) into staging's, then
prod's; each environment's key signs what it admits, after verifying the signature of the environment
below.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from components.core.model import Spec
from components.core.region import AwsRegion


class TagMutability(StrEnum):
    """ECR tag mutability of the service repositories (``image_tag_mutability``)."""

    IMMUTABLE = "IMMUTABLE"
    MUTABLE = "MUTABLE"


class AdmissionMode(StrEnum):
    """What the ImageValidatingPolicy does with an image it cannot verify (``validationActions``)."""

    ENFORCE = "Enforce"  # Deny: the pod is refused
    AUDIT = "Audit"  # Audit: admitted, reported in a PolicyReport


class FailurePolicy(StrEnum):
    """What the API server does when Kyverno's webhook cannot answer (down, timed out)."""

    FAIL = "Fail"
    IGNORE = "Ignore"


class Upstream(StrEnum):
    """Upstream registries the pull-through cache serves, by ECR's name for them."""

    K8S = "k8s"
    QUAY = "quay"
    ECR_PUBLIC = "ecr-public"
    GHCR = "github-container-registry"
    DOCKER_HUB = "docker-hub"


UPSTREAM_URLS: dict[Upstream, str] = {
    Upstream.K8S: "registry.k8s.io",
    Upstream.QUAY: "quay.io",
    Upstream.ECR_PUBLIC: "public.ecr.aws",
    Upstream.GHCR: "ghcr.io",
    Upstream.DOCKER_HUB: "registry-1.docker.io",
}
"""Where each cached upstream is (the ``upstream_registry_url`` of its rule)."""

CACHE_PREFIXES: dict[Upstream, str] = {
    Upstream.K8S: "k8s",
    Upstream.QUAY: "quay",
    Upstream.ECR_PUBLIC: "ecr-public",
    Upstream.GHCR: "ghcr",
    Upstream.DOCKER_HUB: "docker-hub",
}
"""The repository prefix in this registry each upstream is cached under
(``<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream repository>``)."""

NEEDS_CREDENTIALS = frozenset({Upstream.GHCR, Upstream.DOCKER_HUB})
"""Upstreams ECR reaches only with credentials in a Secrets Manager secret (ECR user guide, "Sync an
upstream registry": Docker Hub and GitHub Container Registry require authentication; ECR Public,
registry.k8s.io and Quay do not)."""

CREDENTIAL_SECRET_PREFIX = "ecr-pullthroughcache/"
"""ECR reads an upstream's credentials only from a secret whose name starts with this (ECR user guide,
"Creating a pull through cache rule"; the API's ``credentialArn`` pattern)."""


def credential_secret_name(upstream: Upstream) -> str:
    """The secret each account's bootstrap creates for ``upstream``'s credentials
    (``ecr-pullthroughcache/<upstream>``) and the platform finds by name: one owner for the name."""
    return f"{CREDENTIAL_SECRET_PREFIX}{upstream.value}"


SIGNING_KEY_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "RSA_2048", "RSA_3072", "RSA_4096")
"""Asymmetric KMS key specs both cosign's ``awskms://`` signer (sigstore/sigstore
``pkg/signature/kms/aws``) and Kyverno's key verification accept."""

SIGN_VERIFY = "SIGN_VERIFY"

_SECRET_NAME = re.compile(r"^ecr-pullthroughcache/[A-Za-z0-9/_+=.@-]{1,490}$")
"""A Secrets Manager secret name (letters, digits, ``/_+=.@-``, at most 512 characters) under ECR's prefix."""
_REGISTRY = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$")
_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$"
_SUBJECT = re.compile(r"^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:\S+$")


def _registry(value: str) -> str:
    if not _REGISTRY.fullmatch(value):
        raise ValueError(
            "an allowed registry is a host with an optional repository path, lower case, no scheme and no"
            " trailing '/' (e.g. public.ecr.aws/acme)"
        )
    return value


AllowedRegistry = Annotated[str, AfterValidator(_registry)]


class CacheRuleSpec(Spec):
    """One pull-through cache rule.

    Attributes:
        upstream: the upstream registry (``k8s``, ``quay``, ``ecr-public``, ``github-container-registry``,
            ``docker-hub``) (required).
        credential_secret: the NAME of the Secrets Manager secret holding the upstream's credentials
            (``{"username": ..., "accessToken": ...}``), which must start with ``ecr-pullthroughcache/``.
            Only Docker Hub and GitHub Container Registry take one (refused for the others); defaults to
            ``ecr-pullthroughcache/<upstream>``, the secret each account's bootstrap creates empty. The
            program finds its ARN by name when it deploys (an ARN ends in a suffix Secrets Manager picks).
            Not created by this program: ECR reads only secrets encrypted with the ``aws/secretsmanager``
            key (ECR user guide, "Storing your upstream repository credentials"), which the policy pack's
            ``cmk-encryption`` refuses for every other secret; and its value never passes through state.
    """

    upstream: Upstream
    credential_secret: str | None = None

    @field_validator("credential_secret")
    @classmethod
    def _secret_name(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET_NAME.fullmatch(value):
            raise ValueError(
                f"must be the name of a Secrets Manager secret starting with {CREDENTIAL_SECRET_PREFIX}"
                f" (ECR reads no other; a name, not an ARN: the program finds the ARN), e.g."
                f" {CREDENTIAL_SECRET_PREFIX}docker-hub"
            )
        return value

    @model_validator(mode="after")
    def _credentials(self) -> CacheRuleSpec:
        if self.credential_secret is not None and self.upstream not in NEEDS_CREDENTIALS:
            raise ValueError(
                f"credentialSecret {self.credential_secret!r}: {self.upstream.value} takes no credentials"
                f" (only {', '.join(sorted(u.value for u in NEEDS_CREDENTIALS))} do); remove it"
            )
        return self

    @property
    def secret_name(self) -> str | None:
        """The secret ECR reads this upstream's credentials from; none for an upstream that takes none."""
        if self.upstream not in NEEDS_CREDENTIALS:
            return None
        return self.credential_secret or credential_secret_name(self.upstream)


def _default_cache() -> list[CacheRuleSpec]:
    return [CacheRuleSpec(upstream=u) for u in Upstream]


class LifecycleSpec(Spec):
    """Which images of a service repository expire.

    Released tags (``vX.Y.Z``, ``vX.Y.Z-rc.N`` and the build tags ``X.Y.Z-<sha>``) never expire: a
    rollback must find them. There is no rule for untagged images: the only untagged manifests of an
    IMMUTABLE service repository are the cosign signatures and attestations of its images (OCI 1.1
    referrers), which ECR removes within 24 hours of their image's expiry, and which an untagged rule would
    remove while their image still runs (docs/IMAGES.md, "Untagged images").

    Attributes:
        dev_build_days: dev builds (tags ``dev-*``) expire after this many days, 1-365. Defaults to 14.
    """

    dev_build_days: int = Field(default=14, ge=1, le=365)


class SigningKeySpec(Spec):
    """The KMS key CI signs images with (cosign ``--key awskms:///<key ARN>``).

    Attributes:
        key_usage: must be ``SIGN_VERIFY``. Defaults to it.
        key_spec: an asymmetric signing key spec cosign and Kyverno both verify. Defaults to
            ``ECC_NIST_P256`` (ECDSA P-256 with SHA-256: cosign's own default key type).
    """

    key_usage: str = SIGN_VERIFY
    key_spec: str = "ECC_NIST_P256"

    @field_validator("key_usage")
    @classmethod
    def _usage(cls, value: str) -> str:
        if value != SIGN_VERIFY:
            raise ValueError(
                f"the signing key must be an asymmetric {SIGN_VERIFY} key (cosign signs with it)"
            )
        return value

    @field_validator("key_spec")
    @classmethod
    def _spec(cls, value: str) -> str:
        if value not in SIGNING_KEY_SPECS:
            raise ValueError(
                f"the signing key must be asymmetric, one of {', '.join(SIGNING_KEY_SPECS)}"
                " (SYMMETRIC_DEFAULT and HMAC keys cannot sign an image)"
            )
        return value


class AdmissionSpec(Spec):
    """Kyverno and the ImageValidatingPolicy that admits only signed, attested images in the product
    namespace.

    Attributes:
        mode: ``Enforce`` (an unverifiable image is refused) or ``Audit`` (admitted and reported).
            Defaults to ``Enforce``; prod refuses ``Audit``.
        failure_policy: what the API server does when Kyverno cannot answer for a product-namespace pod:
            ``Fail`` (refuse it: nothing unverified runs, new pods wait for Kyverno) or ``Ignore`` (admit
            it unverified). Defaults to ``Fail``; staging and prod refuse ``Ignore``. Only the product
            namespace is matched, so a Kyverno outage never blocks kube-system or Kyverno itself.
        timeout_seconds: the webhook's timeout, 1-10 s (the API server's maximum is 30; Kyverno's chart
            recommends well under 10). Defaults to 5: a signature and an attestation fetched from ECR in
            the same region take well under a second once Kyverno's cache holds the token.
        chart_version: the Kyverno chart. Defaults to 3.9.0 (Kyverno 1.19.0), whose values this program
            was checked against.
        replicas: admission controller replicas, 3 or more (a disruption budget keeps all but one). Defaults
            to 3.
    """

    mode: AdmissionMode = AdmissionMode.ENFORCE
    failure_policy: FailurePolicy = FailurePolicy.FAIL
    timeout_seconds: int = Field(default=5, ge=1, le=10)
    chart_version: str = Field(default="3.9.0", pattern=r"^\d+\.\d+\.\d+$")
    replicas: int = Field(default=3, ge=3, le=7)


class RegistrySpec(Spec):
    """The environment's image registry.

    Attributes:
        tag_mutability: of every service repository. Defaults to ``IMMUTABLE`` (a tag names one image for
            ever); staging and prod refuse ``MUTABLE``.
        lifecycle: which images expire. Defaults to dev builds after 14 days.
        continuous_scan: ``true`` rescans every service repository whenever a new CVE is published
            (ENHANCED scanning, Amazon Inspector), ``false`` scans on push only. Defaults to ``true``.
        replication_region: the DR region service images are replicated to (the same account). Defaults to
            none; prod requires one. It may not be the stack's own region.
        pull_through_cache: the upstream registries the add-ons pull through this registry. Defaults to
            all five: registry.k8s.io, quay.io, public.ecr.aws, and Docker Hub and ghcr.io with the
            credentials in ``ecr-pullthroughcache/docker-hub`` and
            ``ecr-pullthroughcache/github-container-registry`` (the bootstrap creates both, an administrator
            puts their values before the first ``up``: docs/RUNBOOK.md).
        allowed_registries: registries (host and optional path) a services stack may name images from
            besides this environment's own. Defaults to none. Images from them are not signature-checked.
        signing_key: the KMS key CI signs with. Defaults to ECC_NIST_P256, SIGN_VERIFY.
        push_subjects: the GitHub OIDC subjects (``repo:<owner>/<repo>:...``, exact, no wildcard) that may
            assume the push role, the only identity that may push to the service repositories and sign
            (required, at least one).
        promotion_role_arns: the next environment's push role(s) (``arn:aws:iam::<its account>:role/
            platform-<its env>-image-push``), which may pull from this registry to promote an image by digest
            (cross-account). Defaults to none (the last environment promotes nowhere).
        admission: Kyverno and the image policy (with the cluster). Defaults to none (no admission check).
    """

    tag_mutability: TagMutability = TagMutability.IMMUTABLE
    lifecycle: LifecycleSpec = LifecycleSpec()
    continuous_scan: bool = True
    replication_region: AwsRegion | None = None
    pull_through_cache: list[CacheRuleSpec] = Field(default_factory=_default_cache)
    allowed_registries: list[AllowedRegistry] = Field(default_factory=list)
    signing_key: SigningKeySpec = SigningKeySpec()
    push_subjects: list[str] = Field(min_length=1)
    promotion_role_arns: list[Annotated[str, Field(pattern=_ROLE_ARN)]] = Field(default_factory=list)
    admission: AdmissionSpec | None = None

    @field_validator("pull_through_cache")
    @classmethod
    def _one_rule_per_upstream(cls, value: list[CacheRuleSpec]) -> list[CacheRuleSpec]:
        seen = [rule.upstream for rule in value]
        twice = sorted({u.value for u in seen if seen.count(u) > 1})
        if twice:
            raise ValueError(f"one rule per upstream; {', '.join(twice)} appears more than once")
        return value

    @field_validator("push_subjects")
    @classmethod
    def _subjects(cls, value: list[str]) -> list[str]:
        for subject in value:
            if not _SUBJECT.fullmatch(subject) or "*" in subject:
                raise ValueError(
                    "a push subject is an exact GitHub OIDC subject, repo:<owner>/<repo>:<context>..., no"
                    f" wildcard; got {subject!r}"
                )
        return value
