"""The account's pull-through cache credentials: one empty Secrets Manager secret per upstream that needs
them (Docker Hub, ghcr.io), for the platform's cache rules (``components.registry.cache``) to name.

Why here and not in the platform program:

* ECR reads an upstream's credentials only from a secret named ``ecr-pullthroughcache/...`` **encrypted
  with the AWS managed key** ``aws/secretsmanager`` (ECR user guide, "Storing your upstream repository
  credentials in an AWS Secrets Manager secret": "You must use the default aws/secretsmanager encryption
  key"; ECR's service-linked role ``AWSServiceRoleForECRPullThroughCache`` may GetSecretValue on
  ``secret:ecr-pullthroughcache/*``, with no grant on any customer managed key). Every other secret of
  the platform is under the environment's own key, which the policy pack's ``cmk-encryption`` demands;
  these two are the one exception, and the pack demands the opposite for them (``policy.encryption``).
* ``CreatePullThroughCacheRule`` reads the secret's value when the rule is created, so the value must be
  there before the platform's first ``up``: the bootstrap runs first, then an administrator puts the
  value (docs/RUNBOOK.md), then the platform finds the secret by its name.
* The value never passes through Pulumi: no ``SecretVersion`` here, ``aws secretsmanager
  put-secret-value`` by the administrator.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.registry.spec import NEEDS_CREDENTIALS, UPSTREAM_URLS, Upstream, credential_secret_name


@dataclass(frozen=True)
class PullThroughCredentialsArgs:
    """Inputs of :class:`PullThroughCredentials`.

    Attributes:
        environment: the environment whose account this is (tags and description).
        protect: protect the secrets (deleting one deletes the value an administrator put, and the cache
            rule's ARN with it).
    """

    environment: str
    protect: bool


class PullThroughCredentials(pulumi.ComponentResource):
    """``ecr-pullthroughcache/<upstream>`` for each upstream that needs credentials, empty, under the
    ``aws/secretsmanager`` key."""

    names: dict[str, str]
    """Upstream -> the secret's name (what the platform's cache rule finds it by)."""

    def __init__(
        self, name: str, args: PullThroughCredentialsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:bootstrap:PullThroughCredentials", name, None, opts)
        self.names = {}
        for upstream in [u for u in Upstream if u in NEEDS_CREDENTIALS]:
            secret_name = credential_secret_name(upstream)
            aws.secretsmanager.Secret(
                f"{name}-{upstream.value}",
                name=secret_name,
                description=(
                    f"{UPSTREAM_URLS[upstream]} credentials of {args.environment}'s ECR pull-through cache:"
                    ' {"username": ..., "accessToken": ...}, put by an administrator (docs/RUNBOOK.md).'
                    " aws/secretsmanager key: ECR reads no other."
                ),
                # No kms_key_id: the aws/secretsmanager key (ECR refuses a customer managed key here).
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            self.names[upstream.value] = secret_name
        self.register_outputs({"names": self.names})
