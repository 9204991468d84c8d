"""Lighthouse (mobile, default throttling) on the main pages of a running Stride; medians.

Logs in through the real login form (the demo accounts, `flask seed-demo`) and hands the
session cookie to Lighthouse, runs each page RUNS times and prints, per page, the median
run's performance and accessibility scores, total blocking time, largest contentful paint
and the bytes transferred (page weight), as a Markdown table for the README.

Run against a server of your own, e.g. `make run` or gunicorn on 127.0.0.1:
  .venv/bin/python bench/lighthouse.py --base http://127.0.0.1:5000 [--runs 3]
Needs Lighthouse 12 (LIGHTHOUSE, default /work/tools/node_modules/.bin/lighthouse, or
`npx lighthouse`) and Chromium (CHROMIUM, default /usr/bin/chromium).
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "/work/tools/node_modules/.bin/lighthouse")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "stride-demo"
PAGES = [  # (name, path, who: None is signed out)
    ("login", "/login", None),
    ("today (patient)", "/today", "patient@example.com"),
    ("progress (patient)", "/progress", "patient@example.com"),
    ("dashboard (physio)", "/dashboard", "physio@example.com"),
]


def session_cookie(base: str, login: str) -> str:
    """Log in through the form; return the Cookie header that carries the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "login": login, "password": PASSWORD}
    ).encode()
    opener.open(f"{base}/login", body)
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session" not in cookies:
        raise SystemExit(f"login as {login} failed")
    return cookies


def lighthouse(url: str, cookie: str | None, out: Path) -> dict[str, float]:
    command = [
        LIGHTHOUSE,
        url,
        f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new --no-sandbox",
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True)
    report = json.loads(out.read_text())
    if report.get("finalDisplayedUrl", url).split("?")[0] != url:
        raise SystemExit(f"{url} ended at {report.get('finalDisplayedUrl')}: not signed in?")
    audits = report["audits"]
    return {
        "performance": report["categories"]["performance"]["score"] * 100,
        "accessibility": report["categories"]["accessibility"]["score"] * 100,
        "tbt": audits["total-blocking-time"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
        "bytes": audits["total-byte-weight"]["numericValue"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = args.base.rstrip("/")
    rows = ["| Page | Performance | Accessibility | TBT ms | LCP ms | Transferred KB |"]
    rows.append("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for name, path, who in PAGES:
            cookie = session_cookie(base, who) if who else None
            runs = [
                lighthouse(f"{base}{path}", cookie, Path(folder) / f"run{n}.json")
                for n in range(args.runs)
            ]
            performance = [run["performance"] for run in runs]
            median = sorted(runs, key=lambda r: r["performance"])[len(runs) // 2]
            accessibility = statistics.median(run["accessibility"] for run in runs)
            rows.append(
                f"| {name} | {median['performance']:.0f} ({min(performance):.0f}-"
                f"{max(performance):.0f}) | {accessibility:.0f} | {median['tbt']:.0f}"
                f" | {median['lcp']:.0f} | {median['bytes'] / 1024:.0f} |"
            )
            print(rows[-1], flush=True)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
