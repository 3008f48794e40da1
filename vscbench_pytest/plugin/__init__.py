"""The pytest plugin, the only part of the package that speaks pytest: options, parametrization,
fixtures, result transport from xdist workers, terminal summary, snapshots and the gate's exit."""
