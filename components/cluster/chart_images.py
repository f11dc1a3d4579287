"""Which images of each chart the platform installs can be pulled through the registry's pull-through cache,
and the values that point them there (pure).

Every entry was read in the chart's own ``values.yaml`` at the pinned chart version (``ChartImages.source``):
the key, the value it has there (``ImageKey.default``) and the upstream that image lives on. A chart version
other than the checked one is not trusted (a values key may have moved): its images keep their upstream and
the installing component warns (:func:`unchecked`); the tests hold every stack file's pinned version to the
checked one.

A key holds either a registry (the chart joins it with its own repository: the override is the cache's
prefix, ``<registry host>/<upstream prefix>``) or a whole repository (``ImageKey.repository`` is then the
image's path on its upstream, appended to the prefix). An image is pointed at the cache only when the
stack's cache serves its upstream: registry.k8s.io, quay.io and public.ecr.aws need no credentials;
Docker Hub and ghcr.io have theirs in the ``ecr-pullthroughcache/...`` secrets the account's bootstrap
creates (``components.registry.spec.CacheRuleSpec``). Every stack serves all five by default; an upstream a
stack's ``platform:registry.pullThroughCache`` leaves out keeps its images upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.registry.spec import CACHE_PREFIXES, Upstream


@dataclass(frozen=True)
class ImageKey:
    """One image value of a chart.

    Attributes:
        key: its dotted path in the chart's values (a subchart's under the subchart's name).
        default: its value in the chart's ``values.yaml`` at the checked version (``~`` for null).
        upstream: the upstream registry the image is pulled from (and cached from).
        repository: for a key holding a whole repository, the image's path on ``upstream``; empty for a key
            holding only the registry.
    """

    key: str
    default: str
    upstream: Upstream
    repository: str = ""


@dataclass(frozen=True)
class ChartImages:
    """The image keys of one chart at the version they were read in.

    Attributes:
        version: the chart version whose values.yaml was read.
        source: where (repository, path, tag).
        images: the image keys pointed at the cache when their upstream is served.
        note: what else was seen (images left upstream and why; a default that is an alias of the upstream).
    """

    version: str
    source: str
    images: tuple[ImageKey, ...]
    note: str = ""


K8S, QUAY, ECR_PUBLIC, GHCR, DOCKER_HUB = (
    Upstream.K8S,
    Upstream.QUAY,
    Upstream.ECR_PUBLIC,
    Upstream.GHCR,
    Upstream.DOCKER_HUB,
)

CHART_IMAGES: dict[str, ChartImages] = {
    "aws-load-balancer-controller": ChartImages(
        "1.14.0",
        "aws/eks-charts stable/aws-load-balancer-controller/values.yaml at 049a6f7f (chart 1.14.0)",
        (
            ImageKey(
                "image.repository",
                "public.ecr.aws/eks/aws-load-balancer-controller",
                ECR_PUBLIC,
                "eks/aws-load-balancer-controller",
            ),
        ),
    ),
    "metrics-server": ChartImages(
        "3.13.0",
        "kubernetes-sigs/metrics-server charts/metrics-server/values.yaml at metrics-server-helm-chart-3.13.0",
        (
            ImageKey(
                "image.repository",
                "registry.k8s.io/metrics-server/metrics-server",
                K8S,
                "metrics-server/metrics-server",
            ),
        ),
    ),
    "argo-rollouts": ChartImages(
        "2.40.2",
        "argoproj/argo-helm charts/argo-rollouts/values.yaml at argo-rollouts-2.40.2",
        (ImageKey("controller.image.registry", "quay.io", QUAY),),
        "the dashboard (quay.io) is off",
    ),
    "cluster-autoscaler": ChartImages(
        "9.54.0",
        "kubernetes/autoscaler cluster-autoscaler/charts/cluster-autoscaler/values.yaml at"
        " cluster-autoscaler-chart-9.54.0",
        (
            ImageKey(
                "image.repository",
                "registry.k8s.io/autoscaling/cluster-autoscaler",
                K8S,
                "autoscaling/cluster-autoscaler",
            ),
        ),
    ),
    "external-dns": ChartImages(
        "1.21.1",
        "kubernetes-sigs/external-dns charts/external-dns/values.yaml at external-dns-helm-chart-1.21.1",
        (
            ImageKey(
                "image.repository",
                "registry.k8s.io/external-dns/external-dns",
                K8S,
                "external-dns/external-dns",
            ),
        ),
    ),
    "kube-prometheus-stack": ChartImages(
        "79.7.1",
        "prometheus-community/helm-charts charts/kube-prometheus-stack/values.yaml at"
        " kube-prometheus-stack-79.7.1; its subcharts (Chart.yaml dependencies) at their own tags:"
        " charts/kube-state-metrics/values.yaml at kube-state-metrics-6.4.1,"
        " charts/prometheus-node-exporter/values.yaml at prometheus-node-exporter-4.49.1 (same repository),"
        " grafana/helm-charts charts/grafana/values.yaml at grafana-10.2.0",
        (
            ImageKey("prometheusOperator.image.registry", "quay.io", QUAY),
            ImageKey("prometheusOperator.prometheusConfigReloader.image.registry", "quay.io", QUAY),
            ImageKey("prometheusOperator.admissionWebhooks.patch.image.registry", "registry.k8s.io", K8S),
            ImageKey("prometheus.prometheusSpec.image.registry", "quay.io", QUAY),
            ImageKey("alertmanager.alertmanagerSpec.image.registry", "quay.io", QUAY),
            ImageKey("kube-state-metrics.image.registry", "registry.k8s.io", K8S),
            ImageKey("prometheus-node-exporter.image.registry", "quay.io", QUAY),
            ImageKey("grafana.sidecar.image.registry", "quay.io", QUAY),
            ImageKey("grafana.image.registry", "docker.io", DOCKER_HUB),
        ),
        "global.imageRegistry is not used: it would move every image, whatever its upstream. Left as they"
        " are (not rendered with these values): the Thanos images, the CRD upgrade job (busybox, kubectl),"
        " the webhook deployment, kube-rbac-proxy, Grafana's init and renderer images; Grafana's helm test"
        " pod (docker.io/bats/bats) is rendered but only run by `helm test`",
    ),
    "loki": ChartImages(
        "6.46.0",
        "grafana/loki production/helm/loki/values.yaml at helm-loki-6.46.0",
        (
            ImageKey("loki.image.registry", "docker.io", DOCKER_HUB),
            ImageKey("gateway.image.registry", "docker.io", DOCKER_HUB),
            ImageKey(
                "sidecar.image.repository",
                "docker.io/kiwigrid/k8s-sidecar",
                DOCKER_HUB,
                "kiwigrid/k8s-sidecar",
            ),
        ),
        "every image is on Docker Hub (singleBinary.image.registry is ~: it falls back to loki.image);"
        " memcached, the canary and the test are off",
    ),
    "alloy": ChartImages(
        "1.2.0",
        "grafana/alloy operations/helm/charts/alloy/values.yaml at helm-chart/1.2.0",
        (
            ImageKey("configReloader.image.registry", "quay.io", QUAY),
            ImageKey("image.registry", "docker.io", DOCKER_HUB),
        ),
    ),
    "keda": ChartImages(
        "2.17.2",
        "kedacore/charts keda/values.yaml at v2.17.2",
        (
            ImageKey("image.keda.registry", "ghcr.io", GHCR),
            ImageKey("image.metricsApiServer.registry", "ghcr.io", GHCR),
            ImageKey("image.webhooks.registry", "ghcr.io", GHCR),
        ),
    ),
    "external-secrets": ChartImages(
        "1.0.0",
        "external-secrets/external-secrets deploy/charts/external-secrets/values.yaml at helm-chart-1.0.0",
        (
            ImageKey(
                "image.repository",
                "oci.external-secrets.io/external-secrets/external-secrets",
                GHCR,
                "external-secrets/external-secrets",
            ),
            ImageKey(
                "webhook.image.repository",
                "oci.external-secrets.io/external-secrets/external-secrets",
                GHCR,
                "external-secrets/external-secrets",
            ),
            ImageKey(
                "certController.image.repository",
                "oci.external-secrets.io/external-secrets/external-secrets",
                GHCR,
                "external-secrets/external-secrets",
            ),
        ),
        "oci.external-secrets.io is not an upstream ECR caches; the same image is published to"
        " ghcr.io/external-secrets/external-secrets (the repository's Makefile at helm-chart-1.0.0:"
        " IMAGE_REGISTRY ?= ghcr.io, IMAGE_REPO ?= external-secrets/external-secrets)",
    ),
    "kyverno": ChartImages(
        "3.9.0",
        "kyverno/kyverno charts/kyverno/values.yaml at kyverno-chart-3.9.0",
        (
            ImageKey("global.image.registry", "~", GHCR),
            ImageKey("webhooksCleanup.image.registry", "ghcr.io", GHCR),
        ),
        "the images have registry ~ and defaultRegistry reg.kyverno.io, which ECR cannot cache; global.image"
        ".registry overrides the default but not an explicit registry (templates/_helpers/_image.tpl: default"
        " (default .image.defaultRegistry .globalRegistry) .image.registry); Kyverno publishes them to"
        " ghcr.io/kyverno (Makefile at v1.19.0: REGISTRY ?= ghcr.io, REPO ?= kyverno). The webhooks' cleanup"
        " hook names ghcr.io itself; the helm test image (test.image) is left upstream",
    ),
}
"""The image keys of every chart the platform installs, keyed by chart name."""


def cache_values(
    chart: str, version: str, registry_host: str, upstreams: frozenset[Upstream]
) -> dict[str, Any]:
    """The values that point ``chart``'s images at the cache of ``registry_host``, for the upstreams it
    serves; empty when none applies or ``version`` is not the one checked."""
    images = CHART_IMAGES.get(chart)
    if images is None or version != images.version:
        return {}
    override: dict[str, Any] = {}
    for image in images.images:
        if image.upstream not in upstreams:
            continue
        value = f"{registry_host}/{CACHE_PREFIXES[image.upstream]}"
        if image.repository:
            value = f"{value}/{image.repository}"
        *parents, leaf = image.key.split(".")
        node = override
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return override


def unchecked(chart: str, version: str) -> str | None:
    """Why ``chart`` at ``version`` keeps its upstream images though its chart is listed: its keys were read
    at another version. ``None`` when they were read at ``version`` or the chart is not listed."""
    images = CHART_IMAGES.get(chart)
    if images is None or version == images.version:
        return None
    return (
        f"chart {chart} {version}: its images stay on their upstream registries; the pull-through cache's"
        f" keys were checked at {images.version} ({images.source}): check them at {version} in"
        " components/cluster/chart_images.py"
    )


def with_cache(
    chart: str,
    version: str,
    values: dict[str, Any],
    registry_host: str,
    upstreams: frozenset[Upstream],
) -> dict[str, Any]:
    """``values`` with ``chart``'s images pulled through the cache where it serves their upstream; the same
    object, unchanged, when no image of the chart is."""
    override = cache_values(chart, version, registry_host, upstreams)
    return merged(values, override) if override else values


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` merged into a copy of ``base``, mapping by mapping (Helm's own rule for values)."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result
