"""Helpers every layer may use: files written atomically, one JSONL reader, fingerprints,
number and text formatting."""
