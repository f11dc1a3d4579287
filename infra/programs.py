"""The two Pulumi programs of this repository, composed from ``infra.layers`` in order.

* ``platform`` (root ``Pulumi.yaml``, ``main: infra/``): network, keys, secrets, data tier, the cluster
  and its add-ons, observability. Changes rarely; run by the platform deploy identity.
* ``services`` (``services/Pulumi.yaml``): everything in the product namespace. Changes several times a
  day; run by the services deploy identity, which may edit only that namespace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi

from infra import config, stacks

# Each program imports only its own layers: the provider SDKs load a module per resource family (about a
# second for the platform's), and the services program needs none of the platform's (docs/PERFORMANCE.md).


def platform() -> None:
    from infra.layers import data, foundation, identity, observability
    from infra.layers import platform as cluster_layer

    settings = config.load()  # every config problem reported here, before any resource exists
    # The workloads' identities come from the services stack file of the same name (what each `uses`).
    workloads = identity.plan(stacks.services_settings(settings, _root()))
    base = foundation.build(settings)
    stores = data.build(base, workloads)
    cluster = cluster_layer.build(base, workloads)
    identities = identity.build(base, stores, cluster, workloads)
    signals = observability.build(base, stores, cluster)
    _export(
        base.outputs,
        stores.outputs,
        cluster.outputs if cluster else {},
        identities.outputs,
        signals.outputs if signals else {},
    )


def _root() -> Path:
    """The repository root: the platform project's directory, as the language host passes it."""
    return Path(pulumi.runtime.get_root_directory() or stacks.ROOT).resolve()


def services() -> None:
    from infra.layers import delivery

    settings = config.load_services()  # the platform stack file is read and checked here too
    _export(delivery.build(settings).outputs)


def _export(*layers: dict[str, Any]) -> None:
    for outputs in layers:
        for name, value in outputs.items():
            pulumi.export(name, value)
