"""A secret whose value is generated and rotated inside AWS; the program only ever handles its ARN."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.security.rotation.random_secret import LENGTH_TAG, PUNCTUATION_TAG
from components.security.rotator import SecretRotator


@dataclass(frozen=True)
class GeneratedSecretArgs:
    """Inputs of :class:`GeneratedSecret`.

    Attributes:
        secret_name: the Secrets Manager name (``platform/<env>/<name>``).
        kms_key_arn: the environment's secrets key.
        description: shown in the console.
        rotator: the environment's rotation function.
        length: characters of the generated value, 16-4096. Defaults to 64.
        rotation_days: days between rotations. Defaults to 90.
        recovery_window_days: 0 (delete at once) or 7-30. Defaults to 30.
        punctuation: include punctuation. Defaults to off, so the value is safe in URLs and headers.
    """

    secret_name: str
    kms_key_arn: pulumi.Input[str]
    description: str
    rotator: SecretRotator
    length: int = 64
    rotation_days: int = 90
    recovery_window_days: int = 30
    punctuation: bool = False


class GeneratedSecret(pulumi.ComponentResource):
    """A Secrets Manager secret, under the secrets key, whose value the rotation function creates.

    The secret is created empty; ``SecretRotation`` with ``rotate_immediately`` makes Secrets Manager call
    the rotation function at once, which generates the first value with ``GetRandomPassword`` inside AWS
    and then rotates it every ``rotation_days``. No value passes through the program, its inputs or its
    state: not even a write-only input. How the value is shaped travels as the secret's tags.

    The type token and the secret's resource name are unchanged from the earlier implementation (which
    wrote a value through ``secret_string_wo``), so existing secrets are kept, not replaced.
    """

    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: GeneratedSecretArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:security:GeneratedSecret", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        secret = aws.secretsmanager.Secret(
            name,
            name=args.secret_name,
            description=args.description,
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=args.recovery_window_days,
            tags={LENGTH_TAG: str(args.length), PUNCTUATION_TAG: str(args.punctuation).lower()},
            opts=child,
        )
        rotator = args.rotator
        grant = aws.iam.RolePolicy(
            f"{name}-rotation",
            role=rotator.role_name,
            policy=rotator.grant_rotation(secret.arn),
            opts=child,
        )
        invoke = aws.lambda_.Permission(
            f"{name}-rotation",
            action="lambda:InvokeFunction",
            function=rotator.function_name,
            principal="secretsmanager.amazonaws.com",
            source_arn=secret.arn,
            opts=child,
        )
        aws.secretsmanager.SecretRotation(
            name,
            secret_id=secret.id,
            rotation_lambda_arn=rotator.function_arn,
            rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                automatically_after_days=args.rotation_days
            ),
            rotate_immediately=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[grant, invoke]),
        )
        self.arn = secret.arn
        self.register_outputs({"arn": self.arn})
