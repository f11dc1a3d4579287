"""``services:apps`` and ``services:delivery`` as the services stack files say them, and every invalid path's
message (through ``settings.config.parse_services``, exactly as a preview loads them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.apps.spec import BlueGreenSpec, CanarySpec, Gate, RollingSpec, Strategy, rollout_waves
from settings.config import ConfigError, ServicesSettings
from tests.components.apps.support import services_raw, services_settings
from tests.conftest import STACKS

SIX = {"gateway", "worker-convert", "worker-export", "realtime", "web", "mcp"}


def raw(stack: str) -> dict[str, Any]:
    return services_raw(stack)


def parsed(stack: str, edit=None) -> ServicesSettings:
    return services_settings(stack, edit)


def problems(stack: str, edit) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parsed(stack, edit)
    return caught.value.problems


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_declares_the_six_services(stack):
    assert set(parsed(stack).config.apps) == SIX


def test_dev_ships_everything_rolling_on_one_replica():
    services = parsed("dev").config.apps
    assert {s.strategy.type for s in services.values()} == {Strategy.ROLLING}
    assert {s.min_replicas for s in services.values()} == {1}


def test_prod_strategies_follow_the_deployment_guide():
    services = parsed("prod").config.apps
    gateway, web, realtime = services["gateway"], services["web"], services["realtime"]
    assert isinstance(gateway.strategy, CanarySpec)
    assert [s.set_weight for s in gateway.strategy.steps if s.set_weight] == [10, 50, 100]
    assert isinstance(web.strategy, BlueGreenSpec)
    assert web.strategy.auto_promotion_enabled is False
    for worker in ("worker-convert", "worker-export"):
        spec = services[worker]
        assert isinstance(spec.strategy, RollingSpec)
        assert spec.autoscaling is not None
        assert spec.autoscaling.queue is not None
    assert isinstance(realtime.strategy, RollingSpec)
    assert realtime.drain_seconds == 60
    assert realtime.ingress is not None
    assert realtime.ingress.sticky_seconds > 0


def test_staging_uses_prods_strategies_at_smaller_scale():
    staging, prod = parsed("staging").config.apps, parsed("prod").config.apps
    for name in SIX:
        assert staging[name].strategy.type == prod[name].strategy.type
        assert staging[name].autoscaling.max_replicas <= prod[name].autoscaling.max_replicas


@pytest.mark.parametrize("stack", STACKS)
def test_rollout_order_is_migrations_then_api_and_web_then_mcp(stack):
    services = parsed(stack).config.apps
    waves = rollout_waves(services)
    assert waves[-1] == ["mcp"]
    assert {"gateway", "web"} <= set(waves[0])
    assert services["gateway"].migration is not None
    assert services["gateway"].migration.timeout_seconds <= 60


def test_delivery_gates_default_to_the_deployment_guide():
    gates = parsed("prod").config.delivery.gates
    assert (gates.max_error_rate, gates.abort_error_rate) == (0.02, 0.05)
    assert gates.min_job_success_rate == 0.95
    assert gates.max_p95_latency_seconds == 1.0
    # the timing: staging keeps the guide's (5 x 1 m over 5 m); prod measures 3 x 40 s over 2 m to
    # release within its 10-minute budget
    staging = parsed("staging").config.delivery.gates
    assert (staging.window, staging.interval, staging.count) == ("5m", "1m", 5)
    assert (gates.window, gates.interval, gates.count) == ("2m", "40s", 3)


def _set(path: str, value: Any):
    def edit(services: dict[str, Any]) -> None:
        node = services
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last)
        else:
            node[last] = value

    return edit


REG = "333333333333.dkr.ecr.ap-northeast-2.amazonaws.com/product"  # prod's own registry (platform:registry)

INVALID = [
    (
        "prod",
        "gateway.image",
        f"{REG}/gateway:latest",
        "services:apps.gateway.image: 'latest' is never deployed",
    ),
    ("prod", "gateway.image", f"{REG}/gateway", "services:apps.gateway.image: must be tagged"),
    ("prod", "web.image", f"{REG}/web:v1.4.2-rc.1", "services:apps.web.image: prod accepts only vX.Y.Z"),
    ("staging", "web.image", f"{REG}/web:v1.4.2", "services:apps.web.image: staging accepts only rc-"),
    ("dev", "mcp.image", f"{REG}/mcp:rc-2611220100", "services:apps.mcp.image: dev accepts only dev-"),
    (
        "prod",
        "gateway.rollbackTo",
        f"{REG}/gateway:v1.4.1-rc.2",
        "services:apps.gateway.rollbackTo: prod",
    ),
    ("prod", "gateway.rollbackTo", f"{REG}/gateway:v1.4.2@sha256:{'1' * 64}", "rollbackTo equals image"),
    (
        "prod",
        "web.strategy.autoPromotionEnabled",
        True,
        "services:apps.web.strategy.autoPromotionEnabled: prod",
    ),
    (
        "prod",
        "realtime.autoscaling.minReplicas",
        1,
        "services:apps.realtime.autoscaling.minReplicas: prod runs",
    ),
    ("prod", "mcp.colour", "blue", "services:apps.mcp.colour: unknown key (allowed here: after, args,"),
    ("prod", "mcp.after", ["gateway", "search"], "mcp.after names unknown service(s): search"),
    ("prod", "gateway.after", ["mcp"], "services wait for each other in a cycle: gateway, mcp"),
    ("prod", "web.after", ["web"], "web.after names itself"),
    (
        "prod",
        "mcp.ingress",
        {"host": "api.slidecraft.example.com", "path": "/"},
        "mcp.ingress routes api.slidecraft.example.com/ (internet-facing) as gateway.ingress does",
    ),
    ("prod", "web.env", {"DB_PASSWORD": "x"}, "env 'DB_PASSWORD' looks like a secret"),
    ("prod", "web.env", {"DB": "postgres://u:p@h/db"}, "env 'DB' looks like a secret"),
    ("prod", "realtime.drainSeconds", 90, "terminationGracePeriodSeconds (75) must exceed drainSeconds (90)"),
    ("prod", "web.resources", {"cpu": "2", "cpuLimit": "500m"}, "cpu request 2 is above cpuLimit 500m"),
    (
        "prod",
        "web.resources",
        {"memory": "1Gb"},
        "services:apps.web.resources.memory: must be a Kubernetes quantity",
    ),
    (
        "prod",
        "gateway.uses.secrets",
        ["openai-api-key"],
        "secrets read ['jwt-signing-key'] not listed in uses.secrets",
    ),
    (
        "prod",
        "worker-convert.autoscaling.queue.metric",
        "queue length",
        "autoscaling.queue.metric: String should match pattern",
    ),
    (
        "prod",
        "worker-convert.autoscaling.maxReplicas",
        0,
        "autoscaling.maxReplicas: Input should be greater than",
    ),
    ("prod", "worker-export.strategy", {"type": "canary"}, "strategy canary switches Services"),
    ("prod", "worker-export.strategy", {"type": "blueGreen"}, "strategy blueGreen switches Services"),
    ("prod", "worker-export.strategy", {"type": "rolling", "maxSurge": 0}, "cannot both be 0"),
    (
        "prod",
        "gateway.strategy.steps",
        [{"setWeight": 50}, {"setWeight": 20}],
        "setWeight steps must rise; got [50, 20]",
    ),
    ("prod", "gateway.strategy.steps", [{"setWeight": 10, "pause": "1m"}], "exactly one of setWeight, pause"),
    ("prod", "gateway.strategy.steps", [{"pause": "soon"}], "must be a duration such as 30s"),
    ("prod", "gateway.strategy.steps", [{"analysis": ["error-budget"]}], "Input should be 'error-rate'"),
    (
        "prod",
        "gateway.strategy",
        {"type": "canary", "steps": [{"setWeight": 100}], "backgroundGates": []},
        "services:apps.gateway.strategy: prod canaries must run at least one analysis gate",
    ),
    ("prod", "gateway.migration.timeoutSeconds", 5, "migration.timeoutSeconds: Input should be greater than"),
    (
        "prod",
        "gateway.secrets",
        [{"secret": "Bad_Name", "env": "X"}],
        "services:apps.gateway.secrets[0].secret",
    ),
    ("prod", "gateway.ingress.host", "not a host", "services:apps.gateway.ingress.host"),
    (
        "prod",
        "realtime.ingress",
        {"host": "rt.slidecraft.example.com", "path": "/api", "websocketPath": "/ws"},
        "services:apps.realtime.ingress.websocketPath: not under path /api",
    ),
    (
        "prod",
        "web.ingress",
        {"host": "app.slidecraft.example.com", "path": "/api/*"},
        "services:apps.web.ingress.path: must be a path prefix starting with '/', without wildcards",
    ),
    (
        "prod",
        "realtime.ingress",
        {"host": "rt.slidecraft.example.com", "path": "/api", "websocketPath": "/apiws"},
        "ingress.websocketPath: not under path /api",
    ),
    (
        "prod",
        "gateway.disruptionBudget",
        {"maxUnavailable": 100},
        "services:apps.gateway.disruptionBudget: maxUnavailable 100 lets one node drain evict all 3 pods",
    ),
]


@pytest.mark.parametrize(("stack", "path", "value", "message"), INVALID)
def test_invalid_service_settings_are_named_with_their_key(stack, path, value, message):
    found = problems(stack, _set(path, value))
    assert any(message in p for p in found), found


def test_a_canary_needs_an_ingress_to_shift():
    def edit(services):
        services["mcp"].pop("ingress")
        services["mcp"]["strategy"] = {"type": "canary"}

    assert any("canary shifts ALB traffic; it needs an ingress" in p for p in problems("prod", edit))


@pytest.mark.parametrize(
    ("ingress", "found"),
    [
        ({"host": "api.slidecraft.example.com", "path": "/mcp"}, False),  # another path of the host
        ({"host": "api.slidecraft.example.com", "scheme": "internal"}, False),  # another load balancer
        ({"host": "api.slidecraft.example.com", "path": "/"}, True),
        ({"host": "api.slidecraft.example.com", "scheme": "internet-facing"}, True),  # the default, spelled
    ],
)
def test_two_services_may_share_a_host_but_not_a_route_on_one_load_balancer(ingress, found):
    def edit(services):
        services["mcp"]["ingress"] = ingress

    if not found:
        assert parsed("prod", edit).config.apps["mcp"].ingress is not None
        return
    routed = [p for p in problems("prod", edit) if "as gateway.ingress does" in p]
    assert len(routed) == 1
    assert routed[0].startswith("services:apps: ")


@pytest.mark.parametrize(
    ("path", "websocket"),
    [("/", "/ws"), ("/api", "/api/ws"), ("/api/", "/api/ws"), ("/api", "/api")],
)
def test_a_websocket_path_under_the_ingress_path_is_accepted(path, websocket):
    def edit(services):
        services["realtime"]["ingress"] = {
            "host": "rt.slidecraft.example.com",
            "path": path,
            "websocketPath": websocket,
        }

    assert parsed("prod", edit).config.apps["realtime"].ingress.websocket_path == websocket


def test_a_disruption_budget_below_the_pods_it_guards_is_accepted():
    prod = parsed("prod").config.apps["gateway"]
    fewer = prod.min_replicas - 1

    def edit(services):
        services["gateway"]["disruptionBudget"] = {"maxUnavailable": fewer}

    assert parsed("prod", edit).config.apps["gateway"].disruption_budget.max_unavailable == fewer


def test_a_service_name_must_be_a_dns_label():
    def edit(services):
        services["Search_API"] = services["mcp"]

    assert any("service names must be DNS labels" in p for p in problems("prod", edit))


def test_every_tier_problem_is_reported_at_once():
    def edit(services):
        services["gateway"]["image"] = f"{REG}/gateway:v1.4.2-rc.1"
        services["web"]["strategy"]["autoPromotionEnabled"] = True

    assert len(problems("prod", edit)) == 2


def test_delivery_rejects_an_abort_threshold_below_the_pass_threshold():
    config = raw("prod")
    config["services:delivery"] = json.dumps({"gates": {"maxErrorRate": 0.05, "abortErrorRate": 0.02}})
    with pytest.raises(ConfigError) as caught:
        services_settings("prod", raw=config)
    assert any(
        p.startswith("services:delivery.gates.abortErrorRate: is below maxErrorRate (0.05)")
        and p.endswith("; got 0.02")
        for p in caught.value.problems
    )


def test_adding_a_service_is_a_stack_file_change():
    def edit(services):
        services["search"] = {
            "image": f"{REG}/search:v0.1.0@sha256:3333333333333333333333333333333333333333333333333333333333333333",
            "autoscaling": {"minReplicas": 2, "maxReplicas": 4},
            "ingress": {"host": "search.slidecraft.example.com"},
            "after": ["gateway"],
        }

    services = parsed("prod", edit).config.apps
    assert services["search"].strategy.type == Strategy.ROLLING
    waves = rollout_waves(services)
    assert "search" in waves[1]  # after gateway, which is in the first wave


def test_canary_gates_are_the_union_of_steps_and_background():
    gateway = parsed("prod").config.apps["gateway"]
    assert gateway.strategy.gates == (Gate.ERROR_RATE, Gate.LATENCY_P95)
