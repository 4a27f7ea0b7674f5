#!/usr/bin/env python3
"""Browser test of the console UI with headless Chromium (Debian's chromium + chromium-driver, selenium).

Starts the built `palisade console serve` on a free loopback port, signs in with the bootstrap token,
reports attacks as an agent would (signed, gzip batches, by a signer written independently of the Swift
one), and checks that the dashboard numbers change, that an event's detail shows the payload as inert
text, and that switching a protection to mitigate in the policy editor makes the real agent, run by
`palisade run` with a Python function, block the next attack and report it. Saves the dashboard
screenshot to docs/.

Usage: Tests/Browser/console_browser_test.py [PALISADE_BINARY]   (default .build/debug/palisade)
"""
import gzip
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "palisade")
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


class Agent:
    """Signs requests exactly as docs/console-protocol.md says (an implementation independent of Swift's)."""

    def __init__(self, url, key, secret):
        self.url, self.key, self.secret = url, key, secret

    def request(self, method, path, body=b"", headers=None):
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        message = "\n".join([method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
        signature = hmac.new(self.secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        all_headers = {"X-Palisade-Key": self.key, "X-Palisade-Timestamp": timestamp, "X-Palisade-Nonce": nonce, "X-Palisade-Signature": signature}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=body if method != "GET" else None, method=method, headers=all_headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def report(self, events, invocations):
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        batch = {"agent": {"function": "orders-api", "region": "eu-west-1", "runtime": "python3.12", "layerVersion": "0.1.0"},
                 "events": events, "counters": [{"function": "orders-api", "invocations": invocations, "from": start, "to": now}]}
        body = gzip.compress(json.dumps(batch).encode())
        return self.request("POST", "/api/v1/ingest", body, {"Content-Type": "application/json", "Content-Encoding": "gzip"})


def event(category, evidence, action="reported", source="203.0.113.9"):
    return {"id": str(uuid.uuid4()), "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "kind": "attack",
            "requestId": "req-" + secrets.token_hex(4), "function": "orders-api", "trigger": "api-gateway-rest", "sourceIp": source,
            "category": category, "rule": category + ".browser", "message": category + " attempt", "location": "queryStringParameters.q",
            "evidence": evidence, "action": action, "incidentId": "inc-1"}


def run_function(url, values, query):
    """One invocation of the example Python function under the real agent, which talks to the console."""
    request = {"resource": "/exec", "path": "/exec", "httpMethod": "GET", "headers": {"Host": "api.example.com"},
               "queryStringParameters": query, "requestContext": {"resourcePath": "/exec", "httpMethod": "GET",
                                                                  "identity": {"sourceIp": "192.0.2.77"}}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as event_file:
        json.dump(request, event_file)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PALISADE_")}
    environment.update({"PALISADE_CONSOLE_URL": url, "PALISADE_KEY": values["PALISADE_KEY"], "PALISADE_SECRET": values["PALISADE_SECRET"]})
    return subprocess.check_output(
        [BINARY, "run", "--runtime", "python", "--dir", os.path.join(ROOT, "Examples", "functions", "python"), "--handler", "app.handler",
         "--event", event_file.name, "--function-name", "orders-api"], env=environment, text=True, timeout=120)


def main():
    workdir = tempfile.mkdtemp(prefix="palisade-browser-")
    database = "sqlite:" + os.path.join(workdir, "console.db")
    values = dict(line.split("=", 1) for line in subprocess.check_output(
        [BINARY, "console", "bootstrap", "--database", database, "--group", "shop"], text=True).split())
    server = subprocess.Popen([BINARY, "console", "serve", "--database", database, "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://[0-9.]+:[0-9]+", server.stdout.readline()).group(0)
        agent = Agent(url, values["PALISADE_KEY"], values["PALISADE_SECRET"])
        agent.report([], 40)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,900"]:
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        wait = WebDriverWait(driver, 10)
        try:
            driver.get(url + "/")
            driver.find_element(By.ID, "token").send_keys(values["PALISADE_TOKEN"])
            driver.find_element(By.ID, "signin").click()
            wait.until(lambda d: d.find_element(By.ID, "stat-invocations").text == "40")
            assert driver.find_element(By.ID, "stat-attacks").text == "0"
            print("signed in; dashboard shows 40 executions and 0 attacks")

            agent.report([event("sqli", "1' OR '1'='1"), event("xss", XSS), event("cmdi", "; cat /etc/passwd", "blocked", "198.51.100.4")], 160)
            driver.refresh()
            wait.until(lambda d: d.find_element(By.ID, "stat-attacks").text == "3")
            assert driver.find_element(By.ID, "stat-invocations").text == "200"
            assert driver.find_element(By.ID, "stat-blocked").text == "1"
            assert driver.find_element(By.ID, "stat-protected").text == "1"
            assert len(driver.find_elements(By.CSS_SELECTOR, "#chart-categories rect")) == 3
            print("after the agent reported: 3 attacks, 1 blocked, 200 executions, 3 bars")

            driver.get(url + "/#/events")
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.event-row")) == 3)
            row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tr.event-row") if "xss" in r.text)
            row.click()
            wait.until(lambda d: d.find_element(By.ID, "detail-evidence").text == XSS)
            assert driver.execute_script("return window.__pwned === undefined"), "the payload ran"
            assert not driver.find_elements(By.CSS_SELECTOR, "#view-event img, #view-event script"), "the payload became markup"
            fields = {dd.get_attribute("data-field"): dd.text for dd in driver.find_elements(By.CSS_SELECTOR, "#event-detail dd")}
            assert fields["function"] == "orders-api" and fields["trigger"] == "api-gateway-rest" and fields["source-ip"] == "203.0.113.9", fields
            print("event detail shows the XSS payload as text; it did not run")

            driver.get(url + "/#/policy")
            select = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "select[data-protection=sqli]"))
            Select(select).select_by_visible_text("mitigate")
            driver.find_element(By.ID, "policy-save").click()
            wait.until(lambda d: "Saved version 1" in d.find_element(By.ID, "policy-status").text)
            policy = agent.request("GET", "/api/v1/policy?function=orders-api")
            assert policy["protections"]["sqli"] == "mitigate", policy
            print("policy editor switched sqli to mitigate; the agent's policy fetch sees it")

            answer = run_function(url, values, {"q": "1 UNION SELECT password FROM users"})
            assert "403" in answer, answer
            driver.get(url + "/#/dashboard")
            wait.until(lambda d: d.find_element(By.ID, "stat-blocked").text == "2")
            assert driver.find_element(By.ID, "stat-attacks").text == "4"
            assert driver.find_element(By.ID, "stat-invocations").text == "201"
            os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
            driver.save_screenshot(os.path.join(ROOT, "docs", "console-dashboard.png"))
            print("palisade run: the agent fetched the new policy, blocked the next attack and reported it; screenshot saved")
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait()
    print("browser test passed")


if __name__ == "__main__":
    main()
