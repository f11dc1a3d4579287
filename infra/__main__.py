"""The platform project's Pulumi program, and the entry point of the offline tools.

Under the Pulumi language host (or the offline preview, which runs this file the same way) a resource
monitor is configured and this runs the platform program (``infra.programs.platform``). Run as
``python -m infra ...`` with no monitor, it is the command line instead.
"""

import pulumi

from infra import cli, programs

if pulumi.runtime.settings.get_monitor() is None:
    cli.run()  # flushes its output, then exits without the interpreter's teardown
programs.platform()
