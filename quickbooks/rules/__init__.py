"""The sync's rules: pure functions and values (no I/O, no clock): cell values, directions, names, the plan
and the row-to-payload mapping."""
