"""Command-line tasks: `flask seed-demo` and friends."""

import click
from flask import Flask, current_app

from app.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo clinic, staff, patients and history (never in production)."""
    from app.services import demo

    if current_app.config["STRIDE_ENV"] == "production":
        raise click.ClickException("seed-demo refuses to run under the production config.")
    if demo.demo_exists():
        click.echo("Demo data is already there; nothing to do.")
    else:
        demo.seed_demo()
        db.session.commit()
        click.echo("Demo data created.")
    click.echo(f"Demo logins (password '{demo.DEMO_PASSWORD}'):")
    for login, role in demo.DEMO_LOGINS:
        click.echo(f"  {login:<24} {role}")
