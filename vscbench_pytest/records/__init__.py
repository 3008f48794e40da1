"""The typed records every layer passes on: inputs (Item), verdicts and judged results."""
