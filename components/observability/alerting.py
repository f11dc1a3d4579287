"""The environment's alert route: an SNS topic under the logs key, forwarded to Slack by a small Lambda
that reads the webhook from Secrets Manager.

Why a forwarder rather than AWS Chatbot: the foundation already keeps the Slack incoming webhook as the
secret ``platform/<env>/slack-webhook-url`` (under the secrets key), so alerts need no Slack workspace or
channel ids in the stack files and no one-time console authorization of the workspace; the same route
serves every environment and can be tested end to end by publishing to the topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.core.logs import encrypted_log_group
from components.core.naming import physical_name

FORWARDER_SOURCE = Path(__file__).with_name("slack_forwarder.py")
PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
"""Services that publish to the topic (the logs key's policy admits the same ones)."""


@dataclass(frozen=True)
class AlertingArgs:
    """Inputs of :class:`Alerting`.

    Attributes:
        environment: environment name (function and log-group names).
        context: account, partition and region.
        logs_key_arn: encrypts the topic and the forwarder's log group.
        secrets_key_arn: the key the webhook secret is encrypted with (the forwarder decrypts with it).
        webhook_secret_arn: the Secrets Manager secret holding the Slack incoming webhook URL.
        log_retention_days: the forwarder's log retention. Defaults to 365 (a year of alert deliveries).
    """

    environment: str
    context: AwsContext
    logs_key_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    webhook_secret_arn: pulumi.Input[str]
    log_retention_days: int = 365


DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's maximum: two weeks to notice and replay
FORWARDER_CONCURRENCY = 5


class Alerting(pulumi.ComponentResource):
    """An encrypted SNS topic for alarms and budgets, and its Slack forwarder.

    SNS invokes the forwarder asynchronously; an event that still fails after Lambda's retries (Slack
    down, webhook revoked) lands in the ``<name>-dead-letters`` SQS queue, encrypted with the logs key,
    instead of being dropped. The forwarder decrypts the webhook only through Secrets Manager and writes
    dead letters only through SQS (``kms:ViaService``).
    """

    topic_arn: pulumi.Output[str]
    dead_letter_queue_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:observability:Alerting", name, None, opts)
        ctx = args.context
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(name, kms_master_key_id=args.logs_key_arn, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-publishers",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, ctx.account_id).apply(
                lambda v: iam.dumps(_topic_policy(v[0], v[1]))
            ),
            opts=child,
        )

        function_name = physical_name(args.environment, "alerts-to-slack")
        log_group = encrypted_log_group(
            f"{name}-forwarder-logs",
            f"/platform/{args.environment}/alerts-to-slack",
            args.log_retention_days,
            args.logs_key_arn,
            child,
        )
        dead_letters = aws.sqs.Queue(
            f"{name}-dead-letters",
            kms_master_key_id=args.logs_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-forwarder",
            assume_role_policy=ctx.account_id.apply(
                lambda a: iam.dumps(iam.service_trust("lambda.amazonaws.com", a))
            ),
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-forwarder",
            role=role.id,
            policy=pulumi.Output.all(
                args.webhook_secret_arn,
                args.secrets_key_arn,
                log_group.arn,
                dead_letters.arn,
                args.logs_key_arn,
            ).apply(lambda v: iam.dumps(_forwarder_policy(v[0], v[1], v[2], v[3], v[4], ctx.region))),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-forwarder",
            name=function_name,
            runtime="python3.12",
            handler="slack_forwarder.handler",
            code=pulumi.AssetArchive({"slack_forwarder.py": pulumi.FileAsset(str(FORWARDER_SOURCE))}),
            role=role.arn,
            timeout=15,
            memory_size=128,
            # A burst of alarms must not starve the account's other functions; SNS retries throttled calls.
            reserved_concurrent_executions=FORWARDER_CONCURRENCY,
            kms_key_arn=args.logs_key_arn,  # its environment (a secret's ARN) under the logs key, not aws/lambda
            environment={"variables": {"WEBHOOK_SECRET_ARN": args.webhook_secret_arn}},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            dead_letter_config={"target_arn": dead_letters.arn},
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-forwarder",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="sns.amazonaws.com",
            source_arn=topic.arn,
            opts=child,
        )
        aws.sns.TopicSubscription(
            f"{name}-forwarder", topic=topic.arn, protocol="lambda", endpoint=function.arn, opts=child
        )
        self.topic_arn = topic.arn
        self.dead_letter_queue_arn = dead_letters.arn
        self.register_outputs(
            {"topic_arn": self.topic_arn, "dead_letter_queue_arn": self.dead_letter_queue_arn}
        )


def _topic_policy(topic_arn: str, account_id: str) -> dict[str, object]:
    return iam.document(
        {
            "Sid": "AlarmAndBudgetPublishers",
            "Effect": "Allow",
            "Principal": {"Service": list(PUBLISHERS)},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def _forwarder_policy(
    secret_arn: str,
    secrets_key_arn: str,
    log_group_arn: str,
    dead_letter_arn: str,
    logs_key_arn: str,
    region: str,
) -> dict[str, object]:
    return iam.document(
        {
            "Sid": "ReadWebhook",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secret_arn,
        },
        {
            "Sid": "DecryptWebhook",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": secrets_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
        {
            "Sid": "WriteDeadLetters",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": dead_letter_arn,
        },
        {
            "Sid": "EncryptDeadLetters",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": logs_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
        },
        {
            "Sid": "DecryptEnvironment",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": logs_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"lambda.{region}.amazonaws.com"}},
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    )
