"""The two projects held together: what the services stack reads, the platform stack exports."""

from __future__ import annotations

import json

import pytest

from infra import contract
from infra.contract import PLATFORM_NAMES, PlatformOutput
from settings import stacks
from tests.conftest import STACKS, services_run, stack_run
from tools.preview import render, runner

APP_KINDS = {
    "kubernetes:apps/v1:Deployment",
    "kubernetes:argoproj.io/v1alpha1:Rollout",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.k8s.io/v1:Ingress",
    "kubernetes:external-secrets.io/v1:ExternalSecret",
    "kubernetes:keda.sh/v1alpha1:ScaledObject",
    "kubernetes:batch/v1:Job",
    "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
}


@pytest.fixture(scope="module", params=STACKS)
def reads(request, monkeypatch_module):
    """The platform outputs the services program of a stack reads (recorded as it reads them)."""
    read: set[PlatformOutput] = set()
    original = contract.PlatformStack.output

    def recording(self, key):
        read.add(key)
        return original(self, key)

    monkeypatch_module.setattr(contract.PlatformStack, "output", recording)
    # A services run of its own (it records what the program reads), on the session's platform run.
    runner.run_project("services", request.param, preview=True, platform=stack_run(request.param, True))
    return request.param, read


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_every_output_the_services_read_exists_in_the_platform_outputs(reads):
    stack, read = reads
    assert read, "the services program reads nothing from the platform?"
    exported = set(stack_run(stack, True).outputs)
    assert {key.value for key in read} <= exported, sorted({k.value for k in read} - exported)


@pytest.mark.parametrize("stack", STACKS)
def test_the_platform_exports_the_names_the_services_build_with(stack):
    outputs = stack_run(stack, True).outputs
    for key, expected in PLATFORM_NAMES.items():
        assert outputs[key.value] == expected, key


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_preview_holds_the_apps_and_the_platform_preview_none(stack):
    services = {r.type for r in services_run(stack, True).resources}
    platform = {r.type for r in stack_run(stack, True).resources}
    progressive = {
        "kubernetes:argoproj.io/v1alpha1:Rollout",
        "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
        "kubernetes:keda.sh/v1alpha1:ScaledObject",
    }
    assert services >= APP_KINDS - (progressive if stack == "dev" else set())  # dev: all rolling, HPA only
    # The platform's own ExternalSecrets and Services (monitoring, add-ons) are not the product's.
    workloads = APP_KINDS - {"kubernetes:external-secrets.io/v1:ExternalSecret", "kubernetes:core/v1:Service"}
    assert not platform & workloads
    in_product = [
        r.name
        for r in stack_run(stack, True).resources
        if r.type in APP_KINDS and (r.inputs.get("metadata") or {}).get("namespace") == "product"
    ]
    assert in_product == []
    # The services project touches only its namespace and the flag values in the platform's AppConfig store.
    assert {t for t in services if t.startswith("aws:")} == {
        "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion",
        "aws:appconfig/deployment:Deployment",
    }
    assert "pulumi:providers:aws" in services
    assert {t for t in platform if t.startswith("aws:appconfig/")} == {
        "aws:appconfig/application:Application",
        "aws:appconfig/environment:Environment",
        "aws:appconfig/configurationProfile:ConfigurationProfile",
        "aws:appconfig/deploymentStrategy:DeploymentStrategy",
    }


@pytest.mark.parametrize("stack", STACKS)
def test_unknown_platform_values_stay_unknown_in_the_services_preview(stack):
    # A preview does not know the cluster's endpoint; the services' provider kubeconfig must say so.
    (provider,) = [r for r in services_run(stack, True).resources if r.type == "pulumi:providers:kubernetes"]
    assert render.plain(provider.inputs["kubeconfig"]) in (render.UNKNOWN, render.SECRET)


def test_the_services_know_their_platform_stack_by_its_full_name():
    assert services_run("prod", True).outputs["platform_stack"] == "organization/platform/prod"


def test_a_services_stack_on_a_platform_without_a_needed_output_fails_with_the_key_named():
    stack_file = stacks.read("dev", stacks.Project.SERVICES)
    platform = dict(stack_run("dev").outputs)  # as after a platform `up`: every value known
    del platform[PlatformOutput.REDIS_PORT.value]
    with pytest.raises(Exception, match="has no output 'redis_port'"):
        runner.run_program(
            stack_file,
            preview=False,
            root=runner.ROOT / "services",
            stack_references={"organization/platform/dev": platform},
        )


def test_a_platform_from_another_revision_fails_the_services_run():
    stack_file = stacks.read("dev", stacks.Project.SERVICES)
    platform = dict(stack_run("dev").outputs)
    platform[PlatformOutput.PRODUCT_NAMESPACE.value] = "shop"
    with pytest.raises(Exception, match="exports product_namespace='shop'"):
        runner.run_program(
            stack_file,
            preview=False,
            root=runner.ROOT / "services",
            stack_references={"organization/platform/dev": platform},
        )


@pytest.mark.parametrize("stack", STACKS)
def test_services_json_preview_is_complete_and_exits_zero(stack, capsys, shared_runs):
    from tools import cli

    assert cli.main(["preview", "--stack", stack, "--project", "services", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {r["type"] for r in document["resources"]} >= {
        "kubernetes:batch/v1:Job",
        "kubernetes:core/v1:Service",
    }
