"""Test-time calibration methods: a reminder system prompt, few-shot demonstrations from a
held-out split, and (with hf: models) activation steering; how each changes a request."""
