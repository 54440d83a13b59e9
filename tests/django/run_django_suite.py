#!/usr/bin/env python
"""Run Django's own, unmodified test suite on django_backend and print a results table.

The suite ships in Django's source distribution. This script downloads the sdist matching
the installed Django (``pip download --no-deps --no-binary :all: Django==<version>``) into a
cache directory outside the repository, unpacks it, writes a settings module that points
both of the suite's databases at django_backend, and runs ``tests/runtests.py`` once per
test app, each in its own process (so each app gets a fresh in-process engine) with a
timeout. Skips and expected failures come from ``django_backend.features`` as data.

    python tests/django/run_django_suite.py                 # the full app list of issue 4
    python tests/django/run_django_suite.py --quick         # the CI subset
    python tests/django/run_django_suite.py basic lookup    # chosen apps
    python tests/django/run_django_suite.py --baseline basic   # also run them on SQLite

Options: ``--jobs N`` runs N apps at once; ``--uri mongodb://...`` runs on a real server
instead of ``mongomock://``; ``--markdown FILE`` and ``--json FILE`` write the table; ``--log-dir``
keeps each app's output; ``--causes N`` prints the N most frequent failure causes.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The app list issue 4 requires.
FULL_APPS = [
    "basic", "lookup", "queries", "aggregation", "aggregation_regress", "annotations", "expressions",
    "expressions_case", "db_functions", "ordering", "select_related", "prefetch_related", "many_to_one",
    "many_to_many", "one_to_one", "m2m_through", "delete", "update", "get_or_create", "bulk_create",
    "custom_pk", "model_fields", "model_inheritance", "defer", "null_queries", "or_lookups", "dates",
    "datetimes", "timezones", "transactions", "migrations", "schema", "introspection", "inspectdb",
    "admin_views", "admin_changelist", "auth_tests", "sessions_tests", "contenttypes_tests",
    "generic_relations", "fixtures", "serializers", "model_forms",
]
# Fast apps for CI, all passing today: the run exits non-zero if any of them has a failure or error.
QUICK_APPS = ["basic", "lookup", "ordering", "or_lookups", "null_queries", "update", "custom_pk", "select_related",
              "defer", "model_inheritance", "one_to_one", "m2m_through", "datetimes"]

SETTINGS_TEMPLATE = '''\
"""Settings for Django's test suite on django_backend (written by run_django_suite.py)."""

import django

DATABASES = {{
    "default": {{"ENGINE": "django_backend", "NAME": "django_suite", "HOST": {host!r}}},
    "other": {{"ENGINE": "django_backend", "NAME": "django_suite_other", "HOST": {host!r}}},
}}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if django.VERSION < (6, 0):  # as the suite's own test_sqlite.py: 6.0 made BigAutoField the default
    DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
