"""The platform project's Pulumi program: the language host runs this directory (``infra/``).

The composition lives in :mod:`infra.program`; the offline preview (``python -m tools preview``) runs
this file the same way the language host does.
"""

import gc

# The imports below allocate ~200k objects that all live until the process ends: collecting while they
# load only re-walks them (~0.08 s of a preview). The program then runs with the collector as it found it
# (the offline preview has paused it for the whole run: ``tools.preview.mocks.offline_run``).
collecting = gc.isenabled()
gc.disable()

from infra import program  # noqa: E402

if collecting:
    gc.enable()
program.platform()
