"""threadspec: the harness that loads, validates, runs, checks, diffs and reports scenarios."""
