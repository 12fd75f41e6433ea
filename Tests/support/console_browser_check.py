#!/usr/bin/env python3
"""The operators' console in a real browser: drives a running console (passwordless-admin
console) with headless Chromium (Tests/support/browser.py) and checks what an operator would.

Checks, in order: a non-operator gets the same "a code is on its way" page and no email; the
operator signs in with the code from the SMTP mailbox (a wrong code first gets a generic error);
a form post without the CSRF token is refused (403) and changes nothing; a client and a
connection are created and updated through the forms; the queue page's numbers match `queue
stats --json` and its dead count rises without a reload when a job dies (through a webhook
connection whose endpoint refuses permanently); that dead letter is inspected, requeued and then
purged after a confirmation step; a `console login-link` URL signs in once and not twice; signing
out ends the session (its cookie no longer works); every page carries the security headers.
A full-page screenshot of each main page is saved in $PL_ARTIFACTS and checked to be non-blank
(decoded with zlib, its distinct pixel values counted). Exits 0 and prints "console: all checks
passed" when every check passes; the first failure ends the run with "FAILED: <what>".

Environment:
  PL_CONSOLE     the console's base URL (http://127.0.0.1:PORT)
  PL_GATEWAY     the gateway's base URL (to start a login on the refusing connection)
  PL_CLIENT_ID   a client of PL_TENANT (grant otp)
  PL_TENANT      the tenant (it has an `email` SMTP connection to the sink)
  PL_OPERATOR    an address in CONSOLE_OPERATORS; PL_OUTSIDER one that is not
  PL_MAILBOX     the SMTP sink's JSON-lines mailbox
  PL_ADMIN       the passwordless-admin executable (run with this environment's settings)
  PL_SMTP_URL    smtp://host:port of the sink, for the connection the forms create
  PL_ARTIFACTS   where the screenshots go
"""
import email
import email.policy
import json
import os
import re
import struct
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import LocalServer, WaitTimeout, console_log, find_button, page_text, start_browser, wait_for  # noqa: E402

CONSOLE = os.environ["PL_CONSOLE"].rstrip("/")
GATEWAY = os.environ["PL_GATEWAY"].rstrip("/")
CLIENT_ID = os.environ["PL_CLIENT_ID"]
TENANT = os.environ["PL_TENANT"]
OPERATOR = os.environ["PL_OPERATOR"]
OUTSIDER = os.environ["PL_OUTSIDER"]
MAILBOX = os.environ["PL_MAILBOX"]
ADMIN = os.environ["PL_ADMIN"]
SMTP_URL = os.environ["PL_SMTP_URL"]
ARTIFACTS = os.environ["PL_ARTIFACTS"]
CODES_SEEN = []
SECRETS_SEEN = []


class Failure(Exception):
    pass


def check(condition, message, detail=None):
    if not condition:
        raise Failure(message + (f"\n  got: {detail}" if detail is not None else ""))
    print("ok:", message)


# ---------------------------------------------------------------------------
# Outside the browser: the CLI, the mailbox, plain HTTP
# ---------------------------------------------------------------------------

def admin(*arguments, expect_ok=True):
    result = subprocess.run([ADMIN, *arguments], capture_output=True, text=True, timeout=30)
    if expect_ok and result.returncode != 0:
        raise Failure(f"passwordless-admin {' '.join(arguments)} failed: {result.stderr.strip()}")
    return result


def admin_json(*arguments):
    return json.loads(admin(*arguments, "--json").stdout)


def mails_to(address):
    try:
        lines = open(MAILBOX, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if address in json.loads(line)["rcpt_tos"]]


