"""Execution: running MongoDB commands and shaping their results into rows."""
