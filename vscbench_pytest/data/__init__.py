"""Datasets: the VSCBench release (sheets, images, rendering), a user's own suite, the sister
benchmarks, the utility set, selection, and fetching and checking the release."""
