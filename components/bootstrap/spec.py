"""The bootstrap project's settings (``bootstrap:*`` keys of ``bootstrap/Pulumi.<environment>.yaml``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pulumi
from pydantic import Field, ValidationError, field_validator, model_validator

from components.core import placeholders
from components.core.account import AwsAccountId
from components.core.model import Spec
from components.core.region import AwsRegion
from components.core.tier import Tier

NAMESPACE = "bootstrap"
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENVIRONMENT = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
_WORKFLOW = re.compile(r"^\.github/workflows/[A-Za-z0-9._-]+\.ya?ml$")
_OIDC_PROVIDER = re.compile(
    r"^arn:aws[a-z-]*:iam::(\d{12}):oidc-provider/token\.actions\.githubusercontent\.com$"
)
PROJECTS = ("platform", "services")
"""The Pulumi projects of the repository; each gets a deploy and a preview identity per environment."""
DEFAULT_DEPLOY_WORKFLOW = ".github/workflows/deploy-stack.yml"
PROMOTE_WORKFLOW = ".github/workflows/promote.yml"
"""The audited promotion of a paused blue/green release: it runs as the services deploy identity."""
ROLLBACK_WORKFLOW = ".github/workflows/rollback.yml"
"""Its ``abort`` job stops an in-flight rollout as the services deploy identity (its rollback goes through
the deploy workflow)."""
DEFAULT_PREVIEW_WORKFLOW = ".github/workflows/preview.yml"
DEFAULT_DRIFT_WORKFLOW = ".github/workflows/drift.yml"
DRILL_WORKFLOW = ".github/workflows/dr-drill.yml"
"""The monthly restore drill: it shares the drilled environment's snapshot (:class:`DrillShare`) and
deploys the drill stack as the drill account's platform deploy identity."""
AUDIT_BUCKET_SUFFIX = "-audit"


REVIEW_WORKFLOW = ".github/workflows/review-env.yml"
"""Review environments: deploys and destroys the services stacks pr-<n> on dev as the services deploy identity
(which reaches only the product and review namespaces; docs/REVIEW-ENVIRONMENTS.md)."""


def _default_deploy_workflows() -> dict[str, tuple[str, ...]]:
    return {
        "platform": (DEFAULT_DEPLOY_WORKFLOW,),
        "services": (DEFAULT_DEPLOY_WORKFLOW, PROMOTE_WORKFLOW, ROLLBACK_WORKFLOW),
    }


class ImageSourceSpec(Spec):
    """The environment an environment promotes images from (``bootstrap:imageSource``).

    Attributes:
        environment: its stack name (required).
        account_id: its account (required).
        region: its region (required).
    """

    environment: str = Field(pattern=_ENVIRONMENT.pattern)
    account_id: AwsAccountId
    region: AwsRegion


