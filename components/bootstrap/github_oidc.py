"""GitHub Actions' OIDC provider and, for each project of one environment, a deploy and a preview role
that only this repository's named workflows can assume, each carrying the account's permissions boundary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import pulumi
import pulumi_aws as aws

from components.bootstrap import access
from components.bootstrap.policies import (
    GITHUB_OIDC_URL,
    STS_AUDIENCE,
    deploy_trust,
    preview_trust,
    state_access,
)
from components.core import iam
from components.core.context import AwsContext

DEPLOY_MAX_SESSION_SECONDS = 14400
"""4 hours: a from-scratch prod ``up`` (Multi-AZ RDS and replicas, EKS, Atlas) outlasts the 1-hour
default, and state and lock writes at its end need live credentials. Workflows ask for at most this
(``role-duration-seconds``) and time their jobs out before it."""
MAX_SESSION_SECONDS = DEPLOY_MAX_SESSION_SECONDS
"""The name the workflow tests import (tests/pipeline): the longest session a workflow may ask for."""
PREVIEW_MAX_SESSION_SECONDS = 3600
"""1 hour: a preview only reads."""
PREVIEW_SUFFIX = "-preview"
"""Previews run in the GitHub Environment ``<env>-preview``; deployments in ``<env>`` (main only)."""
PLATFORM = "platform"


class Kind(StrEnum):
    DEPLOY = "deploy"
    PREVIEW = "preview"


def kinds(previews: bool) -> tuple[Kind, ...]:
    """The kinds of delivery identity an account has: deploy, and preview unless it has no previews."""
    return tuple(Kind) if previews else (Kind.DEPLOY,)


def role_name(environment: str, project: str, kind: Kind) -> str:
    """``github-actions-<env>-<project>-<kind>``, the role's IAM name (the stack files' access entries
    and the workflows name it)."""
    return f"{access.CI_ROLE_PREFIX}{environment}-{project}-{kind.value}"


def github_environment(environment: str, kind: Kind) -> str:
    """The GitHub Environment a job must run in to assume a role of ``kind``."""
    return environment if kind is Kind.DEPLOY else f"{environment}{PREVIEW_SUFFIX}"


@dataclass(frozen=True)
class GithubOidcArgs:
    """Inputs of :class:`GithubOidc`.

    Attributes:
        repository: ``owner/name``; the only repository trusted.
        environment: the environment (and stack name) the roles deliver.
        deploy_workflows: per project, the workflow files whose jobs may deploy.
        preview_workflow: the workflow file whose jobs may preview.
        drift_workflow: the scheduled drift check's workflow file: its jobs may preview, from ``main`` only.
        previews: create the preview roles (an account no pull request previews, the restore drill's, has
            none).
        existing_provider_arn: reuse this GitHub OIDC provider; ``None`` creates one.
        context: account, partition and region; its ``permissions_boundary`` is carried by every role.
        state_bucket_arn: the state bucket.
        state_key_arn: the key the state bucket is encrypted with.
        secrets_key_arns: per project, the environment's stack's secrets-provider key.
    """

    repository: str
    environment: str
    deploy_workflows: dict[str, tuple[str, ...]]
    preview_workflow: str
    existing_provider_arn: str | None
    context: AwsContext
    state_bucket_arn: pulumi.Input[str]
    state_key_arn: pulumi.Input[str]
    secrets_key_arns: dict[str, pulumi.Output[str]]
    drift_workflow: str | None = None
    previews: bool = True


class GithubOidc(pulumi.ComponentResource):
    """The OIDC provider ``token.actions.githubusercontent.com`` (or the account's existing one) and the
    delivery roles of one environment: ``role_arns[project][kind]``."""

    provider_arn: pulumi.Output[str]
    role_arns: dict[str, dict[str, pulumi.Output[str]]]

    def __init__(self, name: str, args: GithubOidcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:bootstrap:GithubOidc", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx, env = args.context, args.environment
        if args.existing_provider_arn:
            self.provider_arn = pulumi.Output.from_input(args.existing_provider_arn)
        else:
            provider = aws.iam.OpenIdConnectProvider(
                name, url=GITHUB_OIDC_URL, client_id_lists=[STS_AUDIENCE], opts=child
            )
            self.provider_arn = provider.arn
        self.role_arns = {}
        for project, workflows in args.deploy_workflows.items():
            reads = () if project == PLATFORM else ((PLATFORM, env, args.secrets_key_arns[PLATFORM]),)
            others = [
                arn
                for other, arn in args.secrets_key_arns.items()
                if other != project and other not in {p for p, _, _ in reads}
            ]
            self.role_arns[project] = {}
            for kind in kinds(args.previews):
                github_env = github_environment(env, kind)
                trust = self.provider_arn.apply(_trust(args, github_env, workflows, kind))
                physical = role_name(env, project, kind)
                role = aws.iam.Role(
                    physical,
                    name=physical,
                    description=f"GitHub Actions: {kind.value} of {project}/{env} ({args.repository}, environment {github_env})",
                    assume_role_policy=trust,
                    max_session_duration=(
                        DEPLOY_MAX_SESSION_SECONDS if kind is Kind.DEPLOY else PREVIEW_MAX_SESSION_SECONDS
                    ),
                    permissions_boundary=ctx.permissions_boundary,
                    opts=child,
                )
                state = pulumi.Output.all(
                    args.state_bucket_arn,
                    args.state_key_arn,
                    args.secrets_key_arns[project],
                    *[key for _, _, key in reads],
                    *others,
                ).apply(_state(project, env, kind, ctx.region, tuple((p, s) for p, s, _ in reads)))
                aws.iam.RolePolicy(f"{physical}-state", role=role.id, policy=state, opts=child)
                work = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
                    _work(project, kind, ctx.region)
                )
                aws.iam.RolePolicy(f"{physical}-access", role=role.id, policy=work, opts=child)
                self.role_arns[project][kind.value] = role.arn
        self.register_outputs({"provider_arn": self.provider_arn, "role_arns": self.role_arns})


def _trust(
    args: GithubOidcArgs, github_env: str, workflows: tuple[str, ...], kind: Kind
) -> Callable[[str], str]:
    def render(provider_arn: str) -> str:
        if kind is Kind.DEPLOY:
            return iam.dumps(deploy_trust(provider_arn, args.repository, github_env, workflows))
        scheduled = (args.drift_workflow,) if args.drift_workflow else ()
        return iam.dumps(
            preview_trust(provider_arn, args.repository, github_env, args.preview_workflow, scheduled)
        )

    return render


def _state(
    project: str, env: str, kind: Kind, region: str, reads: tuple[tuple[str, str], ...]
) -> Callable[[list[str]], str]:
    """Renders :func:`state_access` from ``[bucket, state key, secrets key, *referenced stacks' keys,
    *other stacks' keys]``."""

    def render(arns: list[str]) -> str:
        referenced_keys, others = arns[3 : 3 + len(reads)], arns[3 + len(reads) :]
        referenced = tuple((p, s, key) for (p, s), key in zip(reads, referenced_keys, strict=True))
        return iam.dumps(
            state_access(
                arns[0],
                arns[1],
                arns[2],
                project,
                env,
                region=region,
                write=kind is Kind.DEPLOY,
                reads=referenced,
                other_keys=tuple(others),
            )
        )

    return render


def _work(project: str, kind: Kind, region: str) -> Callable[[list[str]], str]:
    return lambda v: iam.dumps(_work_policy(project, kind, v[0], v[1], region))


def _work_policy(project: str, kind: Kind, partition: str, account_id: str, region: str) -> dict[str, object]:
    if project == PLATFORM:
        if kind is Kind.DEPLOY:
            return access.platform_deploy_policy(partition, account_id)
        return access.platform_preview_policy()
    if kind is Kind.DEPLOY:
        return access.services_deploy_policy(partition, account_id, region)
    return access.services_preview_policy(partition, account_id, region)
