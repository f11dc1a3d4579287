"""GitHub Actions' OIDC provider and, per environment, a deploy role and a preview role that only this
repository's jobs in that GitHub Environment can assume."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.bootstrap.policies import GITHUB_OIDC_URL, STS_AUDIENCE, github_trust, state_access
from components.core import iam

MAX_SESSION_SECONDS = 14400
"""A from-scratch prod `up` takes hours: the deploy jobs ask for 4-hour sessions (tests/pipeline)."""
PREVIEW_SUFFIX = "-preview"
"""Pull-request previews run in the GitHub Environment ``<env>-preview`` (no approval, read-only role);
deployments in ``<env>`` (prod's requires reviewers)."""


@dataclass(frozen=True)
class GithubOidcArgs:
    """Inputs of :class:`GithubOidc`.

    Attributes:
        repository: ``owner/name``; the only repository trusted.
        project: the main Pulumi project (scopes the roles' access to its state files).
        environments: a deploy and a preview role for each.
        deploy_policy_arns: managed policies attached to every deploy role.
        preview_policy_arns: managed policies attached to every preview role.
        state_bucket_arn: the state bucket.
        state_key_arn: the key the state bucket is encrypted with.
        secrets_key_arns: each environment's secrets-provider key.
    """

    repository: str
    project: str
    environments: tuple[str, ...]
    deploy_policy_arns: tuple[str, ...]
    preview_policy_arns: tuple[str, ...]
    state_bucket_arn: pulumi.Input[str]
    state_key_arn: pulumi.Input[str]
    secrets_key_arns: dict[str, pulumi.Output[str]]


class GithubOidc(pulumi.ComponentResource):
    """The OIDC provider ``token.actions.githubusercontent.com`` and the CI roles."""

    provider_arn: pulumi.Output[str]
    deploy_role_arns: dict[str, pulumi.Output[str]]
    preview_role_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: GithubOidcArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:bootstrap:GithubOidc", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider = aws.iam.OpenIdConnectProvider(
            name, url=GITHUB_OIDC_URL, client_id_lists=[STS_AUDIENCE], opts=child
        )
        self.provider_arn = provider.arn
        self.deploy_role_arns, self.preview_role_arns = {}, {}
        for env in args.environments:
            state = pulumi.Output.all(
                args.state_bucket_arn, args.state_key_arn, args.secrets_key_arns[env]
            ).apply(_state_policy(args.project, env))
            for kind, github_env, policies, arns in (
                ("deploy", env, args.deploy_policy_arns, self.deploy_role_arns),
                ("preview", f"{env}{PREVIEW_SUFFIX}", args.preview_policy_arns, self.preview_role_arns),
            ):
                role_name = f"{name}-{env}-{kind}"
                role = aws.iam.Role(
                    role_name,
                    description=f"GitHub Actions {kind} of stack {env} ({args.repository}, environment {github_env})",
                    assume_role_policy=provider.arn.apply(
                        lambda arn, github_env=github_env: iam.dumps(
                            github_trust(arn, args.repository, github_env)
                        )
                    ),
                    max_session_duration=MAX_SESSION_SECONDS,
                    opts=child,
                )
                aws.iam.RolePolicy(f"{role_name}-state", role=role.id, policy=state, opts=child)
                for i, policy_arn in enumerate(policies):
                    aws.iam.RolePolicyAttachment(
                        f"{role_name}-policy-{i}", role=role.name, policy_arn=policy_arn, opts=child
                    )
                arns[env] = role.arn
        self.register_outputs(
            {
                "provider_arn": self.provider_arn,
                "deploy_role_arns": self.deploy_role_arns,
                "preview_role_arns": self.preview_role_arns,
            }
        )


def _state_policy(project: str, stack: str) -> Callable[[list[str]], str]:
    return lambda arns: iam.dumps(state_access(arns[0], arns[1], arns[2], project, stack))


def _trust_policy(repository: str, environment: str) -> Callable[[str], str]:
    return lambda provider_arn: iam.dumps(github_trust(provider_arn, repository, environment))