class BootstrapSpec(Spec):
    """What the bootstrap of one environment's account creates (one stack per environment).

    Attributes:
        account_id: the environment's AWS account, 12 digits (required); the provider refuses any other.
        tier: ``dev``, ``staging`` or ``prod``: the tag the policy pack reads (required).
        region: AWS region of the bucket, keys and trail's home. Defaults to ``ap-northeast-2``.
        github_repository: ``owner/name`` of this repository; the only one whose workflows may assume
            the roles (required).
        state_bucket_name: globally unique name of this account's state bucket (required). The audit
            bucket is named after it (``<name>-audit``).
        deploy_workflows: per project, the workflow files whose jobs may deploy (the file that defines
            the job: a reusable workflow's own path). Defaults to ``.github/workflows/deploy-stack.yml`` for
            both projects, and ``.github/workflows/promote.yml`` and ``.github/workflows/rollback.yml`` (its
            ``abort`` job) for the services; a dev account's services also trust
            ``.github/workflows/review-env.yml`` (:meth:`trusted_deploy_workflows`).
        preview_workflow: the workflow file whose jobs may preview. Defaults to ``.github/workflows/preview.yml``.
        drift_workflow: the scheduled drift check, whose jobs may preview from ``main`` only. Defaults to
            ``.github/workflows/drift.yml``.
        existing_oidc_provider_arn: the account's GitHub OIDC provider, when it already has one (an IAM
            OIDC provider is unique per URL). Defaults to none: the bootstrap creates it.
        create_autoscaling_service_linked_role: create ``AWSServiceRoleForAutoScaling``, which the data
            key's policy names (a key policy may only name principals that exist). Defaults to true; set
            false when the account already has it.
        key_deletion_window_days: 7-30. Defaults to 30 (losing a secrets key loses every stack secret).
        audit_log_retention_days: how long CloudTrail log files are kept, 365-3650. Defaults to 365.
        protect: protect the buckets and keys. Defaults to true (they hold the stacks' state and the audit
            trail).
        deploy_reviewer_teams: ids of the GitHub teams whose approval a deployment of this environment
            waits for (the ``<env>`` Environment's required reviewers). Defaults to none; prod needs a
            team or a user.
        deploy_reviewer_users: ids of the GitHub users who approve, likewise. Defaults to none.
        previews: create the preview roles and the ``<env>-preview`` Environment. Defaults to true; the
            restore drill's account (``bootstrap/Pulumi.drill.yaml``) has no previews.
        drill_account_id: the restore drill's account: creates the drill's share identity in this account
            and the GitHub Environment ``<env>-drill`` it runs in (:class:`DrillShare`). Defaults to none
            (no drill of this environment).
        drill_workflow: the restore drill's workflow file. Defaults to ``.github/workflows/dr-drill.yml``.
        application_repositories: ``owner/name`` of the repositories that build the product's images
            with ``.github/workflows/build-and-sign.yml``, of ``github_repository``'s owner: each gets this
            environment's Environment, variables and OIDC subject template
            (:class:`components.bootstrap.application_repository.ApplicationRepositories`). Defaults to none.
        image_source: the environment below, which this one promotes images from by digest (``environment``,
            ``accountId``, ``region``): the stack before this one in ``stacks.yaml``. Defaults to none (the
            first environment, where images are built).
        pull_through_cache_secrets: create the empty secrets ``ecr-pullthroughcache/docker-hub`` and
            ``ecr-pullthroughcache/github-container-registry`` the platform's pull-through cache rules read
            the upstreams' credentials from (:class:`components.bootstrap.pull_through.PullThroughCredentials`;
            an administrator puts their values before the platform's first ``up``: docs/RUNBOOK.md).
            Defaults to true; the restore drill's account, which has no registry, sets false.
    """

    account_id: AwsAccountId
    tier: Tier
    region: AwsRegion = "ap-northeast-2"
    github_repository: str
    state_bucket_name: str
    deploy_workflows: dict[str, tuple[str, ...]] = Field(default_factory=lambda: _default_deploy_workflows())
    preview_workflow: str = DEFAULT_PREVIEW_WORKFLOW
    drift_workflow: str = DEFAULT_DRIFT_WORKFLOW
    existing_oidc_provider_arn: str | None = None
    create_autoscaling_service_linked_role: bool = True
    key_deletion_window_days: int = Field(default=30, ge=7, le=30)
    audit_log_retention_days: int = Field(default=365, ge=365, le=3650)
    protect: bool = True
    deploy_reviewer_teams: tuple[int, ...] = ()
    deploy_reviewer_users: tuple[int, ...] = ()
    previews: bool = True
    drill_account_id: AwsAccountId | None = None
    drill_workflow: str = DRILL_WORKFLOW
    application_repositories: tuple[str, ...] = ()
    image_source: ImageSourceSpec | None = None
    pull_through_cache_secrets: bool = True

    def trusted_deploy_workflows(self) -> dict[str, tuple[str, ...]]:
        """``deploy_workflows``, plus the review environments' workflow for a dev account's services
        deploy role (review environments run on the dev platform only)."""
        services = self.deploy_workflows.get("services")
        if self.tier is not Tier.DEV or services is None or REVIEW_WORKFLOW in services:
            return dict(self.deploy_workflows)
        return {**self.deploy_workflows, "services": (*services, REVIEW_WORKFLOW)}

    @property
    def audit_bucket_name(self) -> str:
        return f"{self.state_bucket_name}{AUDIT_BUCKET_SUFFIX}"

    @field_validator("github_repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        if not _REPOSITORY.fullmatch(value):
            raise ValueError("must be owner/name of a GitHub repository (no wildcards)")
        return value

    @field_validator("application_repositories")
    @classmethod
    def _application_repositories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [r for r in value if not _REPOSITORY.fullmatch(r)]
        if bad:
            raise ValueError(f"must be owner/name of GitHub repositories (no wildcards); bad: {bad}")
        return value

    @model_validator(mode="after")
    def _applications_of_the_same_owner(self) -> BootstrapSpec:
        owner = self.github_repository.split("/", 1)[0]
        others = [r for r in self.application_repositories if r.split("/", 1)[0] != owner]
        if others:
            raise ValueError(
                f"applicationRepositories: the GitHub provider acts for {owner!r} (githubRepository's owner);"
                f" got repositories of another owner: {others}"
            )
        return self

    @field_validator("state_bucket_name")
    @classmethod
    def _bucket(cls, value: str) -> str:
        longest = 63 - len(AUDIT_BUCKET_SUFFIX)
        if not _BUCKET.fullmatch(value) or ".." in value or len(value) > longest:
            raise ValueError(
                f"must be a valid S3 bucket name of 3-{longest} lower-case letters, digits, '.' and '-'"
                f" (the audit bucket appends {AUDIT_BUCKET_SUFFIX!r})"
            )
        return value

    @field_validator("deploy_workflows")
    @classmethod
    def _deploy_workflows(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if not set(value) <= set(PROJECTS) or PROJECTS[0] not in value:
            raise ValueError(
                f"must name the workflows of {PROJECTS[0]} and at most these projects: {', '.join(PROJECTS)}"
            )
        for project, workflows in value.items():
            if not workflows:
                raise ValueError(f"{project}: must name at least one workflow")
            bad = [w for w in workflows if not _WORKFLOW.fullmatch(w)]
            if bad:
                raise ValueError(
                    f"{project}: must be paths such as {DEFAULT_DEPLOY_WORKFLOW} (no wildcards); bad: {bad}"
                )
        return value

    @field_validator("preview_workflow", "drift_workflow", "drill_workflow")
    @classmethod
    def _preview_workflow(cls, value: str) -> str:
        if not _WORKFLOW.fullmatch(value):
            raise ValueError(f"must be a path such as {DEFAULT_PREVIEW_WORKFLOW} (no wildcards)")
        return value

    @model_validator(mode="after")
    def _prod_deploys_after_approval(self) -> BootstrapSpec:
        if self.tier is Tier.PROD and not (self.deploy_reviewer_teams or self.deploy_reviewer_users):
            raise ValueError(
                "deployReviewerTeams: prod deploys only after approval: name at least one GitHub team"
                " (or deployReviewerUsers a user) by id; got none"
            )
        return self

    @model_validator(mode="after")
    def _drill_in_another_account(self) -> BootstrapSpec:
        if self.drill_account_id == self.account_id:
            raise ValueError(
                f"drillAccountId: the restore drill runs in an account of its own, not accountId; got {self.drill_account_id}"
            )
        return self

    @model_validator(mode="after")
    def _oidc_provider_in_this_account(self) -> BootstrapSpec:
        arn = self.existing_oidc_provider_arn
        if arn is None:
            return self
        found = _OIDC_PROVIDER.fullmatch(arn)
        if not found:
            raise ValueError(
                "existingOidcProviderArn: must be the ARN of the account's GitHub OIDC provider,"
                f" arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com; got {arn!r}"
            )
        if found.group(1) != self.account_id:
            raise ValueError(
                f"existingOidcProviderArn: is in account {found.group(1)}, not accountId {self.account_id}"
            )
        return self


def environment_name(stack: str) -> str:
    """The environment a bootstrap stack is for: its stack name (``dev``, ``staging``, ``prod``)."""
    if not _ENVIRONMENT.fullmatch(stack):
        raise BootstrapConfigError(
            [f"stack name {stack!r}: must be an environment name (lower-case letters, digits, '-')"]
        )
    return stack


class BootstrapConfigError(pulumi.RunError):
    """The bootstrap stack's configuration is invalid; one readable line per problem.

    A ``RunError`` makes the language host print the message without a traceback.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("bootstrap configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _engine_scalars(values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with the top-level booleans and numbers the engine passes as JSON text (``"true"``,
    ``"30"``) read back, for the settings typed so; nothing else is converted (strict validation: no text
    taken as a number, no boolean as a number)."""
    scalar = {
        field.alias or name
        for name, field in BootstrapSpec.model_fields.items()
        if field.annotation in (bool, int, float)
    }
    decoded = dict(values)
    for key in scalar & set(decoded):
        value = decoded[key]
        if isinstance(value, str):
            try:
                number = json.loads(value)
            except json.JSONDecodeError:
                continue
            if isinstance(number, bool | int | float):
                decoded[key] = number
    return decoded


def parse(values: Mapping[str, object]) -> BootstrapSpec:
    """Validate ``bootstrap:*`` values (keys without the namespace, structured values already decoded).

    Raises:
        BootstrapConfigError: naming each key, what is wrong and the value received.
    """
    try:
        return BootstrapSpec.model_validate_json(json.dumps(_engine_scalars(values)), strict=True)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = f"{NAMESPACE}:" + ".".join(str(p) for p in err["loc"])
            if not err["loc"]:  # a check across keys: its message starts with the key it is about
                problems.append(f"{NAMESPACE}:" + str(err["msg"]).removeprefix("Value error, "))
            elif err["type"] == "missing":
                problems.append(f"{key}: required, but not set")
            elif err["type"] == "extra_forbidden":
                problems.append(f"{key}: unknown key")
            else:
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(f"{key}: {message}; got {err.get('input')!r}")
        raise BootstrapConfigError(problems) from None


def placeholders_of(raw: Mapping[str, str], spec: BootstrapSpec) -> list[placeholders.Placeholder]:
    """The stand-ins left in a bootstrap stack file (``raw``: its ``bootstrap:*`` values as Pulumi hands
    them over): account ids, the example organization's repository and bucket, and reviewer id 0."""
    found = placeholders.find(raw, NAMESPACE)
    for key, ids in (
        ("deployReviewerTeams", spec.deploy_reviewer_teams),
        ("deployReviewerUsers", spec.deploy_reviewer_users),
    ):
        found += [
            placeholders.Placeholder(f"{NAMESPACE}:{key}[{i}]", "0", "no GitHub team or user has id 0")
            for i, value in enumerate(ids)
            if value == 0
        ]
    return found


def refuse_placeholders(raw: Mapping[str, str], spec: BootstrapSpec) -> None:
    """A real ``up`` refuses a stack file with stand-ins left (one error naming every key); an offline
    run or a preview warns once. The roles would otherwise trust another repository's workflows."""
    found = placeholders_of(raw, spec)
    if not found:
        return
    if placeholders.deploying():
        raise BootstrapConfigError(placeholders.problems(found))
    pulumi.log.warn(f"bootstrap: {placeholders.message(found)} (a real `pulumi up` refuses them)")
