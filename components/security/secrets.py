"""The environment's application secrets in Secrets Manager, under the secrets key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator, Field, field_validator, model_validator

from components.core.context import AwsContext
from components.core.logs import RetentionDays
from components.core.model import Spec
from components.core.naming import secret_path
from components.security.generated_secret import GeneratedSecret, GeneratedSecretArgs
from components.security.rotator import SecretRotator, SecretRotatorArgs

_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")


def _valid_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            "must be lower-case letters, digits and '-', 1-64 characters, not starting or ending with '-'"
        )
    return value


SecretShortName = Annotated[str, AfterValidator(_valid_name)]


class GeneratedSecretSpec(Spec):
    """A secret generated and rotated inside AWS (e.g. a JWT signing key): the environment's rotation
    function creates its first value when the secret is created and a new one every ``rotationDays``.

    Attributes:
        name: short name; the secret is ``platform/<env>/<name>``.
        description: what it is for. Defaults to empty.
        length: characters, 32-4096. Defaults to 64.
        rotation_days: days between rotations, 1-365. Defaults to 90. To rotate at once:
            ``aws secretsmanager rotate-secret --secret-id platform/<env>/<name>``.
    """

    name: SecretShortName
    description: str = ""
    length: int = Field(default=64, ge=32, le=4096)
    rotation_days: int = Field(default=90, ge=1, le=365)


class ExternalSecretSpec(Spec):
    """A secret whose value is set outside the repository (an API key, a webhook URL).

    The program creates the empty secret under the secrets key; an operator puts the value with
    ``aws secretsmanager put-secret-value`` (see the README). Its value is never in code or stack files.

    Attributes:
        name: short name; the secret is ``platform/<env>/<name>``.
        description: what it is and who provides it. Defaults to empty.
    """

    name: SecretShortName
    description: str = ""


class SecretsSpec(Spec):
    """The environment's application secrets.

    Attributes:
        recovery_window_days: 0 (delete at once, dev only) or 7-30. Defaults to 30.
        generated: secrets the program generates. Defaults to none.
        external: secrets provided from outside. Defaults to none.
        rotation_log_retention_days: how long the rotation function's logs are kept. Defaults to 30.
    """

    recovery_window_days: int = 30
    generated: tuple[GeneratedSecretSpec, ...] = ()
    external: tuple[ExternalSecretSpec, ...] = ()
    rotation_log_retention_days: RetentionDays = 30

    @field_validator("recovery_window_days")
    @classmethod
    def _window(cls, value: int) -> int:
        if value != 0 and not 7 <= value <= 30:
            raise ValueError("must be 0 (no recovery) or 7-30 days")
        return value

    @model_validator(mode="after")
    def _unique(self) -> SecretsSpec:
        names = [s.name for s in self.generated] + [s.name for s in self.external]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"secret name(s) declared twice: {', '.join(twice)}")
        return self


def grant_read_secrets(secret_arns: list[str], secrets_key_arn: str, region: str) -> list[dict[str, object]]:
    """Read these secrets, and decrypt them with the secrets key through Secrets Manager only."""
    return [
        {
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": sorted(secret_arns),
        },
        {
            "Sid": "DecryptSecretsThroughSecretsManager",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": secrets_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
        },
    ]


def secret_name(environment: str, name: str) -> str:
    """The Secrets Manager name of an environment's secret: ``platform/<env>/<name>``."""
    return secret_path(environment, name)


@dataclass(frozen=True)
class SecretsArgs:
    """Inputs of :class:`Secrets`.

    Attributes:
        spec: which secrets exist.
        environment: environment name, the middle part of every secret name.
        kms_key_arn: the environment's secrets key.
        context: account, partition and region (the rotation function).
        logs_key_arn: encrypts the rotation function's logs.
    """

    spec: SecretsSpec
    environment: str
    kms_key_arn: pulumi.Input[str]
    context: AwsContext
    logs_key_arn: pulumi.Input[str]


class Secrets(pulumi.ComponentResource):
    """Generated and externally provided application secrets. ``arns`` maps short name to secret ARN.

    Generated secrets are rotated by the environment's :class:`SecretRotator` (created when there is at
    least one), which generates every value inside AWS.
    """

    arns: dict[str, pulumi.Output[str]]
    rotator: SecretRotator | None

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:security:Secrets", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        self.arns = {}
        self.rotator = None
        if spec.generated:
            self.rotator = rotator = SecretRotator(
                f"{name}-rotator",
                SecretRotatorArgs(
                    args.context,
                    args.environment,
                    args.kms_key_arn,
                    args.logs_key_arn,
                    log_retention_days=args.spec.rotation_log_retention_days,
                ),
                opts=child,
            )
        for generated in spec.generated:
            self.arns[generated.name] = GeneratedSecret(
                f"{name}-{generated.name}",
                GeneratedSecretArgs(
                    secret_name=secret_name(args.environment, generated.name),
                    kms_key_arn=args.kms_key_arn,
                    description=generated.description or f"{generated.name} (generated)",
                    rotator=rotator,
                    length=generated.length,
                    rotation_days=generated.rotation_days,
                    recovery_window_days=spec.recovery_window_days,
                ),
                opts=child,
            ).arn
        for external in spec.external:
            self.arns[external.name] = aws.secretsmanager.Secret(
                f"{name}-{external.name}",
                name=secret_name(args.environment, external.name),
                description=external.description or f"{external.name} (set outside the repository)",
                kms_key_id=args.kms_key_arn,
                recovery_window_in_days=spec.recovery_window_days,
                opts=child,
            ).arn
        self._kms_key_arn = args.kms_key_arn
        self._region = args.context.region
        self.register_outputs({"arns": self.arns})

    def grant_read(self, names: list[str]) -> pulumi.Output[list[dict[str, object]]]:
        """The statements letting an identity read exactly the secrets ``names`` (short names)."""
        unknown = sorted(set(names) - set(self.arns))
        if unknown:
            raise ValueError(f"no secret(s) {unknown} (declared: {', '.join(sorted(self.arns)) or 'none'})")
        region = self._region
        return pulumi.Output.all(self._kms_key_arn, *[self.arns[n] for n in names]).apply(
            lambda v: grant_read_secrets(list(v[1:]), v[0], region)
        )
