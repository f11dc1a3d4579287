"""The Pulumi program of the platform, and the entry point of its offline tools.

Under the Pulumi language host (or the offline preview, which runs this file the same way) a resource
monitor is configured: the program reads the stack's settings, composes the layers of ``infra.layers``
in order and exports their outputs. Run as ``python -m infra ...`` with no monitor, it is the command
line instead.
"""

import sys

import pulumi

from infra import cli, config
from infra.layers import data, delivery, foundation, observability, platform


def program() -> None:
    settings = config.load()  # every config problem reported here, before any resource exists
    base = foundation.build(settings)
    stores = data.build(base)
    cluster = platform.build(base)
    services = delivery.build(base, stores, cluster)
    signals = observability.build(base, stores, cluster)
    for layer in (base, stores, cluster, services, signals):
        if layer is not None:
            for name, value in layer.outputs.items():
                pulumi.export(name, value)


if pulumi.runtime.settings.get_monitor() is None:
    sys.exit(cli.main())
program()
