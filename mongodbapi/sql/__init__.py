"""Parsing: SQL text to the typed syntax tree."""
