"""Builds the cluster components under the mock runtime with plain wiring values."""

from __future__ import annotations

from typing import Any

import pulumi

from components.cluster.addons import PlatformAddons, PlatformAddonsArgs
from components.cluster.cluster import EksCluster, EksClusterArgs
from components.cluster.spec import ClusterSpec
from components.core.context import AwsContext
from tests.components.cluster.specs import cluster_config
from tools.preview.mocks import ACCOUNT_ID, MockRuntime, Recorded

REGION = "ap-northeast-2"
CLUSTER_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/cluster"
LOGS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/logs"
SECRETS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/secrets"
DATA_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/data"
WORKLOADS_SG = "sg-workloads"
SUBNETS = ["subnet-app-0", "subnet-app-1"]


def build(
    runtime: MockRuntime,
    *,
    protect: bool = False,
    deletion_protection: bool = False,
    with_addons: bool = True,
    **overrides: Any,
) -> list[Recorded]:
    """Run an ``EksCluster`` (and its ``PlatformAddons``) named ``test`` for environment ``test``."""
    spec = ClusterSpec.model_validate(cluster_config(**overrides))

    def program() -> None:
        ctx = AwsContext(REGION, pulumi.Output.from_input(ACCOUNT_ID), pulumi.Output.from_input("aws"))
        cluster = EksCluster(
            "test",
            EksClusterArgs(
                spec=spec,
                context=ctx,
                environment="test",
                subnet_ids=SUBNETS,
                workload_security_group_id=WORKLOADS_SG,
                cluster_key_arn=CLUSTER_KEY,
                logs_key_arn=LOGS_KEY,
                deletion_protection=deletion_protection,
                protect=protect,
                autoscaled=spec.addons.cluster_autoscaler.enabled,
            ),
        )
        if with_addons:
            PlatformAddons(
                "test-addons",
                PlatformAddonsArgs(
                    spec=spec.addons,
                    context=ctx,
                    environment="test",
                    cluster_name=cluster.name,
                    vpc_id="vpc-1",
                    oidc=cluster.oidc,
                    k8s_provider=cluster.k8s_provider,
                    secrets_key_arn=SECRETS_KEY,
                    cluster_ready=cluster.ready,
                    data_key_arn=DATA_KEY,
                    workload_secrets={"product": ["jwt-signing-key"]},
                ),
            )

    return runtime.run(program)
