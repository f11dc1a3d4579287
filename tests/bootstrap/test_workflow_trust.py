"""Every job that assumes an AWS role is admitted by that role's trust policy, as the bootstrap program
builds it, for every workflow, every trigger and ref it runs at, and every stack.

The job is each job as it runs (tests/pipeline/runs.py: reusable workflows through their callers, so the
``job_workflow_ref`` is the file that defines the job). The role is the one the job's
``role-to-assume`` variable holds in the job's GitHub Environment; the token's ``sub`` is built from the
repository's subject template (tests/bootstrap/trust.py); STS's decision is the trust policy's.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from components.bootstrap.drill import DRILL_SUFFIX
from settings import stackfile
from tests.bootstrap import trust
from tests.bootstrap.test_bootstrap import BOOTSTRAP, bootstrap_run
from tests.pipeline.runs import WORKFLOWS, JobRun, load, registry, runs, triggers
from tools.preview.mocks import Recorded

CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials@"
VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
OPTIONAL_VARIABLES = {"SLACK_USER_MAP"}
"""Repository variables a person may set (who hears about a run directly); a job runs without them."""
SUBJECT_TEMPLATE = (
    "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:"
    "ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
)


DRILL = "drill"
"""The restore drill's own account's bootstrap stack (bootstrap/Pulumi.drill.yaml): no registry stack."""


def bootstrap_stack(environment: str) -> str:
    """The bootstrap stack that creates GitHub Environment ``environment``: ``<stack>``, ``<stack>-preview``
    and ``<stack>-drill`` (the restore drill's share identity in the drilled account) are ``<stack>``'s."""
    return environment.removesuffix("-preview").removesuffix(DRILL_SUFFIX)


def _assuming() -> list[tuple[JobRun, dict[str, Any]]]:
    return [
        (run, step)
        for run in runs()
        for step in run.steps()
        if str(step.get("uses", "")).startswith(CREDENTIALS_ACTION)
    ]


@cache
def _repository(stack: str) -> str:
    return str(stackfile.read_stack_file(stack, BOOTSTRAP).config["bootstrap:githubRepository"])


def _roles(stack: str) -> dict[str, Recorded]:
    return {r.inputs["name"]: r for r in bootstrap_run(stack).resources if r.type == "aws:iam/role:Role"}


def variable_role(stack: str, environment: str, variable: str) -> Recorded | None:
    """The role ``vars.<variable>`` holds in GitHub Environment ``environment``: the bootstrap's recorded
    ``github.ActionsEnvironmentVariable`` of that environment, whose value is a role's ARN."""
    resources = bootstrap_run(stack).resources
    values = [
        r.inputs["value"]
        for r in resources
        if r.type == VARIABLE
        and r.inputs["repository"] == _repository(stack).split("/", 1)[1]  # not an application repository's
        and r.inputs["environment"] == environment
        and r.inputs["variableName"] == variable
    ]
    if len(values) != 1:
        return None
    return next((r for r in _roles(stack).values() if values[0].endswith(f":role/{r.inputs['name']}")), None)


def subject_keys(stack: str) -> tuple[str, ...]:
    """The repository's OIDC subject template, as the bootstrap sets it."""
    (template,) = [
        r
        for r in bootstrap_run(stack).resources
        if r.type == SUBJECT_TEMPLATE and r.inputs["repository"] == _repository(stack).split("/", 1)[1]
    ]
    assert template.inputs["useDefault"] is False
    return tuple(template.inputs["includeClaimKeys"])


def test_jobs_that_assume_roles_are_found_in_every_workflow_that_does():
    workflows = {run.workflow for run, _ in _assuming()}
    # A reusable workflow no workflow here calls (build-and-sign.yml: the product repositories call it)
    # runs with its caller's ref and Environment, which this repository cannot enumerate.
    called = {
        w
        for p in WORKFLOWS.glob("*.yml")
        for w in re.findall(r"uses: \./\.github/workflows/([\w.-]+)", p.read_text())
    }
    expected = {
        p.name
        for p in WORKFLOWS.glob("*.yml")
        if CREDENTIALS_ACTION in p.read_text()
        and (set(triggers(load(p.name))) != {"workflow_call"} or p.name in called)
    }
    assert workflows == expected
    assert {"deploy-stack.yml", "preview.yml", "promote.yml", "rollback.yml"} <= workflows


def test_every_stack_a_job_deploys_or_previews_has_a_bootstrap_stack():
    environments = {run.environment for run, _ in _assuming()}
    stacks = {bootstrap_stack(str(e)) for e in environments}
    assert stacks == {*registry()["stacks"], DRILL}
    for stack in stacks:
        assert (BOOTSTRAP / f"Pulumi.{stack}.yaml").is_file(), stack


def _refusals() -> list[str]:
    refused = []
    for run, step in _assuming():
        where = f"{run.workflow}:{run.job_id} ({run.caller or run.event} at {run.ref})"
        environment = run.environment
        if not isinstance(environment, str):
            refused.append(f"{where}: assumes a role outside a GitHub Environment")
            continue
        chosen = run.value(step["with"]["role-to-assume"])
        if not (isinstance(chosen, str) and chosen.startswith("vars.")):
            refused.append(f"{where}: role-to-assume {step['with']['role-to-assume']!r} is not one variable")
            continue
        stack = bootstrap_stack(environment)
        role = variable_role(stack, environment, chosen.removeprefix("vars."))
        if role is None:
            refused.append(f"{where}: {chosen} is not set in Environment {environment}")
            continue
        repository = _repository(stack)
        sub = trust.subject(subject_keys(stack), repository, environment, run.ref, run.job_workflow_ref_path)
        provider = bootstrap_run(stack).outputs["oidc_provider_arn"]
        claims = {"sub": sub, "aud": trust.AUDIENCE}
        if not trust.admits(role.inputs["assumeRolePolicy"], provider, claims):
            refused.append(f"{where}: {role.inputs['name']} refuses sub {sub}")
    return sorted(set(refused))


def test_every_job_that_assumes_a_role_is_admitted_by_its_trust_policy():
    refused = _refusals()
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize(
    ("workflow", "ref", "admitted"),
    [
        (".github/workflows/deploy-stack.yml", "refs/heads/main", True),
        (".github/workflows/deploy-stack.yml", "refs/heads/topic", False),
        (".github/workflows/release.yml", "refs/heads/main", False),
    ],
)
def test_the_model_admits_only_the_deploy_workflow_from_main(workflow, ref, admitted):
    stack = "staging"
    role = _roles(stack)["github-actions-staging-platform-deploy"]
    sub = trust.subject(subject_keys(stack), _repository(stack), "staging", ref, workflow)
    claims = {"sub": sub, "aud": trust.AUDIENCE}
    provider = bootstrap_run(stack).outputs["oidc_provider_arn"]
    assert trust.admits(role.inputs["assumeRolePolicy"], provider, claims) is admitted
    assert not trust.admits(role.inputs["assumeRolePolicy"], "arn:other", claims)


def test_every_variable_a_job_reads_in_an_environment_is_set_there_by_the_bootstrap():
    missing = set()
    for run in runs():
        environment = run.environment
        if not isinstance(environment, str):
            continue
        stack = bootstrap_stack(environment)
        text = str(run.job)
        set_here = {
            r.inputs["variableName"]
            for r in bootstrap_run(stack).resources
            if r.type == VARIABLE
            and r.inputs["environment"] == environment
            and r.inputs["repository"] == _repository(stack).split("/", 1)[1]
        }
        for variable in re.findall(r"\bvars\.([A-Z0-9_]+)", text):
            if variable not in set_here and variable not in OPTIONAL_VARIABLES:
                missing.add(f"{run.workflow}:{run.job_id} reads vars.{variable}, not set in {environment}")
    assert not missing, "\n".join(sorted(missing))