def code_from_mail(address, after=0, timeout=20):
    """The code in the newest email to `address` beyond the first `after` ones."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mails = mails_to(address)
        if len(mails) > after:
            message = email.message_from_string(mails[-1]["data"], policy=email.policy.default)
            text = message.get_body(("plain",)).get_content()
            found = re.search(r"(?<!\d)(\d{6})(?!\d)", re.sub(r"https?://\S+", " ", text))
            check(found, f"the email to {address} carries a code", text[:300])
            CODES_SEEN.append(found.group(1))
            return found.group(1)
        time.sleep(0.1)
    raise Failure(f"no email to {address} arrived within {timeout}s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url, cookie=""):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=15) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def post(url, fields, cookie):
    body = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(
        url, data=body, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# ---------------------------------------------------------------------------
# Screenshots: full page, checked non-blank by decoding the PNG with zlib
# ---------------------------------------------------------------------------

def png_distinct_pixels(data):
    """Distinct RGB(A) pixel values of an 8-bit truecolour PNG (what Chromium writes)."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG")
    position, idat, width, height, channels = 8, b"", 0, 0, 0
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            check(depth == 8 and colour in (2, 6), "the screenshot is 8-bit RGB(A)", (depth, colour))
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    pixels = set()
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        for x in range(0, stride, channels * 7):  # every 7th pixel is plenty to tell a page from a blank
            pixels.add(bytes(line[x:x + channels]))
        previous = line
    return len(pixels)


def screenshot(driver, name):
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(1280, min(max(int(height) + 120, 700), 4000))
    path = os.path.join(ARTIFACTS, f"console-{name}.png")
    data = driver.get_screenshot_as_png()
    with open(path, "wb") as file:
        file.write(data)
    distinct = png_distinct_pixels(data)
    check(distinct >= 8, f"the {name} page's screenshot ({path}) is not blank ({distinct} distinct pixel values)")
    driver.set_window_size(1280, 800)


# ---------------------------------------------------------------------------
# In the browser
# ---------------------------------------------------------------------------

def open_page(driver, path):
    driver.get(CONSOLE + path)
    return wait_for(driver, lambda d: d.find_elements("css selector", "h1"), f"the page {path}")


def submit(driver, form_id, values, button=None):
    form = driver.find_element("id", form_id)
    for name, value in values.items():
        field = form.find_element("name", name)
        if field.tag_name == "select":
            from selenium.webdriver.support.ui import Select
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    form.find_element("css selector", "button[type=submit]").click()


def settled(read, default):
    """`read()`, or `default` while the page is being replaced (its elements detach mid-read)."""
    from selenium.common.exceptions import WebDriverException

    try:
        return read()
    except WebDriverException:
        return default


def notice(driver):
    return settled(lambda: "".join(element.text for element in driver.find_elements("id", "notice")), "")


def error(driver):
    return settled(lambda: "".join(element.text for element in driver.find_elements("id", "error")), "")


def result(driver):
    return settled(
        lambda: {element.get_attribute("data-key"): element.text for element in driver.find_elements("css selector", "dl.result dd")},
        {})


def session_cookie(driver):
    cookie = driver.get_cookie("pl_console")
    return f"pl_console={cookie['value']}" if cookie else ""


def sign_in_page_text(driver, address):
    open_page(driver, "/signin")
    submit(driver, "signin-email", {"email": address})
    wait_for(driver, lambda d: d.find_elements("id", "signin-code"), f"the code page after {address}")
    return notice(driver)


def scenario_headers():
    status, headers, body = get(CONSOLE + "/signin")
    check(status == 200, "the sign-in page answers 200", status)
    policy = headers.get("Content-Security-Policy") or ""
    check("script-src 'nonce-" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy,
          "pages carry a Content-Security-Policy that allows only nonced scripts", policy)
    check(headers.get("X-Frame-Options") == "DENY" and headers.get("Referrer-Policy") == "no-referrer"
          and headers.get("Cache-Control") == "no-store", "pages are not framed, send no referrer and are not cached", dict(headers))
    status, headers, _ = get(CONSOLE + "/queue/live")
    check(status == 303 and headers.get("Location") == "/signin", "without a session the live queue numbers are not served", status)


