"""The Pulumi program of the platform, and the entry point of its offline tools.

Under the Pulumi language host (or the offline preview, which runs this file the same way) a resource
monitor is configured: the program reads the stack's settings, composes the components and exports
their outputs. Run as ``python -m infra ...`` with no monitor, it is the command line instead.
"""

import sys

import pulumi
import pulumi_aws as aws

from components.core.context import AwsContext
from components.network.vpc import Network, NetworkArgs
from components.observability.alerting import Alerting, AlertingArgs
from components.observability.budget import Budget, BudgetArgs
from components.security.keys import Keys, KeysArgs
from components.security.secrets import Secrets, SecretsArgs
from infra import cli, config


def program() -> None:
    settings = config.load()
    env = settings.environment

    aws_provider = aws.Provider(
        "aws",
        region=settings.region,
        default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
    )
    ctx = AwsContext.lookup(settings.region, aws_provider)
    on_aws = pulumi.ResourceOptions(providers=[aws_provider])

    keys = Keys(f"{env}-keys", KeysArgs(settings.config.keys, ctx, env, settings.protect), on_aws)
    network = Network(f"{env}-network", NetworkArgs(settings.config.network, ctx, keys.logs), on_aws)
    secrets = Secrets(f"{env}-secrets", SecretsArgs(settings.config.secrets, env, keys.secrets), on_aws)

    pulumi.export("vpc_id", network.vpc_id)
    pulumi.export("app_subnet_ids", network.app_subnet_ids)
    pulumi.export("data_subnet_ids", network.data_subnet_ids)
    pulumi.export("kms_key_arns", {purpose.value: arn for purpose, arn in keys.arns.items()})
    pulumi.export("secret_arns", secrets.arns)

    observability = settings.config.observability
    if observability is not None:
        alerting = Alerting(
            f"{env}-alerts",
            AlertingArgs(env, ctx, keys.logs, keys.secrets, secrets.arns[observability.slack_webhook_secret]),
            on_aws,
        )
        Budget(f"{env}-budget", BudgetArgs(observability.budget, env, alerting.topic_arn), on_aws)
        pulumi.export("alert_topic_arn", alerting.topic_arn)


if pulumi.runtime.settings.get_monitor() is None:
    sys.exit(cli.main())
program()
