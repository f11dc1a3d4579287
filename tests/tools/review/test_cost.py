"""Cost estimates of the repository's stacks from the shipped price table."""

from __future__ import annotations

import copy
import json

from tests.conftest import STACKS
from tools.cli import main
from tools.review import cost


def test_every_price_is_dated_and_cites_its_page():
    prices = cost.load_prices()
    assert prices["as_of"]
    assert prices["region"] == "ap-northeast-2"
    for group in ("hourly", "monthly"):
        for key, item in prices[group].items():
            assert item["source"].startswith("https://"), key
            assert item["basis"] in ("quoted", "list"), key
    for table in ("ec2", "rds_postgres", "elasticache", "atlas"):
        assert prices[table]["source"].startswith("https://"), table


def test_dev_costs_less_than_staging_which_costs_less_than_prod(documents):
    prices = cost.load_prices()
    totals = {s: cost.estimate(s, documents[s]["resources"], prices).total for s in STACKS}
    assert 0 < totals["dev"] < totals["staging"] < totals["prod"], totals


def test_the_services_project_prices_its_load_balancer(services_documents):
    estimate = cost.estimate("prod", services_documents["prod"]["resources"], cost.load_prices())
    assert [line.resource for line in estimate.lines] == ["ingress group product"]
    assert not estimate.unpriced


def test_prod_has_one_line_per_priced_resource(documents):
    estimate = cost.estimate("prod", documents["prod"]["resources"], cost.load_prices())
    names = [(line.type, line.resource) for line in estimate.lines]
    assert len(names) == len(set(names)), "a resource is priced once"
    by_type = {t for t, _ in names}
    for expected in (
        "aws:eks/cluster:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:rds/instance:Instance",
        "aws:rds/proxy:Proxy",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "mongodbatlas:index/advancedCluster:AdvancedCluster",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:s3/bucket:Bucket",
        "aws:ecr/repository:Repository",
        "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    ):
        assert expected in by_type, expected
    primary = next(line for line in estimate.lines if line.resource == "prod-postgres" and "rds" in line.type)
    assert "Multi-AZ" in primary.description
    general = next(line for line in estimate.lines if line.resource == "platform-prod-general")
    assert general.monthly_usd_max is not None
    assert general.monthly_usd_max > general.monthly_usd


def test_an_unknown_instance_type_is_listed_unpriced_by_name_never_zero(documents):
    resources = copy.deepcopy(documents["prod"]["resources"])
    for r in resources:
        if r["type"] == "aws:elasticache/replicationGroup:ReplicationGroup":
            r["inputs"]["nodeType"] = "cache.x99.huge"
    estimate = cost.estimate("prod", resources, cost.load_prices())
    assert [u.what for u in estimate.unpriced] == ["node type cache.x99.huge"]
    assert not [line for line in estimate.lines if line.type.startswith("aws:elasticache")]


def test_cost_command_prints_the_documented_shape_and_warns_over_budget(capsys):
    assert main(["cost", "--stack", "dev", "--json"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert {"stack", "total_monthly_usd", "lines", "unpriced"} <= set(document)
    assert document["stack"] == "dev"
    assert document["total_monthly_usd"] > 0
    assert (
        document["budget_monthly_usd"] == 300.0
    )  # platform:observability.budget.monthlyLimitUsd in Pulumi.dev.yaml
    if document["total_monthly_usd"] > 300:
        assert "exceeds its budget platform:observability.budget.monthlyLimitUsd" in captured.err


def test_the_registry_is_priced_storage_scans_and_cache(documents):
    estimate = cost.estimate("prod", documents["prod"]["resources"], cost.load_prices())
    repositories = [line for line in estimate.lines if line.type == "aws:ecr/repository:Repository"]
    assert len(repositories) == 5
    # 20 GB x 0.10 + 30 scans x 0.09 + 100 re-scans x 0.01 (prices.json and its assumptions)
    assert {round(line.monthly_usd, 2) for line in repositories} == {5.7}
    assert all("inspector/pricing" in line.source and "ecr/pricing" in line.source for line in repositories)
    signing = next(line for line in estimate.lines if line.resource == "prod-image-signing")
    assert signing.monthly_usd == 1.0
