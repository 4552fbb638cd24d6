"""The researcher's path in real headless Chromium against ``portal-archive serve`` on a demo archive.

Debian's /usr/bin/chromium and /usr/bin/chromedriver (installed by .ci/run) through Selenium;
skipped with the reason when they are absent. Screenshots go to $PORTAL_ARCHIVE_SCREENSHOTS (docs/img/ for the README) or a temp folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from archive import store
from tests.conftest import copy_archive, served_archive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# Screenshots land in a temporary folder, so a test run leaves the checkout clean; set
# PORTAL_ARCHIVE_SCREENSHOTS=docs/img to refresh the ones shown in the README.
IMG = Path(os.environ.get("PORTAL_ARCHIVE_SCREENSHOTS") or tempfile.mkdtemp(prefix="portal-archive-screenshots-"))
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

pytestmark = [pytest.mark.skipif(not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver; .ci/run does)"),
              pytest.mark.xdist_group("browser")]  # pytest-xdist: one worker, one browser and one server


@pytest.fixture(scope="module")
def archive_url(tmp_path_factory, demo_archive):
    tmp = tmp_path_factory.mktemp("browser")
    result, shared = demo_archive
    assert result.returncode == 0, result.stderr
    db_path = copy_archive(shared, tmp / "demo.db")  # changed below: a copy of the session's demo archive
    db = store.open_db(db_path)
    # a second version of the congress article, and an article whose body and snapshot carry a payload
    row = db.execute("SELECT url, title, body, published_at FROM articles WHERE title LIKE 'Khai mạc Đại hội%'").fetchone()
    store.upsert_article(db, {"url": row[0], "title": row[1] + " (cập nhật)", "body": row[2] + "\n\nĐoạn bổ sung sau khi đăng.",
                              "published_at": row[3]}, portal_id="demo-hoang-mai", province="Hà Nội")
    snapshot = store.store_snapshot(db, url="http://127.0.0.1:9/xss", status=200, headers={"Content-Type": "text/html"},
                                    body=f"<html><body><p>Trang gốc</p>{PAYLOAD}</body></html>".encode())
    store.upsert_article(db, {"url": "http://127.0.0.1:9/xss", "title": f"Thử mã độc {PAYLOAD}", "body": f"Nội dung {PAYLOAD}",
                              "published_at": "2024-05-01T08:00:00+07:00"}, portal_id="demo-hoang-mai", snapshot_id=snapshot)
    db.close()
    with served_archive(db_path) as base:
        yield base


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1200,1000",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(15)  # generous: CI runs the browser beside other test processes
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def navigate(browser, action) -> None:
    """Run an action that loads a new page and wait until it has replaced the old one.

    Selenium's click()/submit() return before the next page arrives; reading elements right
    away can hit the old page (a stale element on a loaded machine).
    """
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import WebDriverException

    old_page = browser.find_element(By.TAG_NAME, "html")

    def replaced(_browser) -> bool:
        # staleness_of waits for StaleElementReferenceException only; mid-navigation Chromium
        # may instead answer "Node with given id does not belong to the document"
        try:
            old_page.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one
            return True
        return False

    action()
    WebDriverWait(browser, 20).until(replaced)
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.readyState") == "complete")


def test_search_filter_read_diff_original_export(browser, archive_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    IMG.mkdir(parents=True, exist_ok=True)
    browser.get(archive_url + "/-/search")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("dai hoi dang bo")
    navigate(browser, box.submit)
    results = browser.find_elements(By.CSS_SELECTOR, "#results li.result")
    assert results, browser.page_source[:500]
    first = results[0].find_element(By.CSS_SELECTOR, "h3 a")
    assert first.text.startswith("Khai mạc Đại hội Đảng bộ quận Hoàng Mai")
    assert [m.text for m in first.find_elements(By.TAG_NAME, "mark")] == ["Đại", "hội", "Đảng", "bộ"]
    count = int(browser.find_element(By.CSS_SELECTOR, "#result-count strong").text.replace(",", ""))
    browser.save_screenshot(str(IMG / "search.png"))

    # filter by portal and a date range
    Select(browser.find_element(By.NAME, "portal")).select_by_value("demo-hoang-mai")
    browser.execute_script("document.querySelector('[name=from]').value = '2020-01-01';"
                           "document.querySelector('[name=to]').value = '2020-12-31';")
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#archive-search input[type=submit]").click)
    dates = browser.find_elements(By.CSS_SELECTOR, "#results .date")
    assert dates and all(d.get_attribute("datetime").startswith("2020") for d in dates)
    # as Vietnamese readers expect: weekday, day first ("Thứ Ba, 25/08/2020 08:35")
    assert all(re.fullmatch(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), \d\d/\d\d/2020( \d\d:\d\d)?", d.text) for d in dates)
    assert int(browser.find_element(By.CSS_SELECTOR, "#result-count strong").text) < count

    # export CSV of the same search (Datasette's own CSV)
    csv_url = browser.find_element(By.ID, "export-csv").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(urllib.request.urlopen(csv_url).read().decode("utf-8"))))
    assert rows and all(r["published_at"].startswith("2020") for r in rows)
    assert any(r["title"].startswith("Khai mạc Đại hội Đảng bộ") for r in rows)

    # open the article: clean text, versions, diff, archived original
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#results li.result h3 a").click)
    assert browser.find_element(By.ID, "article-title").text.endswith("(cập nhật)")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#versions tr")) == 3
    browser.save_screenshot(str(IMG / "article.png"))
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#diff-form input[type=submit]").click)
    diff = browser.find_element(By.ID, "diff")
    assert "Đoạn bổ sung sau khi đăng." in diff.text
    browser.execute_script("document.getElementById('diff').scrollIntoView()")
    browser.save_screenshot(str(IMG / "diff.png"))
    frame = browser.find_element(By.ID, "original")
    browser.execute_script("arguments[0].scrollIntoView()", frame)
    browser.save_screenshot(str(IMG / "original.png"))
    browser.switch_to.frame(frame)
    assert "Archived copy of" in browser.find_element(By.TAG_NAME, "body").text
    browser.switch_to.default_content()


def test_stored_payload_never_runs(browser, archive_url):
    from selenium.webdriver.common.by import By

    browser.get(archive_url + "/-/search?q=thu+ma+doc")
    assert "onerror" in browser.find_element(By.ID, "results").text  # shown as text, not markup
    navigate(browser, browser.find_element(By.CSS_SELECTOR, "#results li.result h3 a").click)
    assert browser.find_element(By.ID, "article-title").text.startswith("Thử mã độc <img")
    browser.get(browser.current_url + "/original")
    assert "Trang gốc" in browser.find_element(By.TAG_NAME, "body").text
    for url in (browser.current_url, browser.current_url.rsplit("/", 1)[0]):
        browser.get(url)
        assert browser.execute_script("return window.__pwned === undefined"), url
        browser.switch_to.default_content()


def test_search_and_article_pages_fit_a_phone(browser, archive_url):
    """At 390 px wide (a phone) nothing is wider than the screen, the form and the results stack,
    and the article shows its lead set apart and its author labelled."""
    from selenium.webdriver.common.by import By

    IMG.mkdir(parents=True, exist_ok=True)
    size = browser.get_window_size()
    browser.set_window_size(390, 844)
    try:
        rows = json.load(urllib.request.urlopen(archive_url + "/-/search.json?q=quan&size=50"))["rows"]
        article = next(r for r in rows if r["lead"] and r["author"])
        for path, shot in (("/-/search?q=dai+hoi+dang+bo", "search-phone.png"), (f"/-/articles/{article['id']}", "article-phone.png")):
            browser.get(archive_url + path)
            width = browser.execute_script("return window.innerWidth")
            assert width <= 420, width  # the window really is phone-sized
            overflow = browser.execute_script(
                "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
                "window.innerWidth + 1 && !e.closest('.scroll') && getComputedStyle(e).position !== 'fixed')"
                ".map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className).slice(0, 10)")
            assert overflow == [], overflow
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width + 1
            browser.save_screenshot(str(IMG / shot))
        lead = browser.find_element(By.ID, "article-lead")
        assert lead.value_of_css_property("border-left-style") == "solid"
        assert browser.find_element(By.CSS_SELECTOR, "#article-byline dt").text == "Author"
        assert re.fullmatch(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ Nhật), \d\d/\d\d/\d{4}( \d\d:\d\d)?",
                            browser.find_element(By.ID, "article-date").text)
    finally:
        browser.set_window_size(size["width"], size["height"])
