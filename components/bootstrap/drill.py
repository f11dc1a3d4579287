"""The restore drill's side of the drilled environment's account (docs/RUNBOOK.md, section 5): the identity
the drill workflow's ``share`` and ``cleanup`` jobs assume, and the GitHub Environment ``<env>-drill`` they run
in. The drill itself deploys in its own account, as that account's platform deploy identity
(``bootstrap/Pulumi.drill.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_github as github

from components.bootstrap import access
from components.bootstrap.github_oidc import PREVIEW_MAX_SESSION_SECONDS
from components.bootstrap.github_repository import (
    DEPLOY_BRANCH,
    REGION_VARIABLE,
    deploy_from_main_only,
    environment_variables,
)
from components.bootstrap.policies import deploy_trust
from components.core import iam
from components.core.context import AwsContext

DRILL_SUFFIX = "-drill"
"""The drill's jobs in the drilled environment's account run in the GitHub Environment ``<env>-drill``."""
SHARE_ROLE_VARIABLE = "AWS_DR_SHARE_ROLE_ARN"
DRILL_ACCOUNT_VARIABLE = "DRILL_ACCOUNT_ID"


def share_role_name(environment: str) -> str:
    """``github-actions-<env>-dr-share``: under the delivery roles' prefix, so the boundary protects it."""
    return f"{access.CI_ROLE_PREFIX}{environment}-dr-share"


def drill_environment(environment: str) -> str:
    return f"{environment}{DRILL_SUFFIX}"


@dataclass(frozen=True)
class DrillShareArgs:
    """Inputs of :class:`DrillShare`.

    Attributes:
        repository: ``owner/name``; the only repository trusted.
        environment: the drilled environment (and bootstrap stack).
        region: the environment's AWS region (``AWS_REGION`` of ``<env>-drill``).
        workflow: the drill's workflow file; only its jobs, from ``main``, in ``<env>-drill``, are trusted.
        drill_account_id: the drill's account, the one snapshots are shared with (``DRILL_ACCOUNT_ID``).
        provider_arn: the account's GitHub OIDC provider.
        context: account and partition; its ``permissions_boundary`` is carried by the role.
    """

    repository: str
    environment: str
    region: str
    workflow: str
    drill_account_id: str
    provider_arn: pulumi.Input[str]
    context: AwsContext


class DrillShare(pulumi.ComponentResource):
    """The role ``github-actions-<env>-dr-share`` (copy, share and delete ``drill-*`` snapshots only) and the
    main-only GitHub Environment ``<env>-drill`` holding its ARN and the drill's account id."""

    role_arn: pulumi.Output[str]
    github_environment: pulumi.Output[str]

    def __init__(self, name: str, args: DrillShareArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:bootstrap:DrillShare", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, env = args.context, args.environment
        github_env = drill_environment(env)
        physical = share_role_name(env)
        role = aws.iam.Role(
            physical,
            name=physical,
            description=f"GitHub Actions: the restore drill's snapshot share of {env} ({args.repository}, environment {github_env})",
            assume_role_policy=pulumi.Output.from_input(args.provider_arn).apply(
                lambda arn: iam.dumps(deploy_trust(arn, args.repository, github_env, (args.workflow,)))
            ),
            max_session_duration=PREVIEW_MAX_SESSION_SECONDS,
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{physical}-access",
            role=role.id,
            policy=pulumi.Output.all(ctx.partition, ctx.account_id).apply(
                lambda v: iam.dumps(access.dr_share_policy(v[0], v[1], env))
            ),
            opts=child,
        )
        repository = args.repository.split("/", 1)[1]
        environment = github.RepositoryEnvironment(
            f"{name}-environment",
            repository=repository,
            environment=github_env,
            can_admins_bypass=False,
            deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True
            ),
            opts=child,
        )
        on_environment = pulumi.ResourceOptions(parent=self, depends_on=[environment])
        deploy_from_main_only(
            f"{name}-environment-{DEPLOY_BRANCH}", repository, environment.environment, on_environment
        )
        values: dict[str, pulumi.Input[str]] = {
            REGION_VARIABLE: args.region,
            SHARE_ROLE_VARIABLE: role.arn,
            DRILL_ACCOUNT_VARIABLE: args.drill_account_id,
        }
        environment_variables(name, repository, environment.environment, values, on_environment)
        self.role_arn = role.arn
        self.github_environment = environment.environment
        self.register_outputs({"role_arn": self.role_arn, "github_environment": self.github_environment})
