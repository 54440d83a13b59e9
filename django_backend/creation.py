"""Test databases: a MongoDB database named ``test_<NAME>``, dropped before and after the run.

MongoDB creates a database on its first write, so "creating" the test database means making
sure no old one is left; the migrations of the test run then create its collections.
"""

from __future__ import annotations

import sys
from typing import Any

from django.db.backends.base.creation import BaseDatabaseCreation

SCHEMA_COLLECTION = "__schema__"


class DatabaseCreation(BaseDatabaseCreation):
    def _client(self) -> Any:
        return self.connection.mongo_client

    def _exists(self, name: str) -> bool:
        return name in self._client().list_database_names()

    def _drop(self, name: str) -> None:
        self._client().drop_database(name)
        # The driver caches table metadata per database; it must not outlive the database.
        self.connection.invalidate_catalog(name)

    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> str:
        name = self._get_test_db_name()
        if keepdb:
            return name
        if self._exists(name):
            if not autoclobber:
                confirm = input(f"Type 'yes' if you would like to try deleting the test database '{name}', "
                                "or 'no' to cancel: ")
                if confirm != "yes":
                    self.log("Tests cancelled.")
                    sys.exit(1)
            if verbosity >= 1:
                self.log("Destroying old test database for alias %s..."
                         % self._get_database_display_str(verbosity, name))
        self._drop(name)
        return name

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        self._drop(test_database_name)

    def _clone_test_db(self, suffix: str, verbosity: int, keepdb: bool = False) -> None:
        """Copy every collection (documents, indexes and the catalog) to ``<NAME>_<suffix>``."""
        source_name = self.connection.settings_dict["NAME"]
        target_name = self.get_test_db_clone_settings(suffix)["NAME"]
        client = self._client()
        if keepdb and self._exists(target_name):
            return
        self._drop(target_name)
        source, target = client[source_name], client[target_name]
        for name in source.list_collection_names():
            if name.startswith("system."):
                continue
            documents = list(source[name].find())
            target.create_collection(name)
            if documents:
                target[name].insert_many(documents)
            for index_name, spec in source[name].index_information().items():
                if index_name == "_id_":
                    continue
                options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
                target[name].create_index(spec["key"], name=index_name, **options)
        self.connection.invalidate_catalog(target_name)

    def test_db_signature(self) -> tuple[Any, ...]:
        settings = self.connection.settings_dict
        return (settings["HOST"], settings["PORT"], settings["ENGINE"], self._get_test_db_name())
