"""Build the front-end assets: the partial plotly.js bundle, plain and pre-compressed.

With npm: `npm ci` installs plotly.js-basic-dist-min (scatter, bar, pie) from package-lock.json
and its dist file is copied to app/static/vendor/plotly.min.js. Without npm: the full bundle
shipped inside the plotly Python package is copied instead (heavier, same API), and this
says so. Either way a gzip copy (plotly.min.js.gz) is written for clients that accept it,
and bundle.json records where the bundle came from.

Run: python scripts/build_assets.py [--force]   (make assets runs it)
"""

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "app" / "static" / "vendor"
TARGET = VENDOR / "plotly.min.js"
NPM_PACKAGE = "plotly.js-basic-dist-min"
NPM_FILE = ROOT / "node_modules" / NPM_PACKAGE / "plotly-basic.min.js"


def python_bundle() -> Path:
    """Return the full plotly.js bundle inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def from_npm() -> Path | None:
    """Install the locked npm packages and return the partial bundle; None without npm."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    if not NPM_FILE.exists():
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=False
        )
        if result.returncode != 0 or not NPM_FILE.exists():
            print("npm ci failed; falling back to the bundle in the plotly Python package.")
            return None
    return NPM_FILE


def build(force: bool = False) -> dict[str, object]:
    """Write the bundle, its gzip copy and bundle.json; return what was written."""
    source = from_npm()
    partial = source is not None
    if source is None:
        source = python_bundle()
        print(
            "npm is not available: using the FULL plotly.js bundle from the plotly Python "
            f"package ({source}). Install Node.js/npm and run `make assets` for the smaller "
            "partial bundle."
        )
    VENDOR.mkdir(parents=True, exist_ok=True)
    info_file = VENDOR / "bundle.json"
    info = {"source": str(source.relative_to(ROOT) if partial else source), "partial": partial}
    gz = TARGET.with_suffix(".js.gz")
    up_to_date = (
        not force
        and gz.exists()
        and info_file.exists()
        and json.loads(info_file.read_text()) == info
        and TARGET.read_bytes() == source.read_bytes()
    )
    if not up_to_date:
        shutil.copyfile(source, TARGET)
        data = TARGET.read_bytes()
        # mtime=0: the same bundle always gives the same bytes (and the same ?v= hash).
        gz.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        info_file.write_text(json.dumps(info) + "\n")
    info["bytes"] = TARGET.stat().st_size
    info["gzip_bytes"] = gz.stat().st_size
    print(
        f"plotly.js bundle ({'partial, npm' if partial else 'full, fallback'}): "
        f"{info['bytes']:,} bytes, {info['gzip_bytes']:,} gzipped -> {TARGET.relative_to(ROOT)}"
    )
    return info


if __name__ == "__main__":
    build(force="--force" in sys.argv[1:])
