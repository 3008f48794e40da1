"""One pytest process's session, free of pytest: the settings, the plan (what runs), the runtime
(backend, cache, judges), the tally (what arrived) and the finish (report, gate, baseline)."""
