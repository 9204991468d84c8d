"""Build the front-end assets: our JS and CSS minified, the plotly.js bundle, all compressed.

Our files: each app/static/js/*.js (but sw.js, served as written at /sw.js) and css/*.css is
minified by esbuild (npm, package.json; without npm they are copied as written, and this
says so) into app/static/build/, its `import "./x.js"` lines pointed at
"./x.js?v=<hash>" so modules are cached like the pages' own URLs, with a .br and a .gz copy
beside each and build/manifest.json naming the source hash each was built from (the app
serves a build copy only while its source is unchanged: app/assets.py).

plotly.js, with npm: `npm ci` installs plotly.js-basic-dist-min (scatter, bar, pie) from
package-lock.json and its dist file is copied to app/static/vendor/plotly.min.js. Without
npm: the full bundle shipped inside the plotly Python package is copied instead (heavier,
same API), and this says so. Either way brotli and gzip copies (plotly.min.js.br, .gz)
are written for clients that accept them, and bundle.json records where it came from.

Run: python scripts/build_assets.py [--force]   (make assets runs it)
"""

import gzip
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "app" / "static"
BUILD = STATIC / "build"  # app/assets.py BUILD_DIR
VENDOR = STATIC / "vendor"
NOT_BUILT = {"js/sw.js"}  # the service worker is served as written, from /sw.js
IMPORT = re.compile(r'(\bfrom\s*"\./)([\w-]+\.js)(")')
TARGET = VENDOR / "plotly.min.js"
NPM_PACKAGE = "plotly.js-basic-dist-min"
NPM_FILE = ROOT / "node_modules" / NPM_PACKAGE / "plotly-basic.min.js"
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"


def python_bundle() -> Path:
    """Return the full plotly.js bundle inside the plotly Python package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def from_npm() -> Path | None:
    """Install the locked npm packages and return the partial bundle; None without npm."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    # Either locked package missing (a checkout from before esbuild was added, too): install.
    if not NPM_FILE.exists() or not ESBUILD.exists():
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=False
        )
        if result.returncode != 0 or not NPM_FILE.exists():
            print("npm ci failed; falling back to the bundle in the plotly Python package.")
            return None
    return NPM_FILE


def write_compressed(path: Path) -> None:
    """Write path.br and path.gz beside path (same bytes in, same bytes out)."""
    data = path.read_bytes()
    path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
    # mtime=0: the same file always gives the same bytes.
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def minify(names: list[str]) -> dict[str, str]:
    """Each file minified by esbuild in one run; as written when npm is not there."""
    if from_npm() is None or not ESBUILD.exists():
        print("npm is not available: our JS and CSS are served as written (not minified).")
        return {name: (STATIC / name).read_text() for name in names}
    out = BUILD / "esbuild"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(ESBUILD), *names, "--minify", "--charset=utf8", "--log-level=warning"]
    subprocess.run([*command, f"--outdir={out}", "--outbase=."], cwd=STATIC, check=True)
    minified = {name: (out / name).read_text() for name in names}
    shutil.rmtree(out)
    return minified


def build_own() -> dict[str, int]:
    """Minify our JS and CSS into build/ with compressed copies; return bytes before/after."""
    sources = sorted(
        path.relative_to(STATIC).as_posix()
        for pattern in ("js/*.js", "css/*.css")
        for path in STATIC.glob(pattern)
    )
    minified = minify([name for name in sources if name not in NOT_BUILT])
    versions = {
        name: hashlib.sha256(text.encode()).hexdigest()[:12]
        for name, text in minified.items()
        if not IMPORT.search(text)
    }

    def versioned(match: re.Match[str], folder: str) -> str:
        target = f"{folder}/{match.group(2)}"
        if target not in versions:
            raise SystemExit(f"{target}: imported modules must import nothing themselves")
        return f"{match.group(1)}{match.group(2)}?v={versions[target]}{match.group(3)}"

    manifest = {}
    totals = {"source": 0, "minified": 0, "br": 0}
    for name, text in minified.items():
        folder = name.rsplit("/", 1)[0]
        text = IMPORT.sub(lambda m, folder=folder: versioned(m, folder), text)
        target = BUILD / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        write_compressed(target)
        source = STATIC / name
        manifest[name] = hashlib.sha256(source.read_bytes()).hexdigest()
        totals["source"] += source.stat().st_size
        totals["minified"] += target.stat().st_size
        totals["br"] += target.with_name(target.name + ".br").stat().st_size
    (BUILD / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(
        f"our JS and CSS: {len(manifest)} files, {totals['source']:,} bytes -> "
        f"{totals['minified']:,} minified, {totals['br']:,} brotli -> {BUILD.relative_to(ROOT)}"
    )
    return totals


def build(force: bool = False) -> dict[str, object]:
    """Write the bundle, its compressed copies and bundle.json; return what was written."""
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
        and TARGET.with_suffix(".js.br").exists()
        and info_file.exists()
        and json.loads(info_file.read_text()) == info
        and TARGET.read_bytes() == source.read_bytes()
    )
    if not up_to_date:
        shutil.copyfile(source, TARGET)
        write_compressed(TARGET)
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
    build_own()
