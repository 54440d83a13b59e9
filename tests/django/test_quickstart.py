"""The README's Django quick start, step by step, each step its own process as a user runs it.

The settings come from the README's code block itself, so the README cannot drift from what works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_databases_setting() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Django\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(DATABASES = .*?)```", section, re.S)
    assert block, "the README's Django quick start has no DATABASES block"
    return block.group(1)


def _environment(**extra: str) -> dict[str, str]:
    """A user's shell: none of this test session's Django settings."""
    return {**{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}, **extra}


def _manage(project: Path, *args: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=project, capture_output=True, text=True,
                          timeout=300, env=_environment(**env))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_new_project_with_admin_auth_and_sessions_on_the_in_process_engine(tmp_path):
    django_admin = [sys.executable, "-m", "django", "startproject", "mysite"]
    subprocess.run(django_admin, cwd=tmp_path, check=True, timeout=120, env=_environment())
    project = tmp_path / "mysite"
    settings = project / "mysite" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    text, replaced = re.subn(r"DATABASES = \{.*?\n\}\n", _readme_databases_setting(), text, flags=re.S)
    assert replaced == 1
    settings.write_text(text, encoding="utf-8")

    assert "Applying sessions.0001_initial... OK" in _manage(project, "migrate")
    _manage(project, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com",
            DJANGO_SUPERUSER_PASSWORD="a-long-password")
    assert (project / "db.mongo").exists()

    # What runserver serves, in a process of its own: log in to the admin, list the users.
    browse = textwrap.dedent("""
        import django, os
        os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"
        django.setup()
        from django.test import Client
        from django.test.utils import setup_test_environment
        setup_test_environment()
        client = Client()
        page = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "a-long-password"},
                           follow=True)
        print(page.status_code, "Site administration" in page.content.decode())
        users = client.get("/admin/auth/user/").content.decode()
        print("admin@example.com" in users, "1 user" in users)
    """)
    done = subprocess.run([sys.executable, "-c", browse], cwd=project, capture_output=True, text=True, timeout=300,
                          env=_environment())
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "True", "True", "True"]
    assert "[X] 0001_initial" in _manage(project, "showmigrations", "sessions")
