"""``report.html`` in a real headless browser (Debian ``chromium``): failures first, links that resolve,
binary bodies as type + size + hex preview. Skipped only when chromium is not installed."""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gatewright.cli import main
from gatewright.testing import add_rules, running_mock

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,  # renders reports in headless chromium
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]

BROKEN = ("createTranscription", "createSpeech")  # answer 500: failures, one with a multipart PNG upload
PASSING = ("getHealth", "getOpenApiSchema", "listproviderNativeFiles")


class Page(HTMLParser):
    """Ids, in-page links and the order of the page's sections, from the DOM chromium built."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.order: list[str] = []
        self.unit_rows: list[tuple[str, str | None]] = []  # (outcome, link of the unit cell)
        self._row: str | None = None
        self._row_link: str | None = None
        self._cell = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(str(attributes["id"]))
            self.order.append(str(attributes["id"]))
        href = attributes.get("href")
        if tag == "a" and href and href.startswith("#"):
            self.links.append(href[1:])
            if self._row is not None and self._cell == 1:
                self._row_link = href[1:]
        classes = str(attributes.get("class") or "").split()
        if tag == "tr" and "unit" in classes:
            self._row, self._row_link, self._cell = classes[-1], None, 0
        if tag == "td" and self._row is not None:
            self._cell += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row is not None:
            self.unit_rows.append((self._row, self._row_link))
            self._row = None


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report_dir = tmp_path_factory.mktemp("html-report")
    with running_mock(["voxvey"], seed=1) as url:
        add_rules(url, {"rules": [{"when": {"operation": op}, "then": {"status": 500}} for op in BROKEN]})
        include = [item for op in (*BROKEN, *PASSING) for item in ("--include", op)]
        code = main(
            [
                "verify",
                "--api",
                "voxvey",
                "--base-url",
                url,
                "--api-key",
                "sk-gatewright-html-0123456789",
                "--phases",
                "examples,fuzzing",  # a unit that sends nothing is skipped, not passed
                "--max-examples",
                "3",
                "--seed",
                "1",
                "--report-dir",
                str(report_dir),
                *include,
            ]
        )
    assert code == 1
    return report_dir / "report.html"


def test_report_renders_in_chromium_with_failures_first(report_html: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    shot = chromium(
        f"--screenshot={screenshot}", "--window-size=1200,900", report_html.as_uri(), profile=tmp_path / "p1"
    )
    assert screenshot.is_file(), shot.stderr[-2000:]
    assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
    assert png_size(screenshot) == (1200, 900)

    dump = chromium("--dump-dom", report_html.as_uri(), profile=tmp_path / "p2")
    dom = dump.stdout
    assert "<body" in dom, dump.stderr[-2000:]
    page = Page()
    page.feed(dom)
    # The failures come first: their section, grouped by check, is before the table of units.
    assert page.order.index("failures") < page.order.index("units") < page.order.index("checks")
    for check in ("not_a_server_error", "status_code_conformance"):
        assert f"check-{check}" in page.ids
        assert page.order.index("failures") < page.order.index(f"check-{check}") < page.order.index("units")
    # Every in-page link lands on an element of the page.
    assert page.links and not set(page.links) - set(page.ids)
    assert len(page.ids) == len(set(page.ids))  # ids are unique
    # Every failed unit's row links to its failures; passing rows link nowhere.
    failed = [link for outcome, link in page.unit_rows if outcome == "failed"]
    assert len(failed) == len(BROKEN) and all(link in page.ids for link in failed)
    assert all(link is None for outcome, link in page.unit_rows if outcome == "passed")
    assert len([row for row in page.unit_rows if row[0] == "passed"]) == len(PASSING)


def test_binary_bodies_are_type_size_and_hex(report_html: Path, tmp_path: Path) -> None:
    raw = report_html.read_bytes()
    assert b"\x00" not in raw
    text = raw.decode("utf-8")
    assert "[binary image/png, " in text and " bytes: 89 50 4e 47 " in text
    dom = chromium("--dump-dom", report_html.as_uri(), profile=tmp_path / "p").stdout
    assert "\x00" not in dom and "\ufffd" not in dom
    assert "[binary image/png, " in dom
