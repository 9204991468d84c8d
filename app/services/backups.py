"""Back up and restore the whole database: SQLite's online backup API, or pg_dump/pg_restore.

A backup is one file. On SQLite it is itself a database (sqlite3's backup copies pages while
the app keeps running); on PostgreSQL it is pg_dump's custom format, restored by pg_restore.
The password never goes on a command line (other users could read it in the process list):
it is handed to pg_dump and pg_restore as PGPASSWORD.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why."""


def _url() -> sa.engine.URL:
    return db.engine.url


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _libpq(url: sa.engine.URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URI without its password, and an environment holding it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, arguments: list[str], env: dict[str, str]) -> None:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed (apt-get install postgresql-client).")
    result = subprocess.run([path, *arguments], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip() or result.returncode}")


def backup(out: Path) -> str:
    """Write a backup of the app's database to out; return what kind it is."""
    url = _url()
    if out.exists():
        raise BackupError(f"{out} already exists: choose a new file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(out)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return "SQLite database file"
    uri, env = _libpq(url)
    _run("pg_dump", ["--format=custom", "--no-owner", f"--file={out}", f"--dbname={uri}"], env)
    return "pg_dump custom-format archive"


def restore(backup_file: Path) -> None:
    """Replace the app's database with a backup made by backup()."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file.")
    url = _url()
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old data or a lock
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(backup_file)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            source.execute("PRAGMA schema_version").fetchone()  # fails on a non-SQLite file
            with target:
                source.backup(target)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{backup_file} is not an SQLite backup: {error}") from None
        finally:
            target.close()
            source.close()
        return
    uri, env = _libpq(url)
    _run(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(backup_file),
        ],
        env,
    )
