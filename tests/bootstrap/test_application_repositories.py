"""The application repositories' side of the image pipeline agrees with the workflow and the platform.

An application repository calls ``.github/workflows/build-and-sign.yml``: GitHub hands the called workflow
the caller's variables and issues the caller's OIDC subject, so what the workflow reads and what the push
role trusts must be what the bootstrap sets on that repository (components/bootstrap/application_repository.py),
and every value must name what the platform stack of that environment creates.
"""

from __future__ import annotations

import json
import re

import pytest

from components.bootstrap.application_repository import SOURCE_KEY_VARIABLE, image_variables
from components.bootstrap.policies import SUBJECT_CLAIMS
from components.bootstrap.spec import ImageSourceSpec
from components.registry.policies import push_role_name, signing_key_alias
from settings import config, stackfile
from settings.stacks import stacks
from tests.bootstrap import trust
from tests.bootstrap.test_bootstrap import BOOTSTRAP, bootstrap_run
from tests.conftest import stack_run
from tests.helpers import inputs
from tests.pipeline.runs import load

WORKFLOW = "build-and-sign.yml"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
SUBJECT_TEMPLATE = (
    "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
    "ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
)


def _bootstrap(stack: str) -> dict[str, object]:
    """``bootstrap:*`` of the stack file, structured values decoded (as bootstrap/__main__.py)."""
    raw = stackfile.read_stack_file(stack, BOOTSTRAP).config
    return {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for k, v in raw.items()}


def _applications(stack: str) -> list[str]:
    return list(_bootstrap(stack).get("bootstrap:applicationRepositories") or [])


def _variables(stack: str, repository: str) -> dict[str, str]:
    name = repository.split("/", 1)[1]
    return {
        inputs(r)["variableName"]: inputs(r)["value"]
        for r in bootstrap_run(stack).resources
        if r.type == VARIABLE and inputs(r)["repository"] == name and inputs(r)["environment"] == stack
    }


def _read_by(job: str) -> set[str]:
    return set(re.findall(r"\bvars\.([A-Z0-9_]+)", json.dumps(load(WORKFLOW)["jobs"][job])))


def _platform(stack: str) -> config.Settings:
    return config.platform_settings(stack)


REGISTRY_STACKS = [s for s in stacks() if _platform(s).config.registry is not None]


def test_every_registry_stack_names_the_repositories_that_push_to_it():
    assert REGISTRY_STACKS == ["dev", "staging", "prod"]
    for stack in REGISTRY_STACKS:
        assert _applications(stack), f"bootstrap/Pulumi.{stack}.yaml: bootstrap:applicationRepositories"


@pytest.mark.parametrize("stack", REGISTRY_STACKS)
def test_every_variable_build_and_sign_reads_is_set_on_each_application_repositorys_environment(stack: str):
    source = config.promotion_source(_platform(stack))
    needed = _read_by("build") | (_read_by("promote") if source else set())
    assert needed >= {"AWS_REGION", "IMAGE_REGISTRY", "IMAGE_PUSH_ROLE_ARN", "IMAGE_SIGNING_KEY_ARN"}
    for repository in _applications(stack):
        set_here = set(_variables(stack, repository))
        assert needed <= set_here, f"{repository} ({stack}) lacks {sorted(needed - set_here)}"
        # the environment that builds has nothing to promote from
        assert (SOURCE_KEY_VARIABLE in set_here) == (source is not None)


@pytest.mark.parametrize("stack", REGISTRY_STACKS)
def test_the_values_name_what_the_platform_stack_creates(stack: str):
    platform = _platform(stack)
    run = stack_run(stack)
    roles = {inputs(r).get("name") for r in run.resources if r.type == "aws:iam/role:Role"}
    aliases = {inputs(r).get("name") for r in run.resources if r.type == "aws:kms/alias:Alias"}
    assert push_role_name(stack) in roles
    assert signing_key_alias(stack) in aliases
    account, region = platform.account_id, platform.region
    expected = image_variables("aws", account, region, stack, config.promotion_source(platform))
    assert expected["IMAGE_REGISTRY"] == run.outputs["image_registry"]
    assert expected["IMAGE_PUSH_ROLE_ARN"] == f"arn:aws:iam::{account}:role/{push_role_name(stack)}"
    assert expected["IMAGE_SIGNING_KEY_ARN"] == f"arn:aws:kms:{region}:{account}:{signing_key_alias(stack)}"
    for repository in _applications(stack):
        assert _variables(stack, repository) == expected


