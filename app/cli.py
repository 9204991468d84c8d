"""Command-line tasks: `flask seed-demo` and friends."""

import click
from flask import Flask, current_app

from app.extensions import db


def register(app: Flask) -> None:
    from app.library.cli import library_cli

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(library_cli)
    app.cli.add_command(seed_scale_command)
    from app.outcomes.cli import outcomes_cli

    app.cli.add_command(outcomes_cli)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo clinic, staff, patients and history (never in production)."""
    from app.devdata import demo
    from app.library.cli import sync_and_report

    if current_app.config["STRIDE_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run under the production config.")
    sync_and_report()  # the demo programmes prescribe library exercises
    if demo.demo_exists():
        click.echo("Demo data is already there; nothing to do.")
    else:
        demo.seed_demo()
        db.session.commit()
        click.echo("Demo data created.")
    click.echo(f"Demo logins (password '{demo.DEMO_PASSWORD}'):")
    for login, role in demo.DEMO_LOGINS:
        click.echo(f"  {login:<24} {role}")


@click.command("seed-scale")
@click.option("--patients", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 2 * 366))
@click.option("--seed", default=1, show_default=True, help="Same seed, same data.")
def seed_scale_command(patients: int, days: int, seed: int) -> None:
    """Bulk-create a clinic of 20 physios and N patients with D days of history (benchmarks)."""
    from app.devdata import scale
    from app.library.cli import sync_and_report

    if current_app.config["STRIDE_ENV"] == "production":
        raise click.ClickException("seed-scale refuses to run under the production config.")
    sync_and_report()  # the programmes prescribe library exercises
    try:
        result = scale.seed_scale(patients, days, seed)
    except scale.ScaleError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(result.summary())
    click.echo(
        f"Logins: {scale.physio_login(1)} (physio with {min(patients, 200)} patients), "
        f"physio2..20@scale.example, patient1..{patients}@scale.example, admin@scale.example; "
        f"password '{scale.SCALE_PASSWORD}'."
    )
