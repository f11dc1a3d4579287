"""Pure rendering: an :class:`AppSpec` becomes the Kubernetes manifests that ship it.

Nothing here touches Pulumi; a value only known at deploy time (the Redis address) passes through as
an opaque input. :func:`render_app` groups every object of one service around its
workload, in the order they must exist; the component creates them with ``pulumi_kubernetes``.

Names inside the namespace (``<svc>``, ``<svc>-canary``, ``<svc>-preview``, ``<svc>-secrets``) are a
contract between the objects: the Rollout names its Services and Ingress, the HPA names its target.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.apps import drain as draining
from components.apps import gates as gate_templates
from components.apps.image import parse_image
from components.apps.spec import (
    SCRAPE_INTERVAL_SECONDS,
    AppSpec,
    BlueGreenSpec,
    CanarySpec,
    CanaryStep,
    DeliverySpec,
    MigrationSpec,
    RollingSpec,
    Scheme,
    Strategy,
)
from components.security.secrets import secret_name

ROLLOUT_API = "argoproj.io/v1alpha1"
EXTERNAL_SECRET_API = "external-secrets.io/v1"
KEDA_API = "keda.sh/v1alpha1"
MONITORING_API = "monitoring.coreos.com/v1"
SCRAPE_INTERVAL = f"{SCRAPE_INTERVAL_SECONDS}s"
PART_OF = "product"
WAIT_HEALTHY = "jsonpath={.status.phase}=Healthy"  # Argo Rollouts' own phase; Paused/Degraded time out
# A blue/green release promoted by hand: `up` ends once the new version is up and paused for promotion
# (or Healthy, as on a first deploy, which promotes at once); the promote workflow then promotes and waits
# for Healthy. pulumi-kubernetes parses waitFor JSONPath with RFC 9535 (github.com/theory/jsonpath;
# provider/pkg/jsonpath/jsonpath.go): a filter over `status`'s members selects `phase` when its value is one
# of the two, and a match without `=value` succeeds when the selection is not empty. Argo's other `status`
# strings (message, hashes) never equal these words: its pause message is the reason, "BlueGreenPause".
WAIT_HEALTHY_OR_AWAITING_PROMOTION = "jsonpath={.status[?@ == 'Healthy' || @ == 'Paused']}"
WAIT_READY = "condition=Ready"
SERVICE_PORT = 80
ROLLBACK_WINDOW_REVISIONS = 3
REVISION_HISTORY = 5
STARTUP_PERIOD_SECONDS = 5
TMP_SIZE = "64Mi"


@dataclass(frozen=True)
class Target:
    """Where and how a service is delivered.

    Attributes:
        environment: the environment (``dev``...), the middle part of secret names.
        namespace: the product namespace (the platform's ``ProductNamespace``).
        delivery: the environment's delivery settings.
        secret_store: the ``ClusterSecretStore`` ExternalSecrets read through (the platform's add-ons).
        prometheus_url: where the gates query (the platform's kube-prometheus-stack).
        ingress_class: the load balancer controller's IngressClass.
        redis_address: ``host:port`` of the Redis queue workers scale on (an input).
        shared_env: non-secret values known only at deploy time (data store endpoints), given to every
            container as environment variables (inputs). Defaults to none.
        web_acl_arn: the platform's regional WAF web ACL (an input), attached to internet-facing ALBs.
            Defaults to none (no WAF annotation).
        access_log_bucket: the platform's ALB access-log bucket (an input); every ALB logs to it under its
            IngressGroup's name. Defaults to none (no access-log annotation).
        certificate_arn: the platform's validated ACM certificate for the ingress hosts (an input), named
            on every Ingress's HTTPS listener. Defaults to none (the controller then looks a certificate
            up by host).
    """

    environment: str
    namespace: str
    delivery: DeliverySpec
    secret_store: str
    prometheus_url: str
    ingress_class: str
    redis_address: Any = None
    shared_env: Mapping[str, Any] = field(default_factory=dict)
    web_acl_arn: Any = None
    access_log_bucket: Any = None
    certificate_arn: Any = None


def labels(name: str) -> dict[str, str]:
    """The selector labels of a service's pods (stable across versions)."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": PART_OF}


def _meta(
    name: str, target: Target, annotations: dict[str, str] | None = None, app: str | None = None
) -> dict[str, Any]:
    """Object metadata; ``app`` is the service the object belongs to (defaults to ``name``)."""
    meta: dict[str, Any] = {
        "name": name,
        "namespace": target.namespace,
        "labels": {**labels(app or name), "app.kubernetes.io/managed-by": "pulumi"},
    }
    if annotations:
        meta["annotations"] = annotations
    return meta


def secrets_name(name: str) -> str:
    """The Kubernetes Secret that External Secrets fills for service ``name``."""
    return f"{name}-secrets"


def uses_rollout(spec: AppSpec) -> bool:
    """A Deployment for a rolling service, an Argo Rollout otherwise (and for a draining worker)."""
    return spec.strategy.type != Strategy.ROLLING or spec.drains


def service_account(name: str, target: Target, app: str | None = None) -> dict[str, Any]:
    """A dedicated ServiceAccount (no Kubernetes API token automounted): the identity the platform's EKS
    Pod Identity association for ``<namespace>/<name>`` gives an IAM role of its own."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(name, target, app=app),
        "automountServiceAccountToken": False,
    }


def migration_identity(name: str) -> str:
    """The ServiceAccount (and so the AWS identity) a service's migration Job runs as."""
    return f"{name}-migrate"


def external_secret(name: str, spec: AppSpec, target: Target, secret: str | None = None) -> dict[str, Any]:
    """An ``ExternalSecret`` copying the service's secret references from Secrets Manager.

    Pulumi waits until it is ``Ready`` so that pods never start against a missing Secret.
    """
    secret = secret or secrets_name(name)
    data = []
    for ref in spec.secrets:
        remote: dict[str, str] = {"key": secret_name(target.environment, ref.secret)}
        if ref.property:
            remote["property"] = ref.property
        data.append({"secretKey": ref.env, "remoteRef": remote})
    return {
        "apiVersion": EXTERNAL_SECRET_API,
        "kind": "ExternalSecret",
        "metadata": _meta(
            secret, target, {"pulumi.com/waitFor": WAIT_READY, "pulumi.com/timeoutSeconds": "300"}, app=name
        ),
        "spec": {
            "refreshInterval": target.delivery.secret_refresh,
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": target.secret_store},
            "target": {"name": secret, "creationPolicy": "Owner"},
            "data": data,
        },
    }


def _env(spec: AppSpec, secret: str, shared: Mapping[str, Any]) -> list[dict[str, Any]]:
    values = {**shared, **spec.env}  # a service's own value wins over the shared one
    plain = [{"name": k, "value": values[k]} for k in sorted(values)]
    secret_env = [
        {"name": ref.env, "valueFrom": {"secretKeyRef": {"name": secret, "key": ref.env}}}
        for ref in spec.secrets
    ]
    return plain + secret_env


def _hardened(spec: AppSpec) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _pod_security(spec: AppSpec) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": spec.run_as_user,
        "runAsGroup": spec.run_as_user,
        "fsGroup": spec.run_as_user,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _resources(spec: AppSpec) -> dict[str, Any]:
    r = spec.resources
    return {
        "requests": {"cpu": r.cpu, "memory": r.memory},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def _probe(path: str, period: int, timeout: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def pod_template(name: str, spec: AppSpec, target: Target, hash_label: str) -> dict[str, Any]:
    """The hardened pod template shared by the three strategies.

    ``hash_label`` is the label the controller adds per version (``pod-template-hash`` for a
    Deployment, ``rollouts-pod-template-hash`` for a Rollout); zone spreading counts each version
    apart so that a new version is spread too.
    """
    p = spec.probes
    container: dict[str, Any] = {
        "name": name,
        "image": spec.shipped_image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "env": _env(spec, secrets_name(name), target.shared_env),
        "resources": _resources(spec),
        "startupProbe": _probe(
            p.liveness_path,
            STARTUP_PERIOD_SECONDS,
            p.timeout_seconds,
            math.ceil(p.startup_seconds / STARTUP_PERIOD_SECONDS),
        ),
        "livenessProbe": _probe(p.liveness_path, p.period_seconds, p.timeout_seconds, p.failure_threshold),
        "readinessProbe": _probe(p.readiness_path, p.period_seconds, p.timeout_seconds, p.failure_threshold),
        "securityContext": _hardened(spec),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if spec.command:
        container["command"] = list(spec.command)
    if spec.args:
        container["args"] = list(spec.args)
    if spec.drain_seconds:
        # The kubelet's own sleep action: no shell needed in the image (distroless-friendly).
        container["lifecycle"] = {"preStop": {"sleep": {"seconds": spec.drain_seconds}}}
    return {
        "metadata": {
            "labels": {**labels(name), "app.kubernetes.io/version": parse_image(spec.shipped_image).tag}
        },
        "spec": {
            "serviceAccountName": name,
            "automountServiceAccountToken": spec.service_account_token,
            "terminationGracePeriodSeconds": spec.termination_grace_period_seconds,
            "securityContext": _pod_security(spec),
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": labels(name)},
                    "matchLabelKeys": [hash_label],
                },
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": labels(name)},
                    "matchLabelKeys": [hash_label],
                },
            ],
            "containers": [container],
            "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE}}],
        },
    }


def _wait_annotations(target: Target, wait_for: str | None = None) -> dict[str, str]:
    annotations = {"pulumi.com/timeoutSeconds": str(target.delivery.rollout_timeout_seconds)}
    if wait_for:
        annotations["pulumi.com/waitFor"] = wait_for
    return annotations


def deployment(name: str, spec: AppSpec, target: Target) -> dict[str, Any]:
    """A rolling-update ``Deployment``; Pulumi awaits its rollout natively (progress deadline)."""
    assert isinstance(spec.strategy, RollingSpec)
    s = spec.strategy
    body: dict[str, Any] = {
        "revisionHistoryLimit": REVISION_HISTORY,
        "selector": {"matchLabels": labels(name)},
        "minReadySeconds": s.min_ready_seconds,
        "progressDeadlineSeconds": s.progress_deadline_seconds,
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": s.max_surge, "maxUnavailable": s.max_unavailable},
        },
        "template": pod_template(name, spec, target, "pod-template-hash"),
    }
    if spec.autoscaling is None:  # otherwise the autoscaler owns replicas; Pulumi must not fight it
        body = {"replicas": spec.replicas, **body}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, target, _wait_annotations(target)),
        "spec": body,
    }


