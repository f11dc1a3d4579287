"""What a stack file may say: the pydantic models of the ``platform:*`` and ``services:*`` keys.

:mod:`settings.config` reads a stack file into these models and :mod:`settings.guardrails` checks them;
both import them from here, so neither imports the other's callers.
"""

from __future__ import annotations

from pydantic import Field

from components.apps.cache_keys import CacheSharingSpec
from components.apps.flags import FlagSpec
from components.apps.review import ReviewEnvironmentSpec, ReviewSpec
from components.apps.spec import DeliverySpec, Services
from components.ci.runners import RunnersSpec
from components.cluster.spec import ClusterSpec
from components.core.account import AwsAccountId
from components.core.model import Spec
from components.core.region import AwsRegion
from components.core.tier import Tier
from components.data.atlas_spec import AtlasSpec
from components.data.buckets import BucketsSpec
from components.data.dr_spec import DrSpec, RestoreSpec
from components.data.postgres import PostgresSpec
from components.data.redis import RedisSpec
from components.network.dns import DnsSpec
from components.network.spec import NetworkSpec
from components.observability.spec import ObservabilitySpec
from components.registry.spec import RegistrySpec
from components.security.keys import KeysSpec
from components.security.secrets import SecretsSpec

NAMESPACE = "platform"
SERVICES_NAMESPACE = "services"
DEFAULT_REGION = "ap-northeast-2"


class IamSpec(Spec):
    """IAM settings of the environment's account.

    Attributes:
        permissions_boundary_arn: the managed policy every IAM role the program creates carries as its
            permissions boundary. Defaults to the one the account's bootstrap creates
            (``arn:<partition>:iam::<accountId>:policy/platform-permissions-boundary``).
    """

    permissions_boundary_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:policy/[A-Za-z0-9+=,.@_/-]+$"
    )


class StackConfig(Spec):
    """Everything a ``Pulumi.<stack>.yaml`` can say under ``platform:``.

    Attributes:
        tier: ``dev``, ``staging`` or ``prod``; sets the guardrails (required).
        account_id: the AWS account this environment lives in, 12 digits (required). The AWS provider
            refuses credentials of any other account (``allowed_account_ids``), so a stack can never touch
            another environment's account.
        iam: IAM settings of the account (the permissions boundary). Defaults to the bootstrap's boundary.
        region: AWS region. Defaults to ``ap-northeast-2``.
        tags: extra tags for every taggable resource. Defaults to none.
        protect: ``true`` to protect stateful resources even where the tier does not; ``false`` is
            refused where the tier protects. Defaults to the tier's choice.
        network: the VPC (required).
        keys: KMS key settings. Defaults to 90-day rotation and a 30-day deletion window.
        secrets: application secrets. Defaults to none.
        postgres: PostgreSQL on RDS. Defaults to none.
        redis: Redis/Valkey on ElastiCache. Defaults to none.
        buckets: S3 buckets. Defaults to none.
        atlas: MongoDB Atlas; its API keys, when set, are ``secure:`` values. Defaults to none.
        cluster: the EKS cluster and its add-ons. Defaults to none (no cluster).
        dns: the environment's Route53 zone, its ACM certificate for the ingress hosts and external-dns
            (with the cluster). Defaults to none (no zone, no certificate: ingresses cannot serve HTTPS).
        runners: GitHub Actions runners in the VPC, where every job that reaches the cluster runs.
            Defaults to none.
        observability: alert route, budget and alarm thresholds. Defaults to none (the policy pack's
            tier-floors rule requires the alert topic and the budget in prod).
        registry: the environment's image registry (ECR), signing key and image admission
            (``components.registry.spec``). Defaults to none.
        dr: copies of the stores in a second region and the RPO/RTO they must meet. Defaults to none
            (prod requires it where it has durable stores).
        restore: build the stores from another stack's backups (a restore drill). Defaults to none.
    """

    tier: Tier
    account_id: AwsAccountId
    iam: IamSpec = IamSpec()
    region: AwsRegion = DEFAULT_REGION
    tags: dict[str, str] = Field(default_factory=dict)
    protect: bool | None = None
    network: NetworkSpec
    keys: KeysSpec = KeysSpec()
    secrets: SecretsSpec = SecretsSpec()
    postgres: PostgresSpec | None = None
    redis: RedisSpec | None = None
    buckets: BucketsSpec | None = None
    atlas: AtlasSpec | None = None
    cluster: ClusterSpec | None = None
    dns: DnsSpec | None = None
    runners: RunnersSpec | None = None
    observability: ObservabilitySpec | None = None
    registry: RegistrySpec | None = None
    dr: DrSpec | None = None
    restore: RestoreSpec | None = None


class ServicesStackConfig(Spec):
    """Everything a ``services/Pulumi.<stack>.yaml`` can say under ``services:``.

    The services project ships what changes daily (the product's services) on top of the platform stack
    of the same name, whose outputs it reads through a ``StackReference``.

    Attributes:
        platform_stack: the platform stack to read, as ``StackReference`` names it: only
            ``organization/platform/<stack>`` (the DIY backend's name for the platform stack of the same
            name, the one the services are checked against) is accepted, so it may be left out.
        delivery: how services are delivered: gates, timeouts. Defaults to the deployment guide's gates.
        apps: the product's services by name (see ``components.apps.spec.AppSpec``). Defaults to none.
        cache: cache key regions services share (``components.apps.cache_keys``). Defaults to none.
        flags: the feature flags by name, served by AWS AppConfig (``components.apps.flags``). Defaults
            to none.
        review: the policy of the review environments copied from this stack (label, quota, TTL;
            ``components.apps.review``). Defaults to none: no review environments.
        review_environment: set in a review stack's file only (``python -m tools env add pr-<n>``): the
            stack it copies, its pull request, its expiry. Defaults to none.
    """

    platform_stack: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")
    delivery: DeliverySpec = DeliverySpec()
    apps: Services = Field(default_factory=dict)
    cache: CacheSharingSpec = CacheSharingSpec()
    flags: dict[str, FlagSpec] = Field(default_factory=dict)
    review: ReviewSpec | None = None
    review_environment: ReviewEnvironmentSpec | None = None
