"""Issue 12's must-show, over the real stack files of both projects: no secret value passes through
Pulumi, and every workload's ServiceAccount has an IAM role of its own granted exactly what it uses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.apps.identity import role_name, workload_identities
from settings.config import platform_settings, services_settings
from tests.conftest import STACKS, services_run, stack_run
from tests.helpers import inputs, of_type, one
from tools.preview.mocks import unwrap

PROJECTS = ["platform", "services"]
ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
WORKLOAD_KINDS = {"kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout"}
JOB = "kubernetes:batch/v1:Job"


def write_only_keys(value: Any, path: str = "") -> list[str]:
    """Every key, at any depth, of a write-only input (``fooWo``, ``fooWoVersion``)."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if key.endswith(("Wo", "WoVersion")):
                found.append(f"{path}{key}")
            found += write_only_keys(child, f"{path}{key}.")
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += write_only_keys(child, f"{path}[{i}].")
    return found


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "update"])
@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("project", PROJECTS)
def test_no_random_password_is_generated_and_no_write_only_input_carries_a_value(project, stack, preview):
    result = stack_run(stack, preview, project)
    assert not [call for call in result.calls if "getRandomPassword" in call]
    carrying = {r.name: write_only_keys(inputs(r)) for r in result.resources}
    assert {name: keys for name, keys in carrying.items() if keys} == {}


def service_accounts_of_workloads(stack: str) -> dict[str, str]:
    """The ServiceAccount of every Deployment, Rollout and migration Job of the services project."""
    found = {}
    for resource in services_run(stack).resources:
        if resource.type in WORKLOAD_KINDS or resource.type == JOB:
            spec = inputs(resource)["spec"]["template"]["spec"]
            found[resource.name] = spec.get("serviceAccountName", "<namespace default>")
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_deployment_rollout_and_job_runs_as_a_service_account_with_a_role_of_its_own(stack):
    accounts = service_accounts_of_workloads(stack)
    assert accounts
    platform = stack_run(stack).resources
    associations = {inputs(a)["serviceAccount"]: inputs(a) for a in of_type(platform, ASSOCIATION)}
    for workload, account in accounts.items():
        assert account in associations, f"{workload} runs as {account}, which has no Pod Identity association"
        assert associations[account]["namespace"] == "product"
    roles = [associations[account]["roleArn"] for account in accounts.values()]
    assert len(set(roles)) == len(set(accounts.values())), "two ServiceAccounts share a role"
    assert len(set(accounts.values())) == len(accounts), "two workloads share a ServiceAccount"


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_project_creates_each_service_account_it_runs_as(stack):
    created = {
        inputs(r)["metadata"]["name"]
        for r in of_type(services_run(stack).resources, "kubernetes:core/v1:ServiceAccount")
    }
    assert set(service_accounts_of_workloads(stack).values()) <= created


def role_statements(stack: str, identity: str) -> list[dict[str, Any]]:
    resources = stack_run(stack).resources
    role = one(resources, ROLE, f"{stack}-workload-{identity}")
    assert inputs(role)["name"] == role_name(stack, identity)
    policies = [p for p in of_type(resources, ROLE_POLICY) if p.name == role.name]
    if not policies:
        return []
    return json.loads(unwrap(policies[0].inputs["policy"]))["Statement"]


def granted(statements: list[dict[str, Any]], action: str) -> list[str]:
    resources: list[str] = []
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if action in actions:
            found = statement["Resource"]
            resources += found if isinstance(found, list) else [found]
    return resources


@pytest.mark.parametrize("stack", STACKS)
def test_each_role_is_granted_exactly_what_its_service_declares(stack):
    services = services_settings(stack_run_settings(stack))
    assert services is not None
    platform_outputs = stack_run(stack).outputs
    for identity in workload_identities(services.config.apps):
        statements = role_statements(stack, identity.name)
        uses = identity.uses
        assert all(s["Effect"] == "Allow" for s in statements)
        # Buckets: exactly the declared ones, written only where readWrite.
        objects = {arn.removesuffix("/*") for arn in granted(statements, "s3:GetObject")}
        declared = {platform_outputs["bucket_arns"][b] for b in uses.buckets}
        assert objects == declared, identity.name
        writable = {arn.removesuffix("/*") for arn in granted(statements, "s3:PutObject")}
        assert writable == {
            platform_outputs["bucket_arns"][b] for b, access in uses.buckets.items() if access == "readWrite"
        }
        # Secrets: exactly the declared ones.
        secrets = set(granted(statements, "secretsmanager:GetSecretValue"))
        assert secrets == {platform_outputs["secret_arns"][s] for s in uses.secrets}, identity.name
        # Stores: connect only where declared, and as its own user.
        postgres = granted(statements, "rds-db:connect")
        assert bool(postgres) == uses.database
        assert all(arn.endswith("/" + identity.name.replace("-", "_")) for arn in postgres)
        cache = granted(statements, "elasticache:Connect")
        assert bool(cache) == bool(uses.cache)
        if cache:
            assert cache[1].endswith(f"user/{stack}-redis-user-{identity.name}")
        # Any key use is through the service that holds the data, never direct.
        for statement in statements:
            if any(
                a.startswith("kms:")
                for a in (
                    [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
                )
            ):
                assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def stack_run_settings(stack: str):
    return platform_settings(stack)


@pytest.mark.parametrize("stack", STACKS)
def test_roles_trust_only_eks_pod_identity_for_this_account_and_cluster(stack):
    for role in of_type(stack_run(stack).resources, ROLE):
        if "-workload-" not in role.name:
            continue
        (trust,) = json.loads(inputs(role)["assumeRolePolicy"])["Statement"]
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert sorted(trust["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
        assert trust["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(f":cluster/platform-{stack}")


@pytest.mark.parametrize("stack", STACKS)
def test_mongodb_users_are_the_roles_of_the_services_that_use_it(stack):
    services = services_settings(platform_settings(stack))
    assert services is not None
    users = {
        inputs(u)["username"]
        for u in of_type(stack_run(stack).resources, "mongodbatlas:index/databaseUser:DatabaseUser")
        if "-workload-" in inputs(u)["username"]
    }
    expected = {
        f"arn:aws:iam::123456789012:role/{role_name(stack, i.name)}"
        for i in workload_identities(services.config.apps)
        if i.uses.mongodb
    }
    assert users == expected


@pytest.mark.parametrize("stack", STACKS)
def test_the_secret_store_serves_only_the_namespaces_that_read_secrets(stack):
    store = one(stack_run(stack).resources, "kubernetes:external-secrets.io/v1:ClusterSecretStore")
    assert inputs(store)["spec"]["conditions"] == [{"namespaces": ["monitoring", "product"]}]
    eso = one(stack_run(stack).resources, ROLE_POLICY, f"{stack}-addons-external-secrets")
    (read, _) = json.loads(unwrap(eso.inputs["policy"]))["Statement"]
    names = sorted(arn.rsplit("/", 1)[1].removesuffix("-??????") for arn in read["Resource"])
    # What the services declare and the add-ons need: the Slack webhook, Grafana, JWT and OpenAI keys.
    assert names == ["grafana-admin-password", "jwt-signing-key", "openai-api-key", "slack-webhook-url"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_services_run_checks_the_platform_has_a_role_for_each_workload(stack):
    roles = services_run(stack).outputs["workload_roles"]
    services = services_settings(platform_settings(stack))
    assert services is not None
    assert set(roles) == {i.name for i in workload_identities(services.config.apps)}
