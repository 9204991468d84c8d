"""deploy/nginx-stride.conf, the example, proxies as the scale-out test's nginx does."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import scaleout  # noqa: E402

EXAMPLE = (ROOT / "deploy" / "nginx-stride.conf").read_text()


def _directives(text: str) -> set[str]:
    return {" ".join(line.split("#")[0].split()) for line in text.splitlines()} - {""}


def test_example_sets_the_same_proxy_headers_as_the_tested_stack():
    tested = {
        line
        for line in _directives(scaleout.PROXY)
        if line.startswith(("proxy_set_header", "proxy_http_version"))
    }
    assert tested and tested <= _directives(EXAMPLE)


def test_example_has_tls_http2_and_gzip_like_the_tested_stack():
    example = _directives(EXAMPLE)
    for directive in ("gzip on;", "gzip_proxied any;", "listen 443 ssl http2;"):
        assert directive in example
    gzip_types = next(line for line in example if line.startswith("gzip_types"))
    assert gzip_types in _directives(
        scaleout.nginx_conf(
            Path("/p"), Path("c"), Path("k"), {"stride": 1, "stride_a": 2, "stride_b": 3}, [4, 5]
        )
    )
