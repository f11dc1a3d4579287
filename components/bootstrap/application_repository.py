"""The application repositories' side of the image pipeline, as code (the Pulumi GitHub provider): what a
repository that calls ``.github/workflows/build-and-sign.yml`` needs in one environment.

- Its OIDC subject template (``repo``, ``context``, ``job_workflow_ref``): the push role trusts exact
  subjects of that form (``platform:registry.pushSubjects``), which GitHub's default template never issues.
- Its Environment ``<env>``: jobs from ``main`` only, after this environment's deployment reviewers (the
  same people who approve its deployments approve what enters its registry).
- The variables the reusable workflow reads there (GitHub hands a called workflow the caller's
  variables): ``AWS_REGION``, ``IMAGE_REGISTRY``, ``IMAGE_PUSH_ROLE_ARN``, ``IMAGE_SIGNING_KEY_ARN`` and, in an
  environment that promotes from the one below, ``IMAGE_SOURCE_SIGNING_KEY_ARN``. Every value follows from
  the account, the region and the platform's names (``components/registry/policies.py``), so the bootstrap
  sets them before the platform stack exists: the keys by their alias ARN, which KMS and cosign accept
  (sigstore/sigstore ``pkg/signature/kms/aws/client.go``, ``aliasARNRE``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from components.bootstrap.github_repository import (
    REGION_VARIABLE,
    environment_variables,
    main_only_environment,
    subject_template,
)
from components.registry.policies import PromotionSource, push_role_name, registry_host, signing_key_alias

REGISTRY_VARIABLE = "IMAGE_REGISTRY"
PUSH_ROLE_VARIABLE = "IMAGE_PUSH_ROLE_ARN"
SIGNING_KEY_VARIABLE = "IMAGE_SIGNING_KEY_ARN"
SOURCE_KEY_VARIABLE = "IMAGE_SOURCE_SIGNING_KEY_ARN"


def image_variables(
    partition: str, account_id: str, region: str, environment: str, source: PromotionSource | None
) -> dict[str, str]:
    """The variables ``build-and-sign.yml`` reads in ``environment``'s GitHub Environment (pure)."""
    values = {
        REGION_VARIABLE: region,
        REGISTRY_VARIABLE: registry_host(account_id, region),
        PUSH_ROLE_VARIABLE: f"arn:{partition}:iam::{account_id}:role/{push_role_name(environment)}",
        SIGNING_KEY_VARIABLE: f"arn:{partition}:kms:{region}:{account_id}:{signing_key_alias(environment)}",
    }
    if source is not None:
        values[SOURCE_KEY_VARIABLE] = source.signing_key_alias_arn(partition)
    return values


@dataclass(frozen=True)
class ApplicationRepositoriesArgs:
    """Inputs of :class:`ApplicationRepositories`.

    Attributes:
        repositories: ``owner/name`` of each repository that builds images with ``build-and-sign.yml``; the
            provider's ``owner`` must be their owner.
        environment: the environment (and stack name) whose registry they push to.
        account_id: the environment's account.
        region: the environment's region.
        partition: the account's partition (``components.core.account.partition_of`` its region).
        source: the environment below, which this one promotes from. Defaults to none (builds come here).
        reviewer_teams: ids of the teams that must approve a job in ``<env>``. Defaults to none.
        reviewer_users: ids of the users who must approve one. Defaults to none.
    """

    repositories: Sequence[str]
    environment: str
    account_id: str
    region: str
    partition: str
    source: PromotionSource | None = None
    reviewer_teams: Sequence[int] = ()
    reviewer_users: Sequence[int] = ()


class ApplicationRepositories(pulumi.ComponentResource):
    """Each application repository's subject template, its ``<env>`` Environment and the variables there."""

    environments: dict[str, pulumi.Output[str]]
    """``owner/name`` -> its ``<env>`` Environment."""

    def __init__(
        self, name: str, args: ApplicationRepositoriesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:bootstrap:ApplicationRepositories", name, None, opts)
        self.environments = {}
        for full_name in args.repositories:
            repository = full_name.split("/", 1)[1]
            prefix = f"{name}-{repository}"
            subject_template(f"{prefix}-oidc-subject", repository, self)
            environment = main_only_environment(
                prefix, repository, args.environment, args.reviewer_teams, args.reviewer_users, self
            )
            values: Mapping[str, pulumi.Input[str]] = image_variables(
                args.partition, args.account_id, args.region, args.environment, args.source
            )
            environment_variables(
                prefix,
                repository,
                environment.environment,
                values,
                pulumi.ResourceOptions(parent=self, depends_on=[environment]),
            )
            self.environments[full_name] = environment.environment
        self.register_outputs({"environments": self.environments})
