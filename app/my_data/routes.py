"""Download everything Stride holds about you: /me/export.json and /me/export.csv."""

import json

from flask import Response, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.domain.localtime import local_today
from app.extensions import db
from app.my_data import bp
from app.policy import current_patient, patient_required
from app.services import audit, data_rights


@bp.get("/me/data")
@patient_required
def index() -> ResponseReturnValue:
    """Explain what the downloads hold and offer both formats."""
    return render_template("my_data/index.html", patient=current_patient())


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(kind: str) -> tuple[dict, str]:
    patient = current_patient()
    data = data_rights.export_patient(patient)
    audit.record(
        current_user, "patient.export", "patient", patient.id, patient_id=patient.id, format=kind
    )
    db.session.commit()
    return data, f"stride-data-{local_today(patient.timezone).isoformat()}"


@bp.get("/me/export.json")
@patient_required
def export_json() -> ResponseReturnValue:
    """All your data as one JSON document, one list per table."""
    data, stem = _export("json")
    body = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode()
    return _download(body, "application/json", f"{stem}.json")


@bp.get("/me/export.csv")
@patient_required
def export_csv() -> ResponseReturnValue:
    """All your data as a zip of CSV files, one per table (opens in any spreadsheet)."""
    data, stem = _export("csv")
    files = data_rights.media_files(current_patient())
    body = data_rights.export_zip_of_csv(data, files)
    return _download(body, "application/zip", f"{stem}-csv.zip")
