"""End to end in a real headless browser (Debian chromium driven by Selenium) against a real HTTP server."""

from __future__ import annotations

import shutil
import threading

import pytest

pytestmark = pytest.mark.slow


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    binary, driver = _chromium(), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("no chromium/chromedriver on this machine (setup.sh test installs them with apt-get as root)")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from werkzeug.serving import make_server

    from translit.web import create_app

    app = create_app({"TRANSLIT_DB": str(tmp_path_factory.mktemp("web") / "db.sqlite3")})
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_lookup_form_finds_the_person(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("Hruscsovval")
    browser.find_element(By.CSS_SELECTOR, "#lookup-form button[type=submit]").click()
    answer = WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "answer")))
    assert "Никита Сергеевич Хрущёв" in answer.text
    assert "Hungarian" in answer.text
    # the suggestions script ran without being blocked by the Content-Security-Policy
    logs = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not [e for e in logs if "Content Security Policy" in e.get("message", "")], logs


def test_normalize_page_highlights_mentions(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/normalize")
    area = browser.find_element(By.ID, "text")
    area.send_keys("On 2 November N. S. Khrushchev flew to Brioni, where Tito and Kardeljem waited. "
                   "Nagy Imrének <b>no markup</b> here.")
    browser.find_element(By.CSS_SELECTOR, "#normalize-form button[value='']").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "result")))
    marks = browser.find_elements(By.CSS_SELECTOR, "#result a.mention")
    texts = [m.text for m in marks]
    assert {"N. S. Khrushchev", "Tito", "Kardeljem", "Nagy Imrének"} <= set(texts), texts
    assert all("/person/" in m.get_attribute("href") for m in marks)
    assert not browser.find_elements(By.CSS_SELECTOR, "#result b")  # the pasted markup stayed text
