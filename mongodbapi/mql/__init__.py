"""MongoDB query language: filters, expressions and pipelines built from plans."""
