"""``manage.py dbshell``: MongoDB's shell, ``mongosh``, on the configured database."""

from __future__ import annotations

import signal
from typing import Any

from django.db.backends.base.client import BaseDatabaseClient


class DatabaseClient(BaseDatabaseClient):
    executable_name = "mongosh"

    @classmethod
    def settings_to_cmd_args_env(cls, settings_dict: dict[str, Any], parameters: list[str]) -> tuple[list[str], None]:
        client = dict(settings_dict.get("CLIENT") or {})
        options = {**client, **(settings_dict.get("OPTIONS") or {})}
        name = settings_dict.get("NAME") or client.get("name") or ""
        host = settings_dict.get("HOST") or options.get("host") or ""
        port = settings_dict.get("PORT") or options.get("port")
        user = settings_dict.get("USER") or options.get("username")
        password = settings_dict.get("PASSWORD") or options.get("password")
        if str(host).startswith("mongomock://"):
            from django.core.management.base import CommandError

            raise CommandError("dbshell cannot open the in-process engine (mongomock://): "
                               "it lives inside the Django process; point HOST at a MongoDB server.")
        args = [cls.executable_name]
        if "://" in str(host):
            # A URI names the server; the database given separately overrides its path.
            args.append(str(host))
            if name:
                args += ["--eval", f"db = db.getSiblingDB({name!r})", "--shell"]
        else:
            if host:
                args += ["--host", str(host)]
            if port:
                args += ["--port", str(port)]
            if name:
                args.append(name)
        if user:
            args += ["--username", str(user)]
        if password:
            args += ["--password", str(password)]
        if options.get("authSource"):
            args += ["--authenticationDatabase", str(options["authSource"])]
        if options.get("authMechanism"):
            args += ["--authenticationMechanism", str(options["authMechanism"])]
        if options.get("tls") or options.get("ssl"):
            args.append("--tls")
        args.extend(parameters)
        return args, None

    def runshell(self, parameters: list[str]) -> None:
        previous = signal.getsignal(signal.SIGINT)
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to mongosh
            super().runshell(parameters)
        finally:
            signal.signal(signal.SIGINT, previous)
