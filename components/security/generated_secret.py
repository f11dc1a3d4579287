"""A secret whose value the program generates and that never lands in Pulumi state."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class GeneratedSecretArgs:
    """Inputs of :class:`GeneratedSecret`.

    Attributes:
        secret_name: the Secrets Manager name (``platform/<env>/<name>``).
        kms_key_arn: the environment's secrets key.
        description: shown in the console.
        length: characters of the generated value. Defaults to 64.
        version: bump to rotate: the value is regenerated and written once more. Defaults to 1.
        recovery_window_days: 0 (delete at once) or 7-30. Defaults to 30.
        punctuation: include punctuation. Defaults to off, so the value is safe in URLs and headers.
    """

    secret_name: str
    kms_key_arn: pulumi.Input[str]
    description: str
    length: int = 64
    version: int = 1
    recovery_window_days: int = 30
    punctuation: bool = False


class GeneratedSecret(pulumi.ComponentResource):
    """A Secrets Manager secret holding a random value, under the secrets key.

    The value comes from Secrets Manager's own ``GetRandomPassword`` (a data source, so it is not kept in
    state) and is written through the write-only ``secret_string_wo`` input, which the provider sends only
    when ``version`` changes and never stores. ``value`` is a secret ``Output`` for wiring into another
    resource's write-only input (e.g. an ElastiCache ``auth_token_wo``) in the same run; never export it.
    """

    arn: pulumi.Output[str]
    value: pulumi.Output[str]

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
            opts=child,
        )
        generated = aws.secretsmanager.get_random_password_output(
            password_length=args.length,
            exclude_punctuation=not args.punctuation,
            require_each_included_type=True,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        self.value = pulumi.Output.secret(generated.random_password)
        aws.secretsmanager.SecretVersion(
            name,
            secret_id=secret.id,
            secret_string_wo=self.value,
            secret_string_wo_version=args.version,
            opts=child,
        )
        self.arn = secret.arn
        self.register_outputs({"arn": self.arn})
