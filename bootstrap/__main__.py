"""The bootstrap program: state bucket, secrets-provider keys and GitHub OIDC roles (see README)."""

import json

import pulumi
import pulumi_aws as aws

from components.bootstrap.github_oidc import GithubOidc, GithubOidcArgs
from components.bootstrap.spec import NAMESPACE, parse
from components.bootstrap.state_backend import StateBackend, StateBackendArgs, secrets_key_alias
from components.core.context import AwsContext
from components.core.tags import common_tags


def _values() -> dict[str, object]:
    raw = {**pulumi.runtime.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key.startswith(f"{NAMESPACE}:"):
            is_json = isinstance(value, str) and value[:1] in ("[", "{")
            values[key.split(":", 1)[1]] = json.loads(value) if is_json else value
    return values


spec = parse(_values())
provider = aws.Provider(
    "aws",
    region=spec.region,
    default_tags=aws.ProviderDefaultTagsArgs(tags=common_tags("platform", "bootstrap", {})),
)
ctx = AwsContext.lookup(spec.region, provider)
on_aws = pulumi.ResourceOptions(providers=[provider])

backend = StateBackend(
    "pulumi-state",
    StateBackendArgs(
        spec.state_bucket_name, spec.environments, ctx, spec.key_deletion_window_days, spec.protect
    ),
    on_aws,
)
github = GithubOidc(
    "github-actions",
    GithubOidcArgs(
        spec.github_repository,
        spec.project,
        spec.environments,
        spec.deploy_policy_arns,
        spec.preview_policy_arns,
        backend.bucket_arn,
        backend.state_key_arn,
        backend.secrets_key_arns,
    ),
    on_aws,
)

pulumi.export("backend_url", pulumi.Output.concat("s3://", backend.bucket_name, f"?region={spec.region}"))
pulumi.export(
    "secrets_providers",
    {env: f"awskms://{secrets_key_alias(env)}?region={spec.region}" for env in spec.environments},
)
pulumi.export("oidc_provider_arn", github.provider_arn)
pulumi.export("deploy_role_arns", github.deploy_role_arns)
pulumi.export("preview_role_arns", github.preview_role_arns)
