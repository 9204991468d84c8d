"""Offline on every patient page, in a real browser on a phone.

The demo patient opens today once online; the service worker keeps the main pages. Offline,
the navigation opens today, plan, progress (its first chart drawn from the kept files) and
week, each saying it is a copy saved on the phone, also after a reload. A catch-up day that
was never opened says it is not on the phone and records nothing. Back online, the ticks
made offline sync once and the page says "All changes synced". Logging out drops the pages.
The progress page shows its first chart with no script, and no task of its own (each chart is
drawn in one) is over 200 ms; undoing a tick keeps the sets counted.
"""

from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.browser.conftest import PHONE
from tests.browser.test_journey import Watch, _in_db, _login

pytestmark = pytest.mark.browser

PATIENT = "patient@example.com"
PASSWORD = "stride-demo"
LONG_TASK_MS = 200

KEPT_PAGES = """async () => {
  const cache = await caches.open("stride-pages-v3");
  return (await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
}"""
# Resolves once every page and file is kept (the worker fetches them a moment after a page
# loads): the pages by path, the files by the end of their path.
UNTIL_KEPT = """async ([pages, files]) => {
  const paths = async (name) =>
    (await (await caches.open(name)).keys()).map((r) => {
      const url = new URL(r.url);
      return url.pathname + url.search;
    });
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const kept = await paths("stride-pages-v3");
    const keptFiles = await paths("stride-files-v3");
    const keptFile = (f) => keptFiles.some((k) => k.split("?")[0].endsWith(f));
    if (pages.every((p) => kept.includes(p)) && files.every(keptFile)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}"""


def _stored_ticks(app: Flask, day: str) -> int:
    from app.extensions import db
    from app.models import ExerciseLog, Patient, User

    def count() -> int:
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ExerciseLog)
            .join(Patient, Patient.id == ExerciseLog.patient_id)
            .join(User, User.id == Patient.user_id)
            .where(User.email == PATIENT, ExerciseLog.local_date == date.fromisoformat(day))
        )

    return int(_in_db(app, count))  # type: ignore[call-overload]


def _nothing_ticked_today(app: Flask, email: str) -> None:
    """Take back the patient's ticks of their today, as the demo seed or an earlier test left
    them: what is due (and ticked) today depends on the weekday, and the tests need a unit to
    do whatever day they run on."""
    from app.domain.localtime import local_today
    from app.extensions import db
    from app.models import ExerciseLog, Patient, User

    def clear() -> None:
        patient = db.session.scalar(
            sa.select(Patient).join(User, User.id == Patient.user_id).where(User.email == email)
        )
        assert patient is not None
        db.session.execute(
            sa.delete(ExerciseLog).where(
                ExerciseLog.patient_id == patient.id,
                ExerciseLog.local_date == local_today(patient.timezone),
            )
        )
        db.session.commit()

    _in_db(app, clear)


