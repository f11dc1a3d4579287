"""TLS and DNS: the zone, the DNS-validated certificate, external-dns limited to the zone, and every
ingress host served with the platform's certificate."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from components.cluster.external_dns import CHART, REPOSITORY
from components.network.dns import DnsSpec, covers, validation_domains
from infra.contract import PlatformOutput
from tests.conftest import STACKS, services_run, stack_run
from tests.helpers import inputs, of_type, one, policy
from tests.settings.test_config import services_problems, services_values, stack_values
from tools.preview.mocks import ACCOUNT_ID, PARTITION, RESOURCE_OUTPUTS, Recorded

CERT = "aws:acm/certificate:Certificate"
ZONE = "aws:route53/zone:Zone"
RECORD = "aws:route53/record:Record"
REGION = "ap-northeast-2"


def mock_arn(resource: Recorded) -> str:
    """The ARN the offline run's mocks give ``resource`` in update mode."""
    return (
        f"arn:{PARTITION}:mock:{REGION}:{ACCOUNT_ID}:{resource.type.split(':')[-1].lower()}/{resource.name}"
    )


def mock_zone_id(zone: Recorded) -> str:
    return RESOURCE_OUTPUTS[ZONE](zone.name, {}, REGION)["zoneId"]


@pytest.mark.parametrize(
    ("name", "host", "covered"),
    [
        ("*.staging.slidecraft.io", "api.staging.slidecraft.io", True),
        ("*.staging.slidecraft.io", "staging.slidecraft.io", False),  # a wildcard needs one label
        ("*.staging.slidecraft.io", "a.b.staging.slidecraft.io", False),  # and only one
        ("api.slidecraft.io", "api.slidecraft.io", True),
        ("api.slidecraft.io", "app.slidecraft.io", False),
    ],
)
def test_covers(name, host, covered):
    assert covers(name, host) is covered


def test_a_wildcard_and_its_base_share_one_validation_record():
    assert validation_domains(["x.io", "*.x.io", "*.a.x.io"]) == ["x.io", "*.a.x.io"]


def test_certificate_names_outside_the_zone_are_refused():
    with pytest.raises(ValidationError, match=r"must be in the zone 'staging\.x\.io'"):
        DnsSpec.model_validate({"zoneName": "staging.x.io", "certificateNames": ["*.prod.x.io"]})
    with pytest.raises(ValidationError, match="a wildcard '\\*' is allowed only as the whole first label"):
        DnsSpec.model_validate({"zoneName": "x.io", "certificateNames": ["api.*.x.io"]})


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_has_a_zone_and_a_dns_validated_certificate_validated_in_it(stack):
    resources = stack_run(stack).resources
    zone = one(resources, ZONE)
    spec = json.loads(json.dumps(stack_values(stack)["platform:dns"]))
    assert inputs(zone)["name"] == spec["zoneName"]
    cert = one(resources, CERT)
    assert inputs(cert)["validationMethod"] == "DNS"
    assert [inputs(cert)["domainName"], *(inputs(cert).get("subjectAlternativeNames") or [])] == spec[
        "certificateNames"
    ]
    records = of_type(resources, RECORD)
    assert len(records) == len(validation_domains(spec["certificateNames"]))
    assert all(inputs(r)["type"] == "CNAME" and inputs(r)["zoneId"] == mock_zone_id(zone) for r in records)
    validation = one(resources, "aws:acm/certificateValidation:CertificateValidation")
    assert inputs(validation)["certificateArn"] == mock_arn(cert)
    fqdns = sorted(inputs(r)["name"].rstrip(".") for r in records)
    assert sorted(inputs(validation)["validationRecordFqdns"]) == fqdns


def test_the_certificate_arn_is_the_validated_one_and_a_platform_output():
    run = stack_run("staging")
    validation = one(run.resources, "aws:acm/certificateValidation:CertificateValidation")
    # The validation's ARN (known only once ACM validated it), not the certificate's own output.
    assert run.outputs[PlatformOutput.CERTIFICATE_ARN.value] == inputs(validation)["certificateArn"]
    assert run.outputs["dns_name_servers"]  # what the parent zone delegates to


def test_external_dns_may_change_records_only_in_its_zone():
    resources = stack_run("staging").resources
    zone = one(resources, ZONE)
    role_policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "staging-external-dns-role")
    statements = policy(role_policy)["Statement"]
    change = [s for s in statements if "route53:ChangeResourceRecordSets" in s["Action"]]
    assert len(change) == 1
    assert change[0]["Resource"] == [mock_arn(zone)]
    wide = [s for s in statements if s["Resource"] == ["*"]]
    assert [s["Action"] for s in wide] == [["route53:ListHostedZones"]]


def test_external_dns_release_is_pinned_and_filtered_to_the_zone_and_owner():
    resources = stack_run("staging").resources
    release = one(resources, "kubernetes:helm.sh/v3:Release", "staging-external-dns-release")
    values = inputs(release)["values"]
    assert inputs(release)["chart"] == CHART
    assert inputs(release)["version"] == "1.21.1"
    assert inputs(release)["repositoryOpts"]["repo"] == REPOSITORY
    assert values["provider"] == {"name": "aws"}
    assert values["domainFilters"] == ["staging.slidecraft.example.com"]
    assert values["txtOwnerId"] == "platform-staging"
    assert values["sources"] == ["ingress"]
    zone = one(resources, ZONE)
    assert f"--zone-id-filter={mock_zone_id(zone)}" in values["extraArgs"]
    role = one(resources, "aws:iam/role:Role", "staging-external-dns-role")
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == mock_arn(role)


@pytest.mark.parametrize("stack", STACKS)
def test_every_ingress_names_the_platforms_certificate(stack):
    certificate = stack_run(stack).outputs[PlatformOutput.CERTIFICATE_ARN.value]
    ingresses = of_type(services_run(stack).resources, "kubernetes:networking.k8s.io/v1:Ingress")
    assert ingresses
    for ingress in ingresses:
        annotations = inputs(ingress)["metadata"]["annotations"]
        assert annotations["alb.ingress.kubernetes.io/certificate-arn"] == certificate


def test_an_ingress_host_the_certificate_does_not_cover_is_a_config_error():
    values = services_values("staging")
    values["services:apps"]["web"]["ingress"]["host"] = "app.prod.slidecraft.example.com"
    found = services_problems(values, "staging")
    assert found == [
        "services:apps.web.ingress.host: not covered by the platform's certificate (platform:dns.certificateNames:"
        " *.staging.slidecraft.example.com); got 'app.prod.slidecraft.example.com'"
    ]


def test_ingresses_without_a_platform_zone_are_a_config_error():
    platform = stack_values("staging")
    del platform["platform:dns"]
    found = services_problems(services_values("staging"), "staging", platform)
    assert len(found) == 4
    assert all("has no platform:dns" in m and ".ingress.host" in m for m in found)