'''

SUMMARY = re.compile(r"^Ran (\d+) tests? in ([\d.]+)s", re.M)
OUTCOME = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$", re.M)
BLOCK_HEADER = re.compile(r"^(ERROR|FAIL|UNEXPECTED SUCCESS): (\S+) \(([\w.]+)\)", re.M)
STATUS_LINE = re.compile(r"^(test\w*) \(([\w.]+)\)(?:\n.*?)? \.\.\. (ok|ERROR|FAIL|skipped.*|expected failure|"
                         r"unexpected success)\s*$", re.M)


@dataclass
class AppResult:
    app: str
    run: int = 0
    passed: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    expected_failures: int = 0
    unexpected_successes: int = 0
    seconds: float = 0.0
    status: str = "ok"  # ok, failed, timeout, crashed
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, test, cause)


# ----------------------------------------------------------------- getting the suite


def django_version(python: str) -> str:
    return subprocess.check_output([python, "-c", "import django; print(django.__version__)"], text=True).strip()


def suite_dir(cache: Path, version: str, python: str) -> Path:
    """The unpacked ``tests/`` directory of Django ``version``, downloading it if needed."""
    root = cache / f"django-{version}"
    tests = root / "tests"
    if (tests / "runtests.py").exists():
        return tests
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"django-{version}.tar.gz"
    if not archive.exists():
        print(f"downloading Django {version} sdist into {cache} ...", file=sys.stderr)
        subprocess.check_call([python, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                               f"Django=={version}", "-d", str(cache)])
        candidates = sorted(cache.glob(f"[Dd]jango-{version}.tar.gz"))
        if not candidates:
            raise SystemExit(f"pip did not leave django-{version}.tar.gz in {cache}")
        archive = candidates[0]
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data") if sys.version_info >= (3, 12) else tar.extractall(cache)
    if not (tests / "runtests.py").exists():
        raise SystemExit(f"{archive} has no tests/runtests.py")
    return tests


def write_settings(cache: Path, host: str) -> Path:
    directory = cache / "settings"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test_django_backend.py").write_text(SETTINGS_TEMPLATE.format(host=host))
    return directory


# ----------------------------------------------------------------- running and parsing


def _cause(block: str) -> str:
    """The exception line of a traceback, with volatile details (numbers, positions) blurred."""
    lines = [line for line in block.strip().splitlines() if line.strip()]
    exception = ""
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception|Failure|Warning|Exit)\b|^[\w.]+: ", line) or line.startswith("AssertionError"):
            exception = line
            break
    if not exception and lines:
        exception = lines[-1]
    exception = re.sub(r"\(line \d+, column \d+\)", "(line L, column C)", exception)
    exception = re.sub(r"line \d+, column \d+", "line L, column C", exception)
    return exception[:300]


def parse_output(app: str, text: str) -> AppResult:
    result = AppResult(app)
    ran = SUMMARY.findall(text)
    outcome = OUTCOME.findall(text)
    statuses = STATUS_LINE.findall(text)
    if ran:
        # A test whose set-up fails is reported but not counted in "Ran N tests"; count it.
        result.run = max(int(ran[-1][0]), len({(name, where) for name, where, _ in statuses}))
        result.seconds = float(ran[-1][1])
    if outcome:
        details = {k.strip(): v for k, v in re.findall(r"([\w ]+)=(\d+)", outcome[-1][1] or "")}
        result.failures = int(details.get("failures", 0))
        result.errors = int(details.get("errors", 0))
        result.skipped = int(details.get("skipped", 0))
        result.expected_failures = int(details.get("expected failures", 0))
        result.unexpected_successes = int(details.get("unexpected successes", 0))
        result.status = "ok" if outcome[-1][0] == "OK" else "failed"
    else:
        # No summary (timeout or crash): count the per-test status lines printed so far.
        counts = collections.Counter()
        for _, _, status in statuses:
            counts[status.split()[0]] += 1
        result.run = sum(counts.values())
        result.failures = counts["FAIL"]
        result.errors = counts["ERROR"]
        result.skipped = counts["skipped"]
        result.expected_failures = counts["expected"]
        result.unexpected_successes = counts["unexpected"]
        result.status = "crashed"
    separator = "=" * 70
    for chunk in text.split(separator)[1:]:
        header = BLOCK_HEADER.search(chunk)
        if header:
            kind, name, where = header.groups()
            body = chunk.split("-" * 70, 1)[-1]
            result.problems.append((kind, f"{where}", _cause(body)))
    if result.status != "crashed" and result.problems:
        # unittest counts every failing subTest; count tests instead, so passed is right.
        failed = {t for k, t, _ in result.problems if k == "FAIL"}
        errored = {t for k, t, _ in result.problems if k == "ERROR"} - failed
        result.failures, result.errors = len(failed), len(errored)
    result.passed = max(0, result.run - result.failures - result.errors - result.skipped
                        - result.expected_failures - result.unexpected_successes)
    return result


def run_app(app: str, tests: Path, settings_dir: Path, python: str, timeout: int, log_dir: Path | None,
            settings: str = "test_django_backend", extra_env: dict[str, str] | None = None) -> AppResult:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(settings_dir), str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra_env or {})
    command = [python, "-u", "runtests.py", f"--settings={settings}", "--noinput", "--parallel=1", "-v", "2", app]
    started = time.monotonic()
    try:
        completed = subprocess.run(command, cwd=tests, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   timeout=timeout, text=True, errors="replace")
        output, timed_out = completed.stdout, False
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        timed_out = True
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        (log_dir / f"{app}.log").write_text(output)
    result = parse_output(app, output)
    if timed_out:
        result.status = "timeout"
    elif result.status == "crashed":
        tail = [line for line in output.strip().splitlines()[-3:]]
        result.problems.append(("CRASH", app, " | ".join(tail)[-300:]))
    if not result.seconds:
        result.seconds = round(time.monotonic() - started, 1)
    return result


# ----------------------------------------------------------------- reporting


COLUMNS = ["app", "run", "passed", "failures", "errors", "skipped", "expected_failures", "status"]


def table(results: list[AppResult], baseline: dict[str, AppResult] | None = None) -> str:
    headers = ["app", "tests run", "passed", "failures", "errors", "skipped", "expected failures", "status"]
    if baseline:
        headers.insert(3, "SQLite passed")
    rows = []
    for r in results:
        row = [r.app, r.run, r.passed, r.failures, r.errors, r.skipped, r.expected_failures, r.status]
        if baseline:
            row.insert(3, baseline[r.app].passed if r.app in baseline else "")
        rows.append(row)
    total = ["**total**", sum(r.run for r in results), sum(r.passed for r in results),
             sum(r.failures for r in results), sum(r.errors for r in results), sum(r.skipped for r in results),
             sum(r.expected_failures for r in results), ""]
    if baseline:
        total.insert(3, sum(baseline[r.app].passed for r in results if r.app in baseline))
    rows.append(total)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def top_causes(results: list[AppResult], limit: int) -> list[tuple[int, str, list[str]]]:
    causes: dict[str, list[str]] = collections.defaultdict(list)
    for result in results:
        for _, test, cause in result.problems:
            causes[cause].append(test)
    ranked = sorted(causes.items(), key=lambda item: -len(item[1]))[:limit]
    return [(len(tests), cause, tests[:3]) for cause, tests in ranked]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("apps", nargs="*", help="test apps (default: the full list of issue 4)")
    parser.add_argument("--quick", action="store_true", help="run the CI subset")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has Django and django_backend")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("DJANGO_SUITE_CACHE", Path.home() / ".cache" / "django_backend")))
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per app (default 1200)")
    parser.add_argument("--jobs", type=int, default=1, help="apps run at the same time")
    parser.add_argument("--uri", default="mongomock://", help="HOST for both databases (default mongomock://)")
    parser.add_argument("--baseline", action="store_true", help="also run the apps on SQLite, for the denominator")
    parser.add_argument("--sqlite-only", action="store_true", help="run the apps on Django's SQLite settings only")
    parser.add_argument("--markdown", type=Path, help="write the table here")
    parser.add_argument("--json", type=Path, help="write every result, with failure causes, here")
    parser.add_argument("--log-dir", type=Path, help="keep each app's full output here")
    parser.add_argument("--causes", type=int, default=15, help="print this many most frequent failure causes")
    options = parser.parse_args(argv)

    apps = options.apps or (QUICK_APPS if options.quick else FULL_APPS)
    version = django_version(options.python)
    tests = suite_dir(options.cache_dir, version, options.python)
    settings_dir = write_settings(options.cache_dir, options.uri)
    print(f"Django {version} test suite from {tests}; {len(apps)} app(s) on {options.uri}", file=sys.stderr)

    def run(app: str, settings: str = "test_django_backend") -> AppResult:
        log_dir = options.log_dir / ("sqlite" if settings == "test_sqlite" else "mongodbapi") if options.log_dir else None
        result = run_app(app, tests, settings_dir, options.python, options.timeout, log_dir, settings)
        print(f"  {app:24} {result.status:8} run={result.run} passed={result.passed} failures={result.failures} "
              f"errors={result.errors} skipped={result.skipped} ({result.seconds:.0f}s)", file=sys.stderr)
        return result

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map((lambda a: run(a, "test_sqlite")) if options.sqlite_only else run, apps))
        baseline = None
        if options.baseline:
            print("SQLite baseline:", file=sys.stderr)
            baseline = {r.app: r for r in pool.map(lambda a: run(a, "test_sqlite"), apps)}

    text = table(results, baseline)
    print(text)
    run_total = sum(r.run - r.skipped - r.expected_failures for r in results)
    passed_total = sum(r.passed for r in results)
    if baseline:
        sqlite_passed = sum(b.passed for b in baseline.values())
        print(f"\npassed on django_backend: {passed_total}; passed on SQLite: {sqlite_passed}; "
              f"ratio {passed_total / sqlite_passed:.1%}" if sqlite_passed else "")
    else:
        print(f"\npassed {passed_total} of {run_total} tests that ran (not skipped)")
    if options.causes:
        print("\nmost frequent failure causes (tests, cause, examples):")
        for count, cause, examples in top_causes(results, options.causes):
            print(textwrap.indent(f"{count:5}  {cause}\n       e.g. {', '.join(examples)}", "  "))
    if options.markdown:
        options.markdown.write_text(text + "\n")
    if options.json:
        options.json.write_text(json.dumps({"django": version, "uri": options.uri,
                                            "results": [asdict(r) for r in results],
                                            "baseline": [asdict(b) for b in baseline.values()] if baseline else None},
                                           indent=1))
    return 0 if all(r.status == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
