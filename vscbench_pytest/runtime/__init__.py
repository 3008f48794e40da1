"""Producing responses: the engine that answers ahead of the tests (batched or concurrent), the
response cache shared by processes, and turning responses into judged results."""
