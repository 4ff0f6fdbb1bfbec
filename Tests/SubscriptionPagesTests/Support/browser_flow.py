"""Open a link page in headless Chromium, press its button, and report both pages as JSON.

Run by BrowserFlowTests with Debian's /usr/bin/python3 (python3-selenium), chromium and
chromium-driver:

    browser_flow.py --step confirm --url URL --button "Confirm subscription" \
        --expect-title "You're subscribed" --output DIR

Saves DIR/<step>-page.png (the page from the link) and DIR/<step>-done.png (the page after the
button), prints one JSON object on stdout and exits 0; on any failure it prints
{"error": ...} with what it saw and exits 1, so the Swift test can show the reason.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


class FlowError(Exception):
    """A check on a page failed; the message says which and what the page showed."""


def page_facts(driver):
    """What a person sees: title, heading, text, and the buttons by their labels."""
    return {
        "url": driver.current_url,
        "title": driver.title,
        "heading": driver.find_element(By.TAG_NAME, "h1").text,
        "text": driver.find_element(By.TAG_NAME, "main").text,
        "buttons": [button.text for button in driver.find_elements(By.TAG_NAME, "button")],
    }


def run(options, driver):
    before_path = os.path.join(options.output, f"{options.step}-page.png")
    after_path = os.path.join(options.output, f"{options.step}-done.png")

    driver.get(options.url)
    before = page_facts(driver)
    buttons = driver.find_elements(By.XPATH, f"//button[normalize-space()={json.dumps(options.button)}]")
    if len(buttons) != 1:
        raise FlowError(f"expected one button {options.button!r} on {options.url}, page shows {before}")
    if not driver.save_screenshot(before_path):
        raise FlowError(f"could not save {before_path}")

    buttons[0].click()
    # The click submits a form: wait until the old page is gone and the new one has loaded.
    wait = WebDriverWait(driver, 20)
    wait.until(expected_conditions.staleness_of(buttons[0]))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    after = page_facts(driver)
    if after["title"] != options.expect_title:
        raise FlowError(f"after pressing {options.button!r} the title is {after['title']!r}, expected {options.expect_title!r}: {after}")
    if not driver.save_screenshot(after_path):
        raise FlowError(f"could not save {after_path}")

    before["screenshot"] = before_path
    after["screenshot"] = after_path
    return {
        "step": options.step,
        "browser": driver.capabilities.get("browserVersion"),
        "userAgent": driver.execute_script("return navigator.userAgent"),
        "before": before,
        "after": after,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--step", required=True, help="names the screenshots, e.g. confirm or unsubscribe")
    parser.add_argument("--url", required=True, help="the link from the mail")
    parser.add_argument("--button", required=True, help="the label of the one button to press")
    parser.add_argument("--expect-title", required=True, help="the title of the page the button leads to")
    parser.add_argument("--output", required=True, help="folder for the screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--driver", default="/usr/bin/chromedriver")
    options = parser.parse_args()
    os.makedirs(options.output, exist_ok=True)

    profile = tempfile.mkdtemp(prefix="itsm-chromium-")
    chrome = webdriver.ChromeOptions()
    chrome.binary_location = options.chromium
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking", "--window-size=900,700",
                     f"--user-data-dir={profile}"]:
        chrome.add_argument(argument)
    driver = None
    try:
        driver = webdriver.Chrome(service=Service(executable_path=options.driver), options=chrome)
        result = run(options, driver)
    except (FlowError, WebDriverException) as error:
        json.dump({"error": f"{type(error).__name__}: {error}"}, sys.stdout)
        return 1
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
