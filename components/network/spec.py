"""What a stack file can say about the network."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.core.logs import RetentionDays
from components.core.model import Spec
from components.network.cidr import MAX_AZS, cidr_problem, overlapping


class NatStrategy(StrEnum):
    """How private subnets reach the internet."""

    SINGLE = "single"  # one NAT gateway for all AZs: cheapest, loses egress if its AZ fails
    PER_AZ = "perAz"  # one per AZ: each AZ keeps egress on its own


class InterfaceEndpoint(StrEnum):
    """AWS services reachable privately from the VPC through interface endpoints."""

    ECR_API = "ecr.api"
    ECR_DKR = "ecr.dkr"
    STS = "sts"
    SECRETS_MANAGER = "secretsmanager"
    KMS = "kms"
    LOGS = "logs"


class FlowLogsSpec(Spec):
    """VPC flow logs to a KMS-encrypted CloudWatch log group.

    Attributes:
        enabled: Defaults to on; staging and prod may not turn it off.
        retention_days: Defaults to 30 days.
        traffic_type: Defaults to ``ALL`` (accepted and rejected traffic).
    """

    enabled: bool = True
    retention_days: RetentionDays = 30
    traffic_type: Literal["ALL", "ACCEPT", "REJECT"] = "ALL"


class NetworkSpec(Spec):
    """The VPC of one environment.

    Attributes:
        cidr: the VPC block, a private /16-/20 (required; environments must not overlap).
        az_count: AZs to span, 1-4. Defaults to 3.
        nat_gateways: ``single`` or ``perAz``. Defaults to ``perAz``.
        interface_endpoints: services reached through interface endpoints. Defaults to none.
        flow_logs: see :class:`FlowLogsSpec`.
        peer_cidrs: networks this VPC is or will be peered with (other environments, offices);
            they must not overlap ``cidr``. Defaults to none.
    """

    cidr: str
    az_count: int = Field(default=3, ge=1, le=MAX_AZS)
    nat_gateways: NatStrategy = NatStrategy.PER_AZ
    interface_endpoints: tuple[InterfaceEndpoint, ...] = ()
    flow_logs: FlowLogsSpec = FlowLogsSpec()
    peer_cidrs: tuple[str, ...] = ()

    @field_validator("cidr")
    @classmethod
    def _valid_cidr(cls, value: str) -> str:
        problem = cidr_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("peer_cidrs")
    @classmethod
    def _valid_peers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for peer in value:
            problem = cidr_problem(peer)
            if problem:
                raise ValueError(f"{peer!r}: {problem}")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _unique_endpoints(cls, value: tuple[InterfaceEndpoint, ...]) -> tuple[InterfaceEndpoint, ...]:
        if len(set(value)) != len(value):
            raise ValueError("lists a service twice")
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> NetworkSpec:
        clash = overlapping(self.cidr, list(self.peer_cidrs))
        if clash:
            raise ValueError(f"cidr {self.cidr} overlaps peer network(s) {', '.join(clash)}")
        return self
