"""Foundation: the tagged AWS provider, account facts, KMS keys, the network and application secrets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.ci.runners import CiRunners, CiRunnersArgs
from components.core.context import AwsContext
from components.network.vpc import Network, NetworkArgs
from components.security.keys import Keys, KeysArgs
from components.security.secrets import Secrets, SecretsArgs
from settings.config import Settings


@dataclass(frozen=True)
class Foundation:
    settings: Settings
    aws_provider: aws.Provider
    context: AwsContext
    keys: Keys
    network: Network
    secrets: Secrets
    runners: CiRunners | None = None
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> str:
        return self.settings.environment

    @property
    def on_aws(self) -> pulumi.ResourceOptions:
        """Options that put a component's AWS resources on the tagged provider."""
        return pulumi.ResourceOptions(providers=[self.aws_provider])


def build(settings: Settings) -> Foundation:
    env = settings.environment
    # The only AWS provider: default providers are disabled in the stack files, so every resource
    # carries the common tags.
    aws_provider = aws.Provider(
        "aws",
        region=settings.region,
        # Credentials of any other account are refused before a call is made: a stack can never touch
        # another environment's account, whichever role the shell or the runner holds.
        allowed_account_ids=[settings.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
    )
    ctx = AwsContext.lookup(settings.region, aws_provider, settings.permissions_boundary_arn)
    on_aws = pulumi.ResourceOptions(providers=[aws_provider])

    keys = Keys(f"{env}-keys", KeysArgs(settings.config.keys, ctx, env, settings.protect), on_aws)
    network = Network(f"{env}-network", NetworkArgs(settings.config.network, ctx, keys.logs), on_aws)
    secrets = Secrets(
        f"{env}-secrets", SecretsArgs(settings.config.secrets, env, keys.secrets, ctx, keys.logs), on_aws
    )
    runners = None
    outputs: dict[str, Any] = {}
    if settings.config.runners is not None:
        runners = CiRunners(
            f"{env}-runners",
            CiRunnersArgs(
                settings.config.runners, ctx, env, network.vpc_id, network.app_subnet_ids, keys.logs
            ),
            on_aws,
        )
        outputs = {"runner_project": runners.project_name, "runner_connection_arn": runners.connection_arn}
    return Foundation(
        settings=settings,
        aws_provider=aws_provider,
        context=ctx,
        keys=keys,
        network=network,
        secrets=secrets,
        runners=runners,
        outputs={
            **outputs,
            "vpc_id": network.vpc_id,
            "app_subnet_ids": network.app_subnet_ids,
            "data_subnet_ids": network.data_subnet_ids,
            "kms_key_arns": {purpose.value: arn for purpose, arn in keys.arns.items()},
            "secret_arns": secrets.arns,
        },
    )
