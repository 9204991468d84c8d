"""`flask backup`, then `flask restore`, gives back exactly the backed-up data (both databases)."""

import hashlib
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Clinic, Role, User
from tests.hosting import pg


def _digest() -> str:
    """Every row of every table, in key order."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{[tuple(row) for row in rows]!r}".encode())
    return digest.hexdigest()


def _some_data(name: str) -> None:
    clinic = Clinic(name=name)
    db.session.add(clinic)
    db.session.flush()
    db.session.add(User(clinic_id=clinic.id, role=Role.ADMIN, name=name, login=f"{name}@x.example"))
    db.session.commit()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _back_up_change_restore(url: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MEDIA_FOLDER=str(media))
    runner = app.test_cli_runner()
    with app.app_context():
        upgrade()
        _some_data("before")
        (media / "kept.jpg").write_bytes(b"a photo")
        (media / "removed-later.mp4").write_bytes(b"a video")
        backed_up, backed_up_files = _digest(), _files(media)
        result = runner.invoke(args=["backup", str(tmp_path / "stride.backup")])
        assert result.exit_code == 0, result.output
        assert "Backed up to" in result.output and "2 media files" in result.output

        _some_data("after")  # a row added after the backup...
        db.session.execute(sa.update(Clinic).values(name="renamed"))  # ...and one changed
        db.session.commit()
        assert _digest() != backed_up
        (media / "removed-later.mp4").unlink()  # a file removed, another one added
        (media / "added-later.jpg").write_bytes(b"new")

        refused = runner.invoke(args=["restore", str(tmp_path / "stride.backup")], input="n\n")
        assert refused.exit_code != 0 and _digest() != backed_up  # asks first

        result = runner.invoke(args=["restore", "--yes", str(tmp_path / "stride.backup")])
        assert result.exit_code == 0, result.output
        assert _digest() == backed_up
        assert _files(media) == backed_up_files
        db.session.remove()
        db.engine.dispose()


def test_sqlite_backup_restores_exactly_the_backed_up_data(tmp_path):
    _back_up_change_restore(f"sqlite:///{tmp_path / 'stride.db'}", tmp_path)


def test_postgresql_backup_restores_exactly_the_backed_up_data(tmp_path):
    reason = pg.unreachable_reason() or (None if shutil.which("pg_dump") else "no pg_dump")
    if reason:
        pytest.skip(reason)
    with pg.scratch_database("backup") as url:
        _back_up_change_restore(url, tmp_path)


def test_backup_refuses_to_overwrite_a_file(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}")
    (tmp_path / "taken").write_text("keep me")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "taken")])
        db.engine.dispose()
    assert result.exit_code != 0 and "already exists" in result.output
    assert (tmp_path / "taken").read_text() == "keep me"


def test_restore_refuses_a_media_archive_holding_paths(tmp_path):
    """A tampered archive (../, folders, links) is refused before any file is touched."""
    import io
    import tarfile

    media = tmp_path / "media"
    media.mkdir()
    (media / "mine.jpg").write_bytes(b"keep")
    database = tmp_path / "s.db"
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", MEDIA_FOLDER=str(media)
    )
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["backup", str(tmp_path / "b.db")]).exit_code == 0
        archive = tmp_path / "b.db.media.tar"
        archive.unlink()
        with tarfile.open(archive, "w") as tar:
            info = tarfile.TarInfo("../escaped.jpg")
            info.size = 3
            tar.addfile(info, io.BytesIO(b"bad"))
        result = runner.invoke(args=["restore", "--yes", str(tmp_path / "b.db")])
        db.engine.dispose()
    assert result.exit_code != 0 and "other than media files" in result.output
    # Refused before the database was replaced (it would not match the media any more).
    assert not (tmp_path / "escaped.jpg").exists()
    assert _files(media) == {"mine.jpg": b"keep"}


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 's.db'}")
    (tmp_path / "junk").write_text("not a database " * 100)
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "junk")])
        db.engine.dispose()
    assert result.exit_code != 0 and "is not an SQLite backup" in result.output
