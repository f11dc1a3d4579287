"""Mocks for the Pulumi SDK's mock runtime: plausible data sources and a monitor that records resources.

Used by the offline preview and by the test suite. In *preview* mode a resource's outputs are only its
inputs, as in a real ``pulumi preview``: ids, ARNs and endpoints stay unknown. In *update* mode (the
unit tests' default) resources get synthetic ids and ARNs so that wiring between them can be asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import mocks as sdk_mocks
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime import rpc, settings
from pulumi.runtime import stack as sdk_stack
from pulumi.runtime.proto import resource_pb2

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
CallHandler = Callable[[dict[str, Any], str], dict[str, Any]]
STACK_REFERENCE = "pulumi:pulumi:StackReference"


def to_wire(value: Any) -> Any:
    """A recorded (deserialized) value made serializable again: unknowns back to the engine's sentinel."""
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    return value


@dataclass(frozen=True)
class Recorded:
    """One resource registration as the engine would have received it."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    protect: bool
    custom: bool
    provider: str | None
    dependencies: tuple[str, ...] = ()
    retain_on_delete: bool = False
    aliases: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()


def _zones(args: dict[str, Any], region: str) -> dict[str, Any]:
    letters = "abcd"
    return {
        "names": [f"{region}{c}" for c in letters],
        "zoneIds": [f"apne2-az{i + 1}" for i in range(len(letters))],
        "id": region,
    }


CALLS: dict[str, CallHandler] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _zones,
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args, region: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/offline-preview",
        "userId": "AIDAOFFLINEPREVIEW",
        "id": ACCOUNT_ID,
    },
    "aws:index/getPartition:getPartition": lambda args, region: {
        "partition": PARTITION,
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
        "id": PARTITION,
    },
    "aws:index/getRegion:getRegion": lambda args, region: {
        "region": region,
        "name": region,
        "id": region,
        "endpoint": f"ec2.{region}.amazonaws.com",
        "description": region,
    },
    # The image-signing key's public key (an asymmetric KMS key): a well-formed PEM of no real key.
    "aws:kms/getPublicKey:getPublicKey": lambda args, region: {
        "arn": args.get("keyId"),
        "id": args.get("keyId"),
        "keyId": args.get("keyId"),
        "keyUsage": "SIGN_VERIFY",
        "customerMasterKeySpec": "ECC_NIST_P256",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nTU9DSy1QVUJMSUMtS0VZ\n-----END PUBLIC KEY-----\n",
    },
    # A secret found by name (DescribeSecret), as the account's bootstrap made it: the pull-through cache's
    # credentials. Its ARN ends in the 6-character suffix Secrets Manager appends; no KMS key is named (the
    # aws/secretsmanager key, which ECR requires).
    "aws:secretsmanager/getSecret:getSecret": lambda args, region: {
        "arn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{args.get('name')}-AbC123",
        "id": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{args.get('name')}-AbC123",
        "name": args.get("name"),
        "description": "",
        "kmsKeyId": "",
        "policy": "",
        "region": region,
        "tags": {},
        "createdDate": "2026-01-01T00:00:00Z",
        "lastChangedDate": "2026-01-01T00:00:00Z",
    },
    # The ALB the Load Balancer Controller made for the public Ingress group (as after a first deploy).
    "aws:resourcegroupstaggingapi/getResources:getResources": lambda args, region: {
        "resourceTagMappingLists": [
            {
                "resourceArn": f"arn:{PARTITION}:elasticloadbalancing:{region}:{ACCOUNT_ID}"
                ":loadbalancer/app/k8s-product-0123456789/0123456789abcdef",
                "tags": {},
                "complianceDetails": [],
            }
        ],
        "id": region,
    },
}
"""Data sources the program calls, by token. Add one here when a component calls a new data source."""


def _eks_cluster(name: str, state: dict[str, Any], region: str) -> dict[str, Any]:
    oidc_id = hashlib.sha256(name.encode()).hexdigest()[:32].upper()
    return {
        "certificateAuthority": {"data": "TU9DSy1DQQ=="},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
        "vpcConfig": {**(state.get("vpcConfig") or {}), "clusterSecurityGroupId": f"sg-{name}-cluster"},
    }


def _atlas_cluster_strings(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    host = f"{inputs.get('name', name)}.mock.mongodb.net"
    return {
        # Atlas gives each replication spec a zone id (24 hex), which a backup schedule's copy settings name.
        "replicationSpecs": [
            {**spec, "zoneId": f"{i:024x}"} for i, spec in enumerate(inputs.get("replicationSpecs") or [])
        ],
        "connectionStrings": {
            "standardSrv": f"mongodb+srv://{host}",
            "privateEndpoints": [
                {"srvConnectionString": f"mongodb+srv://{inputs.get('name', name)}-pl-0.mock.mongodb.net"}
            ],
        },
    }


def _acm_certificate(name: str, inputs: dict[str, Any], region: str) -> dict[str, Any]:
    # ACM's validation CNAME per name (one for a wildcard and its base), as after the certificate exists.
    names = [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
    return {
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_{hashlib.sha256(domain.encode()).hexdigest()[:32]}.{domain.removeprefix('*.')}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{hashlib.sha256(name.encode()).hexdigest()[:32]}.mock.acm-validations.aws.",
            }
            for domain in names
            if domain
        ],
        "status": "PENDING_VALIDATION",
    }


def _appconfig_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:7]


RESOURCE_OUTPUTS: dict[str, Callable[[str, dict[str, Any], str], dict[str, Any]]] = {
    "aws:acm/certificate:Certificate": _acm_certificate,
    "aws:acm/certificateValidation:CertificateValidation": lambda name, inputs, region: {
        "certificateArn": inputs.get("certificateArn")
    },
    "aws:route53/zone:Zone": lambda name, inputs, region: {
        "zoneId": f"Z{hashlib.sha256(name.encode()).hexdigest()[:20].upper()}",
        "nameServers": [f"ns-{i}.awsdns-mock.{tld}" for i, tld in enumerate(("com", "net", "org", "co.uk"))],
    },
    "aws:route53/record:Record": lambda name, inputs, region: {
        "fqdn": str(inputs.get("name", name)).rstrip(".")
    },
    "aws:eks/cluster:Cluster": _eks_cluster,
    # AppConfig's generated ids (4-7 lower-case letters and digits) and a hosted version's number.
    "aws:appconfig/environment:Environment": lambda name, inputs, region: {
        "environmentId": _appconfig_id(name)
    },
    "aws:appconfig/configurationProfile:ConfigurationProfile": lambda name, inputs, region: {
        "configurationProfileId": _appconfig_id(name)
    },
    "aws:appconfig/hostedConfigurationVersion:HostedConfigurationVersion": lambda name, inputs, region: {
        "versionNumber": 1
    },
    "aws:ec2/launchTemplate:LaunchTemplate": lambda name, state, region: {"latestVersion": 1},
    # The data tier: the RDS-managed master secret, cache endpoints, NAT addresses, Atlas computed values.
    "aws:rds/instance:Instance": lambda name, inputs, region: {
        "masterUserSecrets": [
            {
                "secretArn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!{name}",
                "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ]
        if inputs.get("manageMasterUserPassword")
        else [],
        # The DbiResourceId that rds-db:connect ARNs name (db-<26 upper-case characters> in AWS).
        "resourceId": f"db-{name.upper()}",
    },
    "aws:rds/proxy:Proxy": lambda name, inputs, region: {
        "arn": f"arn:{PARTITION}:rds:{region}:{ACCOUNT_ID}:db-proxy:prx-{name}",
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": lambda name, inputs, region: {
        "primaryEndpointAddress": f"master.{name}.mock.cache.amazonaws.com",
        "readerEndpointAddress": f"replica.{name}.mock.cache.amazonaws.com",
    },
    "aws:ec2/eip:Eip": lambda name, inputs, region: {"publicIp": "203.0.113.10"},
    "mongodbatlas:index/cloudProviderAccessSetup:CloudProviderAccessSetup": lambda name, inputs, region: {
        "awsConfigs": [
            {
                "atlasAwsAccountArn": "arn:aws:iam::536727724300:root",
                "atlasAssumedRoleExternalId": f"external-id-{name}",
            }
        ],
        "roleId": f"{name}-role-id",
    },
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint": lambda name, inputs, region: {
        "endpointServiceName": f"com.amazonaws.vpce.{region}.vpce-svc-mock",
        "privateLinkId": f"{name}-private-link-id",
    },
    "mongodbatlas:index/advancedCluster:AdvancedCluster": _atlas_cluster_strings,
}
"""Computed outputs some resources need in update mode (beyond ids and ARNs), by type token."""


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers the program's data sources and invents outputs for new resources.

    Args:
        preview: behave like ``pulumi preview`` (outputs unknown) rather than ``pulumi up``.
        region: the region data sources answer for.
    """

    def __init__(
        self,
        preview: bool = False,
        region: str = "ap-northeast-2",
        stack_references: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.preview = preview
        self.region = region
        self.stack_references = stack_references or {}
        self.unanswered: list[str] = []
        self.calls: list[str] = []  # every invoke token, answered or not

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(args)
        state = dict(args.inputs)
        if self.preview:
            return "", state
        short = args.typ.split(":")[-1].lower()
        rid = f"{args.name}-id"
        state.setdefault("arn", f"arn:{PARTITION}:mock:{self.region}:{ACCOUNT_ID}:{short}/{args.name}")
        state.setdefault("name", args.name)
        state.setdefault("keyId", rid)
        state.setdefault("endpoint", f"{args.name}.mock.{self.region}.amazonaws.com")
        state.setdefault("address", f"{args.name}.mock.{self.region}.amazonaws.com")
        if args.typ in RESOURCE_OUTPUTS:
            state.update(RESOURCE_OUTPUTS[args.typ](args.name, state, self.region))
        return rid, state

    def _stack_reference(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        """A ``StackReference`` answered with the referenced stack's recorded outputs (known or not)."""
        name = str(args.inputs.get("name") or args.resource_id)
        if name not in self.stack_references:
            raise KeyError(
                f"offline preview: no outputs for the referenced stack {name!r}"
                f" (known: {sorted(self.stack_references) or 'none'})"
            )
        outputs = self.stack_references[name]
        secret = sorted(key for key, value in outputs.items() if rpc.is_rpc_secret(value))
        return name, {"name": name, "outputs": to_wire(outputs), "secretOutputNames": secret}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args.token)
        handler = CALLS.get(args.token)
        if handler is None:
            self.unanswered.append(args.token)
            return {}, []
        return handler(dict(args.args), self.region), []


def serialized_outputs(
    request_object: struct_pb2.Struct, inputs: dict[str, Any], state: dict[str, Any]
) -> Any:
    """``state`` serialized as the SDK's mock monitor does (``rpc.serialize_properties``), where each
    value the mocks pass through untouched (the very object deserialized from the request) is copied
    from the request instead: deserializing and serializing it again gives the same field, and cost a
    tenth of a 100-service run. In a preview the outputs are exactly the inputs, so nothing is
    serialized at all (``tests/tools/test_mock_monitor.py`` compares every response of both prod
    programs with the SDK's own monitor's).
    """
    fresh = {k: v for k, v in state.items() if k not in inputs or v is not inputs[k]}
    if not fresh and len(state) == len(inputs):
        return request_object
    serialized = sdk_mocks._sync_await(rpc.serialize_properties(fresh, {})) if fresh else struct_pb2.Struct()
    outputs = struct_pb2.Struct()
    for key in state:
        if key not in fresh:
            outputs.fields[key].CopyFrom(request_object.fields[key])
        elif key in serialized.fields:  # the SDK leaves out what serializes to nothing (None)
            outputs.fields[key].CopyFrom(serialized.fields[key])
    return outputs


class RecordingMonitor(sdk_mocks.MockMonitor):
    """The SDK's mock monitor, keeping every registration with its parent, protect flag and provider."""

    def __init__(self, mocks: PlatformMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Recorded] = []
        self.stack_outputs: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        """The SDK's ``MockMonitor.RegisterResource`` (pulumi 3.272: same URN, mock call, registration
        and response), recording what was registered. The inputs are deserialized once, for the mocks
        and the record; the outputs are :func:`serialized_outputs`."""
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        sdk_mocks._ensure_event_loop()  # deserializing a resource reference needs one on this thread
        inputs = rpc.deserialize_properties(request.object)
        arguments = sdk_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            transforms=sdk_mocks._resolve_callbacks(request.transforms),
        )
        answered_id, state = self.mocks.new_resource(arguments)
        id_ = answered_id or ""  # what the response carries for no id (a proto3 string)
        outputs = serialized_outputs(request.object, inputs, state)
        self.resources[urn] = sdk_mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        self.recorded.append(
            Recorded(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                inputs=inputs,
                protect=bool(request.protect),
                custom=bool(request.custom),
                provider=request.provider or None,
                dependencies=tuple(request.dependencies),
                retain_on_delete=bool(request.retainOnDelete),
                aliases=tuple(alias.urn or alias.spec.name for alias in request.aliases),
                ignore_changes=tuple(request.ignoreChanges),
            )
        )
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=outputs)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if request.urn.split("::")[2] == "pulumi:pulumi:Stack":
            self.stack_outputs = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


