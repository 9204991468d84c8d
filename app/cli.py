"""Command-line tasks: `flask create-clinic`, `flask backup`, `flask worker` and friends."""

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app, url_for

from app.extensions import db

if TYPE_CHECKING:
    from app.services import accounts


def register(app: Flask) -> None:
    from app.library.cli import library_cli

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(library_cli)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(create_clinic_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from app.outcomes.cli import outcomes_cli

    app.cli.add_command(outcomes_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(push_cli)


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
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default="the CPUs",
    type=click.IntRange(1, 64),
    help="Processes generating patients (the same data whatever the number).",
)
def seed_scale_command(patients: int, days: int, seed: int, workers: int) -> None:
    """Bulk-create a clinic of 20 physios and N patients with D days of history (benchmarks)."""
    from app.devdata import scale
    from app.library.cli import sync_and_report

    if current_app.config["STRIDE_ENV"] == "production":
        raise click.ClickException("seed-scale refuses to run under the production config.")
    sync_and_report()  # the programmes prescribe library exercises
    try:
        result = scale.seed_scale(patients, days, seed, workers=workers)
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


@click.command("create-clinic")
@click.argument("name")
@click.option("--admin-email", required=True, help="The first clinic admin's email (their login).")
@click.option("--admin-name", default="", help="Their full name (default: the email's name part).")
@click.option(
    "--invite",
    is_flag=True,
    help="Print a one-time invite link and code instead of asking for a password.",
)
def create_clinic_command(name: str, admin_email: str, admin_name: str, invite: bool) -> None:
    """Create a clinic and its first admin, who then adds the physios from the Staff page."""
    from app.services import accounts
    from app.services.passwords import MIN_PASSWORD_LENGTH

    if not name.strip():
        raise click.ClickException("Give the clinic a name.")
    if "@" not in admin_email:
        raise click.ClickException(f"{admin_email!r} is not an email address.")
    password = None
    if not invite:
        password = click.prompt(
            f"Password for {admin_email} (at least {MIN_PASSWORD_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.ClickException(
                f"The password must be at least {MIN_PASSWORD_LENGTH} characters; "
                "nothing was created."
            )
    try:
        admin = accounts.create_clinic(name, admin_name or admin_email.split("@")[0], admin_email)
    except ValueError as error:  # raised before anything is written
        raise click.ClickException(f"{error} Nothing was created.") from None
    if password is not None:
        accounts.set_password(admin, password)
        db.session.commit()
        click.echo(f"Clinic {name!r} created. Log in as {admin.login} with the password you chose.")
        return
    issued = accounts.issue_invite(admin, admin)
    db.session.commit()
    click.echo(
        f"Clinic {name!r} created. Give {admin.login} this one-time invite (shown only now):"
    )
    for line in _invite_lines(issued):
        click.echo(f"  {line}")


def _invite_lines(issued: "accounts.IssuedInvite") -> list[str]:
    """The invite link and code for the terminal: absolute when EXTERNAL_URL is set."""
    from app.views import external_url

    with current_app.test_request_context():
        if current_app.config.get("EXTERNAL_URL"):
            link = external_url("auth.accept_invite", token=issued.token)
            code_page = external_url("auth.invite_code")
        else:
            path = url_for("auth.accept_invite", token=issued.token)
            link = f"https://<your Stride address>{path}"
            code_page = "https://<your Stride address>" + url_for("auth.invite_code")
    days = current_app.config["INVITE_DAYS"]
    return [
        f"link: {link}",
        f"or open {code_page} and type the code {issued.display_code}",
        f"It works once and expires in {days} days.",
    ]


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(out: Path) -> None:
    """Back up the whole database to the file OUT, and the media files to OUT.media.tar,
    while Stride keeps running."""
    from app.services import backups

    try:
        summary = backups.backup(out)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {out} ({summary}).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(backup_file: Path, yes: bool) -> None:
    """Replace the whole database (and the media files, from BACKUP_FILE.media.tar beside it)
    with a backup made by `flask backup` (stop Stride first)."""
    from app.services import backups

    if not yes:
        click.confirm(
            "This replaces every record in the database, and every photo and video, with the "
            "backup's. Continue?",
            abort=True,
        )
    try:
        backups.restore(backup_file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {backup_file}. Start Stride again.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the due work once and exit (tests, cron).")
@click.option(
    "--poll",
    type=click.FloatRange(0.1, 3600),
    default=None,
    help="Seconds between runs (default WORKER_POLL_SECONDS).",
)
def worker_command(once: bool, poll: float | None) -> None:
    """Run scheduled work (reminders) until SIGTERM; beside the web server, never inside it."""
    import logging

    from app import worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        counts = worker.run_once(app)
        click.echo(" ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "idle")
        if counts.get("errors"):
            raise SystemExit(1)
        return
    worker.run_forever(app, poll or float(current_app.config["WORKER_POLL_SECONDS"]))


@click.group("push")
def push_cli() -> None:
    """Web Push reminders: keys."""


@push_cli.command("keys")
def push_keys_command() -> None:
    """Print a new VAPID key pair: put the private key in VAPID_PRIVATE_KEY."""
    from app.services import push

    pair = push.new_key_pair()
    click.echo(f"VAPID_PRIVATE_KEY={pair.private_key}")
    click.echo(f"# public key (browsers get it from the Account page): {pair.public_key}")
