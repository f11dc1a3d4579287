"""What a stack file can say about the product's services (``platform:services``) and how they are
delivered (``platform:delivery``).

``platform:services`` maps a service name to an :class:`AppSpec`; adding a service is adding a key.
Strategies, canary steps and gate thresholds are data here, never code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from components.apps.cache_keys import CacheUse, cache_use
from components.apps.drain import DrainSpec
from components.apps.image import parse_image
from components.apps.jobs import JobsSpec
from components.core.catalog.services import ssl_policy_problem
from components.core.dns import dns_name_problem
from components.core.model import KeyedError, Spec, as_written
from components.security.secrets import SecretShortName

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)")
_CREDENTIAL_URL = re.compile(r"://[^/@\s]+:[^/@\s]+@")
_DURATION = re.compile(r"^[1-9][0-9]*[smh]$")
_QUANTITY = re.compile(r"^([0-9]+(\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$")
_FACTORS = {None: 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_FACTORS |= {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}


def _service_name(value: str) -> str:
    if not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            "service names must be DNS labels: lower-case letters, digits and '-', starting with a letter,"
            " at most 40 characters (suffixes such as '-preview' are added)"
        )
    return value


MAX_DURATION_SECONDS = 24 * 3600
"""The longest duration a gate, pause or refresh may name: a day (a longer gate is no gate)."""
SCRAPE_INTERVAL_SECONDS = 30
"""How often Prometheus scrapes a service (its ServiceMonitor's ``interval``)."""
ALB_IDLE_TIMEOUT_SECONDS = 60
"""The application load balancer's idle timeout, which this project leaves at AWS's default
(``idle_timeout.timeout_seconds``, 60 s): a request with no byte for that long is cut off with a 504."""


def duration_seconds(value: str) -> int:
    """``2m`` -> 120."""
    return int(value[:-1]) * {"s": 1, "m": 60, "h": 3600}[value[-1]]


def _duration(value: str) -> str:
    if not _DURATION.fullmatch(value):
        raise ValueError("must be a duration such as 30s, 5m or 1h")
    if duration_seconds(value) > MAX_DURATION_SECONDS:
        raise ValueError(f"must be at most {MAX_DURATION_SECONDS // 3600}h")
    return value


def _quantity(value: str) -> str:
    if not _QUANTITY.fullmatch(value):
        raise ValueError("must be a Kubernetes quantity such as 250m, 1, 512Mi or 2Gi")
    return value


def quantity_value(value: str) -> float:
    """A Kubernetes quantity as a number (``250m`` → 0.25, ``1Gi`` → 1073741824.0)."""
    match = _QUANTITY.fullmatch(value)
    if not match:
        raise ValueError(f"not a quantity: {value!r}")
    return float(match.group(1)) * _FACTORS[match.group(3)]


def _prefix_path(value: str) -> str:
    if not value.startswith("/") or any(c in value for c in "*?"):
        raise ValueError(
            "must be a path prefix starting with '/', without wildcards ('*', '?'): the Ingress's paths are"
            " Prefix paths, and the load balancer controller refuses a wildcard in one (/api covers /api/*)"
        )
    return value


def _host_name(value: str) -> str:
    problem = dns_name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _image(value: str) -> str:
    parse_image(value)
    return value


ServiceName = Annotated[str, AfterValidator(_service_name)]
Duration = Annotated[str, AfterValidator(_duration)]
Quantity = Annotated[str, AfterValidator(_quantity)]
Image = Annotated[str, AfterValidator(_image)]
HostName = Annotated[str, AfterValidator(_host_name)]
"""A lower-case DNS name, label by label (63 characters each, 253 in all): what Route 53 and ACM take."""
PrefixPath = Annotated[str, AfterValidator(_prefix_path)]


class Strategy(StrEnum):
    """How a new version replaces the old one."""

    ROLLING = "rolling"  # a Deployment, surge one pod at a time
    BLUE_GREEN = "blueGreen"  # an Argo Rollout: full preview stack, then switch the active Service
    CANARY = "canary"  # an Argo Rollout: shift ALB traffic in steps, gated by analysis


class Gate(StrEnum):
    """Prometheus gates, each rendered once as an ``AnalysisTemplate`` named after its value."""

    ERROR_RATE = "error-rate"
    LATENCY_P95 = "latency-p95"
    JOB_SUCCESS_RATE = "job-success-rate"


class Scheme(StrEnum):
    INTERNET_FACING = "internet-facing"
    INTERNAL = "internal"


class ResourceSpec(Spec):
    """CPU and memory for one container: requests (what it is scheduled with) and limits.

    Attributes:
        cpu: CPU request. Defaults to ``100m``.
        memory: memory request. Defaults to ``128Mi``.
        cpu_limit: CPU limit. Defaults to ``500m``.
        memory_limit: memory limit; the container is killed above it. Defaults to ``256Mi``.
    """

    cpu: Quantity = "100m"
    memory: Quantity = "128Mi"
    cpu_limit: Quantity = "500m"
    memory_limit: Quantity = "256Mi"

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ResourceSpec:
        if quantity_value(self.cpu) > quantity_value(self.cpu_limit):
            raise ValueError(f"cpu request {self.cpu} is above cpuLimit {self.cpu_limit}")
        if quantity_value(self.memory) > quantity_value(self.memory_limit):
            raise ValueError(f"memory request {self.memory} is above memoryLimit {self.memory_limit}")
        return self


class ProbesSpec(Spec):
    """HTTP probes on the container port.

    Attributes:
        liveness_path: restart the container when this fails. Defaults to ``/healthz``.
        readiness_path: take the pod out of its Services while this fails. Defaults to ``/readyz``.
        period_seconds: between probes. Defaults to 10.
        timeout_seconds: per probe. Defaults to 2.
        failure_threshold: failures in a row before acting. Defaults to 3.
        startup_seconds: how long the container may take to start before liveness applies (the
            startup probe polls ``liveness_path`` every 5 s). Defaults to 120.
    """

    liveness_path: str = Field(default="/healthz", pattern=r"^/")
    readiness_path: str = Field(default="/readyz", pattern=r"^/")
    period_seconds: int = Field(default=10, ge=1, le=300)
    timeout_seconds: int = Field(default=2, ge=1, le=60)
    failure_threshold: int = Field(default=3, ge=1, le=30)
    startup_seconds: int = Field(default=120, ge=5, le=1800)


class SecretRef(Spec):
    """One environment variable filled from Secrets Manager through an ``ExternalSecret``.

    Attributes:
        secret: short name of the secret; it is read from ``platform/<env>/<secret>`` (required).
        env: the environment variable (required).
        property: the JSON key inside the secret value, for JSON secrets. Defaults to the whole value.
    """

    secret: SecretShortName
    env: str = Field(pattern=_ENV_NAME.pattern)
    property: str | None = None


class QueueSpec(Spec):
    """A Redis list whose length scales the workers (KEDA ``prometheus`` trigger).

    The cache admits only IAM-authenticated users and KEDA's ``redis`` scaler authenticates only with a
    password, so KEDA does not read the list itself: it reads the queue's length from Prometheus, where
    the workers export it as a gauge (``<metric>{queue="<listName>"}``).

    Attributes:
        list_name: the Redis list (required).
        list_length: jobs per replica KEDA aims for. Defaults to 10.
        metric: the gauge of pending jobs per queue, labelled ``queue``. Defaults to ``queue_length``.
        in_flight_metric: the gauge of jobs a worker is running, labelled ``queue`` (the drain waits for
            it and ``metric`` to be 0). Defaults to ``jobs_in_flight``.
        longest_job_seconds: the longest a job of this queue runs (required): a worker's SIGTERM grace
            (``terminationGracePeriodSeconds``) must exceed ``drainSeconds`` plus this, so a worker
            replaced or scaled in finishes its job (checked when the settings load).
        drain: drain the queue before a release replaces the workers (see
            :class:`~components.apps.drain.DrainSpec`). Defaults to none (a rolling Deployment).
    """

    list_name: str = Field(min_length=1)
    list_length: int = Field(default=10, ge=1)
    metric: str = Field(default="queue_length", pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    in_flight_metric: str = Field(default="jobs_in_flight", pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    longest_job_seconds: int = Field(ge=1, le=86400)
    drain: DrainSpec | None = None


class BucketAccess(StrEnum):
    """What a service may do with a bucket's objects."""

    READ = "read"
    READ_WRITE = "readWrite"


class UsesSpec(Spec):
    """What a service reaches in AWS with its own identity (an IAM role for its ServiceAccount through EKS
    Pod Identity), and so exactly what that role is granted. Every store named must exist in the platform
    stack (checked when the settings load).

    Attributes:
        buckets: bucket short name → ``read`` or ``readWrite`` (its objects, and the data key through S3
            only). Defaults to none.
        secrets: secrets (``platform/<env>/<name>``) the service reads, through its ``secrets`` env or
            itself at run time; every ``secrets[].secret`` must be listed here. Defaults to none.
        database: connect to Postgres (through the RDS Proxy where there is one) with IAM authentication
            as the database user named after the service (``-`` becomes ``_``). Defaults to false.
        cache: connect to Redis/Valkey as its own IAM-authenticated ElastiCache user, which may touch only
            the key (and channel) prefixes named here: ``{prefixes: [job:convert], channels: [...]}``
            (see :class:`~components.apps.cache_keys.CacheUse`). Defaults to false (no cache).
        mongodb: read and write the environment's MongoDB database as an AWS IAM database user (the role
            ARN, authenticated on ``$external``). Defaults to false.
    """

    buckets: dict[str, BucketAccess] = Field(default_factory=dict)
    secrets: tuple[SecretShortName, ...] = ()
    database: bool = False
    cache: CacheUse | None = None
    mongodb: bool = False

    @field_validator("cache", mode="before")
    @classmethod
    def _cache(cls, value: object, info: ValidationInfo) -> object:
        return as_written(CacheUse, cache_use(value), info)

    @field_validator("secrets")
    @classmethod
    def _unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({n for n in value if value.count(n) > 1})
        if twice:
            raise ValueError(f"secret(s) listed twice: {', '.join(twice)}")
        return value

    @property
    def anything(self) -> bool:
        return bool(self.buckets or self.secrets or self.database or self.cache or self.mongodb)


class AutoscalingSpec(Spec):
    """Horizontal scaling: an HPA on CPU, or a KEDA ``ScaledObject`` when ``queue`` is set.

    Attributes:
        min_replicas: Defaults to 2.
        max_replicas: Defaults to 5.
        cpu_utilization: target average CPU, percent of the request. Defaults to 70.
        queue: scale on a Redis list's length as well (workers). Defaults to none.
    """

    min_replicas: int = Field(default=2, ge=1, le=100)
    max_replicas: int = Field(default=5, ge=1, le=200)
    cpu_utilization: int = Field(default=70, ge=10, le=100)
    queue: QueueSpec | None = None

    @model_validator(mode="after")
    def _range(self) -> AutoscalingSpec:
        if self.max_replicas < self.min_replicas:
            raise ValueError(f"maxReplicas {self.max_replicas} is below minReplicas {self.min_replicas}")
        return self


class IngressSpec(Spec):
    """Exposure through the AWS Load Balancer Controller (IngressClass ``alb``).

    Attributes:
        host: the host name (required); the platform's certificate (``platform:dns.certificateNames``)
            must cover it.
        path: path prefix, without wildcards (``/api`` covers ``/api/x``). Defaults to ``/``.
        scheme: ``internet-facing`` or ``internal``. Defaults to ``internet-facing``.
        sticky_seconds: ALB cookie stickiness duration, for stateful connections such as WebSockets;
            0 turns stickiness off. Defaults to 0.
        websocket_path: a path that upgrades to a WebSocket; the smoke checks open it after a deploy.
            It must be under ``path`` (the Ingress routes nothing else to the service). Defaults to none.
    """

    host: HostName
    path: PrefixPath = "/"
    scheme: Scheme = Scheme.INTERNET_FACING
    sticky_seconds: int = Field(default=0, ge=0, le=604800)
    websocket_path: str | None = Field(default=None, pattern=r"^/")

    @field_validator("websocket_path")
    @classmethod
    def _websocket_routed(cls, value: str | None, info: ValidationInfo) -> str | None:
        """The Ingress routes ``path`` as a prefix (element by element, as Kubernetes ``Prefix`` and the
        ALB's ``/p`` + ``/p/*`` conditions do): a WebSocket path outside it never reaches the service."""
        path = info.data.get("path")
        if value is not None and path is not None and not _under(value, path):
            raise ValueError(
                f"not under path {path}: the Ingress routes only {path} to this service, so the WebSocket"
                " would never reach it"
            )
        return value


def _prefix(path: str) -> str:
    """``path`` as the load balancer controller turns a ``Prefix`` path into conditions: one trailing
    ``/`` dropped, ``/`` itself matching everything (``""`` here)."""
    return "" if path == "/" else path.removesuffix("/")


def _under(path: str, prefix: str) -> bool:
    """Whether ``prefix`` matches ``path`` as a Kubernetes ``Prefix`` path does (``/api`` matches ``/api``
    and ``/api/x``, not ``/apix``)."""
    base = _prefix(prefix)
    return not base or _prefix(path) == base or path.startswith(base + "/")


class MigrationSpec(Spec):
    """Database migrations run as a ``Job`` from the service's image before any service rolls out.

    Attributes:
        command: the migration command (required), e.g. ``[alembic, upgrade, head]``.
        timeout_seconds: the Job's deadline; the deploy fails past it. Defaults to 60 (the gate).
    """

    command: tuple[str, ...] = Field(min_length=1)
    timeout_seconds: int = Field(default=60, ge=10, le=1800)


class RollingSpec(Spec):
    """A ``Deployment`` rolling update: no pod leaves before its replacement is ready.

    Attributes:
        max_surge: extra pods during the update. Defaults to 1.
        max_unavailable: pods that may be missing. Defaults to 0 (zero downtime).
        min_ready_seconds: a new pod must stay ready this long to count. Defaults to 10.
        progress_deadline_seconds: the update fails when stuck this long. Defaults to 600.
    """

    type: Literal[Strategy.ROLLING] = Strategy.ROLLING
    max_surge: int = Field(default=1, ge=0)
    max_unavailable: int = Field(default=0, ge=0)
    min_ready_seconds: int = Field(default=10, ge=0, le=600)
    progress_deadline_seconds: int = Field(default=600, ge=60, le=3600)

    @property
    def gates(self) -> tuple[Gate, ...]:
        """A Deployment has no analysis: readiness and ``minReadySeconds`` gate each pod."""
        return ()

    @model_validator(mode="after")
    def _moves(self) -> RollingSpec:
        if self.max_surge == 0 and self.max_unavailable == 0:
            raise ValueError("maxSurge and maxUnavailable cannot both be 0 (the update could never move)")
        return self


class BlueGreenSpec(Spec):
    """An Argo ``Rollout`` with ``blueGreen``: the new version runs behind a preview Service, is analysed,
    then the active Service switches to it at once.

    Attributes:
        auto_promotion_enabled: switch without a person's ``promote``; prod must keep it false.
            Defaults to false.
        pre_promotion_gates: analysis on the preview before the switch. Defaults to error rate and p95.
        scale_down_delay_seconds: keep the old version running this long after the switch, so a
            rollback is a Service switch back. Defaults to 600.
        min_ready_seconds: Defaults to 10.
        progress_deadline_seconds: Defaults to 600.
    """

    type: Literal[Strategy.BLUE_GREEN] = Strategy.BLUE_GREEN
    auto_promotion_enabled: bool = False
    pre_promotion_gates: tuple[Gate, ...] = (Gate.ERROR_RATE, Gate.LATENCY_P95)
    scale_down_delay_seconds: int = Field(default=600, ge=30, le=86400)
    min_ready_seconds: int = Field(default=10, ge=0, le=600)
    progress_deadline_seconds: int = Field(default=600, ge=60, le=3600)

    @property
    def gates(self) -> tuple[Gate, ...]:
        return self.pre_promotion_gates


class CanaryStep(Spec):
    """One canary step: exactly one of ``setWeight``, ``pause`` or ``analysis``.

    Attributes:
        set_weight: percent of ALB traffic to the canary, 1-100.
        pause: wait this long (``5m``), or ``indefinite`` until a person promotes.
        analysis: run these gates; a failure aborts the rollout.
    """

    set_weight: int | None = Field(default=None, ge=1, le=100)
    pause: str | None = None
    analysis: tuple[Gate, ...] | None = None

    @field_validator("pause")
    @classmethod
    def _pause(cls, value: str | None) -> str | None:
        if value is not None and value != "indefinite":
            _duration(value)
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> CanaryStep:
        chosen = [v for v in (self.set_weight, self.pause, self.analysis) if v is not None]
        if len(chosen) != 1:
            raise ValueError("a step sets exactly one of setWeight, pause or analysis")
        if self.analysis is not None and not self.analysis:
            raise ValueError("an analysis step names at least one gate")
        return self


DEFAULT_CANARY_STEPS: tuple[CanaryStep, ...] = (
    CanaryStep(set_weight=10),
    CanaryStep(pause="2m"),
    CanaryStep(analysis=(Gate.ERROR_RATE, Gate.LATENCY_P95)),
    CanaryStep(set_weight=50),
    CanaryStep(pause="2m"),
    CanaryStep(analysis=(Gate.ERROR_RATE, Gate.LATENCY_P95)),
    CanaryStep(set_weight=100),
)


class CanarySpec(Spec):
    """An Argo ``Rollout`` with ``canary``: ALB traffic moves to the new version in steps.

    Attributes:
        steps: the steps, in order. Defaults to 10% → 2m → analysis → 50% → 2m → analysis → 100%.
        background_gates: analysis that runs for the whole rollout and aborts it on failure.
            Defaults to the error rate (abort at the abort threshold).
        max_surge: extra pods while the canary runs. Defaults to ``25%``.
        min_ready_seconds: Defaults to 10.
        progress_deadline_seconds: Defaults to 600.
    """

    type: Literal[Strategy.CANARY] = Strategy.CANARY
    steps: tuple[CanaryStep, ...] = DEFAULT_CANARY_STEPS
    background_gates: tuple[Gate, ...] = (Gate.ERROR_RATE,)
    max_surge: str = Field(default="25%", pattern=r"^([0-9]+%?)$")
    min_ready_seconds: int = Field(default=10, ge=0, le=600)
    progress_deadline_seconds: int = Field(default=600, ge=60, le=3600)

    @field_validator("steps")
    @classmethod
    def _weights_rise(cls, steps: tuple[CanaryStep, ...]) -> tuple[CanaryStep, ...]:
        if not steps:
            raise ValueError("a canary needs at least one step")
        weights = [s.set_weight for s in steps if s.set_weight is not None]
        if not weights:
            raise ValueError("a canary needs at least one setWeight step")
        if any(b <= a for a, b in pairwise(weights)):
            raise ValueError(f"setWeight steps must rise; got {weights}")
        return steps

    @property
    def gates(self) -> tuple[Gate, ...]:
        """Every gate the canary uses, in order of first use."""
        used = [g for s in self.steps for g in (s.analysis or ())] + list(self.background_gates)
        return tuple(dict.fromkeys(used))


StrategySpec = Annotated[RollingSpec | BlueGreenSpec | CanarySpec, Field(discriminator="type")]


class DisruptionBudgetSpec(Spec):
    """The ``PodDisruptionBudget`` (created only when more than one replica runs).

    Attributes:
        max_unavailable: pods a voluntary disruption (node drain, upgrade) may take at once; fewer than
            the pods that run at least (``replicas`` or ``autoscaling.minReplicas``). Defaults to 1.
    """

    max_unavailable: int = Field(default=1, ge=1)


class AppSpec(Spec):
    """One service of the product.

    Attributes:
        image: ``<repository>:<tag>[@sha256:<digest>]`` (required); the tier decides which tags ship.
        rollback_to: ship this image instead of ``image``, skipping gates, pauses and steps (Argo treats
            it as a rollback to a known-good version). The one value to set to roll back; remove it
            to roll forward again. Migrations are not reversed. Defaults to none.
        port: the container's HTTP port (probes, Services). Defaults to 8080.
        command: overrides the image's entrypoint. Defaults to the image's.
        args: overrides the image's arguments. Defaults to the image's.
        env: plain, non-secret environment variables. Defaults to none.
        secrets: environment variables from Secrets Manager; each secret must be in ``uses.secrets``.
            Defaults to none.
        uses: what the service's own AWS identity may reach (see :class:`UsesSpec`). Defaults to nothing.
        resources: see :class:`ResourceSpec`.
        probes: see :class:`ProbesSpec`.
        replicas: pods when ``autoscaling`` is not set. Defaults to 1.
        autoscaling: HPA or KEDA scaling. Defaults to none (fixed ``replicas``).
        service: a ClusterIP Service in front of the pods, and a ServiceMonitor scraping it. Defaults to
            true; workers set false.
        metrics_path: where Prometheus scrapes the RED metrics on the container port (``http``).
            Defaults to ``/metrics``.
        ingress: exposure through the ALB. Defaults to none (in-cluster only).
        disruption_budget: see :class:`DisruptionBudgetSpec`.
        drain_seconds: the ``preStop`` pause before SIGTERM, while endpoints and the ALB stop sending new
            requests and open connections finish. Defaults to 10.
        termination_grace_period_seconds: the whole shutdown budget, above ``drain_seconds``.
            Defaults to 30.
        service_account_token: mount a service account token (only for pods that call the Kubernetes
            API or use IRSA). Defaults to false.
        run_as_user: the non-root UID. Defaults to 10001.
        strategy: ``rolling``, ``blueGreen`` or ``canary`` with its settings. Defaults to rolling.
        migration: migrations run from this image before the services roll out. Defaults to none.
        after: services whose rollout must finish before this one starts. Defaults to none.
        jobs: the job-schema versions this release emits and accepts per queue (see
            :class:`~components.apps.jobs.JobsSpec`). Defaults to none.
        flags: the feature flags (``services:flags``) the service reads through its identity. Defaults to
            none.
    """

    image: Image
    rollback_to: Image | None = None
    port: int = Field(default=8080, ge=1024, le=65535)
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict)
    secrets: tuple[SecretRef, ...] = ()
    uses: UsesSpec = UsesSpec()
    resources: ResourceSpec = ResourceSpec()
    probes: ProbesSpec = ProbesSpec()
    replicas: int = Field(default=1, ge=1, le=100)
    autoscaling: AutoscalingSpec | None = None
    service: bool = True
    metrics_path: str = Field(default="/metrics", pattern=r"^/")
    ingress: IngressSpec | None = None
    disruption_budget: DisruptionBudgetSpec = DisruptionBudgetSpec()
    drain_seconds: int = Field(default=10, ge=0, le=600)
    termination_grace_period_seconds: int = Field(default=30, ge=1, le=3600)
    service_account_token: bool = False
    run_as_user: int = Field(default=10001, ge=1)
    strategy: StrategySpec = RollingSpec()
    migration: MigrationSpec | None = None
    after: tuple[ServiceName, ...] = ()
    jobs: JobsSpec = JobsSpec()
    flags: tuple[str, ...] = ()

    @field_validator("env")
    @classmethod
    def _plain_env(cls, env: dict[str, str]) -> dict[str, str]:
        for name, value in env.items():
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(f"env {name!r}: names are upper-case letters, digits and '_'")
            if _SECRET_LOOKING.search(name) or _CREDENTIAL_URL.search(value):
                raise ValueError(f"env {name!r} looks like a secret: declare it under secrets instead")
        return env

    @model_validator(mode="after")
    def _consistent(self) -> AppSpec:
        envs = [s.env for s in self.secrets]
        twice = sorted({e for e in envs if envs.count(e) > 1} | (set(envs) & set(self.env)))
        if twice:
            raise ValueError(f"environment variable(s) set twice: {', '.join(twice)}")
        if self.termination_grace_period_seconds <= self.drain_seconds:
            raise ValueError(
                f"terminationGracePeriodSeconds ({self.termination_grace_period_seconds}) must exceed"
                f" drainSeconds ({self.drain_seconds}) to leave time for a clean shutdown"
            )
        if self.ingress is not None and not self.service:
            raise ValueError("an ingress needs service: true")
        if self.strategy.type != Strategy.ROLLING and not self.service:
            raise ValueError(f"strategy {self.strategy.type.value} switches Services; it needs service: true")
        if self.drains and self.strategy.type != Strategy.ROLLING:
            raise ValueError(
                "autoscaling.queue.drain replaces the workers itself (an Argo canary: drain, then all at once);"
                f" keep strategy rolling, got {self.strategy.type.value}"
            )
        if self.strategy.type == Strategy.CANARY and self.ingress is None:
            raise ValueError("canary shifts ALB traffic; it needs an ingress")
        undeclared = sorted({s.secret for s in self.secrets} - set(self.uses.secrets))
        if undeclared:
            raise ValueError(
                f"secrets read {undeclared} not listed in uses.secrets ({', '.join(self.uses.secrets) or 'none'}):"
                " a service's identity gets exactly the secrets it declares"
            )
        if self.rollback_to is not None and self.rollback_to == self.image:
            raise ValueError("rollbackTo equals image; remove rollbackTo to ship image normally")
        return self

    @field_validator("disruption_budget")
    @classmethod
    def _budget_keeps_a_pod(cls, value: DisruptionBudgetSpec, info: ValidationInfo) -> DisruptionBudgetSpec:
        """With more than one pod, a node drain may not evict them all at once (one pod gets no budget)."""
        if "replicas" not in info.data or "autoscaling" not in info.data:
            return value  # reported where they failed
        pods = _least_pods(info.data["replicas"], info.data["autoscaling"])
        if pods > 1 and value.max_unavailable >= pods:
            raise ValueError(
                f"maxUnavailable {value.max_unavailable} lets one node drain evict all {pods} pods at once"
                f" (the least that run); at most {pods - 1}"
            )
        return value

    @property
    def shipped_image(self) -> str:
        """The image the workload runs: ``rollback_to`` when rolling back, else ``image``."""
        return self.rollback_to or self.image

    @property
    def drains(self) -> bool:
        """Whether a release drains the service's queue before replacing its workers."""
        return (
            self.autoscaling is not None
            and self.autoscaling.queue is not None
            and self.autoscaling.queue.drain is not None
        )

    @property
    def min_replicas(self) -> int:
        return _least_pods(self.replicas, self.autoscaling)


def _least_pods(replicas: int, autoscaling: AutoscalingSpec | None) -> int:
    """The pods a service runs at least: ``autoscaling.minReplicas`` when it scales, else ``replicas``."""
    return autoscaling.min_replicas if autoscaling is not None else replicas


def _services(services: dict[str, AppSpec]) -> dict[str, AppSpec]:
    for name, spec in services.items():
        unknown = [a for a in spec.after if a not in services]
        if unknown:
            raise ValueError(f"{name}.after names unknown service(s): {', '.join(unknown)}")
        if name in spec.after:
            raise ValueError(f"{name}.after names itself")
    rollout_waves(services)  # raises on a cycle
    _routes_distinct(services)
    return services


def _routes_distinct(services: dict[str, AppSpec]) -> None:
    """No two services route the same host and path on one load balancer (the Ingresses of a scheme share
    one ALB through their group): the ALB would send every such request to one of them, silently."""
    routes: dict[tuple[Scheme, str, str], str] = {}
    for name, spec in services.items():
        if spec.ingress is None:
            continue
        ingress = spec.ingress
        route = (ingress.scheme, ingress.host, _prefix(ingress.path))
        if route in routes:
            raise ValueError(
                f"{name}.ingress routes {ingress.host}{ingress.path} ({ingress.scheme.value}) as"
                f" {routes[route]}.ingress does: their load balancer would send every such request to one of"
                " them; give one of them another host or path"
            )
        routes[route] = name


Services = Annotated[dict[ServiceName, AppSpec], AfterValidator(_services)]


def rollout_waves(services: dict[str, AppSpec]) -> list[list[str]]:
    """Services grouped into waves: each wave rolls out after every service it names in ``after``.

    Raises:
        ValueError: the ``after`` relations form a cycle.
    """
    done: set[str] = set()
    waves: list[list[str]] = []
    while len(done) < len(services):
        wave = sorted(n for n, s in services.items() if n not in done and set(s.after) <= done)
        if not wave:
            stuck = sorted(set(services) - done)
            raise ValueError(f"services wait for each other in a cycle: {', '.join(stuck)}")
        waves.append(wave)
        done.update(wave)
    return waves


class GatesSpec(Spec):
    """Thresholds of the Prometheus gates (``AnalysisTemplate``s), defaulting to the deployment guide's.

    Attributes:
        max_error_rate: a measurement passes below this 5xx ratio. Defaults to 0.02.
        abort_error_rate: at or above this ratio the rollout aborts at once; between the two the
            analysis is inconclusive and the rollout pauses for a person. Defaults to 0.05.
        max_p95_latency_seconds: p95 request latency a measurement must stay under. Defaults to 1.0.
        min_job_success_rate: share of jobs that must succeed. Defaults to 0.95.
        window: the range each query looks back over. Defaults to ``5m``.
        interval: between measurements. Defaults to ``1m``.
        count: measurements per analysis run. Defaults to 5.
        latency_failure_limit: failed latency measurements tolerated before aborting. Defaults to 1.
        requests_metric: counter of HTTP requests with ``service`` and ``code`` labels.
            Defaults to ``http_requests_total``.
        latency_metric: histogram of request durations (seconds). Defaults to
            ``http_request_duration_seconds``.
        jobs_metric: counter of finished jobs with ``service`` and ``status`` labels. Defaults to
            ``jobs_processed_total``.
    """

    max_error_rate: float = Field(default=0.02, gt=0, lt=1)
    abort_error_rate: float = Field(default=0.05, gt=0, lt=1)
    max_p95_latency_seconds: float = Field(default=1.0, gt=0)
    min_job_success_rate: float = Field(default=0.95, gt=0, le=1)
    window: Duration = "5m"
    interval: Duration = "1m"
    count: int = Field(default=5, ge=1, le=100)
    latency_failure_limit: int = Field(default=1, ge=0)
    requests_metric: str = Field(default="http_requests_total", pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    latency_metric: str = Field(
        default="http_request_duration_seconds", pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
    )
    jobs_metric: str = Field(default="jobs_processed_total", pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

    @field_validator("max_p95_latency_seconds")
    @classmethod
    def _honoured_latency(cls, value: float) -> float:
        if value > ALB_IDLE_TIMEOUT_SECONDS:
            raise ValueError(
                f"must be at most {ALB_IDLE_TIMEOUT_SECONDS} seconds: the load balancer cuts a request off at its"
                f" idle timeout ({ALB_IDLE_TIMEOUT_SECONDS} s), so a slower p95 is never measured and the gate"
                " could never fail (the unit is seconds: 0.5 is 500 ms)"
            )
        return value

    @field_validator("window")
    @classmethod
    def _two_scrapes(cls, value: str) -> str:
        if duration_seconds(value) < 2 * SCRAPE_INTERVAL_SECONDS:
            raise ValueError(
                f"must cover at least two scrapes ({2 * SCRAPE_INTERVAL_SECONDS}s: Prometheus scrapes every"
                f" {SCRAPE_INTERVAL_SECONDS}s and rate() needs two samples), or every query answers nothing"
            )
        return value

    @field_validator("interval")
    @classmethod
    def _one_scrape(cls, value: str) -> str:
        if duration_seconds(value) < SCRAPE_INTERVAL_SECONDS:
            raise ValueError(
                f"must be at least one scrape ({SCRAPE_INTERVAL_SECONDS}s): measurements closer together read"
                " the same samples"
            )
        return value

    @model_validator(mode="after")
    def _ordered(self) -> GatesSpec:
        if self.abort_error_rate < self.max_error_rate:
            raise KeyedError(
                "abortErrorRate",
                f"is below maxErrorRate ({self.max_error_rate}); the abort threshold must be the higher one",
                self.abort_error_rate,
            )
        return self


DEFAULT_INGRESS_GROUP = "product"
"""The ALB group of the product's public ingresses; the platform's load-balancer alarms look it up."""


class DeliverySpec(Spec):
    """How services are delivered in this environment.

    Attributes:
        gates: see :class:`GatesSpec`.
        rollout_timeout_seconds: how long ``pulumi up`` waits for a rollout to become healthy before it
            fails (includes a person's promotion where promotion is manual). Defaults to 900.
        ingress_group: ALB group: the product's ingresses share one load balancer per scheme.
            Defaults to ``product``.
        ssl_policy: the ALB's TLS policy. Defaults to TLS 1.3/1.2 only.
        secret_refresh: how often External Secrets re-reads Secrets Manager. Defaults to ``1h``.
        release_budget_minutes: the longest release a prod strategy may imply (``python -m tools
            timing``): ``pulumi up`` to Healthy, migration deadline, surge rounds, canary pauses and
            analyses, blue/green pre-promotion analysis; a person's promote is not counted. Defaults to 10.
    """

    gates: GatesSpec = GatesSpec()
    rollout_timeout_seconds: int = Field(default=900, ge=60, le=7200)
    ingress_group: ServiceName = DEFAULT_INGRESS_GROUP
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"

    @field_validator("ssl_policy")
    @classmethod
    def _ssl_policy(cls, value: str) -> str:
        problem = ssl_policy_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    secret_refresh: Duration = "1h"
    release_budget_minutes: int = Field(default=10, ge=1, le=120)
