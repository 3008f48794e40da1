"""The ``vscbench`` command: summary, gate, diff and report of reports, data fetch and check,
models, cache, judge-eval and the calibration sweep (one module per command group)."""