def _blue_green(name: str, spec: AppSpec, s: BlueGreenSpec) -> dict[str, Any]:
    rolling_back = spec.rollback_to is not None
    body: dict[str, Any] = {
        "activeService": name,
        "previewService": f"{name}-preview",
        # A rollback pins a version already proven in production: switch at once, no analysis.
        "autoPromotionEnabled": True if rolling_back else s.auto_promotion_enabled,
        "scaleDownDelaySeconds": s.scale_down_delay_seconds,
    }
    if s.pre_promotion_gates and not rolling_back:
        body["prePromotionAnalysis"] = gate_templates.analysis_ref(s.pre_promotion_gates, f"{name}-preview")
    return {"blueGreen": body}


def _step(step: CanaryStep, canary_service: str) -> dict[str, Any]:
    if step.set_weight is not None:
        return {"setWeight": step.set_weight}
    if step.pause is not None:
        return {"pause": {} if step.pause == "indefinite" else {"duration": step.pause}}
    assert step.analysis is not None
    return {"analysis": gate_templates.analysis_ref(step.analysis, canary_service)}


def _canary(name: str, spec: AppSpec, s: CanarySpec) -> dict[str, Any]:
    rolling_back = spec.rollback_to is not None
    canary_service = f"{name}-canary"
    alb: dict[str, Any] = {"ingress": name, "servicePort": SERVICE_PORT}
    if spec.ingress and spec.ingress.sticky_seconds:
        alb["stickinessConfig"] = {"enabled": True, "durationSeconds": spec.ingress.sticky_seconds}
    body: dict[str, Any] = {
        "stableService": name,
        "canaryService": canary_service,
        "maxSurge": s.max_surge,
        "maxUnavailable": 0,
        "trafficRouting": {"alb": alb},
        # A rollback pins a known-good version: no steps, straight to 100%.
        "steps": [] if rolling_back else [_step(step, canary_service) for step in s.steps],
    }
    if s.background_gates and not rolling_back:
        body["analysis"] = {
            **gate_templates.analysis_ref(s.background_gates, canary_service),
            "startingStep": 1,
        }
    return {"canary": body}


