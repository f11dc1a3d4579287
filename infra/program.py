"""The platform project's Pulumi program (``infra/Pulumi.yaml``), composed from ``infra.layers`` in order.

Network, keys, secrets, data tier, the cluster and its add-ons, observability. Changes rarely; run by the
platform deploy identity. The services project (``services/``) reads its outputs (:mod:`infra.contract`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from settings import config, stacks

# The program imports its layers when it runs: the provider SDKs load a module per resource family (about a
# second for the platform's), which the tools importing this package need not pay for.


def platform() -> None:
    from infra.layers import data, flags, foundation, identity, observability, recovery, registry
    from infra.layers import platform as cluster_layer

    settings = config.load()  # every config problem reported here, before any resource exists
    # The workloads' identities come from the services stack file of the same name (what each `uses`).
    services = config.services_settings(settings, _root())
    workloads = identity.plan(services)
    base = foundation.build(settings)
    stores = data.build(base, workloads)
    copies = recovery.build(base, stores)  # platform:dr, platform:restore
    cache = registry.cache(base)  # the add-ons pull through it
    cluster = cluster_layer.build(base, workloads, cache)
    signals = observability.build(base, stores, cluster)
    flag_store = flags.build(base, signals, services)
    identities = identity.build(base, stores, cluster, workloads, flag_store.store)
    images = registry.build(  # the services' images come from here; their DR replicas use the DR key
        base,
        cluster,
        identities,
        services,
        cache,
        copies.get("dr_key_arn"),
        config.promotion_source(settings, _root()),  # the environment below, promoted from by digest
    )
    _export(
        base.outputs,
        stores.outputs,
        copies,
        cluster.outputs if cluster else {},
        identities.outputs,
        images.outputs,
        signals.outputs if signals else {},
        flag_store.outputs,
    )


def _root() -> Path:
    """The repository root: the parent of the platform project's directory, as the language host passes it."""
    project = pulumi.runtime.get_root_directory()
    return Path(project).resolve().parent if project else stacks.ROOT


def _export(*layers: dict[str, Any]) -> None:
    for outputs in layers:
        for name, value in outputs.items():
            pulumi.export(name, value)