async def wait_for_registrations(await_all_outstanding_tasks: bool = True) -> None:
    """``pulumi.runtime.stack.wait_for_rpcs`` without its per-Output re-scan (offline runs only).

    The SDK (3.272) waits for the pending Outputs with ``asyncio.wait(all_pending, FIRST_COMPLETED)`` in a
    loop, re-registering a callback on every pending Output for each one that completes: quadratic in the
    ~9,000 Outputs a prod run creates (about a quarter of the registration phase; docs/PERFORMANCE.md).
    This waits for each batch of pending Outputs once (``FIRST_EXCEPTION``: the first failure still ends
    the wait at once), then for whatever they created, until no RPC and no Output is left. Same RPC
    drain, same error reporting, same end state; only the waiting is linear.
    """
    rpc_manager = settings._get_rpc_manager()
    state = settings.SETTINGS
    while True:
        while rpc_manager.rpcs:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                    raise exn from cause
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
        if await_all_outstanding_tasks:
            while True:
                with state.lock:
                    if not state.outputs:
                        break
                    pending: list[asyncio.Task[Any]] = list(state.outputs)
                    state.outputs.clear()
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    if task.cancelled() or task.exception() is not None:
                        await task  # re-raises, as the SDK's loop does (leaving the rest behind)
        if not rpc_manager.rpcs:
            break


