"""An environment's DNS zone and its DNS-validated ACM certificate for the ingress hosts.

The zone is created (its name servers are an output, to delegate from the parent zone) or, with
``existingZoneId``, used as it is. One certificate covers every name of ``certificateNames`` (wildcards
such as ``*.staging.example.com`` allowed) and is validated through CNAME records in that zone; the
validated ARN is what the services' ingresses name, so a listener never gets a certificate that is still
pending. external-dns (``components.cluster.external_dns``) writes the ingress hosts' records into the
same zone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pydantic import Field, field_validator, model_validator

from components.core.dns import dns_name_problem
from components.core.model import Spec

MAX_CERTIFICATE_NAMES = 10
"""ACM's default quota of domain names per certificate."""
MAX_COMMON_NAME = 64
"""ACM ``RequestCertificate``: the first name (the certificate's Common Name, RFC 5280) has at most 64
characters, periods included; the other names (subject alternative names) up to 253."""


class ExternalDnsSpec(Spec):
    """external-dns, which writes the ingress hosts' records into the zone.

    Attributes:
        enabled: install it (needs ``platform:cluster``). Defaults to on.
        chart_version: the pinned chart version of kubernetes-sigs/external-dns. Defaults to 1.21.1.
        policy: ``upsert-only`` never deletes a record; ``sync`` also deletes the records of removed
            ingresses (only records whose TXT owner is this environment). Defaults to ``upsert-only``.
    """

    enabled: bool = True
    chart_version: str = Field(default="1.21.1", pattern=r"^\d+\.\d+\.\d+$")
    policy: str = Field(default="upsert-only", pattern=r"^(upsert-only|sync)$")


class DnsSpec(Spec):
    """``platform:dns``: the environment's zone and the names its certificate covers.

    Attributes:
        zone_name: the zone, e.g. ``staging.slidecraft.io`` (required).
        existing_zone_id: a hosted zone that already exists for ``zone_name`` (e.g. the apex zone, managed
            elsewhere); then none is created. Defaults to none (a zone is created and its name servers
            exported for delegation).
        certificate_names: the names the certificate covers, each ``zone_name`` or under it; a wildcard
            covers one label (``*.staging.slidecraft.io``). At most 10 (ACM's default quota). Required.
        external_dns: external-dns settings. Defaults to on, chart 1.21.1, ``upsert-only``.
    """

    zone_name: str
    existing_zone_id: str | None = Field(default=None, pattern=r"^Z[A-Z0-9]{1,31}$")
    certificate_names: list[str] = Field(min_length=1, max_length=MAX_CERTIFICATE_NAMES)
    external_dns: ExternalDnsSpec = ExternalDnsSpec()

    @field_validator("zone_name")
    @classmethod
    def _zone_is_a_name(cls, value: str) -> str:
        problem = dns_name_problem(value)
        if problem:
            raise ValueError(f"the zone {problem}")
        return value

    @field_validator("certificate_names")
    @classmethod
    def _names_are_names(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            problem = dns_name_problem(name, wildcard=True)
            if problem:
                raise ValueError(f"[{index}] {name!r}: {problem}")
        if len(value[0]) > MAX_COMMON_NAME:
            raise ValueError(
                f"[0] {value[0]!r} has {len(value[0])} characters: the first name is the certificate's Common"
                f" Name, at most {MAX_COMMON_NAME} (ACM); put a shorter name first"
            )
        if len(set(value)) != len(value):
            raise ValueError("must not repeat a name")
        return value

    @model_validator(mode="after")
    def _names_in_the_zone(self) -> DnsSpec:
        outside = [n for n in self.certificate_names if not in_zone(n, self.zone_name)]
        if outside:
            raise ValueError(
                f"certificateNames must be in the zone {self.zone_name!r} (DNS validation writes there);"
                f" not {outside}"
            )
        return self


def in_zone(name: str, zone: str) -> bool:
    """Whether ``name`` (a wildcard's base counts) is ``zone`` or under it."""
    base = name.removeprefix("*.")
    return base == zone or base.endswith(f".{zone}")


def covers(certificate_name: str, host: str) -> bool:
    """Whether a certificate for ``certificate_name`` is valid for ``host`` (a wildcard: one label)."""
    if certificate_name.startswith("*."):
        first, _, rest = host.partition(".")
        return bool(first) and rest == certificate_name[2:]
    return certificate_name == host


def validation_domains(names: list[str]) -> list[str]:
    """One name per distinct validation record: ``*.x`` and ``x`` are validated by the same CNAME."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.removeprefix("*."), name)
    return list(seen.values())


@dataclass(frozen=True)
class DnsZoneArgs:
    """Inputs of :class:`DnsZone`.

    Attributes:
        spec: the zone and certificate names.
        environment: the stack name (the zone's comment).
        partition: the AWS partition (an existing zone's ARN).
        protect: protect the zone (the tier decides).
    """

    spec: DnsSpec
    environment: str
    partition: pulumi.Input[str]
    protect: bool


class DnsZone(pulumi.ComponentResource):
    """The environment's hosted zone (created or existing) and its validated certificate."""

    zone_id: pulumi.Output[str]
    zone_arn: pulumi.Output[str]
    name_servers: pulumi.Output[list[str]] | None
    """Where the parent zone delegates to (NS records); ``None`` for an existing zone."""
    certificate_arn: pulumi.Output[str]
    """The ARN of the certificate once ACM has validated it."""

    def __init__(self, name: str, args: DnsZoneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("platform:network:DnsZone", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        if spec.existing_zone_id is None:
            zone = aws.route53.Zone(
                f"{name}-zone",
                name=spec.zone_name,
                comment=f"platform {args.environment}: ingress hosts (external-dns) and certificate validation",
                force_destroy=False,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            self.zone_id, self.zone_arn = zone.zone_id, zone.arn
            self.name_servers = zone.name_servers
        else:
            self.zone_id = pulumi.Output.from_input(spec.existing_zone_id)
            self.zone_arn = pulumi.Output.concat(
                "arn:", args.partition, ":route53:::hostedzone/", spec.existing_zone_id
            )
            self.name_servers = None
        names = spec.certificate_names
        certificate = aws.acm.Certificate(
            f"{name}-certificate",
            domain_name=names[0],
            subject_alternative_names=names[1:],
            validation_method="DNS",
            opts=child,
        )
        records = [
            aws.route53.Record(
                f"{name}-validation-{i}",
                zone_id=self.zone_id,
                name=_validation(certificate, domain, "resource_record_name"),
                type=_validation(certificate, domain, "resource_record_type"),
                records=[_validation(certificate, domain, "resource_record_value")],
                ttl=300,
                allow_overwrite=True,  # the same CNAME validates a renewal or a replacement certificate
                opts=child,
            )
            for i, domain in enumerate(validation_domains(names))
        ]
        validated = aws.acm.CertificateValidation(
            f"{name}-certificate",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn for record in records],
            opts=child,
        )
        self.certificate_arn = validated.certificate_arn
        self.register_outputs(
            {
                "zone_id": self.zone_id,
                "name_servers": self.name_servers,
                "certificate_arn": self.certificate_arn,
            }
        )


def _validation(certificate: aws.acm.Certificate, domain: str, field: str) -> pulumi.Output[str]:
    """A field of the validation option ACM gives for ``domain`` (known once the certificate exists)."""

    def pick(options: list[aws.acm.outputs.CertificateDomainValidationOption]) -> str:
        for option in options or []:
            if option.domain_name == domain:
                return str(getattr(option, field))
        raise ValueError(f"ACM gave no validation option for {domain}")

    return certificate.domain_validation_options.apply(pick)
