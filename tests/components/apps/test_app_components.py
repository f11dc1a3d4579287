"""The components under the SDK's mock runtime: every object on the passed provider, rollout order,
adding a service through config only."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.apps import manifests
from components.apps.product import ProductServices, ProductServicesArgs
from tests.components.apps.support import PLATFORM, services_settings
from tests.components.apps.support import target as support_target
from tests.helpers import of_type, one

ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"


def _services(stack: str, edit=None):
    return services_settings(stack, edit).config


def _build(stack: str, edit=None, name: str = "svc"):
    config = _services(stack, edit)

    def build() -> None:
        provider = k8s.Provider("k8s", kubeconfig="{}")
        ProductServices(
            name,
            ProductServicesArgs(
                services=config.apps,
                delivery=config.delivery,
                environment=stack,
                provider=provider,
                platform=PLATFORM,
                redis_address="redis.example.internal:6379",
                shared_env={"REDIS_HOST": "redis.example.internal"},
            ),
        )

    return build


def test_every_kubernetes_object_uses_the_passed_provider(mock_runtime):
    resources = mock_runtime.run(_build("prod"))
    provider = one(resources, "pulumi:providers:kubernetes")
    objects = [r for r in resources if r.type.startswith("kubernetes:")]
    assert len(objects) > 40
    assert {r.provider.split("::")[-2] if r.provider else None for r in objects} == {provider.name}
    assert all(r.provider.startswith(provider.urn) for r in objects)


def test_registered_objects_are_the_rendered_manifests(mock_runtime):
    config = _services("prod")
    resources = mock_runtime.run(_build("prod"))
    target = support_target(
        "prod", config.delivery, "redis.example.internal:6379", {"REDIS_HOST": "redis.example.internal"}
    )
    expected = {
        (m["kind"], m["metadata"].get("name")): m
        for name, spec in config.apps.items()
        for m in manifests.render_app(name, spec, target).objects
        + manifests.render_migration(name, spec, target)
    }
    recorded = {
        (r.inputs["kind"], r.inputs["metadata"].get("name")): r.inputs
        for r in resources
        if r.type.startswith("kubernetes:") and r.inputs["kind"] != "AnalysisTemplate"
    }
    assert recorded == expected


def test_prod_ships_gateway_canary_web_blue_green_draining_workers_and_the_rest_rolling(mock_runtime):
    resources = mock_runtime.run(_build("prod"))
    rollouts = {
        r.inputs["metadata"]["name"]: r.inputs["spec"]["strategy"] for r in of_type(resources, ROLLOUT)
    }
    assert set(rollouts) == {"gateway", "web", "worker-convert", "worker-export"}
    assert "canary" in rollouts["gateway"]
    assert "blueGreen" in rollouts["web"]
    for worker in ("worker-convert", "worker-export"):
        # the drain runs before any new worker exists, then every worker is replaced at once
        assert rollouts[worker]["canary"]["steps"] == [
            {"analysis": {"templates": [{"templateName": f"{worker}-queue-drained"}]}},
            {"setWeight": 100},
        ]
    deployments = {r.inputs["metadata"]["name"] for r in of_type(resources, DEPLOYMENT)}
    assert deployments == {"realtime", "mcp"}
    templates = {
        r.inputs["metadata"]["name"]
        for r in of_type(resources, "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")
    }
    assert templates == {
        "error-rate",
        "latency-p95",
        "worker-convert-queue-drained",
        "worker-export-queue-drained",
    }


def test_dev_creates_no_rollouts_and_no_analysis(mock_runtime):
    resources = mock_runtime.run(_build("dev"))
    assert not of_type(resources, ROLLOUT)
    assert not of_type(resources, "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")
    assert len(of_type(resources, DEPLOYMENT)) == 6


def test_migrations_run_before_every_service_and_mcp_after_gateway_and_web(mock_runtime):
    resources = mock_runtime.run(_build("prod"))
    job = one(resources, JOB)
    workloads = {r.inputs["metadata"]["name"]: r for r in resources if r.type in (ROLLOUT, DEPLOYMENT)}
    for name, workload in workloads.items():
        assert job.urn in workload.dependencies, name
    mcp = workloads["mcp"]
    assert workloads["gateway"].urn in mcp.dependencies
    assert workloads["web"].urn in mcp.dependencies
    assert workloads["mcp"].urn not in workloads["gateway"].dependencies


def test_migrations_run_one_at_a_time_and_every_workload_starts_after_the_last(mock_runtime):
    # The services share one database: two schema migrations at once can block each other. Chained,
    # a workload needs one edge (to the last Job) and still starts after all of them.
    def migrate(services):
        for service in ("worker-convert", "worker-export"):
            services[service]["migration"] = {"command": ["./migrate"], "timeoutSeconds": 60}

    resources = mock_runtime.run(_build("prod", migrate))
    jobs = {r.inputs["metadata"]["labels"]["app.kubernetes.io/name"]: r for r in of_type(resources, JOB)}
    assert list(jobs) == ["gateway", "worker-convert", "worker-export"]  # the services' order
    gateway, convert, export = jobs.values()
    assert gateway.urn in convert.dependencies
    assert convert.urn in export.dependencies
    assert not {convert.urn, export.urn} & set(gateway.dependencies)
    secrets = [r for r in resources if r.type.endswith("ExternalSecret") and "Migration" in (r.parent or "")]
    assert len(secrets) == 2  # gateway's and worker-convert's migrations read secrets; worker-export's none
    assert all(not {j.urn for j in jobs.values()} & set(r.dependencies) for r in secrets)
    for workload in (r for r in resources if r.type in (ROLLOUT, DEPLOYMENT)):
        assert export.urn in workload.dependencies, workload.name
        assert not {gateway.urn, convert.urn} & set(workload.dependencies), workload.name


def test_only_the_workload_waits_for_migrations_gates_and_earlier_services(mock_runtime):
    # One edge per service and migration, not one per object: a service's other objects precede its
    # workload (ServiceAccount, ExternalSecret, canary Ingress) or serve none of the new release's pods
    # before it rolls out (Services, ServiceMonitor, Ingress, autoscaler, budget).
    resources = mock_runtime.run(_build("prod"))
    waited_for = {r.urn for r in of_type(resources, JOB)}
    waited_for |= {r.urn for r in of_type(resources, "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")}
    workloads = [r for r in resources if r.type in (ROLLOUT, DEPLOYMENT)]
    waited_for |= {w.urn for w in workloads}
    app_objects = [r for r in resources if r.parent and "platform:apps:App" in r.parent]
    assert len(app_objects) > 3 * len(workloads)
    for r in app_objects:
        if r.type in (ROLLOUT, DEPLOYMENT):
            assert waited_for & set(r.dependencies), r.name
            continue
        autoscaled = r.type.startswith(("kubernetes:autoscaling", "kubernetes:keda", "kubernetes:policy"))
        expected = {w.urn for w in workloads if w.parent == r.parent} if autoscaled else set()
        assert waited_for & set(r.dependencies) <= expected, r.name


def test_the_workload_waits_for_its_secret_and_the_canary_for_its_ingress(mock_runtime):
    resources = mock_runtime.run(_build("prod"))
    gateway = next(r for r in of_type(resources, ROLLOUT) if r.inputs["metadata"]["name"] == "gateway")
    external = next(
        r
        for r in of_type(resources, "kubernetes:external-secrets.io/v1:ExternalSecret")
        if r.inputs["metadata"]["name"] == "gateway-secrets"
    )
    ingress = next(
        r
        for r in of_type(resources, "kubernetes:networking.k8s.io/v1:Ingress")
        if r.inputs["metadata"]["name"] == "gateway"
    )
    assert {external.urn, ingress.urn} <= set(gateway.dependencies)
    assert ingress.inputs["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"

    hpa = next(
        r
        for r in of_type(resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
        if r.inputs["metadata"]["name"] == "gateway"
    )
    assert gateway.urn in hpa.dependencies


def test_services_are_created_beside_the_workload_not_before_it(mock_runtime):
    # Pulumi's Service await wants endpoints, which only the workload's pods provide: a dependency
    # either way round would deadlock, so Services skip the await and the workload's await decides.
    resources = mock_runtime.run(_build("prod"))
    for workload in (r for r in resources if r.type in (ROLLOUT, DEPLOYMENT)):
        name = workload.inputs["metadata"]["name"]
        services = [
            r
            for r in of_type(resources, "kubernetes:core/v1:Service")
            if r.inputs["metadata"]["name"].startswith(name)
        ]
        for service in services:
            assert service.urn not in workload.dependencies
            assert workload.urn not in service.dependencies
            assert service.inputs["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}


def test_children_are_named_after_the_component(mock_runtime):
    resources = mock_runtime.run(_build("prod", name="blue"))
    named = [r for r in resources if r.type.startswith(("kubernetes:", "platform:apps"))]
    assert all(r.name.startswith("blue") for r in named)
    assert one(resources, "platform:apps:ProductServices").name == "blue"
    assert {r.name for r in of_type(resources, "platform:apps:App")} == {
        f"blue-{s}" for s in ("gateway", "worker-convert", "worker-export", "realtime", "web", "mcp")
    }


def test_adding_a_service_through_config_creates_it(mock_runtime):
    def add(services):
        services["search"] = {
            "image": "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/product/search:v0.1.0@sha256:3333333333333333333333333333333333333333333333333333333333333333",
            "autoscaling": {"minReplicas": 2, "maxReplicas": 4},
            "ingress": {"host": "search.slidecraft.example.com"},
            "after": ["gateway"],
        }

    resources = mock_runtime.run(_build("prod", add))
    app = one(resources, "platform:apps:App", "svc-search")
    kinds = sorted(r.type.split(":")[-1] for r in resources if r.parent == app.urn)
    assert kinds == sorted(
        [
            "ServiceAccount",
            "Service",
            "ServiceMonitor",
            "Ingress",
            "Deployment",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
        ]
    )
    search = next(r for r in of_type(resources, DEPLOYMENT) if r.inputs["metadata"]["name"] == "search")
    gateway = next(r for r in of_type(resources, ROLLOUT) if r.inputs["metadata"]["name"] == "gateway")
    assert gateway.urn in search.dependencies


def test_queue_workers_need_the_redis_address(mock_runtime):
    config = _services("prod")

    def build() -> None:
        provider = k8s.Provider("k8s", kubeconfig="{}")
        ProductServices("svc", ProductServicesArgs(config.apps, config.delivery, "prod", provider, PLATFORM))

    with pytest.raises(Exception, match="worker-convert, worker-export scale on a Redis queue"):
        mock_runtime.run(build)


def test_a_preview_registers_every_object_without_known_outputs(preview_runtime):
    resources = preview_runtime.run(_build("staging"))
    assert len(of_type(resources, ROLLOUT)) == 4  # gateway, web and the two draining workers
    assert len(of_type(resources, JOB)) == 1
    assert pulumi.runtime.is_dry_run()
