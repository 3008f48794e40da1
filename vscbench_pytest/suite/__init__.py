"""The VSCBench safety suite as it ships: one parametrized test per benchmark input.

Run it from any project with ``pytest --pyargs vscbench_pytest.suite --vlm=<model>``; this
repository's ``tests_safety/`` collects the same test functions.
"""
