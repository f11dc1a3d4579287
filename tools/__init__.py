"""The offline tools, run on a laptop or in CI, never under ``pulumi up``: ``python -m tools ...``.

Preview under the SDK's mocks, diff, guard, cost, diagram, timing, scan, env, release and rollback. The
tools import the programs (to run them offline) and the settings; nothing imports the tools.
"""