def rollout(name: str, spec: AppSpec, target: Target) -> dict[str, Any]:
    """An Argo ``Rollout`` (blue/green, canary, or a draining worker's drain-then-replace canary:
    :mod:`components.apps.drain`). Pulumi waits for ``status.phase == Healthy``:
    an aborted or stuck rollout fails ``pulumi up`` after ``rolloutTimeoutSeconds``. A blue/green
    rollout promoted by hand also ends ``up`` when it is paused for promotion (see
    :data:`WAIT_HEALTHY_OR_AWAITING_PROMOTION`); its promotion is the ``promote`` workflow."""
    s = spec.strategy
    annotations = _wait_annotations(target, WAIT_HEALTHY)
    if isinstance(s, RollingSpec):
        assert spec.autoscaling is not None
        assert spec.autoscaling.queue is not None
        drain = spec.autoscaling.queue.drain
        assert drain is not None
        # A draining worker: no traffic routing, so the weight is a replica count and the drain step
        # runs before any new pod exists. A rollback ships at once, without the drain.
        strategy: dict[str, Any] = {
            "canary": {
                "maxSurge": s.max_surge,
                "maxUnavailable": s.max_unavailable,
                "steps": [] if spec.rollback_to is not None else draining.canary_steps(name),
            }
        }
        annotations |= draining.hold_annotations(name, drain, name, target.delivery.rollout_timeout_seconds)
    else:
        strategy = _blue_green(name, spec, s) if isinstance(s, BlueGreenSpec) else _canary(name, spec, s)
        annotations = _wait_annotations(target, rollout_wait(s))
    body: dict[str, Any] = {
        "revisionHistoryLimit": REVISION_HISTORY,
        "selector": {"matchLabels": labels(name)},
        "minReadySeconds": s.min_ready_seconds,
        "progressDeadlineSeconds": s.progress_deadline_seconds,
        "progressDeadlineAbort": True,
        "rollbackWindow": {"revisions": ROLLBACK_WINDOW_REVISIONS},
        "template": pod_template(name, spec, target, "rollouts-pod-template-hash"),
        "strategy": strategy,
    }
    if spec.autoscaling is None:
        body = {"replicas": spec.replicas, **body}
    return {
        "apiVersion": ROLLOUT_API,
        "kind": "Rollout",
        "metadata": _meta(name, target, annotations),
        "spec": body,
    }


