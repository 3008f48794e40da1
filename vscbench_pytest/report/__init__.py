"""The JSON report (schema ``vscbench-report/1``): its typed schema, building it, the one reader
that validates and completes a file, and the comparison of two reports."""
