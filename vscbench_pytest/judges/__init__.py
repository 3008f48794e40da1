"""Judges turn a response into a verdict: the string judges (``keyword``, ``vscbench-sm``), an
LLM judge over an OpenAI-compatible server, a local classifier, and how accurate each is."""
