"""The parts of the inline transformer that builds :mod:`mongodbapi.sql.ast` from Lark's reductions."""
