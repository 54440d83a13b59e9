"""Engines that mongodbapi can run its MongoDB commands on.

The driver always talks to a pymongo-compatible client and emits commands
written for a real MongoDB 7.0+ server. ``mongodbapi.engine.embedded`` holds
the compatibility layer for the in-process engine ``mongomock-ng`` (used by
the tests and the demo): it fills operators that engine lacks, following the
MongoDB documentation, so the translation never has to bend for it.
"""
