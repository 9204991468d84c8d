"""Find what a strict Content-Security-Policy would block in HTML: inline scripts and styles."""

import re

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-zA-Z]+)\s*=", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.IGNORECASE | re.DOTALL)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
JSON_TYPE = re.compile(r"""type\s*=\s*["']application/(ld\+)?json["']""", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    """Describe each inline script, event handler, style attribute or javascript: URL."""
    problems = []
    for match in SCRIPT.finditer(html):
        attributes, body = match.group(1), match.group(2)
        if body.strip() and not JSON_TYPE.search(attributes):
            problems.append(f"inline <script> {body.strip()[:60]!r}")
    problems += [f"event handler attribute {m.group(1)}=" for m in EVENT_HANDLER.finditer(html)]
    problems += ["style= attribute" for _ in STYLE_ATTRIBUTE.finditer(html)]
    problems += ["<style> element" for _ in STYLE_ELEMENT.finditer(html)]
    problems += ["javascript: URL" for _ in JAVASCRIPT_URL.finditer(html)]
    return problems
