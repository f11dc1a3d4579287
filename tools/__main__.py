"""``python -m tools ...``: the offline command line (preview, diff, guard, cost, ...); see :mod:`tools.cli`."""

import gc

# The imports below allocate ~200k objects that all live until the process ends: collecting while they
# load only re-walks them. The command line keeps the collector off and exits without teardown
# (``tools.cli.run``).
gc.disable()

from tools import cli  # noqa: E402

cli.run()  # flushes its output, then exits without the interpreter's teardown