def scenario_sign_in(driver):
    open_page(driver, "/tenants")
    check(urllib.parse.urlsplit(driver.current_url).path == "/signin", "without a session the console sends you to /signin",
          driver.current_url)
    screenshot(driver, "signin")
    outsider_text = sign_in_page_text(driver, OUTSIDER)
    operator_mails = len(mails_to(OPERATOR))
    operator_text = sign_in_page_text(driver, OPERATOR.upper())
    check(outsider_text == operator_text and "code is on its way" in operator_text,
          "a non-operator gets the same page as an operator", (outsider_text, operator_text))
    code = code_from_mail(OPERATOR, after=operator_mails)
    time.sleep(1)
    check(not mails_to(OUTSIDER), "no email went to the non-operator")
    submit(driver, "signin-code", {"code": "000000" if code != "000000" else "111111"})
    wait_for(driver, lambda d: error(d), "the wrong code's error")
    check("not right" in error(driver), "a wrong code gets a generic error", error(driver))
    submit(driver, "signin-code", {"code": code})
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/tenants", "the tenants page after sign-in")
    check(TENANT in page_text(driver), "signed in, the tenants page lists the tenant")
    cookie = driver.get_cookie("pl_console")
    check(cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", "the session cookie is HttpOnly and SameSite=Strict",
          cookie and {k: cookie.get(k) for k in ("httpOnly", "sameSite", "secure")})
    screenshot(driver, "tenants")


def scenario_csrf(driver):
    cookie = session_cookie(driver)
    status, body = post(CONSOLE + "/tenants", {"name": "csrf-victim", "domain": "csrf.example.com"}, cookie)
    check(status == 403, "a form post without the CSRF token is refused with 403", (status, body[:200]))
    status, _ = post(CONSOLE + "/tenants", {"name": "csrf-victim", "domain": "csrf.example.com", "csrf": "forged"}, cookie)
    check(status == 403, "a form post with a wrong CSRF token is refused with 403", status)
    names = [tenant["name"] for tenant in admin_json("tenant", "list")]
    check("csrf-victim" not in names, "the refused posts changed nothing", names)


def scenario_client(driver):
    open_page(driver, f"/tenants/{TENANT}/clients")
    submit(driver, "create-client", {"name": "Console app", "type": "confidential", "callbacks": "https://app.example.com/callback"})
    wait_for(driver, lambda d: result(d).get("client_secret"), "the created client's secret")
    created = result(driver)
    SECRETS_SEEN.append(created["client_secret"])
    check("shown only this once" in page_text(driver), "the new client's secret is shown once, with a warning")
    client_id = created["client_id"]
    shown = admin_json("client", "show", client_id)
    check(shown["name"] == "Console app" and shown["type"] == "confidential", "the client exists as the form made it", shown)
    open_page(driver, f"/tenants/{TENANT}/clients/{client_id}")
    submit(driver, "edit-client", {"name": "Console app 2", "web-origins": "https://app.example.com"})
    wait_for(driver, lambda d: "Saved" in notice(d), "the saved notice")
    shown = admin_json("client", "show", client_id)
    check(shown["name"] == "Console app 2" and shown["web_origins"] == ["https://app.example.com"]
          and shown["callbacks"] == ["https://app.example.com/callback"],
          "the client update changed what was changed and kept the rest", shown)
    check("Console app 2" in page_text(driver), "the clients list shows the new name")
    screenshot(driver, "clients")
    open_page(driver, f"/tenants/{TENANT}/clients")
    submit(driver, "create-client", {"name": "Console app", "callbacks": "not a url"})
    wait_for(driver, lambda d: error(d), "the refused client's error")
    check("--callbacks" in error(driver), "a bad form field gets the CLI's own one-line error", error(driver))
    # A value that looks like a flag stays a value: it neither becomes an option nor breaks the form.
    open_page(driver, f"/tenants/{TENANT}/clients/{client_id}")
    submit(driver, "edit-client", {"name": "--secret"})
    wait_for(driver, lambda d: "Saved" in notice(d) or error(d), "the flag-like name's outcome")
    shown = admin_json("client", "show", client_id)
    check(shown["name"] == "--secret" and shown["type"] == "confidential", "a name written like a flag is stored as a name", shown)