def test_patient_pages_open_offline_and_an_unsaved_day_says_so(
    live_app: Flask, live_server: str, browser, screenshots
):
    base = live_server
    _nothing_ticked_today(live_app, PATIENT)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    watch = Watch(phone)
    _login(phone, base, PATIENT, PASSWORD)
    assert phone.url.endswith("/today")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # offline.js asks the worker to keep the main pages once the page has loaded.
    pages = ["/today", "/plan", "/progress", "/week"]
    assert phone.evaluate(UNTIL_KEPT, [pages, ["plotly.min.js", "charts.js", "progress.css"]])
    today = phone.get_by_test_id("day").get_attribute("data-today")
    catch_up = phone.locator("[data-testid^=catch-up-]").first
    catch_up_day = (catch_up.get_attribute("data-testid") or "").removeprefix("catch-up-")
    assert catch_up_day and catch_up_day != today
    ticks_before = _stored_ticks(live_app, catch_up_day)
    assert not watch.problems, watch.problems

    # --- Offline: the navigation works on every page. ------------------------------------
    context.set_offline(True)
    note = phone.get_by_test_id("connection-note")
    main = phone.get_by_role("navigation", name="Main")
    for link, path, marker in (
        (main.get_by_role("link", name="Plan"), "/plan", "h1"),
        (main.get_by_role("link", name="Progress"), "/progress", "#chart-pain [data-static-chart]"),
        (main.get_by_role("link", name="Today"), "/today", "[data-testid=day]"),
        (phone.get_by_test_id("week-link"), "/week", "[data-testid=week]"),
        (phone.get_by_role("link", name="Back to today"), "/today", "[data-testid=day]"),
    ):
        link.click()
        phone.wait_for_url(f"{base}{path}")
        phone.wait_for_selector(marker, timeout=15_000)
        if path == "/progress":  # the other charts are drawn by plotly.js, kept on the phone
            phone.locator("#chart-adherence").scroll_into_view_if_needed()
            phone.wait_for_selector("#chart-adherence .plot-container", timeout=15_000)
        assert note.count() == 1, (path, phone.content()[:1500])
        assert "You are offline" in note.inner_text(), path
        assert "kept on this phone" in note.inner_text(), path
        shot = screenshots / f"offline{path.replace('/', '-')}.png"
        phone.screenshot(path=str(shot), full_page=True)
    phone.reload()  # the notice survives a reload
    phone.get_by_test_id("day").wait_for()
    assert "You are offline" in note.inner_text()

    # --- A catch-up day that was never opened: says so, records nothing. -------------------
    phone.get_by_test_id(f"catch-up-{catch_up_day}").click()
    unsaved = phone.get_by_test_id("not-on-this-phone")
    unsaved.wait_for()
    assert "is not on this phone" in unsaved.inner_text()
    assert "Nothing has been recorded" in unsaved.inner_text()
    assert phone.locator("[data-testid=day]").count() == 0  # never another day's page
    phone.screenshot(path=str(screenshots / "offline-unsaved-day.png"))
    phone.get_by_role("link", name="Open today's exercises").click()
    phone.get_by_test_id("day").wait_for()

    # --- A tick offline, undone and redone: the sets counted stay; then online, synced. -----
    unit = phone.locator(".unit[data-done=false]:has([data-sets-output])").first
    key = (unit.get_attribute("data-testid") or "").removeprefix("unit-")
    phone.get_by_test_id(f"sets-plus-{key}").click()
    phone.get_by_test_id(f"tick-{key}").click()
    phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=true]")
    phone.get_by_test_id(f"tick-{key}").click()  # undo
    phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=false]")
    assert phone.get_by_test_id(f"sets-{key}").inner_text().startswith("1 of")
    phone.get_by_test_id(f"tick-{key}").click()
    phone.get_by_test_id(f"pending-{key}").wait_for(state="visible")
    context.set_offline(False)
    banner = phone.get_by_test_id("sync-banner")
    phone.wait_for_function(
        "() => document.getElementById('sync-banner').textContent.includes('All changes synced')",
        timeout=15_000,
    )
    assert banner.is_visible()
    banner.wait_for(state="hidden", timeout=10_000)  # short: it goes away by itself
    assert _stored_ticks(live_app, catch_up_day) == ticks_before

    # --- Logging out drops the kept pages. --------------------------------------------------
    phone.get_by_role("button", name="Log out").click()
    phone.wait_for_url("**/login**")
    assert phone.evaluate(KEPT_PAGES) == []
    context.close()


# Collects the page's long tasks and layout shifts from its first moment on, and when plotly.js
# ran: a script's load event fires at the end of the task that evaluated it, so the long task
# holding that moment is plotly.js's own (about 1.2 MB of vendor code: one task the page cannot
# split, whose length is the machine's speed). The page's own tasks are the others, and the
# first chart is drawn in one of them: the flag is up from the load event (whose capture runs
# before the page's onload) until a timer queued then, ahead of any the page queues.
PERFORMANCE_ENTRIES = """window.__longTasks = [];
window.__shifts = [];
window.__plotlyRan = null;
window.__inPlotlyTask = false;
window.__drawnInPlotlyTask = null;
document.addEventListener("load", (event) => {
  if (event.target.tagName === "SCRIPT" && event.target.src.includes("plotly")) {
    window.__plotlyRan = performance.now();
    window.__inPlotlyTask = true;
    setTimeout(() => { window.__inPlotlyTask = false; }, 0);
  }
}, true);
new MutationObserver((records, observer) => {
  if (document.querySelector(".plot-container")) {
    window.__drawnInPlotlyTask = window.__inPlotlyTask;
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }
}).observe({ type: "longtask", buffered: true });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__shifts.push(entry.value);
  }
}).observe({ type: "layout-shift", buffered: true });"""


