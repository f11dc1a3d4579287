"""The bootstrap of one environment's account (stack = environment): state bucket and secrets-provider
keys, the account's permissions boundary and security baseline, the GitHub OIDC delivery roles of both
projects, the empty secrets of the ECR pull-through cache's upstream credentials, and the repository's
GitHub Environments with their protection and variables (see docs/RUNBOOK.md, step 1)."""

import dataclasses
import json
import os

import pulumi
import pulumi_aws as aws
import pulumi_github

from components.bootstrap.application_repository import ApplicationRepositories, ApplicationRepositoriesArgs
from components.bootstrap.baseline import AccountBaseline, AccountBaselineArgs
from components.bootstrap.boundary import PermissionsBoundary, PermissionsBoundaryArgs
from components.bootstrap.drill import DrillShare, DrillShareArgs
from components.bootstrap.github_oidc import (
    DEPLOY_MAX_SESSION_SECONDS,
    GithubOidc,
    GithubOidcArgs,
)
from components.bootstrap.github_repository import GithubEnvironments, GithubEnvironmentsArgs
from components.bootstrap.pull_through import PullThroughCredentials, PullThroughCredentialsArgs
from components.bootstrap.spec import NAMESPACE, PROJECTS, environment_name, parse, refuse_placeholders
from components.bootstrap.state_backend import StateBackend, StateBackendArgs, secrets_key_alias
from components.core.account import partition_of
from components.core.context import AwsContext
from components.core.tags import common_tags
from components.registry.policies import PromotionSource


def _raw() -> dict[str, str]:
    return {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}


def _values() -> dict[str, object]:
    raw = _raw()
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key.startswith(f"{NAMESPACE}:"):
            is_json = isinstance(value, str) and value[:1] in ("[", "{")
            values[key.split(":", 1)[1]] = json.loads(value) if is_json else value
    return values


env = environment_name(pulumi.get_stack())
spec = parse(_values())
refuse_placeholders(_raw(), spec)
provider = aws.Provider(
    "aws",
    region=spec.region,
    # The bootstrap of one account never runs with another account's credentials.
    allowed_account_ids=[spec.account_id],
    default_tags=aws.ProviderDefaultTagsArgs(tags=common_tags("bootstrap", env, {}, spec.tier.value)),
)
# The account is known (and enforced by allowed_account_ids): ARNs are built from it.
ctx = dataclasses.replace(
    AwsContext.lookup(spec.region, provider), account_id=pulumi.Output.from_input(spec.account_id)
)
on_aws = pulumi.ResourceOptions(providers=[provider])

backend = StateBackend(
    "pulumi-state",
    StateBackendArgs(spec.state_bucket_name, env, PROJECTS, ctx, spec.key_deletion_window_days, spec.protect),
    on_aws,
)
baseline = AccountBaseline(
    "baseline",
    AccountBaselineArgs(
        trail_name=f"platform-{env}",
        bucket_name=spec.audit_bucket_name,
        context=ctx,
        log_retention_days=spec.audit_log_retention_days,
        key_deletion_window_days=spec.key_deletion_window_days,
        create_autoscaling_service_linked_role=spec.create_autoscaling_service_linked_role,
        protect=spec.protect,
    ),
    on_aws,
)
audit_bucket_arn = pulumi.Output.concat("arn:", ctx.partition, ":s3:::", baseline.audit_bucket_name)
boundary = PermissionsBoundary(
    "permissions-boundary", PermissionsBoundaryArgs(ctx, (backend.bucket_arn, audit_bucket_arn)), on_aws
)
github = GithubOidc(
    "github-actions",
    GithubOidcArgs(
        repository=spec.github_repository,
        environment=env,
        deploy_workflows=spec.trusted_deploy_workflows(),
        preview_workflow=spec.preview_workflow,
        drift_workflow=spec.drift_workflow,
        previews=spec.previews,
        existing_provider_arn=spec.existing_oidc_provider_arn,
        context=dataclasses.replace(ctx, permissions_boundary=boundary.arn),
        state_bucket_arn=backend.bucket_arn,
        state_key_arn=backend.state_key_arn,
        secrets_key_arns=backend.secrets_key_arns,
    ),
    on_aws,
)
if spec.pull_through_cache_secrets:
    # Empty: an administrator puts the upstreams' credentials before the platform's first up (RUNBOOK).
    pull_through = PullThroughCredentials(
        "pull-through-cache", PullThroughCredentialsArgs(env, spec.protect), on_aws
    )
    pulumi.export("pull_through_cache_secrets", pull_through.names)

backend_url = pulumi.Output.concat("s3://", backend.bucket_name, f"?region={spec.region}")
# The token: the provider plugin reads GITHUB_TOKEN from the environment the Pulumi CLI gives it. The SDK
# would copy it from this program's environment into the provider's inputs, which the state records
# (pulumi_github/provider.py, _internal_init), so this program drops its own copy first.
os.environ.pop("GITHUB_TOKEN", None)
on_github = pulumi.ResourceOptions(
    providers=[pulumi_github.Provider("github", owner=spec.github_repository.split("/", 1)[0])]
)
environments = GithubEnvironments(
    "github",
    GithubEnvironmentsArgs(
        repository=spec.github_repository,
        environment=env,
        region=spec.region,
        backend_url=backend_url,
        role_arns=github.role_arns,
        reviewer_teams=spec.deploy_reviewer_teams,
        reviewer_users=spec.deploy_reviewer_users,
        previews=spec.previews,
    ),
    on_github,
)
if spec.application_repositories:
    source = spec.image_source
    applications = ApplicationRepositories(
        "image-builds",
        ApplicationRepositoriesArgs(
            repositories=spec.application_repositories,
            environment=env,
            account_id=spec.account_id,
            region=spec.region,
            partition=partition_of(spec.region),
            source=PromotionSource(source.environment, source.account_id, source.region) if source else None,
            reviewer_teams=spec.deploy_reviewer_teams,
            reviewer_users=spec.deploy_reviewer_users,
        ),
        on_github,
    )
    pulumi.export("application_environments", applications.environments)
if spec.drill_account_id:
    drill = DrillShare(
        "dr-drill",
        DrillShareArgs(
            repository=spec.github_repository,
            environment=env,
            region=spec.region,
            workflow=spec.drill_workflow,
            drill_account_id=spec.drill_account_id,
            provider_arn=github.provider_arn,
            context=dataclasses.replace(ctx, permissions_boundary=boundary.arn),
        ),
        pulumi.ResourceOptions(providers=[provider, *on_github.providers]),
    )
    pulumi.export("dr_share_role_arn", drill.role_arn)

pulumi.export("account_id", spec.account_id)
pulumi.export("backend_url", backend_url)
pulumi.export(
    "secrets_providers",
    {p: f"awskms://{secrets_key_alias(p, env)}?region={spec.region}" for p in PROJECTS},
)
pulumi.export("permissions_boundary_arn", boundary.arn)
pulumi.export("oidc_provider_arn", github.provider_arn)
# role_arns[project][deploy|preview]: the workflows' role-to-assume and the platform stack's
# platform:cluster.access entries (platform deploy -> admin, services deploy -> product edit, previews -> view).
pulumi.export("role_arns", github.role_arns)
pulumi.export("deploy_max_session_seconds", DEPLOY_MAX_SESSION_SECONDS)
pulumi.export("trail_arn", baseline.trail_arn)
pulumi.export("guardduty_detector_id", baseline.guardduty_detector_id)
pulumi.export("github_environments", environments.environments)
