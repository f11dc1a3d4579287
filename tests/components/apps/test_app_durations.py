"""Release and rollback times from the strategies, the prod budget guardrail, and ``python -m tools timing``."""

from __future__ import annotations

import json

import pytest

from components.apps import durations
from components.apps.durations import ALB_REGISTRATION_SECONDS as ALB
from components.apps.durations import SERVICES_UP_SECONDS as UP
from components.apps.durations import Step, critical_path, service_timing
from components.apps.rules import ROLLBACK_BUDGET_SECONDS, budget_problems
from components.apps.spec import DeliverySpec
from components.core.tier import Tier
from tests.components.apps.support import app
from tools import cli
from tools import timing as infra_timing

DELIVERY = DeliverySpec.model_validate({"gates": {"interval": "1m", "count": 5}})
READY = durations.POD_START_SECONDS + 5 + 10  # start-up, one startup-probe period (5 s), one readiness period


def test_rolling_waits_one_round_per_surge_batch_at_the_autoscalers_floor():
    spec = app(
        autoscaling={"minReplicas": 3, "maxReplicas": 9}, strategy={"type": "rolling", "minReadySeconds": 30}
    )
    t = service_timing(spec, DELIVERY)
    assert t.release_seconds == UP + 3 * (READY + 30)
    assert t.rollback_seconds == t.release_seconds  # a Deployment rolls back the way it rolls forward
    wide = spec.model_copy(update={"strategy": spec.strategy.model_copy(update={"max_surge": 3})})
    assert service_timing(wide, DELIVERY).release_seconds == UP + (READY + 30)


def test_canary_adds_weights_pauses_analyses_and_the_migration_deadline():
    spec = app(
        ingress={"host": "api.example.com"},
        migration={"command": ["migrate"], "timeoutSeconds": 90},
        strategy={
            "type": "canary",
            "steps": [{"setWeight": 20}, {"pause": "1m"}, {"analysis": ["error-rate"]}, {"setWeight": 60}],
        },
    )
    t = service_timing(spec, DELIVERY)
    round_ = READY + 10 + ALB
    # two weights, one pause, one analysis (5 x 1 m), and the final scale to 100% after 60%
    assert t.release_seconds == UP + 90 + round_ + 60 + 5 * 60 + round_ + round_
    # rollbackTo skips steps and analysis: one round, no migration
    assert t.rollback_seconds == UP + round_
    assert not t.waits_for_person


def test_blue_green_counts_preview_analysis_and_switch_but_not_the_persons_promote():
    spec = app(ingress={"host": "app.example.com"}, strategy={"type": "blueGreen"})
    t = service_timing(spec, DELIVERY)
    assert t.release_seconds == UP + READY + 10 + 5 * 60 + ALB
    assert t.rollback_seconds == UP + READY + 10 + ALB
    assert t.waits_for_person


def test_an_indefinite_pause_is_reported_as_waiting_for_a_person():
    spec = app(
        ingress={"host": "api.example.com"},
        strategy={
            "type": "canary",
            "steps": [{"setWeight": 50}, {"pause": "indefinite"}, {"setWeight": 100}],
        },
    )
    assert service_timing(spec, DELIVERY).waits_for_person


def test_the_critical_path_is_the_longest_chain():
    steps = [Step("a", 10), Step("b", 100, ("a",)), Step("c", 5, ("a",)), Step("d", 1, ("b", "c"))]
    assert critical_path(steps) == (111, ["a", "b", "d"])
    with pytest.raises(ValueError, match="cycle"):
        critical_path([Step("x", 1, ("y",)), Step("y", 1, ("x",))])
    with pytest.raises(ValueError, match="unknown step 'z'"):
        critical_path([Step("x", 1, ("z",))])


def test_prod_refuses_a_release_over_budget_naming_the_service_and_the_figure():
    slow = app(
        ingress={"host": "api.example.com"},
        strategy={"type": "canary", "steps": [{"setWeight": 10}, {"pause": "15m"}, {"setWeight": 100}]},
    )
    figure = service_timing(slow, DELIVERY).release_seconds
    found = budget_problems({"gateway": slow}, DELIVERY, Tier.PROD)
    assert found == [
        (
            "apps.gateway.strategy",
            f"prod releases within delivery.releaseBudgetMinutes (10 min = 600 s); this canary strategy implies"
            f" {figure} s (shorten pauses, analysis count or interval, or surge more; see `python -m tools timing`)",
        )
    ]
    assert budget_problems({"gateway": slow}, DELIVERY, Tier.STAGING) == []
    generous = DELIVERY.model_copy(update={"release_budget_minutes": 30})
    assert budget_problems({"gateway": slow}, generous, Tier.PROD) == []


def test_prod_refuses_a_rollback_over_three_minutes():
    slow = app(
        autoscaling={"minReplicas": 4, "maxReplicas": 8}, strategy={"type": "rolling", "minReadySeconds": 30}
    )
    figure = service_timing(slow, DELIVERY).rollback_seconds
    assert figure > ROLLBACK_BUDGET_SECONDS
    messages = [m for _, m in budget_problems({"realtime": slow}, DELIVERY, Tier.PROD)]
    assert (
        f"prod rolls back within 180 s; this rolling strategy implies {figure} s to roll back" in messages[-1]
    )


def test_the_prod_stack_meets_ten_minute_releases_and_three_minute_rollbacks(capsys):
    assert cli.main(["timing", "--stack", "prod", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["stack"] == "prod"
    assert set(document) >= {"stack", "services", "from_scratch_seconds"}
    services = document["services"]
    assert set(services) == {"gateway", "worker-convert", "worker-export", "realtime", "web", "mcp"}
    for name, figures in services.items():
        assert figures["release_seconds"] <= 600, name
        assert figures["rollback_seconds"] <= 180, name


def test_from_scratch_follows_the_stacks_own_stores():
    prod = infra_timing.report(infra_timing.load("prod"))
    # Multi-AZ RDS (15 min) then its replicas (10 min) outlast the cluster chain (EKS 10 + nodes 5 + ...)
    assert prod["critical_path"][:3] == ["kms-keys", "vpc", "rds-primary"]
    assert prod["from_scratch_seconds"] == sum(
        {
            "kms-keys": infra_timing.KMS_SECONDS,
            "vpc": infra_timing.VPC_SECONDS,
            "rds-primary": infra_timing.RDS_MULTI_AZ_SECONDS,
            "rds-replicas": infra_timing.RDS_REPLICA_SECONDS,
            "alarms": infra_timing.ALARMS_SECONDS,
        }[step]
        for step in prod["critical_path"]
    )


def test_a_missing_stack_is_a_clear_error(capsys):
    assert cli.main(["timing", "--stack", "nope"]) == cli.EXIT_CONFIG
    assert "error:" in capsys.readouterr().err