def test_progress_page_shows_its_first_chart_without_script_and_draws_the_rest_without_long_tasks(
    live_server: str, browser
):
    # One first visit, in a fresh context: the first chart comes drawn by the server (no
    # plotly.js at load), the others are drawn as they scroll into view, each in its own task.
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, live_server, PATIENT, PASSWORD)
    page.add_init_script(PERFORMANCE_ENTRIES)
    plotly_requests: list[str] = []
    page.on("request", lambda r: plotly_requests.append(r.url) if "plotly" in r.url else None)
    page.goto(f"{live_server}/progress")
    page.wait_for_load_state("networkidle")

    first = page.locator("#chart-pain")
    assert first.locator("[data-static-chart] svg circle").count() > 0  # readings drawn
    assert plotly_requests == [] and page.evaluate("typeof window.Plotly") == "undefined"
    box = first.bounding_box()
    charts = page.locator("[data-chart]")
    assert charts.count() >= 3
    assert page.locator(".plot-container").count() == 0

    for index in range(1, charts.count()):
        charts.nth(index).scroll_into_view_if_needed()
        charts.nth(index).locator(".plot-container").wait_for()
    # Out of view once plotly.js is here, the first chart is swapped for the interactive one
    # in the same box.
    first.locator(".plot-container").wait_for()
    assert first.locator("[data-static-chart]").count() == 0
    assert len(plotly_requests) == 1
    after = first.bounding_box()
    assert (after["width"], after["height"]) == (box["width"], box["height"])
    page.wait_for_load_state("networkidle")
    tasks: list[dict[str, float]] = page.evaluate("window.__longTasks")
    plotly_ran: float = page.evaluate("window.__plotlyRan")
    drawn_in_plotly_task: bool = page.evaluate("window.__drawnInPlotlyTask")
    shifts: list[float] = page.evaluate("window.__shifts")
    context.close()
    assert drawn_in_plotly_task is False  # a chart is drawn in a task of its own
    plotly_task, own_tasks = _split_at(tasks, plotly_ran)
    print(
        f"progress page: plotly.js evaluated in {plotly_task} ms; the page's long tasks (ms): "
        f"{own_tasks}; shifts: {shifts}"
    )
    assert all(duration <= LONG_TASK_MS for duration in own_tasks), own_tasks
    assert sum(shifts) < 0.01, shifts


def _split_at(tasks: list[dict[str, float]], moment: float) -> tuple[int | str, list[int]]:
    """The ms of the long task that holds moment ("under 50" when it was not long) and of the
    others."""
    # + 1: Chromium rounds a long task's duration to the millisecond.
    held = [t for t in tasks if t["start"] <= moment <= t["start"] + t["duration"] + 1]
    others = [round(t["duration"]) for t in tasks if t not in held]
    return (round(held[0]["duration"]) if held else "under 50"), others


def _stored_unit(app: Flask, day: str, key: str) -> tuple[bool, int | None]:
    """The patient's stored log of one unit (line-session-side) on day: (done, sets_done)."""
    from app.extensions import db
    from app.models import ExerciseLog, Patient, User

    line, session, side = key.split("-")

    def read() -> tuple[bool, int | None]:
        done, sets_done = db.session.execute(
            sa.select(ExerciseLog.done, ExerciseLog.sets_done)
            .join(Patient, Patient.id == ExerciseLog.patient_id)
            .join(User, User.id == Patient.user_id)
            .where(
                User.email == PATIENT,
                ExerciseLog.local_date == date.fromisoformat(day),
                ExerciseLog.line_id == int(line),
                ExerciseLog.session == int(session),
                ExerciseLog.side == side,
            )
        ).one()
        return bool(done), sets_done

    return _in_db(app, read)  # type: ignore[return-value]


def test_undo_after_a_reload_takes_back_one_set_online_and_offline(
    live_app: Flask, live_server: str, browser
):
    _nothing_ticked_today(live_app, PATIENT)
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    watch = Watch(phone)
    _login(phone, live_server, PATIENT, PASSWORD)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    day = phone.get_by_test_id("day")
    today = day.get_attribute("data-date") or ""
    # A multi-set exercise's unit, not done yet.
    unit = phone.locator(
        ".exercise:not([data-sets='1']) .unit[data-done=false]:has([data-sets-output])"
    ).first
    key = (unit.get_attribute("data-testid") or "").removeprefix("unit-")
    card = unit.locator("xpath=ancestor::li[contains(@class, 'exercise')]")
    sets = int(card.get_attribute("data-sets") or 0)
    assert sets >= 2, key
    count = phone.get_by_test_id(f"sets-{key}")
    done = f"[data-testid=unit-{key}][data-done=true]"

    def synced(action) -> None:  # type: ignore[no-untyped-def]
        # The change is sent, then the page reads the day again (the copy kept for offline):
        # the next step starts once that read is back, so a reload never cuts it short.
        with phone.expect_response(lambda r: "/api/v1/today" in r.url, timeout=15_000):
            action()
        phone.get_by_test_id(f"pending-{key}").wait_for(state="hidden")

    def reload() -> None:
        # The reload's own read of the day (network first: kept for offline) has come back.
        with phone.expect_response(lambda r: "/api/v1/today" in r.url):
            phone.reload()
        phone.wait_for_selector(done)

    # Every set ticked, one by one: the unit is done, and stored so.
    for counted in range(1, sets + 1):
        synced(phone.get_by_test_id(f"sets-plus-{key}").click)
        phone.wait_for_function(
            "([el, text]) => el.textContent.trim() === text",
            arg=[count.element_handle(), f"{counted} of {sets}"],
        )
    phone.wait_for_selector(done)
    assert _stored_unit(live_app, today, key) == (True, sets)

    # Online: reload, undo the last tick. One set less, not none.
    reload()
    synced(phone.get_by_test_id(f"tick-{key}").click)
    phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=false]")
    assert count.inner_text() == f"{sets - 1} of {sets}"
    assert _stored_unit(live_app, today, key) == (False, sets - 1)

    # Offline: the last set again, reload (the copy kept on the phone), undo.
    synced(phone.get_by_test_id(f"sets-plus-{key}").click)
    phone.wait_for_selector(done)
    reload()
    context.set_offline(True)
    phone.reload()
    phone.wait_for_selector(done)
    phone.get_by_test_id(f"tick-{key}").click()
    phone.wait_for_selector(f"[data-testid=unit-{key}][data-done=false]")
    assert count.inner_text() == f"{sets - 1} of {sets}"
    phone.get_by_test_id(f"pending-{key}").wait_for(state="visible")
    synced(lambda: context.set_offline(False))
    assert _stored_unit(live_app, today, key) == (False, sets - 1)
    assert not watch.problems, watch.problems
    context.close()


