"""Planning: syntax tree to a bound, rewritten plan."""