def awaits_manual_promotion(strategy: Strategy | Any) -> bool:
    """Whether a release of this strategy stops for a person's ``promote`` (blue/green, no auto-promotion)."""
    return isinstance(strategy, BlueGreenSpec) and not strategy.auto_promotion_enabled


def rollout_wait(strategy: BlueGreenSpec | CanarySpec) -> str:
    """What ``pulumi up`` waits for on a Rollout of ``strategy``."""
    return WAIT_HEALTHY_OR_AWAITING_PROMOTION if awaits_manual_promotion(strategy) else WAIT_HEALTHY


def services(name: str, spec: AppSpec, target: Target) -> list[dict[str, Any]]:
    """ClusterIP Services: ``<svc>`` always; ``<svc>-canary`` or ``<svc>-preview`` for Rollouts (the
    Rollout adds the version hash to their selectors)."""
    if not spec.service:
        return []
    extra = {Strategy.CANARY: ["canary"], Strategy.BLUE_GREEN: ["preview"]}.get(spec.strategy.type, [])
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(service_name, target, app=name),
            "spec": {
                "type": "ClusterIP",
                "selector": labels(name),
                "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": "http", "protocol": "TCP"}],
            },
        }
        for service_name in [name, *(f"{name}-{suffix}" for suffix in extra)]
    ]