@pytest.mark.parametrize("page_name", ["Plan", "Progress", "Week"])
def test_ticks_made_offline_sync_from_any_patient_page(
    live_app: Flask, live_server: str, browser, page_name: str
):
    """Offline: a tick on today, then the plan, progress or week page (reloaded, still
    offline); back online there, the outbox syncs from that page and says so briefly."""
    quiet = "quiet@example.com"  # nothing logged lately: every unit today is still to do
    _nothing_ticked_today(live_app, quiet)  # nor by the page before this one
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    watch = Watch(phone)
    _login(phone, live_server, quiet, PASSWORD)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    pages = ["/today", "/plan", "/progress", "/week"]
    assert phone.evaluate(UNTIL_KEPT, [pages, ["plotly.min.js", "charts.js", "progress.css"]])
    today = phone.get_by_test_id("day").get_attribute("data-date") or ""
    unit = phone.locator(".unit[data-done=false]").first
    key = (unit.get_attribute("data-testid") or "").removeprefix("unit-")

    context.set_offline(True)
    phone.get_by_test_id(f"tick-{key}").click()
    phone.get_by_test_id(f"pending-{key}").wait_for(state="visible")
    if page_name == "Week":
        phone.get_by_test_id("week-link").click()
    else:
        phone.get_by_role("navigation", name="Main").get_by_role("link", name=page_name).click()
    phone.wait_for_url(f"{live_server}/{page_name.lower()}")
    phone.reload()  # both notices survive a reload
    note, banner = phone.get_by_test_id("connection-note"), phone.get_by_test_id("sync-banner")
    banner.wait_for(state="visible")
    assert "You are offline" in note.inner_text()
    waiting = "1 change is saved on this phone and will sync when you are online."
    assert banner.inner_text() == waiting
    assert _stored_unit_or_none(live_app, quiet, today, key) is None

    context.set_offline(False)
    phone.wait_for_function(
        "() => document.getElementById('sync-banner').textContent === 'All changes synced.'",
        timeout=15_000,
    )
    assert banner.is_visible()
    assert _stored_unit_or_none(live_app, quiet, today, key) is True
    banner.wait_for(state="hidden", timeout=10_000)  # short: it goes away by itself
    # Requests fail offline, and a reload cuts some short; the scripts themselves never fail.
    assert not [p for p in watch.problems if p.startswith("page error")], watch.problems
    context.close()


def _stored_unit_or_none(app: Flask, login: str, day: str, key: str) -> bool | None:
    """Whether one unit (line-session-side) of login's day is stored done; None: no log."""
    from app.extensions import db
    from app.models import ExerciseLog, Patient, User

    line, session, side = key.split("-")
    return _in_db(  # type: ignore[return-value]
        app,
        lambda: db.session.scalar(
            sa.select(ExerciseLog.done)
            .join(Patient, Patient.id == ExerciseLog.patient_id)
            .join(User, User.id == Patient.user_id)
            .where(
                User.email == login,
                ExerciseLog.local_date == date.fromisoformat(day),
                ExerciseLog.line_id == int(line),
                ExerciseLog.session == int(session),
                ExerciseLog.side == side,
            )
        ),
    )
