"""The bootstrap project's settings (``bootstrap:*`` keys of ``bootstrap/Pulumi.<stack>.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pulumi
from pydantic import Field, ValidationError, field_validator

from components.core.model import Spec
from components.core.region import AwsRegion

NAMESPACE = "bootstrap"
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


class BootstrapSpec(Spec):
    """What the one-time bootstrap creates.

    Attributes:
        region: AWS region of the bucket and keys. Defaults to ``ap-northeast-2``.
        github_repository: ``owner/name`` of this repository; the only one whose workflows may assume
            the roles (required).
        state_bucket_name: globally unique name of the state bucket (required).
        project: the main Pulumi project whose stacks the roles may touch. Defaults to ``platform``.
        environments: one secrets key, one deploy role and one preview role each. Defaults to dev,
            staging and prod.
        key_deletion_window_days: 7-30. Defaults to 30 (losing a secrets key loses every stack secret).
        deploy_policy_arns: managed policies of the deploy roles. Defaults to AdministratorAccess: the
            program creates IAM roles, KMS keys, VPCs and clusters; the trust policy (one repository, one
            approved environment) is the control.
        preview_policy_arns: managed policies of the preview roles. Defaults to ReadOnlyAccess.
        protect: protect the bucket and keys. Defaults to true (they hold every stack's state).
    """

    region: AwsRegion = "ap-northeast-2"
    github_repository: str
    state_bucket_name: str
    project: str = "platform"
    environments: tuple[str, ...] = ("dev", "staging", "prod")
    key_deletion_window_days: int = Field(default=30, ge=7, le=30)
    deploy_policy_arns: tuple[str, ...] = (ADMINISTRATOR,)
    preview_policy_arns: tuple[str, ...] = (READ_ONLY,)
    protect: bool = True

    @field_validator("github_repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.fullmatch(value):
            raise ValueError("must be owner/name of a GitHub repository (no wildcards)")
        return value

    @field_validator("state_bucket_name")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET.fullmatch(value) or ".." in value:
            raise ValueError("must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'")
        return value

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("must name at least one environment")
        bad = [env for env in value if not _ENVIRONMENT.fullmatch(env)]
        if bad:
            raise ValueError(f"environment names must be lower-case letters, digits and '-'; bad: {bad}")
        if len(set(value)) != len(value):
            raise ValueError("must not repeat an environment")
        return value


class BootstrapConfigError(pulumi.RunError):
    """The bootstrap stack's configuration is invalid; one readable line per problem.

    A ``RunError`` makes the language host print the message without a traceback.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("bootstrap configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def parse(values: Mapping[str, object]) -> BootstrapSpec:
    """Validate ``bootstrap:*`` values (keys without the namespace, structured values already decoded).

    Raises:
        BootstrapConfigError: naming each key, what is wrong and the value received.
    """
    try:
        return BootstrapSpec.model_validate(dict(values))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = f"{NAMESPACE}:" + ".".join(str(p) for p in err["loc"])
            if err["type"] == "missing":
                problems.append(f"{key}: required, but not set")
            elif err["type"] == "extra_forbidden":
                problems.append(f"{key}: unknown key")
            else:
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{key}: {message}; got {err.get('input')!r}")
        raise BootstrapConfigError(problems) from None