@contextlib.contextmanager
def offline_run() -> Iterator[None]:
    """What an offline run changes in the SDK's process, for its duration only.

    * ``wait_for_rpcs`` is :func:`wait_for_registrations` (the SDK looks the name up in its ``stack``
      module at the end of ``run_in_stack``). The real language host never imports this module.
    * The cyclic garbage collector is paused: a run allocates ~400k objects that live until it ends, and
      each full collection re-walks all of them and every imported SDK class (about a third of a prod
      preview's time). The previous state is restored afterwards; only a failed run is collected here.
    * No source positions: the SDK's ``_get_stack_trace`` (``traceback.extract_stack`` plus a ``stat``
      and a path parse per frame, for every registration) answers an empty trace. The engine shows the
      positions in its UI; the offline preview records no position, and under the profiler they were a
      sixth of a 100-service run.
    """
    original = sdk_stack.wait_for_rpcs
    stack_trace = sdk_resource._get_stack_trace
    collecting = gc.isenabled()
    sdk_stack.wait_for_rpcs = wait_for_registrations
    sdk_resource._get_stack_trace = _no_stack_trace
    gc.disable()
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        sdk_stack.wait_for_rpcs = original
        sdk_resource._get_stack_trace = stack_trace
        if collecting:
            gc.enable()
            if failed:
                # A failed run leaves pending tasks behind; finalize them now rather than in whatever the
                # process does next (CPython 3.11 fails an ``ast.parse`` that a collection interrupts).
                # Everything the run allocated is in the youngest generation (nothing was collected, so
                # nothing was promoted): collecting that one frees the run's cycles without re-walking
                # every older object of the process (a full collection: ~0.5 s in the test session).
                gc.collect(0)


