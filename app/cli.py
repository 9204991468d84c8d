"""Command-line tasks: `flask seed-demo` and friends."""

import click
from flask import Flask, current_app

from app.extensions import db


def register(app: Flask) -> None:
    from app.library.cli import library_cli

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(library_cli)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo clinic, staff, patients and history (never in production)."""
    from app.library.cli import sync_and_report
    from app.services import demo

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
