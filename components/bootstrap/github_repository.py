"""The GitHub side of one environment's delivery, as code (the Pulumi GitHub provider): the repository's
Environments ``<env>`` and ``<env>-preview`` with their protection, the variables the workflows read in
each, and the repository's OIDC subject template that the delivery roles' trust expects.

- ``<env>`` (deployments): deployable only from ``main`` (a custom deployment branch policy), with the
  required reviewers the stack names (prod: at least one), who may not approve their own run, and no
  bypass for administrators.
- ``<env>-preview`` (previews of pull requests): no reviewers and no branch policy (a pull request's
  branch must reach it); its roles may only read their own stack.
- Variables, in both: ``AWS_REGION`` and ``PULUMI_BACKEND_URL`` (this account's state bucket: one backend
  per environment); the deploy role ARNs in ``<env>``, the preview role ARNs in ``<env>-preview``, named
  :func:`role_variable`. Environment variables override repository ones of the same name (GitHub docs,
  "Store information in variables"), so nothing here is repository-wide but the subject template.
- Secrets are never resources here: a secret given to ``github.ActionsEnvironmentSecret`` would be a
  plaintext input in this stack's state. The Atlas API keys and the Slack webhook are set with
  ``gh secret set`` (docs/RUNBOOK.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_github as github

from components.bootstrap.github_oidc import Kind, github_environment, kinds
from components.bootstrap.policies import SUBJECT_CLAIMS

DEPLOY_BRANCH = "main"
REGION_VARIABLE = "AWS_REGION"
BACKEND_VARIABLE = "PULUMI_BACKEND_URL"


def deploy_from_main_only(
    resource_name: str, repository: str, environment: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> github.RepositoryEnvironmentDeploymentPolicy:
    """The deployment branch policy of a deploy Environment: runs from :data:`DEPLOY_BRANCH` only."""
    return github.RepositoryEnvironmentDeploymentPolicy(
        resource_name,
        repository=repository,
        environment=environment,
        branch_pattern=DEPLOY_BRANCH,
        opts=opts,
    )


def subject_template(resource_name: str, repository: str, parent: pulumi.Resource) -> None:
    """The repository's OIDC subject template (:data:`SUBJECT_CLAIMS`: ``repo``, ``context``,
    ``job_workflow_ref``), which the roles' trust expects. Repository-wide, so every environment's bootstrap
    declares the same one: GitHub's PUT is idempotent, and deleting one environment's bootstrap must not
    reset it under the others (retained on delete)."""
    github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
        resource_name,
        repository=repository,
        use_default=False,
        include_claim_keys=list(SUBJECT_CLAIMS),
        opts=pulumi.ResourceOptions(parent=parent, retain_on_delete=True),
    )


def main_only_environment(
    resource_name: str,
    repository: str,
    environment: str,
    reviewer_teams: Sequence[int],
    reviewer_users: Sequence[int],
    parent: pulumi.Resource,
) -> github.RepositoryEnvironment:
    """An Environment whose jobs run from :data:`DEPLOY_BRANCH` only, after the required reviewers (none
    may approve their own run), with no bypass for administrators."""
    reviewers = (
        [github.RepositoryEnvironmentReviewerArgs(teams=list(reviewer_teams), users=list(reviewer_users))]
        if reviewer_teams or reviewer_users
        else None
    )
    created = github.RepositoryEnvironment(
        resource_name,
        repository=repository,
        environment=environment,
        reviewers=reviewers,
        prevent_self_review=bool(reviewers),
        can_admins_bypass=False,
        deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
            protected_branches=False, custom_branch_policies=True
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    deploy_from_main_only(
        f"{resource_name}-{DEPLOY_BRANCH}",
        repository,
        created.environment,
        pulumi.ResourceOptions(parent=parent, depends_on=[created]),
    )
    return created


def environment_variables(
    prefix: str,
    repository: str,
    environment: pulumi.Input[str],
    values: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> None:
    """One Actions variable of ``environment`` per ``values`` entry, named ``<prefix>-<variable-name>``."""
    for variable, value in values.items():
        github.ActionsEnvironmentVariable(
            f"{prefix}-{variable.lower().replace('_', '-')}",
            repository=repository,
            environment=environment,
            variable_name=variable,
            value=value,
            opts=opts,
        )


def role_variable(project: str, kind: Kind) -> str:
    """The variable holding a delivery role's ARN: ``AWS_<PROJECT>_<KIND>_ROLE_ARN`` (the workflows'
    ``role-to-assume``)."""
    return f"AWS_{project.upper()}_{kind.value.upper()}_ROLE_ARN"


@dataclass(frozen=True)
class GithubEnvironmentsArgs:
    """Inputs of :class:`GithubEnvironments`.

    Attributes:
        repository: ``owner/name``; the provider's ``owner`` must be its owner.
        environment: the environment (and stack name) the Environments deliver.
        region: the environment's AWS region (``AWS_REGION``).
        backend_url: this account's state backend URL (``PULUMI_BACKEND_URL``).
        role_arns: ``role_arns[project][kind]``, the delivery roles (:class:`GithubOidc`).
        reviewer_teams: ids of the teams that must approve a deployment (``gh api orgs/<org>/teams/<slug>
            --jq .id``). Defaults to none.
        reviewer_users: ids of the users who must approve one (``gh api users/<login> --jq .id``).
            Defaults to none.
        previews: create ``<env>-preview`` (false for an account no pull request previews). Defaults to true.
    """

    repository: str
    environment: str
    region: str
    backend_url: pulumi.Input[str]
    role_arns: Mapping[str, Mapping[str, pulumi.Input[str]]]
    reviewer_teams: Sequence[int] = ()
    reviewer_users: Sequence[int] = ()
    previews: bool = True


class GithubEnvironments(pulumi.ComponentResource):
    """The Environments ``<env>`` and ``<env>-preview`` of the repository, their variables, and the
    repository's OIDC subject template."""

    environments: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: GithubEnvironmentsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:bootstrap:GithubEnvironments", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        repository = args.repository.split("/", 1)[1]
        subject_template(f"{name}-oidc-subject", repository, self)
        self.environments = {}
        for kind in kinds(args.previews):
            environment_name = github_environment(args.environment, kind)
            if kind is Kind.DEPLOY:
                environment = main_only_environment(
                    f"{name}-{kind.value}",
                    repository,
                    environment_name,
                    args.reviewer_teams,
                    args.reviewer_users,
                    self,
                )
            else:
                environment = github.RepositoryEnvironment(
                    f"{name}-{kind.value}",
                    repository=repository,
                    environment=environment_name,
                    prevent_self_review=False,
                    can_admins_bypass=True,
                    opts=child,
                )
            on_environment = pulumi.ResourceOptions(parent=self, depends_on=[environment])
            values: dict[str, pulumi.Input[str]] = {
                REGION_VARIABLE: args.region,
                BACKEND_VARIABLE: args.backend_url,
                **{
                    role_variable(project, kind): arns[kind.value] for project, arns in args.role_arns.items()
                },
            }
            environment_variables(
                f"{name}-{kind.value}", repository, environment.environment, values, on_environment
            )
            self.environments[kind.value] = environment.environment
        self.register_outputs({"environments": self.environments})
