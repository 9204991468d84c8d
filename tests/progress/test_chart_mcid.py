"""The pain chart's band of the smallest change that matters follows the programme's setting."""

from datetime import timedelta

from app.domain import charts as figures
from app.extensions import db
from app.models import ProgrammeVersion
from app.services import charts


def test_the_pain_chart_band_follows_the_programmes_mcid(make, patient, today):
    programme = make.programme(patient, start=today - timedelta(days=20))
    version = db.session.get(ProgrammeVersion, programme.current_version_id)
    version.mcid = 3
    make.days(patient, today - timedelta(days=13), today, during=5)
    history = charts.load_history(patient, today - timedelta(days=13), today, today)
    [pain] = [c for c in figures.charts_for(history, patient=False) if c.key == "pain"]
    layout = pain.figure["layout"]
    [band] = [s for s in layout["shapes"] if s["name"].startswith("MCID")]
    assert (band["y0"], band["y1"]) == (2, 8)  # starting average 5, plus or minus 3
    [note] = [a for a in layout["annotations"] if a.get("name") == "mcid"]
    assert note["text"] == "3-point change that matters"