def _no_stack_trace() -> Any:
    return sdk_resource.source_pb2.StackTrace()


@dataclass
class MockRuntime:
    """A configured mock runtime: its monitor (what was registered) and its own event loop."""

    monitor: RecordingMonitor
    mocks: PlatformMocks
    loop: asyncio.AbstractEventLoop

    def run(self, build: Callable[[], object]) -> list[Recorded]:
        """Run ``build`` (which creates components) inside a stack and wait for every registration."""

        def program() -> None:
            build()

        with offline_run():
            self.loop.run_until_complete(pulumi.runtime.run_in_stack(program))
        return list(self.monitor.recorded)

    def close(self) -> None:
        self.loop.close()


def install(
    project: str,
    stack: str,
    *,
    preview: bool,
    region: str = "ap-northeast-2",
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    stack_references: dict[str, dict[str, Any]] | None = None,
    root_directory: str | None = None,
) -> MockRuntime:
    """Point the Pulumi SDK at a fresh recording mock monitor, with a new event loop.

    Unlike ``pulumi.runtime.set_mocks`` this does not create a root stack, so a program can be run in
    one with ``pulumi.runtime.run_in_stack`` exactly as the language host does.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = PlatformMocks(preview=preview, region=region, stack_references=stack_references)
    monitor = RecordingMonitor(mocks)
    settings.configure(
        sdk_mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=sdk_mocks.MockEngine(logging.getLogger("pulumi.offline")),
            project=project,
            stack=stack,
            dry_run=preview,
            organization="organization",
            root_directory=root_directory,  # the host's: the directory of the project's Pulumi.yaml
            callbacks=None,
        )
    )
    settings.set_root_resource(None)  # type: ignore[arg-type]
    # Nothing of an earlier run (one that failed part way leaves Outputs and RPCs pending) reaches this one,
    # as the SDK's own ``pulumi.runtime.test`` does it.
    settings.SETTINGS.rpc_manager.clear()
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_all_config(config or {}, secret_keys or [])
    return MockRuntime(monitor=monitor, mocks=mocks, loop=loop)


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def unwrap(value: Any) -> Any:
    """A recorded input with its secret wrapper removed (for assertions in tests)."""
    return rpc.unwrap_rpc_secret(value) if rpc.is_rpc_secret(value) else value