def scenario_connection(driver):
    open_page(driver, f"/tenants/{TENANT}/connections")
    submit(driver, "create-connection", {
        "name": "mail2", "strategy": "email", "provider": "smtp", "smtp-url": SMTP_URL, "from": "ops@example.com",
        "smtp-user": "mailer", "smtp-password": "smtp-pass-7f3c9",
    })
    wait_for(driver, lambda d: "created" in notice(d), "the created connection's page")
    SECRETS_SEEN.append("smtp-pass-7f3c9")
    shown = admin_json("connection", "show", "--tenant", TENANT, "mail2")
    check(shown["provider"] == "smtp" and shown["from"] == "ops@example.com" and shown["has_credentials"],
          "the connection exists as the form made it", shown)
    check("smtp-pass-7f3c9" not in driver.page_source, "the connection's page never shows its password")
    submit(driver, "edit-connection", {"code-ttl": "300", "send-rate": "20/1"})
    wait_for(driver, lambda d: "Saved" in notice(d), "the saved connection")
    shown = admin_json("connection", "show", "--tenant", TENANT, "mail2")
    check(shown["code_ttl"] == 300 and shown["send_rate"] == "20/1" and shown["from"] == "ops@example.com"
          and shown["has_credentials"], "the connection update changed the limits and kept the rest", shown)
    screenshot(driver, "connection")


def scenario_queue_and_dead(driver, site):
    # A connection whose endpoint answers 404: its jobs die at the first attempt.
    open_page(driver, f"/tenants/{TENANT}/connections")
    submit(driver, "create-connection", {
        "name": "refusing", "strategy": "email", "provider": "webhook", "webhook-url": site.origin + "/refuse",
    })
    wait_for(driver, lambda d: "created" in notice(d), "the refusing connection")

    open_page(driver, "/queue")
    wait_for(driver, lambda d: d.find_elements("id", "q-dead"), "the queue page")
    stats = admin_json("queue", "stats")
    shown = {key: int(driver.find_element("id", f"q-{key}").text) for key in ("pending", "processing", "scheduled", "dead")}
    check(shown == {key: stats[key] for key in shown}, "the queue page's depth matches queue stats --json", (shown, stats))
    driver.execute_script("window.__notReloaded = true;")
    before = shown["dead"]
    reply = urllib.request.urlopen(urllib.request.Request(
        GATEWAY + "/passwordless/start", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"client_id": CLIENT_ID, "connection": "refusing", "email": "dies@example.com", "send": "code"}).encode()),
        timeout=15)
    check(reply.status == 200, "a login on the refusing connection is accepted")
    wait_for(driver, lambda d: int(d.find_element("id", "q-dead").text) > before, "the dead count to rise on the queue page", timeout=20)
    check(driver.execute_script("return window.__notReloaded === true"), "the queue page updated without a reload")
    stats = admin_json("queue", "stats")
    check(int(driver.find_element("id", "q-dead").text) == stats["dead"], "the live dead count matches queue stats", stats)
    screenshot(driver, "queue")

    letters = [json.loads(line) for line in admin("dead", "list", "--json").stdout.splitlines() if line.strip()]
    check(len(letters) == 1, "one dead letter", letters)
    job = letters[0]["job_id"]
    open_page(driver, "/dead")
    check(job in page_text(driver), "the dead letters page lists the job")
    screenshot(driver, "dead")
    driver.find_element("link text", job).click()
    wait_for(driver, lambda d: result(d).get("job_id") == job, "the dead letter's page")
    check(result(driver).get("reason"), "the dead letter's page shows its reason", result(driver))
    find_button(driver, "Requeue").click()
    wait_for(driver, lambda d: "Requeued" in notice(d), "the requeued notice")
    died = letters[0]["died_at"]
    deadline = time.time() + 20
    while time.time() < deadline:
        letters = [json.loads(line) for line in admin("dead", "list", "--json").stdout.splitlines() if line.strip()]
        if letters and (letters[0]["attempts"] > 1 or letters[0]["died_at"] != died):
            break
        time.sleep(0.2)
    check(letters and letters[0]["job_id"] == job, "the requeued job was sent again (and refused again)", letters)
    open_page(driver, "/dead")
    driver.find_element("link text", "Purge all dead letters…").click()
    wait_for(driver, lambda d: find_button(d, "Purge dead letters"), "the purge confirmation")
    check(admin("dead", "list", "--json").stdout.strip(), "nothing is purged before the confirmation")
    find_button(driver, "Purge dead letters").click()
    wait_for(driver, lambda d: "Purged" in notice(d), "the purged notice")
    check(not admin("dead", "list", "--json").stdout.strip(), "the purge emptied the dead letters")


def start_login(connection, email):
    reply = urllib.request.urlopen(urllib.request.Request(
        GATEWAY + "/passwordless/start", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"client_id": CLIENT_ID, "connection": connection, "email": email, "send": "code"}).encode()),
        timeout=15)
    check(reply.status == 200, f"a login on {connection} is accepted")


