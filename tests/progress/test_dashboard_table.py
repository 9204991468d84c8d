"""The caseload as a sortable, paged table: links, order, pages and a flat statement count."""

import re

import pytest
import sqlalchemy as sa

from tests.progress.test_dashboard import arrange


def names(page: str) -> list[str]:
    return re.findall(
        r'<th scope="row" class="cell-name" data-label="Patient"><a [^>]*>([^<]+)</a>', page
    )


@pytest.fixture
def four(make, physio, today):  # type: ignore[no-untyped-def]
    for kind, name in (
        ("fine", "Ann Fine"),
        ("silent", "Cat Silent"),
        ("red", "Eve Red"),
        ("suggestion", "Dan Suggest"),
    ):
        arrange(kind, make, physio, today, name)


@pytest.mark.usefixtures("four")
def test_the_table_is_sorted_by_need_and_says_so(client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    page = client.get("/dashboard").get_data(as_text=True)
    assert names(page) == ["Eve Red", "Dan Suggest", "Cat Silent", "Ann Fine"]
    assert "4 patients, most in need first." in page
    assert "aria-sort" not in page  # no column is the order
    for heading in (
        "Patient",
        "Last activity",
        "This week",
        "Latest pain",
        "Pending decisions",
        "Unread",
    ):
        assert f">{heading}<" in page


@pytest.mark.usefixtures("four")
def test_a_column_link_sorts_and_a_second_click_reverses(client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    page = client.get("/dashboard").get_data(as_text=True)
    link = re.search(r'href="([^"]*sort=name[^"]*)"', page).group(1).replace("&amp;", "&")
    by_name = client.get(link).get_data(as_text=True)
    assert names(by_name) == ["Ann Fine", "Cat Silent", "Dan Suggest", "Eve Red"]
    assert re.search(r'<th scope="col" aria-sort="ascending" class="col-name">', by_name)
    assert "by name, A to Z" in by_name
    back = re.search(r'href="([^"]*sort=name[^"]*)"', by_name).group(1).replace("&amp;", "&")
    assert "dir=desc" in back
    reversed_page = client.get(back).get_data(as_text=True)
    assert names(reversed_page) == ["Eve Red", "Dan Suggest", "Cat Silent", "Ann Fine"]
    assert 'aria-sort="descending"' in reversed_page


@pytest.mark.usefixtures("four")
def test_sorting_keeps_the_filters(client, physio):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    page = client.get("/dashboard?q=e").get_data(as_text=True)
    link = re.search(r'href="([^"]*sort=pain[^"]*)"', page).group(1)
    assert "q=e" in link


@pytest.mark.parametrize(
    "query", ["sort=evil&dir=up", "page=abc", "page=-3", "sort=&dir=", "page=999"]
)
@pytest.mark.usefixtures("four")
def test_unreadable_table_arguments_fall_back_to_the_default(client, physio, query):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    response = client.get(f"/dashboard?{query}")
    assert response.status_code == 200
    assert names(response.get_data(as_text=True)) == [
        "Eve Red",
        "Dan Suggest",
        "Cat Silent",
        "Ann Fine",
    ]


@pytest.mark.usefixtures("four")
def test_unread_counts_show_when_the_rows_have_them(client, physio, monkeypatch):  # type: ignore[no-untyped-def]
    from app.dashboard import routes
    from app.services import caseload as service

    def with_unread(*args, **kwargs):  # type: ignore[no-untyped-def]
        rows = service.caseload(*args, **kwargs)
        rows[0].unread_notes, rows[0].unread_messages = 2, 1
        return rows

    monkeypatch.setattr(routes, "caseload", with_unread)
    client.login_as(physio)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "2 notes" in page and "1 message<" in page


def test_past_100_patients_the_table_is_paged_with_the_same_statements(  # type: ignore[no-untyped-def]
    client, make, physio, query_counter
):
    for n in range(105):
        make.patient(physio, name=f"Patient {n:03}")
    client.login_as(physio)
    with query_counter() as first_page:
        page = client.get("/dashboard?sort=name").get_data(as_text=True)
    assert len(names(page)) == 100 and names(page)[0] == "Patient 000"
    assert "Patients 1–100 of 105" in page
    assert 'aria-current="page"' in page and 'rel="next"' in page
    with query_counter() as second_page:
        page = client.get("/dashboard?sort=name&page=2").get_data(as_text=True)
    assert names(page) == [f"Patient {n:03}" for n in range(100, 105)]
    assert "Patients 101–105 of 105" in page and 'rel="prev"' in page
    assert len(first_page) == len(second_page) <= 8


def test_templates_are_in_the_staff_navigation_only(client, physio, patient):  # type: ignore[no-untyped-def]
    client.login_as(physio)
    assert 'href="/templates">Templates</a>' in client.get("/dashboard").get_data(as_text=True)
    client.login_as(patient.user)
    assert ">Templates</a>" not in client.get("/today").get_data(as_text=True)


@pytest.mark.usefixtures("four")
def test_the_physio_sees_whether_each_patients_reminders_are_on(client, physio):  # type: ignore[no-untyped-def]
    from datetime import time

    from app.extensions import db
    from app.models import Patient, User
    from app.services import reminders

    def patient(name: str) -> Patient:
        return db.session.scalar(
            sa.select(Patient).join(User, User.id == Patient.user_id).where(User.name == name)
        )

    # On: chosen and a phone allowed it. Chosen without a phone, and never chosen: off.
    for name, chosen, phone in (
        ("Ann Fine", True, True),
        ("Cat Silent", True, False),
        ("Dan Suggest", False, True),
    ):
        who = patient(name)
        reminders.save_choice(
            who, enabled=chosen, times="", evening_nudge=False, evening_time=time(20)
        )
        if phone:
            endpoint = f"https://push.example.com/send/{who.id}"
            reminders.subscribe(who, endpoint, p256dh="p" * 20, auth="a" * 16)
    db.session.flush()
    client.login_as(physio)
    page = client.get("/dashboard").get_data(as_text=True)
    assert ">Reminders<" in page  # the column's heading: each cell's name, also stacked at 360 px

    def cell(name: str) -> str:
        found = re.search(
            rf'data-testid="reminders-{patient(name).id}"><div class="cell">(.*?)</div>', page
        )
        return re.sub(r"<[^>]+>", "", found.group(1)).strip()

    assert cell("Ann Fine") == "On"
    assert cell("Cat Silent") == "Off: no phone"
    assert cell("Dan Suggest") == "Off"
    assert cell("Eve Red") == "Off"  # no choice stored
