"""Browser-test harness: headless Chromium driven through Selenium, and a small local web
server for the pages a test needs around the product (an OAuth callback, a single-page app).

Debian's `chromium` and `chromium-driver` (apt) and `selenium` (pip) are required; nothing is
downloaded at run time. When one is missing, `start_browser()` raises `BrowserMissing` with
what to install: the tests fail, they never skip.

    from browser import start_browser, LocalServer, wait_for

    with LocalServer() as site, start_browser() as driver:
        driver.get(some_url)
        wait_for(driver, lambda d: d.find_elements(By.TAG_NAME, "button"), "the button")
        hit = site.wait_for_callback()        # {"path", "query", "fragment", "referer", ...}

LocalServer serves, on 127.0.0.1 (port 0 = any free port):
  /callback   records every GET (query string, Referer) and, through the page's inline
              script, the fragment the browser saw (`location.hash`), posted back to /record.
              When the page's origin has a pending single-page-app login in sessionStorage
              (started from /spa), the same script finishes it: it exchanges the code through
              CORS `fetch` and writes the outcome into the DOM (#result, data-status ok|error).
  /spa        a single-page app: an email field and a "Send me a link" button that start a
              PKCE login with `fetch` POST {gateway}/passwordless/start from the page's own
              origin. Query: gateway, client_id, [scope], [connection].
Both pages are ours; the product's pages are what the tests look at.
"""
import html
import json
import os
import shutil
import tempfile
import threading
import time
import urllib.parse
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHROMIUM = os.environ.get("PL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PL_CHROMEDRIVER", "/usr/bin/chromedriver")
INSTALL_HINT = "install chromium and chromium-driver (Debian) and selenium (pip)"


class BrowserMissing(RuntimeError):
    pass


def _require_browser():
    problems = []
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            problems.append(f"{path} not found")
    try:
        import selenium  # noqa: F401
    except ImportError:
        problems.append("the selenium Python package is not installed")
    if problems:
        raise BrowserMissing(f"{'; '.join(problems)}: {INSTALL_HINT}")


@contextmanager
def start_browser(page_load_timeout=20):
    """Headless Chromium with a fresh temporary profile; quits it and removes the profile after."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="pl-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-sync", "--disable-extensions",
        "--disable-component-update", "--window-size=1024,768",
    ):
        options.add_argument(argument)
    # Browser console messages, for failure reports (see console_log).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=os.devnull)
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except Exception as error:
        shutil.rmtree(profile, ignore_errors=True)
        raise BrowserMissing(f"headless Chromium did not start ({error.__class__.__name__}: {error}); {INSTALL_HINT}") from error
    try:
        driver.set_page_load_timeout(page_load_timeout)
        driver.set_script_timeout(page_load_timeout)
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


class WaitTimeout(AssertionError):
    pass


def wait_for(driver, condition, what, timeout=10):
    """Explicit wait: polls `condition(driver)` until it returns something truthy, and returns
    it; on timeout raises WaitTimeout naming `what`, the page's URL and the start of its text."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        raise WaitTimeout(f"waited {timeout}s for {what}; browser at {driver.current_url}: {page_text(driver)[:300]!r}") from None


def page_text(driver):
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except Exception:
        return ""


def console_log(driver):
    try:
        return "\n".join(entry["message"] for entry in driver.get_log("browser"))
    except Exception:
        return ""


def find_button(driver, text):
    """The one visible <button> (or submit input) whose text is `text`, or None."""
    from selenium.webdriver.common.by import By

    for element in driver.find_elements(By.CSS_SELECTOR, "button, input[type=submit]"):
        label = element.text if element.tag_name == "button" else element.get_attribute("value")
        if (label or "").strip() == text and element.is_displayed():
            return element
    return None


# ---------------------------------------------------------------------------
# Local pages
# ---------------------------------------------------------------------------

CALLBACK_PAGE = """<!doctype html>
<meta charset="utf-8"><title>callback</title>
<h1>Callback</h1>
<pre id="seen"></pre>
<pre id="result" data-status="none"></pre>
<script>
(async () => {
  const seen = { search: location.search, hash: location.hash };
  document.getElementById("seen").textContent = JSON.stringify(seen);
  await fetch("/record", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(seen) });
  const pending = sessionStorage.getItem("pl_spa");
  if (!pending) return;
  sessionStorage.removeItem("pl_spa");
  const result = document.getElementById("result");
  try {
    const login = JSON.parse(pending);
    const query = new URLSearchParams(location.search);
    if (query.get("state") !== login.state) throw new Error("state mismatch: " + query.get("state"));
    const reply = await fetch(login.gateway + "/oauth/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        grant_type: "authorization_code", client_id: login.client_id, code: query.get("code"),
        code_verifier: login.verifier, redirect_uri: login.redirect_uri,
      }),
    });
    const body = await reply.json();
    if (!reply.ok) throw new Error("token endpoint answered " + reply.status + " " + JSON.stringify(body));
    result.textContent = JSON.stringify({ tokens: body, nonce: login.nonce, state: login.state });
    result.dataset.status = "ok";
  } catch (error) {
    result.textContent = String(error);
    result.dataset.status = "error";
  }
})();
</script>
"""

