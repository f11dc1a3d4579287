"""The environment's rotation function: the Lambda that generates and rotates generated secrets inside AWS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.core.context import AwsContext
from components.core.logs import encrypted_log_group
from components.core.naming import physical_name

ROTATION_SOURCE = Path(__file__).parent / "rotation" / "random_secret.py"
HANDLER = "random_secret.handler"


@dataclass(frozen=True)
class SecretRotatorArgs:
    """Inputs of :class:`SecretRotator`.

    Attributes:
        context: account, partition and region.
        environment: the environment (function ``platform-<env>-rotate-generated``).
        secrets_key_arn: the key every generated secret is encrypted with.
        logs_key_arn: encrypts the function's log group.
        log_retention_days: retention of the function's log group. Defaults to 30.
    """

    context: AwsContext
    environment: str
    secrets_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    log_retention_days: int = 30


class SecretRotator(pulumi.ComponentResource):
    """A Lambda implementing Secrets Manager's rotation protocol for generated values
    (``components/security/rotation/random_secret.py``).

    The function may rotate only the secrets that grant it access: each :class:`GeneratedSecret` adds the
    statement for its own ARN (:meth:`grant_rotation`) and the invoke permission for Secrets Manager on
    behalf of that secret only. The role itself holds only ``GetRandomPassword`` (which has no resource)
    and its log group.
    """

    function_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    role_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: SecretRotatorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:security:SecretRotator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ctx = args.context
        self._secrets_key_arn = args.secrets_key_arn
        self._region = ctx.region
        function_name = physical_name(args.environment, "rotate-generated")
        log_group = encrypted_log_group(
            f"{name}-logs",
            f"/aws/lambda/{function_name}",
            args.log_retention_days,
            args.logs_key_arn,
            child,
        )
        role = aws.iam.Role(
            name,
            assume_role_policy=ctx.account_id.apply(
                lambda account: iam.dumps(iam.service_trust("lambda.amazonaws.com", account))
            ),
            description=f"{function_name}: generates and rotates generated secrets",
            permissions_boundary=ctx.permissions_boundary,
            opts=child,
        )
        aws.iam.RolePolicy(
            name,
            role=role.id,
            policy=log_group.arn.apply(lambda arn: iam.dumps(rotator_base_policy(arn))),
            opts=child,
        )
        function = aws.lambda_.Function(
            name,
            name=function_name,
            runtime="python3.12",
            handler=HANDLER,
            code=pulumi.AssetArchive({ROTATION_SOURCE.name: pulumi.FileAsset(str(ROTATION_SOURCE))}),
            role=role.arn,
            timeout=30,
            memory_size=128,
            # Rotations are rare and one per secret at a time; AWS advises at least 10 to avoid throttling.
            reserved_concurrent_executions=10,
            logging_config={"log_format": "Text", "log_group": log_group.name},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        self.function_arn = function.arn
        self.function_name = function.name
        self.role_name = role.name
        self.register_outputs({"function_arn": self.function_arn})

    def grant_rotation(self, secret_arn: pulumi.Input[str]) -> pulumi.Output[str]:
        """The policy (JSON) letting this function rotate the secret ``secret_arn`` and nothing else."""
        return pulumi.Output.all(secret_arn, self._secrets_key_arn).apply(
            lambda v: iam.dumps(rotation_policy(v[0], v[1], self._region))
        )


def rotator_base_policy(log_group_arn: str) -> dict[str, object]:
    """What the function needs whatever secret it rotates: random values and its own log group."""
    return iam.document(
        {
            "Sid": "GenerateInsideSecretsManager",
            "Effect": "Allow",
            "Action": "secretsmanager:GetRandomPassword",
            "Resource": "*",  # GetRandomPassword has no resource type
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    )


def rotation_policy(secret_arn: str, secrets_key_arn: str, region: str) -> dict[str, object]:
    """The rotation protocol's calls on one secret, and its key through Secrets Manager only."""
    return iam.document(
        {
            "Sid": "RotateThisSecret",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            "Resource": secret_arn,
        },
        {
            "Sid": "UseTheSecretsKeyThroughSecretsManager",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": secrets_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    )
