"""The composed program: layers wired to each other as the contracts in docs/ARCHITECTURE.md say."""

from __future__ import annotations

import json

import pytest

from infra.layers.observability import NO_LOAD_BALANCER, load_balancer_arn_suffix
from settings import stackfile, stacks
from settings.config import ConfigError
from tests.conftest import STACKS, services_run, stack_run
from tests.helpers import inputs, of_type
from tests.settings.test_config import edited, services_problems, services_values, stack_values

K8S_PROVIDER = "pulumi:providers:kubernetes"


def kubernetes_objects(resources):
    return [r for r in resources if r.custom and r.type.startswith("kubernetes:")]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("project", ["platform", "services"])
def test_every_kubernetes_object_uses_the_projects_one_kubernetes_provider(stack, project):
    resources = stack_run(stack, project=project).resources
    (provider,) = of_type(resources, K8S_PROVIDER)
    objects = kubernetes_objects(resources)
    assert objects
    # A provider reference is "<urn>::<id>".
    assert {r.provider.rsplit("::", 1)[0] for r in objects} == {provider.urn}


@pytest.mark.parametrize("stack", STACKS)
def test_every_service_of_the_services_stack_file_is_deployed(stack):
    result = services_run(stack)
    declared = set(services_values(stack)["services:apps"])
    assert set(result.outputs["service_workloads"]) == declared


@pytest.mark.parametrize("stack", STACKS)
def test_every_secret_a_pod_reads_is_one_the_platform_creates(stack):
    created = {
        inputs(s)["name"] for s in of_type(stack_run(stack).resources, "aws:secretsmanager/secret:Secret")
    }
    read = {
        item["remoteRef"]["key"]
        for project in ("platform", "services")
        for r in of_type(
            stack_run(stack, project=project).resources, "kubernetes:external-secrets.io/v1:ExternalSecret"
        )
        for item in inputs(r).get("spec", {}).get("data", [])
    }
    assert read
    assert read <= created, f"pods read secrets nobody creates: {sorted(read - created)}"


@pytest.mark.parametrize("stack", STACKS)
def test_services_wait_for_the_migrations(stack):
    resources = services_run(stack).resources
    jobs = of_type(resources, "kubernetes:batch/v1:Job")
    assert jobs
    workloads = [
        r
        for r in resources
        if r.type in ("kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout")
    ]
    assert workloads
    for workload in workloads:
        assert any(job.urn in workload.dependencies for job in jobs)