def service_monitor(name: str, spec: AppSpec, target: Target) -> dict[str, Any] | None:
    """A ``ServiceMonitor`` scraping ``metricsPath`` on the named port ``http`` of every Service of the
    service: ``<svc>`` and, during a rollout, ``<svc>-canary`` or ``<svc>-preview`` (they share the
    service's labels). The Prometheus operator labels each target with ``namespace`` and ``service``
    (the Kubernetes Service it was found through), the labels the gates and the alerts select on; the
    canary's pods are therefore measured apart, as ``service="<svc>-canary"``. kube-prometheus-stack
    selects ServiceMonitors of every namespace and release (``serviceMonitorSelectorNilUsesHelmValues:
    false``, ``components/cluster/charts.py``). None for a service without a Service (a worker)."""
    if not spec.service:
        return None
    return {
        "apiVersion": MONITORING_API,
        "kind": "ServiceMonitor",
        "metadata": _meta(name, target),
        "spec": {
            "selector": {"matchLabels": labels(name)},
            "namespaceSelector": {"matchNames": [target.namespace]},
            "endpoints": [{"port": "http", "path": spec.metrics_path, "interval": SCRAPE_INTERVAL}],
        },
    }


def ingress(name: str, spec: AppSpec, target: Target) -> dict[str, Any] | None:
    """An ALB ``Ingress``. Canary services point the rule at ``use-annotation``: Argo Rollouts writes the
    weighted forward action (``alb.ingress.kubernetes.io/actions.<svc>``) during a rollout."""
    ing = spec.ingress
    if ing is None:
        return None
    d = target.delivery
    group = d.ingress_group if ing.scheme == Scheme.INTERNET_FACING else f"{d.ingress_group}-internal"
    tg_attributes = [f"deregistration_delay.timeout_seconds={spec.drain_seconds}"]
    if ing.sticky_seconds:
        tg_attributes += [
            "stickiness.enabled=true",
            "stickiness.type=lb_cookie",
            f"stickiness.lb_cookie.duration_seconds={ing.sticky_seconds}",
        ]
    annotations = {
        "alb.ingress.kubernetes.io/scheme": ing.scheme.value,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/group.name": group,
        "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/ssl-policy": d.ssl_policy,
        "alb.ingress.kubernetes.io/healthcheck-path": spec.probes.readiness_path,
        "alb.ingress.kubernetes.io/target-group-attributes": ",".join(tg_attributes),
        "pulumi.com/timeoutSeconds": str(d.rollout_timeout_seconds),  # awaited beside the rollout
        **_edge_annotations(target, group, ing.scheme == Scheme.INTERNET_FACING),
    }
    if target.certificate_arn is not None:
        annotations["alb.ingress.kubernetes.io/certificate-arn"] = target.certificate_arn
    port = {"name": "use-annotation"} if spec.strategy.type == Strategy.CANARY else {"number": SERVICE_PORT}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(name, target, annotations),
        "spec": {
            "ingressClassName": target.ingress_class,
            "rules": [
                {
                    "host": ing.host,
                    "http": {
                        "paths": [
                            {
                                "path": ing.path,
                                "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": port}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def _edge_annotations(target: Target, group: str, internet_facing: bool) -> dict[str, Any]:
    """WAF and access logs for the ALB of ``group`` (controller v2.14.0 annotations, both *Exclusive*:
    every Ingress of the group renders the same values)."""
    annotations: dict[str, Any] = {}
    if internet_facing and target.web_acl_arn is not None:
        annotations["alb.ingress.kubernetes.io/wafv2-acl-arn"] = target.web_acl_arn
    bucket = target.access_log_bucket
    if bucket is not None:

        def attributes(name: str) -> str:
            return f"access_logs.s3.enabled=true,access_logs.s3.bucket={name},access_logs.s3.prefix={group}"

        # A deploy-time input (the platform's output) is rendered through its own ``apply``.
        value = attributes(bucket) if isinstance(bucket, str) else bucket.apply(attributes)
        annotations["alb.ingress.kubernetes.io/load-balancer-attributes"] = value
    return annotations


def _scale_target(name: str, spec: AppSpec) -> dict[str, str]:
    if uses_rollout(spec):
        return {"apiVersion": ROLLOUT_API, "kind": "Rollout", "name": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}


def autoscalers(name: str, spec: AppSpec, target: Target) -> list[dict[str, Any]]:
    """An HPA on CPU, or for queue workers a KEDA ``ScaledObject`` on the queue's length (the workers'
    gauge in Prometheus: the cache admits only IAM users, which KEDA's redis scaler cannot be) and CPU."""
    a = spec.autoscaling
    if a is None:
        return []
    if a.queue is None:
        return [
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": _meta(name, target),
                "spec": {
                    "scaleTargetRef": _scale_target(name, spec),
                    "minReplicas": a.min_replicas,
                    "maxReplicas": a.max_replicas,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": a.cpu_utilization},
                            },
                        }
                    ],
                },
            }
        ]
    q = a.queue
    return [
        {
            "apiVersion": KEDA_API,
            "kind": "ScaledObject",
            "metadata": _meta(
                name, target, {"pulumi.com/waitFor": WAIT_READY, "pulumi.com/timeoutSeconds": "300"}
            ),
            "spec": {
                "scaleTargetRef": _scale_target(name, spec),
                "minReplicaCount": a.min_replicas,
                "maxReplicaCount": a.max_replicas,
                "triggers": [
                    {
                        "type": "prometheus",
                        "metadata": {
                            "serverAddress": target.prometheus_url,
                            "query": f'sum({q.metric}{{queue="{q.list_name}"}})',
                            "threshold": str(q.list_length),
                        },
                    },
                    {
                        "type": "cpu",
                        "metricType": "Utilization",
                        "metadata": {"value": str(a.cpu_utilization)},
                    },
                ],
            },
        },
    ]


def disruption_budget(name: str, spec: AppSpec, target: Target) -> dict[str, Any] | None:
    """A ``PodDisruptionBudget`` when more than one pod runs (with one pod it would block node drains)."""
    if spec.min_replicas <= 1:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(name, target),
        "spec": {
            "maxUnavailable": spec.disruption_budget.max_unavailable,
            "selector": {"matchLabels": labels(name)},
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }


def migration_job(name: str, spec: AppSpec, migration: MigrationSpec, target: Target) -> dict[str, Any]:
    """The migration ``Job``: the service's ``image`` (never ``rollbackTo``: migrations only go forward),
    no retries, killed at ``timeoutSeconds``. Pulumi waits for it to complete and fails the deploy
    otherwise. It has no ``metadata.name``: Pulumi names it, so a new image replaces it create-first."""
    template = pod_template(name, spec.model_copy(update={"rollback_to": None}), target, "controller-uid")
    pod = template["spec"]
    container = pod["containers"][0]
    container["name"] = "migrate"
    container["command"] = list(migration.command)
    container["env"] = _env(spec, f"{name}-migrate-secrets", target.shared_env)
    container.pop("args", None)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe", "lifecycle"):
        container.pop(probe, None)  # a run-to-completion container has nothing to probe or drain
    container.pop("ports")
    pod.pop("topologySpreadConstraints")
    # Its own identity (database migrations as the `<svc>_migrate` database user): the service's
    # ServiceAccount may not exist yet when the Job runs.
    pod["serviceAccountName"] = migration_identity(name)
    pod["restartPolicy"] = "Never"
    pod["terminationGracePeriodSeconds"] = 30
    meta = _meta(
        f"{name}-migrate",
        target,
        {"pulumi.com/timeoutSeconds": str(migration.timeout_seconds + 60)},
        app=name,
    )
    meta.pop("name")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta,
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": migration.timeout_seconds,
            "template": {"metadata": {"labels": labels(f"{name}-migrate")}, "spec": pod},
        },
    }


