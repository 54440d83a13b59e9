"""What a non-editable install ships: setup.cfg lists packages by name, so a new subpackage
that is not listed would import in the repository and be missing from the wheel."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_in_the_source_tree_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for top in ("mongodbapi", "django_backend") for init in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    assert "mongodbapi.grammar" in listed and (ROOT / "grammar" / "sql.lark").exists()
