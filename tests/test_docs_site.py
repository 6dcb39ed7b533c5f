"""The documentation site builds with `mkdocs build --strict` (any warning fails: a broken link or
anchor, a docstring that does not match its function), every internal link of the built HTML
resolves to a page and anchor that exist, and every page renders in a real headless browser
(Chromium from the OS packages), served over HTTP as `mkdocs serve` would serve it.

Without mkdocs (`pip install -e ".[docs]"`) or Chromium (`apt-get install chromium`) the tests
skip, except where the environment variable CI is set: there they fail.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing, and CI is set: CI must install it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def site() -> Path:
    try:
        import mkdocs  # noqa: F401
        import mkdocstrings  # noqa: F401
    except ImportError:
        _missing('mkdocs (pip install -e ".[docs]")')
    out = Path(tempfile.mkdtemp(prefix="purify-site-"))
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    warnings = [ln for ln in proc.stderr.splitlines() if re.match(r"(WARNING|ERROR)\b", ln)]
    assert proc.returncode == 0 and not warnings, f"mkdocs build --strict failed:\n{proc.stderr}"
    yield out
    shutil.rmtree(out, ignore_errors=True)


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("name") and tag == "a":
            self.ids.add(a["name"])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        for key in ("src",) if tag in ("img", "script") else ():
            if a.get(key):
                self.links.append(a[key])
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "prev", "next"):
            self.links.append(a["href"])
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data


def _pages(site: Path) -> dict[str, _Page]:
    """Every built HTML page, by its URL path ("/", "/concepts/state/", ...)."""
    out = {}
    for f in sorted(site.rglob("*.html")):
        rel = f.relative_to(site).as_posix()
        url = "/" + rel.removesuffix("index.html")
        page = _Page()
        page.feed(f.read_text(encoding="utf-8"))
        out[url] = page
    return out


def _target(site: Path, path: str) -> Path:
    p = site / unquote(path).lstrip("/")
    return p / "index.html" if path.endswith("/") or p.is_dir() else p


def test_site_builds_strict_and_internal_links_resolve(site: Path) -> None:
    pages = _pages(site)
    nav = [p.stem for p in (ROOT / "docs").rglob("*.md")]
    assert len([u for u in pages if u.endswith("/") and u != "/404.html"]) >= len(nav)
    broken = []
    for url, page in pages.items():
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            absolute = urlsplit(urljoin("http://site" + url, href))
            target = _target(site, absolute.path)
            if not target.exists():
                broken.append(f"{url}: {href} (no {target.relative_to(site)})")
                continue
            if absolute.fragment and target.suffix == ".html":
                rel = target.relative_to(site).as_posix()
                turl = "/" + rel.removesuffix("index.html")
                if unquote(absolute.fragment) not in pages[turl].ids:
                    broken.append(f"{url}: {href} (no anchor #{absolute.fragment})")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


@pytest.fixture(scope="module")
def server(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _render(browser: str, url: str) -> tuple[str, str]:
    profile = tempfile.mkdtemp(prefix="purify-chromium-")
    try:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=3000", "--dump-dom", url],
            check=False, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0, f"chromium failed on {url}:\n{proc.stderr[-2000:]}"
    return proc.stdout, proc.stderr


def test_every_page_renders_in_chromium(site: Path, server: str) -> None:
    browser = _chromium()
    if browser is None:
        _missing("Chromium (apt-get install chromium)")
    pages = {url: page for url, page in _pages(site).items() if url.endswith("/")}
    with ThreadPoolExecutor(max_workers=3) as pool:
        rendered = dict(zip(pages, pool.map(lambda u: _render(browser, server + u), pages)))
    problems = []
    for url, (dom, log) in rendered.items():
        h1 = pages[url].h1[0].replace("¶", "").strip() if pages[url].h1 else None
        if not h1:
            problems.append(f"{url}: no h1 in the built page")
            continue
        seen = _Page()
        seen.feed(dom)
        checks = {
            "the page's h1": [t.replace("¶", "").strip() for t in seen.h1][:1] == [h1],
            "material's layout": 'class="md-content"' in dom and "md-header" in dom and "md-sidebar" in dom,
            "material's JavaScript ran": re.search(r'<html[^>]*class="[^"]*\bjs\b', dom),
            "the navigation": 'class="md-nav' in dom,
        }
        problems += [f"{url}: {what} missing from the rendered DOM" for what, ok in checks.items() if not ok]
        errors = [ln for ln in log.splitlines() if "CONSOLE" in ln and ("Uncaught" in ln or "Error" in ln)]
        problems += [f"{url}: JavaScript error: {ln}" for ln in errors]
        if "404 - Not found" in dom:
            problems.append(f"{url}: rendered the 404 page")
    assert not problems, "\n".join(problems)
