"""The GitHub side of each environment, as the bootstrap program declares it with the Pulumi GitHub
provider: Environments with their protection, deployment branch policy and variables, and no secret."""

from __future__ import annotations

import json

import pulumi.runtime
import pulumi.runtime.settings
import pytest

from components.bootstrap.spec import BootstrapConfigError, parse, placeholders_of, refuse_placeholders
from settings import stackfile
from settings.stacks import stacks
from tests.bootstrap.test_bootstrap import BOOTSTRAP, REQUIRED, bootstrap_run
from tests.helpers import inputs

ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
BRANCH_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"


def bootstrap_values(raw: dict[str, str]) -> dict[str, object]:
    """``bootstrap:*`` values without the namespace, structured ones decoded (as bootstrap/__main__.py)."""
    return {
        k.split(":", 1)[1]: json.loads(v) if v[:1] in "[{" else v
        for k, v in raw.items()
        if k.startswith("bootstrap:")
    }


def _environments(stack: str) -> dict[str, dict]:
    """This repository's Environments (the application repositories': tests/bootstrap/test_application_repositories.py)."""
    repository = str(stackfile.read_stack_file(stack, BOOTSTRAP).config["bootstrap:githubRepository"])
    return {
        inputs(r)["environment"]: inputs(r)
        for r in bootstrap_run(stack).resources
        if r.type == ENVIRONMENT and inputs(r)["repository"] == repository.split("/", 1)[1]
    }


@pytest.mark.parametrize("stack", stacks())
def test_each_environment_has_a_deploy_and_a_preview_environment(stack):
    drill = (
        {f"{stack}-drill"} if stack == "prod" else set()
    )  # the restore drill's share (bootstrap:drillAccountId)
    assert set(_environments(stack)) == {stack, f"{stack}-preview", *drill}


@pytest.mark.parametrize("stack", stacks())
def test_deployments_come_only_from_main_and_admins_cannot_bypass(stack):
    deploy = _environments(stack)[stack]
    assert deploy["deploymentBranchPolicy"] == {"protectedBranches": False, "customBranchPolicies": True}
    assert deploy["canAdminsBypass"] is False
    policies = {
        inputs(r)["environment"]: inputs(r)["branchPattern"]
        for r in bootstrap_run(stack).resources
        if r.type == BRANCH_POLICY
    }
    assert policies[stack] == "main"
    assert set(policies.values()) == {"main"}  # the drill's Environment too


def test_prod_deploys_only_after_a_reviewer_who_did_not_start_the_run_approves():
    prod = _environments("prod")["prod"]
    (reviewers,) = prod["reviewers"]
    assert reviewers["teams"] or reviewers["users"]
    assert prod["preventSelfReview"] is True


def test_prod_without_reviewers_is_a_config_error_naming_the_key():
    with pytest.raises(BootstrapConfigError, match="deployReviewerTeams: prod deploys only after approval"):
        parse({**REQUIRED, "tier": "prod"})
    assert parse({**REQUIRED, "tier": "prod", "deployReviewerUsers": [583231]}).deploy_reviewer_users == (
        583231,
    )


@pytest.mark.parametrize("stack", stacks())
def test_the_backend_url_of_each_environment_is_its_own_accounts_bucket(stack):
    run = bootstrap_run(stack)
    backends = {
        inputs(r)["environment"]: inputs(r)["value"]
        for r in run.resources
        if r.type == VARIABLE and inputs(r)["variableName"] == "PULUMI_BACKEND_URL"
    }
    assert backends == {stack: run.outputs["backend_url"], f"{stack}-preview": run.outputs["backend_url"]}


@pytest.mark.parametrize("stack", stacks())
def test_no_secret_passes_through_the_bootstrap_state(stack):
    # An ActionsSecret/ActionsEnvironmentSecret's value is an input the state records: secrets are set
    # with `gh secret set` (docs/RUNBOOK.md), and the provider's token is not an input either.
    run = bootstrap_run(stack)
    assert not [r for r in run.resources if "Secret" in r.type and r.type.startswith("github:")]
    (provider,) = [r for r in run.resources if r.type == "pulumi:providers:github"]
    assert "token" not in provider.inputs


@pytest.mark.parametrize("stack", stacks())
def test_a_real_bootstrap_up_refuses_the_stack_files_stand_ins_naming_each_key(stack, monkeypatch):
    # Under the real engine's monitor (not the SDK's mock), an update: the roles would trust acme/platform.
    stack_file = stackfile.read_stack_file(stack, BOOTSTRAP)
    monkeypatch.setattr(pulumi.runtime.settings, "get_monitor", lambda: object())
    monkeypatch.setattr(pulumi.runtime, "is_dry_run", lambda: False)
    raw = {k: str(v) for k, v in stack_file.config.items()}
    spec = parse(bootstrap_values(raw))
    with pytest.raises(BootstrapConfigError) as error:
        refuse_placeholders(raw, spec)
    text = str(error.value)
    for key in ("bootstrap:accountId", "bootstrap:githubRepository", "bootstrap:stateBucketName"):
        assert f"{key}: " in text
    assert ("bootstrap:deployReviewerTeams[0]" in text) is (stack == "prod")


def test_a_bootstrap_stack_file_with_real_values_passes():
    raw = {"bootstrap:githubRepository": "my-org/platform", "bootstrap:accountId": "210987654321"}
    assert placeholders_of(raw, parse({**REQUIRED, "githubRepository": "my-org/platform"})) == []