def scenario_tenant_objects(driver):
    """The pages over the CLI's newest commands: connection list and test, keys list and revoke,
    users search, block and delete, and one tenant's dead letters purged."""
    base = f"/tenants/{TENANT}"
    open_page(driver, f"{base}/connections")
    check(not error(driver) and "mail2" in page_text(driver), "the connections page lists the tenant's connections")
    open_page(driver, f"{base}/connections/email")
    before = len(mails_to("try@console.example.com"))
    submit(driver, "test-connection", {"to": "try@console.example.com"})
    wait_for(driver, lambda d: "Test message queued" in notice(d), "the test message notice")
    deadline = time.time() + 20
    while time.time() < deadline and len(mails_to("try@console.example.com")) <= before:
        time.sleep(0.2)
    check(len(mails_to("try@console.example.com")) > before, "the test message arrived through the connection")

    open_page(driver, f"{base}/keys")
    submit(driver, "rotate-key", {"algorithm": "RS256"})
    wait_for(driver, lambda d: "is current" in notice(d), "the rotated key")
    keys = json.loads(admin("keys", "list", "--tenant", TENANT, "--json").stdout)
    previous = [key["kid"] for key in keys if key["state"] == "previous"]
    check(len(previous) == 1, "rotation left one previous key", keys)
    driver.find_element("css selector", f"a[href$='/keys/{previous[0]}/revoke']").click()
    wait_for(driver, lambda d: find_button(d, "Revoke key"), "the revocation's confirmation")
    check(all(key["state"] != "revoked" for key in json.loads(admin("keys", "list", "--tenant", TENANT, "--json").stdout)),
          "nothing is revoked before the confirmation")
    find_button(driver, "Revoke key").click()
    wait_for(driver, lambda d: "Revoked" in notice(d), "the revoked notice")
    states = {key["kid"]: key["state"] for key in json.loads(admin("keys", "list", "--tenant", TENANT, "--json").stdout)}
    check(states.get(previous[0]) == "revoked", "the key page revoked the previous key", states)
    screenshot(driver, "keys")

    start_login("email", "ada.lovelace@example.com")
    start_login("email", "grace@example.com")
    open_page(driver, f"{base}/users?q=ada")
    rows = page_text(driver)
    check("ada.lovelace@example.com" in rows and "grace@example.com" not in rows, "the users page finds a user by the start of her address")
    find_button(driver, "Block").click()
    wait_for(driver, lambda d: "Blocked" in notice(d), "the blocked notice")
    found = json.loads(admin("user", "list", "--tenant", TENANT, "--query", 'email:"ada.lovelace@example.com"', "--json").stdout)
    check(len(found) == 1 and found[0]["blocked"] is True, "the user is blocked", found)
    screenshot(driver, "users")
    driver.find_element("link text", "Delete").click()
    wait_for(driver, lambda d: find_button(d, "Delete user"), "the deletion's confirmation")
    find_button(driver, "Delete user").click()
    wait_for(driver, lambda d: "Deleted" in notice(d), "the deleted notice")
    found = json.loads(admin("user", "list", "--tenant", TENANT, "--query", "ada", "--json").stdout)
    check(found == [], "the user is deleted", found)

    start_login("refusing", "dies-again@example.com")
    deadline = time.time() + 20
    while time.time() < deadline and not admin("dead", "list", "--tenant", TENANT, "--json").stdout.strip():
        time.sleep(0.2)
    letters = [json.loads(line) for line in admin("dead", "list", "--tenant", TENANT, "--json").stdout.splitlines() if line.strip()]
    check(len(letters) == 1, "one dead letter of the tenant", letters)
    open_page(driver, f"{base}/dead")
    check(letters[0]["job_id"] in page_text(driver), "the tenant's dead letters page lists it")
    driver.find_element("link text", "Purge this tenant's dead letters…").click()
    wait_for(driver, lambda d: find_button(d, "Purge dead letters"), "the tenant purge's confirmation")
    find_button(driver, "Purge dead letters").click()
    wait_for(driver, lambda d: "Purged" in notice(d), "the tenant purge's notice")
    check(not admin("dead", "list", "--tenant", TENANT, "--json").stdout.strip(), "the tenant's dead letters are purged")


