"""`flask library validate` and `flask library sync`: check and load the exercise files."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.domain.figures import contact_sheet
from app.domain.library_files import CATEGORIES, LibraryError
from app.extensions import db
from app.services import library
from app.services.library_files import validate_library

library_cli = AppGroup("library", help="Check and load the exercise library files.")


def library_dir() -> Path:
    """Return the library folder the app is configured with."""
    return Path(current_app.config["EXERCISE_LIBRARY_DIR"])


def _echo_errors(errors: list[LibraryError]) -> None:
    for error in errors:
        click.echo(f"error: {error}", err=True)
    click.echo(f"{len(errors)} error(s); nothing was loaded.", err=True)


@library_cli.command("validate")
def validate_command() -> None:
    """Check every exercise and template file; exit 1 naming file and field for each error."""
    report = validate_library(library_dir())
    for category, label in CATEGORIES.items():
        click.echo(f"{label}: {report.counts_by_category.get(category, 0)}")
    click.echo(f"Exercises: {len(report.exercises)}, templates: {len(report.templates)}")
    if report.errors:
        _echo_errors(report.errors)
        raise SystemExit(1)
    click.echo("The library is valid.")


def sync_and_report() -> library.SyncResult:
    """Sync the library files into the database, commit and print what changed."""
    try:
        result = library.sync_library(library_dir())
    except library.LibraryInvalid as invalid:
        db.session.rollback()
        _echo_errors(invalid.errors)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Exercises: {result.exercises.summary()}")
    click.echo(f"Templates: {result.templates.summary()}")
    from app.outcomes.cli import sync_and_report as sync_outcomes
    from app.services.outcomes import outcomes_dir

    # The questionnaires live in the library folder too (outcomes/); a clinic's own library
    # folder without them keeps the questionnaires already loaded.
    if outcomes_dir().is_dir():
        sync_outcomes()
    else:
        click.echo(f"Questionnaires: no {outcomes_dir().name}/ folder here; none changed")
    return result


@library_cli.command("sync")
def sync_command() -> None:
    """Upsert the library files into the database by slug (safe to run again)."""
    sync_and_report()


@library_cli.command("sheet")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def sheet_command(out: Path) -> None:
    """Write OUT.html: every exercise's start and end pose side by side, for review."""
    report = validate_library(library_dir())
    if report.errors:
        _echo_errors(report.errors)
        raise SystemExit(1)
    css_file = Path(current_app.static_folder or "") / "css" / "figure.css"
    exercises = sorted(report.exercises, key=lambda e: e["slug"])
    out.write_text(contact_sheet(exercises, css_file.read_text(encoding="utf-8")), "utf-8")
    click.echo(f"Wrote {len(exercises)} exercises to {out}")