@pytest.mark.parametrize("stack", REGISTRY_STACKS)
def test_bootstrap_image_source_is_the_stack_below_in_the_registry(stack: str):
    # staging's bootstrap says it promotes from dev's account; the platform derives the same from stacks.yaml
    source = config.promotion_source(_platform(stack))
    stated = _bootstrap(stack).get("bootstrap:imageSource")
    if source is None:
        assert stated is None
        return
    spec = ImageSourceSpec.model_validate(stated)
    assert (spec.environment, spec.account_id, spec.region) == (
        source.environment,
        source.account_id,
        source.region,
    )
    # and the stack below lets this stack's push role pull and read its key's public key
    below = _platform(source.environment).config.registry
    assert below is not None
    assert (
        f"arn:aws:iam::{_platform(stack).account_id}:role/{push_role_name(stack)}"
        in below.promotion_role_arns
    )


@pytest.mark.parametrize("stack", REGISTRY_STACKS)
def test_each_push_subject_is_one_an_application_repository_issues_and_the_push_role_admits(stack: str):
    platform_repository = str(_bootstrap(stack)["bootstrap:githubRepository"])
    templates = {
        inputs(r)["repository"]: tuple(inputs(r)["includeClaimKeys"])
        for r in bootstrap_run(stack).resources
        if r.type == SUBJECT_TEMPLATE
    }
    (push_role,) = [
        r
        for r in stack_run(stack).resources
        if r.type == "aws:iam/role:Role" and inputs(r).get("name") == push_role_name(stack)
    ]
    document = json.loads(inputs(push_role)["assumeRolePolicy"])
    provider = document["Statement"][0]["Principal"]["Federated"]
    issued = set()
    for repository in _applications(stack):
        keys = templates[repository.split("/", 1)[1]]
        assert keys == SUBJECT_CLAIMS
        # A job of the called workflow: its job_workflow_ref is the workflow's own (GitHub docs, "OpenID
        # Connect reference"); the caller pins it at main.
        values = {
            "repo": f"repo:{repository}",
            "context": f"environment:{stack}",
            "job_workflow_ref": f"job_workflow_ref:{platform_repository}/.github/workflows/{WORKFLOW}@refs/heads/main",
        }
        subject = ":".join(values[k] for k in keys)
        issued.add(subject)
        claims = {"sub": subject, "aud": trust.AUDIENCE}
        assert trust.admits(document, provider, claims), f"{push_role_name(stack)} refuses {subject}"
    subjects = _platform(stack).config.registry.push_subjects  # type: ignore[union-attr]
    assert set(subjects) <= issued, f"subjects no application repository issues: {set(subjects) - issued}"


@pytest.mark.parametrize("stack", REGISTRY_STACKS)
def test_an_application_repositorys_environment_runs_from_main_after_the_deploy_reviewers(stack: str):
    config_ = _bootstrap(stack)
    for repository in _applications(stack):
        (environment,) = [
            inputs(r)
            for r in bootstrap_run(stack).resources
            if r.type == ENVIRONMENT and inputs(r)["repository"] == repository.split("/", 1)[1]
        ]
        assert environment["environment"] == stack
        assert environment["canAdminsBypass"] is False
        assert environment["deploymentBranchPolicy"]["customBranchPolicies"] is True
        if config_.get("bootstrap:deployReviewerTeams") or config_.get("bootstrap:deployReviewerUsers"):
            assert environment["preventSelfReview"] is True
            assert environment["reviewers"]


def test_an_application_repository_of_another_owner_is_a_config_error_naming_the_key():
    from components.bootstrap.spec import BootstrapConfigError, parse

    values = {
        "accountId": "111111111111",
        "tier": "dev",
        "githubRepository": "acme/platform",
        "stateBucketName": "acme-platform-dev-pulumi-state",
        "applicationRepositories": ["other/app"],
    }
    with pytest.raises(
        BootstrapConfigError, match="applicationRepositories: the GitHub provider acts for 'acme'"
    ):
        parse(values)
