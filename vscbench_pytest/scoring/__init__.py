"""Numbers from results: SRA_u/SRA_s per bucket with intervals, pair rates, consistency across a
query's forms, judge agreement, utility accuracy, and the gate rules."""
