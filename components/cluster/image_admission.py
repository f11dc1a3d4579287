"""``ImageAdmission``: Kyverno (chart pinned) and the ImageValidatingPolicy that admits, in the product
namespace, only images signed and attested with the environment's signing key (:mod:`.admission`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.cluster import chart_images
from components.cluster.irsa import Oidc, irsa_role
from components.core import iam
from components.registry import admission
from components.registry.cache import PullThroughCache
from components.registry.policies import PULL_ACTIONS
from components.registry.spec import AdmissionSpec

_WAIT = {"pulumi.com/timeoutSeconds": "300"}


def admission_pull_policy(repository_arns: Sequence[str]) -> dict[str, object]:
    """Kyverno reads signatures, attestations and manifests of the service repositories, nothing else."""
    return iam.document(
        {"Sid": "RegistryToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "ReadServiceImages",
            "Effect": "Allow",
            "Action": list(PULL_ACTIONS),
            "Resource": list(repository_arns),
        },
    )


@dataclass(frozen=True)
class ImageAdmissionArgs:
    """Inputs of :class:`ImageAdmission`.

    Attributes:
        spec: ``platform:registry.admission``.
        environment: the stack name (alert labels).
        namespace: the namespace whose pods are checked (the product namespace).
        signed_repositories: ``<registry host>/product`` of each owned registry: images there must be signed.
        allowed_registries: registries images may also come from (not signature-checked).
        repository_arn_pattern: the service repositories' ARNs (``arn:...:repository/product/*``) Kyverno
            may read.
        public_key_pem: the signing key's public key.
        oidc: the cluster's OIDC provider (Kyverno's IRSA role).
        k8s_provider: the cluster's Kubernetes provider.
        cluster_ready: what must exist before anything runs on the cluster.
        alert_after: the kube-prometheus-stack release (the PrometheusRule CRD); none: no alert rule.
        image_cache: the registry's pull-through cache; Kyverno's images are pulled through it when it
            serves ghcr.io (``chart_images.CHART_IMAGES``), after its rules exist. Defaults to none.
    """

    spec: AdmissionSpec
    environment: str
    namespace: str
    signed_repositories: Sequence[str]
    allowed_registries: Sequence[str]
    repository_arn_pattern: pulumi.Input[str]
    public_key_pem: pulumi.Input[str]
    oidc: Oidc
    k8s_provider: k8s.Provider
    cluster_ready: Sequence[pulumi.Resource]
    alert_after: Sequence[pulumi.Resource] = field(default_factory=tuple)
    image_cache: PullThroughCache | None = None


class ImageAdmission(pulumi.ComponentResource):
    """Kyverno, its IRSA role (pull-only on the service repositories), the image policy and its alerts."""

    role_arn: pulumi.Output[str]
    """Kyverno's admission controller role: a puller the repositories' policies must name."""

    def __init__(
        self, name: str, args: ImageAdmissionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:cluster:ImageAdmission", name, None, opts)
        spec = args.spec
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.k8s_provider)
        role = irsa_role(
            f"{name}-kyverno",
            args.oidc,
            admission.KYVERNO_NAMESPACE,
            admission.ADMISSION_SERVICE_ACCOUNT,
            self,
            inline_policy=pulumi.Output.from_input(args.repository_arn_pattern).apply(
                lambda arn: iam.dumps(admission_pull_policy([arn]))
            ),
        )
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=admission.KYVERNO_NAMESPACE),
            opts=pulumi.ResourceOptions.merge(
                on_cluster, pulumi.ResourceOptions(depends_on=list(args.cluster_ready))
            ),
        )
        values = admission.kyverno_values(spec, role.arn)
        needs: list[pulumi.Resource] = [namespace]
        cache = args.image_cache
        if cache is not None:
            chart, version = admission.KYVERNO_CHART, spec.chart_version
            if (why := chart_images.unchecked(chart, version)) is not None:
                pulumi.log.warn(why, self)
            cached = chart_images.with_cache(chart, version, values, cache.registry_host, cache.upstreams)
            if cached is not values:
                values, needs = cached, [*needs, cache]
        release = k8s.helm.v3.Release(
            f"{name}-kyverno",
            name=admission.KYVERNO_RELEASE,
            chart=admission.KYVERNO_CHART,
            version=spec.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=admission.KYVERNO_REPOSITORY),
            namespace=admission.KYVERNO_NAMESPACE,
            create_namespace=False,
            values=values,
            atomic=True,
            cleanup_on_fail=True,
            max_history=10,
            timeout=900,
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=needs)),
        )
        manifest = admission.image_policy(
            spec, args.namespace, args.signed_repositories, args.allowed_registries, args.public_key_pem
        )
        k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            metadata=k8s.meta.v1.ObjectMetaArgs(name=manifest["metadata"]["name"], annotations=_WAIT),
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[release])),
        )
        if args.alert_after:
            k8s.apiextensions.CustomResource(
                f"{name}-alerts",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name="image-admission", namespace=admission.KYVERNO_NAMESPACE
                ),
                spec=admission.webhook_alert_rules(args.environment),
                opts=pulumi.ResourceOptions.merge(
                    on_cluster, pulumi.ResourceOptions(depends_on=[namespace, *args.alert_after])
                ),
            )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