@pytest.mark.parametrize("stack", STACKS)
def test_containers_learn_where_the_stores_are_but_never_a_credential(stack):
    resources = services_run(stack).resources
    names = set()
    for workload in of_type(resources, "kubernetes:apps/v1:Deployment") + of_type(
        resources, "kubernetes:argoproj.io/v1alpha1:Rollout"
    ):
        spec = inputs(workload)["spec"]
        for container in spec["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                if "value" in env:
                    names.add(env["name"])
                    assert not any(word in env["name"] for word in ("PASSWORD", "TOKEN", "SECRET", "KEY"))
    assert {
        "DATABASE_HOST",
        "DATABASE_PORT",
        "REDIS_HOST",
        "REDIS_PORT",
        "MONGODB_URI",
        "S3_BUCKET_UPLOADS",
    } <= names


@pytest.mark.parametrize(
    ("stack", "replica_lag_alarms", "cache_nodes"), [("dev", 0, 1), ("staging", 1, 2), ("prod", 2, 3)]
)
def test_alarms_watch_each_store_of_the_tier_and_the_load_balancer(stack, replica_lag_alarms, cache_nodes):
    alarms = {r.name for r in of_type(stack_run(stack).resources, "aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {f"{stack}-alarms-rds-{m}" for m in ("cpu", "free-storage", "connections")} <= alarms
    assert len([a for a in alarms if a.endswith("-lag")]) == replica_lag_alarms
    assert (
        len([a for a in alarms if a.startswith(f"{stack}-alarms-cache-") and a.endswith("-evictions")])
        == cache_nodes
    )
    assert {f"{stack}-alarms-lb-5xx-rate", f"{stack}-alarms-lb-p95-latency"} <= alarms


def test_load_balancer_alarms_watch_the_controllers_alb():
    resources = stack_run("prod").resources
    (alarm,) = [
        r
        for r in of_type(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.name.endswith("lb-5xx-rate")
    ]
    assert '"LoadBalancer": "app/k8s-product-0123456789/0123456789abcdef"' in json.dumps(inputs(alarm))


def test_the_load_balancer_suffix_comes_from_the_alb_arn_or_a_placeholder_before_it_exists():
    arn = "arn:aws:elasticloadbalancing:ap-northeast-2:1:loadbalancer/app/k8s-product-ab/cd"
    nlb = "arn:aws:elasticloadbalancing:ap-northeast-2:1:loadbalancer/net/k8s-x/ef"
    assert load_balancer_arn_suffix([nlb, arn]) == "app/k8s-product-ab/cd"
    assert load_balancer_arn_suffix([]) == NO_LOAD_BALANCER


def test_services_without_a_cluster_are_a_config_error():
    platform = stack_values("dev")
    del platform["platform:cluster"]
    assert any(
        m.startswith(
            "services:apps: services run on the cluster, but the platform stack has no platform:cluster"
        )
        for m in services_problems(services_values("dev"), "dev", platform)
    )


def test_queue_workers_without_redis_are_a_config_error():
    platform = stack_values("dev")
    del platform["platform:redis"]
    found = services_problems(services_values("dev"), "dev", platform)
    assert any(
        "worker-convert, worker-export scale on a Redis queue, but the platform stack has no platform:redis"
        in m
        for m in found
    )


def test_a_secret_reference_the_platform_does_not_declare_is_a_config_error():
    values = services_values("prod")
    gateway = values["services:apps"]["gateway"]
    gateway["secrets"].append({"secret": "stripe-key", "env": "STRIPE_KEY"})
    gateway["uses"]["secrets"].append("stripe-key")
    found = services_problems(values, "prod")
    for key in ("services:apps.gateway.secrets[2].secret", "services:apps.gateway.uses.secrets[2]"):
        assert any(
            m.startswith(f"{key}: not a secret the platform stack declares") and "got 'stripe-key'" in m
            for m in found
        ), found


def test_a_secret_read_but_not_in_uses_is_a_config_error():
    values = services_values("prod")
    values["services:apps"]["mcp"]["uses"]["secrets"] = []
    found = services_problems(values, "prod")
    assert any(
        m.startswith("services:apps.mcp: secrets read ['jwt-signing-key'] not listed in uses.secrets")
        for m in found
    ), found


@pytest.mark.parametrize(
    ("uses", "key", "message"),
    [
        ({"buckets": {"videos": "read"}}, "uses.buckets.videos", "not a bucket of the platform stack"),
        ({"buckets": {"uploads": "write"}}, "uses.buckets.uploads", "Input should be 'read' or 'readWrite'"),
        ({"secrets": ["jwt-signing-key", "jwt-signing-key"]}, "uses.secrets", "listed twice"),
    ],
)
def test_uses_names_only_what_the_platform_has(uses, key, message):
    values = services_values("prod")
    values["services:apps"]["web"]["uses"] = uses
    found = services_problems(values, "prod")
    assert any(m.startswith(f"services:apps.web.{key}") and message in m for m in found), found


def test_a_config_error_stops_the_program_before_any_resource(monkeypatch):
    from tools.preview import mocks, runner

    runtimes = []
    install = mocks.install

    def recording_install(*args, **kwargs):
        runtimes.append(install(*args, **kwargs))
        return runtimes[-1]

    monkeypatch.setattr(mocks, "install", recording_install)
    stack_file = stacks.read("prod")
    config = dict(stack_file.config)
    config["platform:network"] = json.dumps(edited("prod", "network", ["azCount"], 2)["platform:network"])
    bad = stackfile.StackFile(stack_file.project, "prod", config, stack_file.secret_keys)
    with pytest.raises(ConfigError) as caught:
        runner.run_program(bad)
    assert caught.value.problems == ["platform:network.azCount: prod needs at least 3 AZs; got 2"]
    (runtime,) = runtimes
    assert runtime.monitor.recorded == []
