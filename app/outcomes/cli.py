"""`flask outcomes validate|sync|load|score`: the questionnaire files, wording and scoring."""

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.domain import outcomes as rules
from app.domain.errors import Refused
from app.domain.library_files import LibraryError
from app.extensions import db
from app.services import outcomes

outcomes_cli = AppGroup("outcomes", help="Check, load and score the outcome questionnaires.")


def _fail(errors: list[LibraryError]) -> None:
    for error in errors:
        click.echo(f"error: {error}", err=True)
    click.echo(f"{len(errors)} error(s); nothing was loaded.", err=True)
    raise SystemExit(1)


@outcomes_cli.command("validate")
def validate_command() -> None:
    """Check the instrument files; exit 1 naming file and field for each error."""
    valid, errors = outcomes.validate_files(outcomes.outcomes_dir())
    click.echo(f"Instruments: {', '.join(sorted(valid)) or 'none'}")
    if errors:
        _fail(errors)
    click.echo("The outcome instruments are valid.")


def sync_and_report() -> None:
    """Sync the instrument files into the database, commit and print what changed."""
    try:
        counts = outcomes.sync_instruments()
    except outcomes.InstrumentsInvalid as invalid:
        db.session.rollback()
        _fail(invalid.errors)
    db.session.commit()
    click.echo(f"Outcome instruments: {counts.summary()}")


@outcomes_cli.command("sync")
def sync_command() -> None:
    """Upsert the instrument files by slug (safe to run again; loaded wording stays)."""
    sync_and_report()


@outcomes_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_command(file: Path) -> None:
    """Load a clinic's licensed item wording (same format as the shipped file, `text` per item)."""
    try:
        slug = outcomes.load_wording(file)
    except outcomes.InstrumentsInvalid as invalid:
        db.session.rollback()
        _fail(invalid.errors)
    db.session.commit()
    click.echo(f"Loaded the licensed wording of {slug}: forms now show it.")


@outcomes_cli.command("score")
@click.argument("instrument", type=click.Choice(rules.INSTRUMENTS))
@click.argument("answers")
@click.option("--activities", default=None, help="PSFS: a JSON list of the activity names.")
def score_command(instrument: str, answers: str, activities: str | None) -> None:
    """Print the score of ANSWERS (a JSON list in item order; null = left out) as JSON.

    For PSFS, ANSWERS are the activity scores. Exits 2 with one line naming the item and
    why when the answers cannot be scored.
    """
    definitions, errors = outcomes.validate_files(outcomes.outcomes_dir())
    if errors:
        _fail(errors)
    tool = rules.instrument_from(definitions[instrument])
    try:
        raw = json.loads(answers)
        names = json.loads(activities) if activities else None
    except json.JSONDecodeError as error:
        click.echo(f"answers: not JSON ({error.msg}).", err=True)
        raise SystemExit(2) from None
    if tool.names_activities and names is None and isinstance(raw, list):
        names = [f"Activity {n}" for n in range(1, len(raw) + 1)]
    try:
        score = rules.score_from_json(tool, raw, names)
    except Refused as refused:
        [(where, message)] = list(refused.errors.items())[:1]
        click.echo(message if where.startswith("answers.") else f"{where}: {message}", err=True)
        raise SystemExit(2) from None
    click.echo(rules.score_json_text(score))
