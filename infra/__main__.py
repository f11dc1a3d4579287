"""The platform project's Pulumi program, and the entry point of the offline tools.

Under the Pulumi language host (or the offline preview, which runs this file the same way) a resource
monitor is configured and this runs the platform program (``infra.programs.platform``). Run as
``python -m infra ...`` with no monitor, it is the command line instead.
"""

import gc

# The imports below allocate ~200k objects that all live until the process ends: collecting while they
# load only re-walks them (~0.08 s of a preview). The command line keeps the collector off and exits
# without teardown (``infra.cli.run``); under the language host the program runs with the collector as
# it found it (the offline preview has paused it for the whole run: ``infra.preview.mocks.offline_run``).
collecting = gc.isenabled()
gc.disable()

import pulumi  # noqa: E402

from infra import cli, programs  # noqa: E402

if pulumi.runtime.settings.get_monitor() is None:
    cli.run()  # flushes its output, then exits without the interpreter's teardown
if collecting:
    gc.enable()
programs.platform()
