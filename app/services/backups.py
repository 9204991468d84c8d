"""Back up and restore the whole database: SQLite's online backup API, or pg_dump/pg_restore;
and the media folder beside it (the clinic's photos and videos, issue 16).

A backup is one file. On SQLite it is itself a database (sqlite3's backup copies pages while
the app keeps running); on PostgreSQL it is pg_dump's custom format, restored by pg_restore.
Beside it, <file>.media.tar holds every file of MEDIA_FOLDER, written after the database so
a photo removed while the backup runs is still in it; restore puts the folder back as it was
(a backup without that archive, from before media existed, leaves the folder alone).
The password never goes on a command line (other users could read it in the process list):
it is handed to pg_dump and pg_restore as PGPASSWORD.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

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


def media_archive(backup_file: Path) -> Path:
    """Where the media files of a backup are: beside it, <name>.media.tar."""
    return backup_file.with_name(backup_file.name + ".media.tar")


def _media_folder() -> Path:
    return Path(current_app.config["MEDIA_FOLDER"])


def _stored_files(folder: Path) -> list[Path]:
    """The media files (not an upload still being checked: those start with a dot)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def backup(out: Path) -> str:
    """Write a backup of the app's database to out and its media files beside it; say what."""
    kind = _backup_database(out)
    files = _stored_files(_media_folder())
    with tarfile.open(media_archive(out), "w") as archive:
        for path in files:
            archive.add(path, arcname=path.name, recursive=False)
    return (
        f"{kind}, {out.stat().st_size:,} bytes; "
        f"{len(files)} media files in {media_archive(out).name}"
    )


def _backup_database(out: Path) -> str:
    url = _url()
    for taken in (out, media_archive(out)):
        if taken.exists():
            raise BackupError(f"{taken} already exists: choose a new file name.")
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
    """Replace the app's database, and its media folder, with a backup made by backup()."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file.")
    media = media_archive(backup_file)
    if media.is_file():
        _check_media_archive(media)  # before the database is touched
    _restore_database(backup_file)
    if media.is_file():
        _restore_media(media, _media_folder())


def _check_media_archive(archive_file: Path) -> None:
    """Refuse an archive holding anything but plain files at its top (no ../, links, folders)."""
    try:
        with tarfile.open(archive_file) as archive:
            members = archive.getmembers()
    except tarfile.TarError as error:
        raise BackupError(f"{archive_file} is not a media archive: {error}") from None
    if any(not m.isfile() or "/" in m.name or m.name.startswith(".") for m in members):
        raise BackupError(f"{archive_file} holds something other than media files.")


def _restore_media(archive_file: Path, folder: Path) -> None:
    """Make the media folder hold exactly the archive's files (extracted aside, then moved)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".restore-") as staging:
        with tarfile.open(archive_file) as archive:
            archive.extractall(staging, filter="data")
        restored = {p.name for p in Path(staging).iterdir()}
        for path in _stored_files(folder):
            if path.name not in restored:
                path.unlink()
        for name in restored:
            os.replace(Path(staging) / name, folder / name)


def _restore_database(backup_file: Path) -> None:
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