def render_migration(name: str, spec: AppSpec, target: Target) -> list[dict[str, Any]]:
    """The migration's ServiceAccount, its own ``ExternalSecret`` and its ``Job``, in order (empty without
    a migration)."""
    if spec.migration is None:
        return []
    manifests = [service_account(migration_identity(name), target, app=name)]
    if spec.secrets:
        manifests.append(external_secret(name, spec, target, f"{name}-migrate-secrets"))
    manifests.append(migration_job(name, spec, spec.migration, target))
    return manifests


def workload(name: str, spec: AppSpec, target: Target) -> dict[str, Any]:
    return rollout(name, spec, target) if uses_rollout(spec) else deployment(name, spec, target)


@dataclass(frozen=True)
class AppManifests:
    """One service's objects, grouped by how they are ordered around the workload.

    Attributes:
        prerequisites: the workload waits for these: its ServiceAccount, its ExternalSecret (pods must
            not start against a missing Secret) and, for a canary, its Ingress (Argo writes the ALB
            action into it; that Ingress skips Pulumi's await, which would otherwise wait for an ALB the
            controller cannot build before the Rollout exists).
        workload: the Deployment or Rollout; Pulumi waits for it to become healthy.
        companions: created beside the workload, not before it: Services (Argo owns their selectors;
            Pulumi's endpoint await is skipped, the workload's await is the health signal), the
            ServiceMonitor that scrapes them, and a non-canary Ingress (its await needs ready pods).
        dependents: refer to the workload: the autoscaler and the disruption budget.
    """

    prerequisites: list[dict[str, Any]]
    workload: dict[str, Any]
    companions: list[dict[str, Any]]
    dependents: list[dict[str, Any]]

    @property
    def objects(self) -> list[dict[str, Any]]:
        """Every object, in creation order."""
        return [*self.prerequisites, self.workload, *self.companions, *self.dependents]


SKIP_AWAIT = {"pulumi.com/skipAwait": "true"}


def _skip_await(manifest: dict[str, Any]) -> dict[str, Any]:
    meta = manifest["metadata"]
    return {**manifest, "metadata": {**meta, "annotations": {**meta.get("annotations", {}), **SKIP_AWAIT}}}


def render_app(name: str, spec: AppSpec, target: Target) -> AppManifests:
    """Every object of one service, grouped around its workload (see :class:`AppManifests`)."""
    prerequisites: list[dict[str, Any]] = [service_account(name, target)]
    if spec.secrets:
        prerequisites.append(external_secret(name, spec, target))
    companions = [_skip_await(service) for service in services(name, spec, target)]
    monitor = service_monitor(name, spec, target)
    if monitor is not None:
        companions.append(monitor)
    exposed = ingress(name, spec, target)
    if exposed is not None and spec.strategy.type == Strategy.CANARY:
        prerequisites.append(_skip_await(exposed))
    elif exposed is not None:
        companions.append(exposed)
    dependents = autoscalers(name, spec, target)
    budget = disruption_budget(name, spec, target)
    if budget is not None:
        dependents.append(budget)
    return AppManifests(prerequisites, workload(name, spec, target), companions, dependents)