SPA_PAGE = """<!doctype html>
<meta charset="utf-8"><title>spa</title>
<h1>Sign in</h1>
<form id="start"><input id="email" type="email" name="email"> <button id="send" type="submit">Send me a link</button></form>
<pre id="status" data-status="none"></pre>
<script>
const config = Object.fromEntries(new URLSearchParams(location.search));
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));
document.getElementById("start").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = document.getElementById("status");
  try {
    const verifier = random(), state = random(), nonce = random();
    const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    const redirect_uri = location.origin + "/callback";
    sessionStorage.setItem("pl_spa", JSON.stringify({
      gateway: config.gateway, client_id: config.client_id, verifier, state, nonce, redirect_uri,
    }));
    const reply = await fetch(config.gateway + "/passwordless/start", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: config.client_id, connection: config.connection || "email",
        email: document.getElementById("email").value, send: "link",
        authParams: {
          response_type: "code", redirect_uri, scope: config.scope || "openid email", state, nonce,
          code_challenge: challenge, code_challenge_method: "S256",
        },
      }),
    });
    const body = await reply.text();
    status.textContent = reply.status + " " + body;
    status.dataset.status = reply.ok ? "ok" : "error";
  } catch (error) {
    status.textContent = String(error);
    status.dataset.status = "error";
  }
});
</script>
"""


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 serving /callback, /record and /spa (see the module
    docstring). `hits` lists every GET of /callback; `records` what the callback page's script
    saw. Use as a context manager, or call start() and stop()."""

    def __init__(self, port=0):
        self.hits = []      # {"path", "query", "referer"} per GET /callback
        self.records = []   # {"query", "fragment", "search", "hash"} per page load (from its script)
        self.changed = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send_page(self, body, status=200, content_type="text/html; charset=utf-8"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/callback":
                    with server.changed:
                        server.hits.append({
                            "path": self.path, "query": dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
                            "referer": self.headers.get("Referer"),
                        })
                        server.changed.notify_all()
                    self.send_page(CALLBACK_PAGE)
                elif url.path == "/spa":
                    self.send_page(SPA_PAGE)
                elif url.path == "/favicon.ico":
                    self.send_page("", status=204, content_type="image/x-icon")
                else:
                    self.send_page(f"<p>not found: {html.escape(url.path)}</p>", status=404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if urllib.parse.urlsplit(self.path).path != "/record":
                    self.send_page("not found", status=404, content_type="text/plain")
                    return
                seen = json.loads(body)
                record = {
                    "search": seen.get("search", ""), "hash": seen.get("hash", ""),
                    "query": dict(urllib.parse.parse_qsl(seen.get("search", "").lstrip("?"), keep_blank_values=True)),
                    "fragment": dict(urllib.parse.parse_qsl(seen.get("hash", "").lstrip("#"), keep_blank_values=True)),
                }
                with server.changed:
                    server.records.append(record)
                    server.changed.notify_all()
                self.send_page("{}", content_type="application/json")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.callback_url = self.origin + "/callback"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"local-server-{self.port}", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def spa_url(self, gateway, client_id, **extra):
        return self.origin + "/spa?" + urllib.parse.urlencode({"gateway": gateway, "client_id": client_id, **extra})

    def wait_for_callback(self, after, timeout=10):
        """Waits for the callback page's script to report what it saw (query and fragment) and
        returns that record; `after` is `mark()[0]` taken before the action that leads there,
        so only a new arrival counts. Raises WaitTimeout."""
        with self.changed:
            start = after
            deadline = time.monotonic() + timeout
            while len(self.records) <= start:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WaitTimeout(f"nothing reached {self.callback_url} within {timeout}s")
                self.changed.wait(remaining)
            return self.records[start]

    def mark(self):
        """The current number of records and hits, for `wait_for_callback(after=…)` and for
        checking later that nothing arrived."""
        with self.changed:
            return len(self.records), len(self.hits)