def scenario_other_pages(driver):
    for name, path in [("apis", f"/tenants/{TENANT}/apis"), ("hooks", f"/tenants/{TENANT}/hooks"),
                       ("deliveries", f"/tenants/{TENANT}/deliveries")]:
        open_page(driver, path)
        check(not error(driver), f"the {name} page reads its command", error(driver))
        screenshot(driver, name)
    open_page(driver, f"/tenants/{TENANT}/hooks")
    # A hook URL whose path is its secret (as Slack's are): the audit line keeps its host only.
    submit(driver, "create-hook", {"url": "https://hooks.example.com/services/T0/B0/hook-path-secret-9c1"})
    SECRETS_SEEN.append("hook-path-secret-9c1")
    wait_for(driver, lambda d: result(d).get("secret"), "the new hook's secret")
    SECRETS_SEEN.append(result(driver)["secret"])


def scenario_login_link(driver):
    refused = admin("console", "login-link", "--email", OUTSIDER, expect_ok=False)
    check(refused.returncode != 0 and "CONSOLE_OPERATORS" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1,
          "login-link for a non-operator is a one-line error", refused.stderr)
    url = admin("console", "login-link", "--email", OPERATOR, "--public-url", CONSOLE).stdout.strip()
    check(url.startswith(CONSOLE + "/login-link/"), "login-link prints a sign-in URL", url)
    driver.delete_all_cookies()
    open_page(driver, "/tenants")
    check(urllib.parse.urlsplit(driver.current_url).path == "/signin", "signed out after the cookies are gone")
    # A link preview or a mail scanner fetching the link spends nothing: only the button's POST does.
    status, _, _ = get(url)
    check(status == 200, "the link's page answers a plain GET", status)
    driver.get(url)
    wait_for(driver, lambda d: find_button(d, "Sign in"), "the link's Sign in button").click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/tenants", "the tenants page after the link")
    check(OPERATOR in page_text(driver), "the login link signs the operator in")
    driver.delete_all_cookies()
    driver.get(url)
    wait_for(driver, lambda d: find_button(d, "Sign in"), "the link's Sign in button").click()
    wait_for(driver, lambda d: error(d), "the spent link's error")
    check("not valid" in error(driver), "the login link does not sign in twice", error(driver))
    open_page(driver, "/tenants")
    check(urllib.parse.urlsplit(driver.current_url).path == "/signin", "the spent link left no session")


def scenario_sign_out(driver):
    url = admin("console", "login-link", "--email", OPERATOR, "--public-url", CONSOLE).stdout.strip()
    driver.get(url)
    wait_for(driver, lambda d: find_button(d, "Sign in"), "the link's Sign in button").click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/tenants", "the tenants page after a new link")
    cookie = session_cookie(driver)
    check(get(CONSOLE + "/tenants", cookie)[0] == 200, "the session cookie works outside the browser too")
    find_button(driver, "Sign out").click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/signin", "the sign-in page after signing out")
    status, headers, _ = get(CONSOLE + "/tenants", cookie)
    check(status == 303 and headers.get("Location") == "/signin", "signing out ends the session in Redis, not just the cookie", status)


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    try:
        with LocalServer() as site, start_browser() as driver:
            driver.set_window_size(1280, 800)
            try:
                scenario_headers()
                scenario_sign_in(driver)
                scenario_csrf(driver)
                scenario_client(driver)
                scenario_connection(driver)
                scenario_queue_and_dead(driver, site)
                scenario_tenant_objects(driver)
                scenario_other_pages(driver)
                scenario_login_link(driver)
                scenario_sign_out(driver)
            except (Failure, WaitTimeout, AssertionError) as failure:
                print(f"FAILED: {failure}")
                print("browser at:", driver.current_url, "\n", page_text(driver)[:1500])
                print("browser console:", console_log(driver))
                return 1
    except Exception:
        print("FAILED: unexpected error")
        traceback.print_exc()
        return 1
    finally:
        print("codes seen:", " ".join(CODES_SEEN))
        print("secrets seen:", " ".join(SECRETS_SEEN))
    print("console: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
