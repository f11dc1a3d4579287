"""``PullThroughCache``: the registry's pull-through cache rules for the add-ons' upstream registries and
the template of the repositories the cache creates.

Docker Hub and ghcr.io need credentials: the rule names the secret ``ecr-pullthroughcache/<upstream>``
that the account's bootstrap created (``components.bootstrap.pull_through``), found by name here; its value
is put by an administrator (docs/RUNBOOK.md) and never passes through this program or its state.

It comes before the cluster: the add-on charts pull their images through it
(:func:`components.registry.policies.cache_image`), and the nodes' ``AmazonEC2ContainerRegistryPullOnly``
policy carries the ``ecr:BatchImportUpstreamImage`` a first pull needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.core import iam
from components.registry.spec import CACHE_PREFIXES, UPSTREAM_URLS, CacheRuleSpec, TagMutability, Upstream

CACHE_UNTAGGED_DAYS = 14
"""Cached images no tag names any more (the cache refreshes an upstream tag at most once a day) expire
after this many days; nothing here signs them, so no signature is lost with them."""


@dataclass(frozen=True)
class PullThroughCacheArgs:
    """Inputs of :class:`PullThroughCache`.

    Attributes:
        rules: ``platform:registry.pullThroughCache``.
        registry_host: this environment's registry (``<account>.dkr.ecr.<region>.amazonaws.com``).
    """

    rules: tuple[CacheRuleSpec, ...]
    registry_host: str


class PullThroughCache(pulumi.ComponentResource):
    """A pull-through cache rule per upstream and the creation template of the repositories it makes."""

    upstreams: frozenset[Upstream]
    """The upstreams served, so a chart's image is pointed at the cache only when its upstream is."""
    prefixes: tuple[str, ...]
    """The repository prefixes the rules cache under (``k8s``, ``quay``, ...): the nodes' first pull of an
    image creates its repository there (:func:`components.registry.policies.cache_pull_policy`)."""
    registry_host: str

    def __init__(
        self, name: str, args: PullThroughCacheArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("platform:registry:PullThroughCache", name, None, opts)
        # Mutable: the cache moves a cached tag when upstream does (ECR refreshes it at most daily).
        # AES256: public images; KMS encryption in a creation template needs a custom role ECR assumes.
        template = aws.ecr.RepositoryCreationTemplate(
            f"{name}-template",
            prefix="ROOT",
            description="Repositories the pull-through cache creates",
            applied_fors=["PULL_THROUGH_CACHE"],
            image_tag_mutability=TagMutability.MUTABLE.value,
            encryption_configurations=[
                aws.ecr.RepositoryCreationTemplateEncryptionConfigurationArgs(encryption_type="AES256")
            ],
            lifecycle_policy=iam.dumps(cache_lifecycle_policy()),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.rules: list[aws.ecr.PullThroughCacheRule] = []
        self.credential_arns: dict[Upstream, pulumi.Output[str]] = {}
        for rule in args.rules:
            prefix = CACHE_PREFIXES[rule.upstream]
            if rule.secret_name is not None:
                # Found by name when the program runs (DescribeSecret): the ARN's suffix is Secrets
                # Manager's, and the secret is the bootstrap's. ECR reads its value when the rule is created.
                self.credential_arns[rule.upstream] = aws.secretsmanager.get_secret_output(
                    name=rule.secret_name, opts=pulumi.InvokeOutputOptions(parent=self)
                ).arn
            self.rules.append(
                aws.ecr.PullThroughCacheRule(
                    f"{name}-{prefix}",
                    ecr_repository_prefix=prefix,
                    upstream_registry_url=UPSTREAM_URLS[rule.upstream],
                    credential_arn=self.credential_arns.get(rule.upstream),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[template]),
                )
            )
        self.upstreams = frozenset(rule.upstream for rule in args.rules)
        self.prefixes = tuple(sorted(CACHE_PREFIXES[u] for u in self.upstreams))
        self.registry_host = args.registry_host
        self.register_outputs({"prefixes": list(self.prefixes)})


def cache_lifecycle_policy() -> dict[str, object]:
    """Cached images no tag names any more expire (the cache pulls them again on demand)."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"untagged cached images expire after {CACHE_UNTAGGED_DAYS} days",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": CACHE_UNTAGGED_DAYS,
                },
                "action": {"type": "expire"},
            }
        ]
    }
