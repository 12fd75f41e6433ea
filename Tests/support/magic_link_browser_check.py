#!/usr/bin/env python3
"""Magic links in a real browser: drives a running Passwordless system with headless Chromium
(Tests/support/browser.py) and plain HTTP, and checks the sign-in link of issue 14 end to end.
Links and codes are read from the SMTP server's mailbox; id_tokens are verified against the
gateway's JWKS with PyJWT. Exits 0 and prints "magic links: all checks passed" when every
check passes; the first failure ends the run with "FAILED: <what>" and the server's answer.

Scenarios: (a) public client with PKCE, (b) confidential client, (c) a single-page app that
starts and finishes the login from its own origin through CORS, (d) a scanner opening the link
without and with JavaScript, (e) the link opened twice and a tampered link, (f) a wrong
redirect_uri at start, replayed, foreign and mis-bound authorization codes, (g) the typed code
after the link and the link after the typed code, (h) the implicit flow (`id_token token`).
auth0-python's own link calls are checked by Tests/support/auth0_sdk_check.py.

Environment:
  PL_GATEWAY                     the gateway's base URL (http://127.0.0.1:PORT); links must point at it
  PL_ISSUER                      the id_tokens' iss (https://<tenant domain>/)
  PL_PUBLIC_CLIENT_ID            public client: callbacks http://127.0.0.1:$PL_CALLBACK_PORT/callback and
                                 http://127.0.0.1:$PL_SPA_PORT/callback, web origin
                                 http://127.0.0.1:$PL_SPA_PORT, grants otp and authorization_code
  PL_CONFIDENTIAL_CLIENT_ID      confidential client (RS256): callback .../$PL_CALLBACK_PORT/callback,
  PL_CONFIDENTIAL_CLIENT_SECRET  grants otp and authorization_code
  PL_IMPLICIT_CLIENT_ID          public client: callback .../$PL_CALLBACK_PORT/callback, grant implicit
  PL_CALLBACK_PORT               where this script serves /callback
  PL_SPA_PORT                    where this script serves the single-page app (its own origin)
  PL_MAILBOX                     the SMTP sink's JSON-lines mailbox (Tests/support/smtp_sink.py)
"""
import base64
import email
import email.policy
import hashlib
import json
import os
import re
import secrets
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import LocalServer, WaitTimeout, console_log, find_button, page_text, start_browser, wait_for  # noqa: E402

import jwt  # noqa: E402  (PyJWT, installed with auth0-python)

GATEWAY = os.environ["PL_GATEWAY"].rstrip("/")
ISSUER = os.environ["PL_ISSUER"]
PUBLIC = os.environ["PL_PUBLIC_CLIENT_ID"]
CONFIDENTIAL = os.environ["PL_CONFIDENTIAL_CLIENT_ID"]
SECRET = os.environ["PL_CONFIDENTIAL_CLIENT_SECRET"]
IMPLICIT = os.environ["PL_IMPLICIT_CLIENT_ID"]
CALLBACK_PORT = int(os.environ["PL_CALLBACK_PORT"])
SPA_PORT = int(os.environ["PL_SPA_PORT"])
MAILBOX = os.environ["PL_MAILBOX"]

VERIFY_PATH = "/passwordless/verify_redirect"
OTP_GRANT = "http://auth0.com/oauth/grant-type/passwordless/otp"
RUN = secrets.token_hex(3)
CODES_SEEN = []  # printed at the end, so the Swift test can check no service log carries one


class Failure(Exception):
    pass


def check(condition, message, detail=None):
    if not condition:
        raise Failure(message + (f"\n  got: {detail}" if detail is not None else ""))
    print("ok:", message)


# ---------------------------------------------------------------------------
# HTTP without a browser (never follows redirects)
# ---------------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name):
        return self.headers.get(name) or ""

    def __repr__(self):
        location = f" Location: {self.header('Location')}" if self.header("Location") else ""
        return f"HTTP {self.status} ({self.header('Content-Type')}){location} {self.text[:400]!r}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=15) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


def post_json(path, payload):
    return http("POST", GATEWAY + path, json.dumps(payload).encode(), {"Content-Type": "application/json"})


def post_form(path, fields):
    body = urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None}).encode()
    return http("POST", GATEWAY + path, body, {"Content-Type": "application/x-www-form-urlencoded"})


# ---------------------------------------------------------------------------
# The login's pieces
# ---------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce():
    verifier = b64url(secrets.token_bytes(32))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def address(name):
    return f"{name}-{RUN}@example.com"


class Login:
    """One /passwordless/start with send=link, and what the email brought."""

    def __init__(self, name, client_id, redirect_uri, response_type="code", secret=None, use_pkce=True):
        self.email = address(name)
        self.client_id, self.redirect_uri, self.response_type, self.secret = client_id, redirect_uri, response_type, secret
        self.state, self.nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.verifier, challenge = pkce() if use_pkce else (None, None)
        self.auth_params = {"response_type": response_type, "redirect_uri": redirect_uri, "scope": "openid email",
                            "state": self.state, "nonce": self.nonce}
        if use_pkce:
            self.auth_params.update(code_challenge=challenge, code_challenge_method="S256")
        body = {"client_id": client_id, "connection": "email", "email": self.email, "send": "link", "authParams": self.auth_params}
        if secret:
            body["client_secret"] = secret
        reply = post_json("/passwordless/start", body)
        check(reply.status == 200, f"[{name}] /passwordless/start with send=link answers 200", reply)
        self.link, self.code = link_from_mail(self.email)
        self.check_link(name)

    def check_link(self, name):
        check(self.link.startswith(GATEWAY + VERIFY_PATH + "?"),
              f"[{name}] the email's link is {GATEWAY}{VERIFY_PATH}?… (PUBLIC_BASE_URL is the gateway)", self.link)
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.link).query, keep_blank_values=True))
        expected = {"client_id": self.client_id, "connection": "email", "email": self.email, "verification_code": self.code,
                    **self.auth_params}
        wrong = {k: (params.get(k), v) for k, v in expected.items() if params.get(k) != v}
        check(not wrong, f"[{name}] the link carries client_id, connection, email, the code and the authParams", wrong)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for key, value in attrs if key == "href" and value]


def link_from_mail(to, timeout=20):
    """The verify_redirect link (from the HTML part's <a href>, else the text part) and the code
    shown in plain text, from the first email to `to`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            lines = open(MAILBOX, encoding="utf-8").read().splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            record = json.loads(line)
            if to in record["rcpt_tos"]:
                return parse_mail(record["data"], to)
        time.sleep(0.1)
    raise Failure(f"no email to {to} arrived within {timeout}s")


def parse_mail(raw, to):
    message = email.message_from_string(raw, policy=email.policy.default)
    html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
    check(message.get_content_type() == "multipart/alternative" and html_part is not None and text_part is not None,
          f"the email to {to} is multipart/alternative with text and HTML parts", message.get_content_type())
    text = text_part.get_content()
    links = _Links()
    links.feed(html_part.get_content())
    candidates = [href for href in links.hrefs if VERIFY_PATH in href]
    if not candidates:
        candidates = [url.rstrip(".,)>") for url in re.findall(r"https?://\S+", text) if VERIFY_PATH in url]
    check(candidates, f"the email to {to} links to {VERIFY_PATH}", links.hrefs)
    link = candidates[0]
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query)).get("verification_code", "")
    if code:
        CODES_SEEN.append(code)
    text_without_links = re.sub(r"https?://\S+", " ", text)
    check(code and re.search(rf"(?<!\d){re.escape(code)}(?!\d)", text_without_links),
          f"the email to {to} shows the link's verification_code in plain text too", text)
    return link, code


# ---------------------------------------------------------------------------
# The link's page, without a browser
# ---------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.buttons, self.scripts, self.handlers, self.anchors = [], [], 0, [], []
        self._button = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [key for key, _ in attrs if key.startswith("on")]
        if tag == "form":
            self.forms.append({"method": (attributes.get("method") or "get").lower(), "action": attributes.get("action"), "fields": {}})
        elif tag == "input" and self.forms and attributes.get("name"):
            if (attributes.get("type") or "text").lower() not in ("submit", "button", "image"):
                self.forms[-1]["fields"][attributes["name"]] = attributes.get("value") or ""
        elif tag == "button":
            self._button = {"text": "", "name": attributes.get("name"), "value": attributes.get("value")}
        elif tag == "script":
            self.scripts += 1
        elif tag == "a" and attributes.get("href"):
            self.anchors.append(attributes["href"])

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self._button["text"] = self._button["text"].strip()
            self.buttons.append(self._button)
            self._button = None


def parse_page(reply):
    page = _Page()
    page.feed(reply.text)
    return page


SECURITY_HEADERS = {
    "Content-Security-Policy": lambda v: "default-src 'none'" in v,
    "X-Frame-Options": lambda v: v.upper() == "DENY",
    "Referrer-Policy": lambda v: v.lower() == "no-referrer",
    "Cache-Control": lambda v: "no-store" in v.lower(),
}


def check_security_headers(reply, what):
    wrong = {name: reply.header(name) for name, good in SECURITY_HEADERS.items() if not good(reply.header(name))}
    check(not wrong, f"{what} sends CSP default-src 'none', X-Frame-Options DENY, Referrer-Policy no-referrer, Cache-Control no-store",
          wrong)


def check_link_page(link, name):
    reply = http("GET", link)
    check(reply.status == 200 and reply.header("Content-Type").startswith("text/html"),
          f"[{name}] GET of the link answers a 200 HTML page", reply)
    check_security_headers(reply, f"[{name}] the link's page")
    page = parse_page(reply)
    check(len(page.forms) == 1 and page.forms[0]["method"] == "post", f"[{name}] the page has exactly one POST form", page.forms)
    check([b["text"] for b in page.buttons] == ["Continue"], f"[{name}] the page's one button says Continue", page.buttons)
    check(page.scripts == 0 and not page.handlers, f"[{name}] the page has no JavaScript (no <script>, no on* handlers)",
          (page.scripts, page.handlers))
    head = http("HEAD", link)
    check(head.status == 200 and head.header("Content-Type").startswith("text/html") and not head.body,
          f"[{name}] HEAD of the link answers 200 text/html without a body", head)
    check_security_headers(head, f"[{name}] HEAD of the link")
    return page


def submit_link(link):
    """What a browser without JavaScript gets for opening the link and pressing its button: the
    POST's answer, or the GET's if the page has no form (a spent link may say so at once)."""
    page_reply = http("GET", link)
    page = parse_page(page_reply)
    posts = [form for form in page.forms if form["method"] == "post"]
    if not posts:
        return page_reply
    form = posts[0]
    fields = dict(form["fields"])
    for button in page.buttons:
        if button["name"]:
            fields[button["name"]] = button["value"] or ""
    action = urllib.parse.urljoin(link, form["action"]) if form["action"] else link
    return http("POST", action, urllib.parse.urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"})


def code_without_browser(login, name):
    """Presses Continue over plain HTTP and returns the authorization code from the 302."""
    reply = submit_link(login.link)
    location = reply.header("Location")
    check(reply.status in (302, 303) and location.startswith(login.redirect_uri + "?"),
          f"[{name}] the link's form answers a redirect to redirect_uri", reply)
    check_no_code_in(location, login.code, f"[{name}] the redirect")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    check(query.get("state") == login.state and query.get("code"), f"[{name}] the redirect carries code and state", location)
    return query["code"]


def check_no_code_in(url, code, what):
    params = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query) + urllib.parse.parse_qsl(urllib.parse.urlsplit(url).fragment)
    check("verification_code" not in url and all(value != code for _, value in params),
          f"{what} does not carry the verification code", url)


def check_used_reply(reply, what):
    check(reply.status in (400, 403, 410) and reply.header("Content-Type").startswith("text/html") and not reply.header("Location"),
          f"{what} answers an HTML page (400/403/410), not a redirect or JSON", reply)
    check(re.search(r"used|expired", reply.text, re.I), f"{what}: the page says the link is used or expired", reply)
    check(parse_page(reply).anchors, f"{what}: the page offers a link to start again", reply)


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

_jwks = jwt.PyJWKClient(GATEWAY + "/.well-known/jwks.json", cache_keys=True)


def verify_id_token(token, client_id, nonce, what):
    try:
        key = _jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=client_id, issuer=ISSUER)
    except Exception as error:
        raise Failure(f"{what}: the id_token does not verify against {GATEWAY}/.well-known/jwks.json "
                      f"(RS256, iss {ISSUER}, aud {client_id}): {error.__class__.__name__}: {error}") from None
    check(claims.get("nonce") == nonce, f"{what}: the id_token verifies against the JWKS and carries the nonce", claims)
    return claims


def exchange(code, redirect_uri, client_id, verifier=None, secret=None):
    return post_form("/oauth/token", {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                      "client_id": client_id, "code_verifier": verifier, "client_secret": secret})


def check_tokens(reply, login, what):
    body = reply.json() or {}
    check(reply.status == 200 and all(k in body for k in ("access_token", "id_token", "token_type", "expires_in", "scope")),
          f"{what}: /oauth/token answers 200 with access_token, id_token, token_type, expires_in and scope", reply)
    claims = verify_id_token(body["id_token"], login.client_id, login.nonce, what)
    check(claims.get("sub", "").startswith("email|") and claims.get("email") == login.email,
          f"{what}: the id_token names the email user", claims)
    return body


def check_invalid_grant(reply, what):
    check(reply.status == 403 and (reply.json() or {}).get("error") == "invalid_grant", f"{what}: 403 invalid_grant", reply)


# ---------------------------------------------------------------------------
# In the browser
# ---------------------------------------------------------------------------

def press_continue(driver, site, link, name):
    """Opens the link, presses Continue, and returns what the callback page saw and the
    callback's GET (query, Referer)."""
    records, hits = site.mark()
    driver.get(link)
    wait_for(driver, lambda d: find_button(d, "Continue"), f"[{name}] the Continue button").click()
    try:
        record = site.wait_for_callback(records)
    except WaitTimeout:
        raise Failure(f"[{name}] pressing Continue did not reach {site.callback_url}; browser at {driver.current_url}: "
                      f"{page_text(driver)[:300]!r}\n  browser console: {console_log(driver)}") from None
    hit = site.hits[hits] if len(site.hits) > hits else {}
    check(hit.get("referer") is None, f"[{name}] the callback gets no Referer (the link's page sends none)", hit.get("referer"))
    return record


def check_used_in_browser(driver, site, link, what):
    """Opens a spent link, presses Continue if offered, and expects the used-or-expired page."""
    _, hits = site.mark()
    driver.get(link)
    button = wait_for(driver, lambda d: find_button(d, "Continue") or re.search(r"used|expired", page_text(d), re.I),
                      f"{what}: the page")
    if button is not True and hasattr(button, "click"):
        button.click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).netloc == urllib.parse.urlsplit(GATEWAY).netloc
             and not find_button(d, "Continue") and re.search(r"used|expired", page_text(d), re.I),
             f"{what}: a page that says the link is used or expired")
    text = page_text(driver)
    try:
        json.loads(text)
        is_json = True
    except ValueError:
        is_json = False
    from selenium.webdriver.common.by import By
    check(not is_json and not text.lstrip().startswith("{") and driver.find_elements(By.CSS_SELECTOR, "a[href]"),
          f"{what}: the browser stays on Passwordless on an HTML page that says used or expired and links back", text[:300])
    check(site.mark()[1] == hits, f"{what}: nothing reached the callback", site.hits[hits:])


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

def scenario_public_pkce(driver, site):
    login = Login("a-pkce", PUBLIC, site.callback_url)
    record = press_continue(driver, site, login.link, "a")
    check(record["query"].get("state") == login.state and record["query"].get("code") and not record["fragment"],
          "[a] Continue lands on the callback with code and the same state", record)
    check_no_code_in(record["search"] + record["hash"], login.code, "[a] the callback URL")
    tokens = check_tokens(exchange(record["query"]["code"], site.callback_url, PUBLIC, verifier=login.verifier), login,
                          "[a] the code with its PKCE verifier")
    return record["query"]["code"], tokens


def scenario_confidential(driver, site):
    login = Login("b-confidential", CONFIDENTIAL, site.callback_url, secret=SECRET, use_pkce=False)
    record = press_continue(driver, site, login.link, "b")
    check(record["query"].get("state") == login.state and record["query"].get("code"),
          "[b] Continue lands on the callback with code and state", record)
    check_tokens(exchange(record["query"]["code"], site.callback_url, CONFIDENTIAL, secret=SECRET), login,
                 "[b] the code with the client secret")


def scenario_spa(driver, spa):
    from selenium.webdriver.common.by import By

    driver.get(spa.spa_url(GATEWAY, PUBLIC))
    who = address("c-spa")
    wait_for(driver, lambda d: d.find_element(By.ID, "email"), "[c] the SPA's form").send_keys(who)
    driver.find_element(By.ID, "send").click()
    status = wait_for(driver, lambda d: d.find_element(By.ID, "status").get_attribute("data-status") != "none"
                      and d.find_element(By.ID, "status"), "[c] the SPA's /passwordless/start fetch")
    check(status.get_attribute("data-status") == "ok",
          f"[c] the SPA at {spa.origin} starts the login with fetch through CORS", f"{status.text} {console_log(driver)}")
    link, code = link_from_mail(who)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    check(params.get("redirect_uri") == spa.callback_url and params.get("code_challenge_method") == "S256",
          "[c] the link returns to the SPA's callback with its PKCE challenge", params)
    records, _ = spa.mark()
    driver.get(link)
    wait_for(driver, lambda d: find_button(d, "Continue"), "[c] the Continue button").click()
    spa.wait_for_callback(records)
    result = wait_for(driver, lambda d: d.find_element(By.ID, "result").get_attribute("data-status") != "none"
                      and d.find_element(By.ID, "result"), "[c] the SPA's /oauth/token fetch")
    check(result.get_attribute("data-status") == "ok", "[c] the SPA's own JavaScript exchanges the code through CORS",
          f"{result.text} {console_log(driver)}")
    outcome = json.loads(result.text)
    claims = verify_id_token(outcome["tokens"]["id_token"], PUBLIC, outcome["nonce"], "[c] the SPA's id_token")
    check(claims.get("email") == who, "[c] the SPA's id_token names the email user", claims)


def scenario_scanner(driver, site):
    login = Login("d-scanner", PUBLIC, site.callback_url)
    for _ in range(3):
        check_link_page(login.link, "d")
    scanner = http("GET", login.link, headers={"User-Agent": "Mozilla/5.0 (compatible; SafeLinks-Scanner)"})
    check(scanner.status == 200, "[d] a scanner's GET answers the page", scanner)
    _, hits = site.mark()
    for attempt in range(3):
        driver.get(login.link)
        wait_for(driver, lambda d: find_button(d, "Continue"), "[d] the page in a browser with JavaScript")
        time.sleep(0.3)
        check(urllib.parse.urlsplit(driver.current_url).path == VERIFY_PATH and site.mark()[1] == hits,
              f"[d] opening the link with JavaScript ({attempt + 1}) stays on the page and submits nothing", driver.current_url)
    record = press_continue(driver, site, login.link, "d")
    check(record["query"].get("code") and record["query"].get("state") == login.state,
          "[d] after GETs, HEADs and browser visits, Continue still signs in", record)
    check_tokens(exchange(record["query"]["code"], site.callback_url, PUBLIC, verifier=login.verifier), login,
                 "[d] the code after the scanner")


def scenario_twice(driver, site):
    login = Login("e-twice", PUBLIC, site.callback_url)
    press_continue(driver, site, login.link, "e")
    check_used_in_browser(driver, site, login.link, "[e] the link opened a second time")
    check_used_reply(submit_link(login.link), "[e] the spent link's form over plain HTTP")
    tampered = Login("e-tampered", PUBLIC, site.callback_url)
    wrong = "000000" if tampered.code != "000000" else "000001"
    bad_link = tampered.link.replace(f"verification_code={tampered.code}", f"verification_code={wrong}")
    check_used_reply(submit_link(bad_link), "[e] a link with a wrong code")


def scenario_grants(site, spa, used_code):
    reply = post_json("/passwordless/start", {
        "client_id": PUBLIC, "connection": "email", "email": address("f-redirect"), "send": "link",
        "authParams": {"response_type": "code", "redirect_uri": "http://127.0.0.1:9/not-registered", "scope": "openid",
                       "state": "s", "code_challenge": pkce()[1], "code_challenge_method": "S256"}})
    check(reply.status == 400 and (reply.json() or {}).get("error") == "bad.redirect_uri",
          "[f] a redirect_uri that is not a callback of the client: 400 bad.redirect_uri at start", reply)
    check_invalid_grant(exchange(used_code, site.callback_url, PUBLIC, verifier="x" * 43), "[f] a replayed authorization code")

    login = Login("f-foreign", PUBLIC, site.callback_url)
    code = code_without_browser(login, "f")
    check_invalid_grant(exchange(code, site.callback_url, CONFIDENTIAL, secret=SECRET), "[f] another client's code")

    login = Login("f-wrong-redirect", PUBLIC, site.callback_url)
    code = code_without_browser(login, "f")
    check_invalid_grant(exchange(code, spa.callback_url, PUBLIC, verifier=login.verifier),
                        "[f] a code exchanged with another (registered) redirect_uri")

    login = Login("f-no-verifier", PUBLIC, site.callback_url)
    code = code_without_browser(login, "f")
    check_invalid_grant(exchange(code, site.callback_url, PUBLIC), "[f] a public client's code without code_verifier")

    login = Login("f-wrong-verifier", PUBLIC, site.callback_url)
    code = code_without_browser(login, "f")
    check_invalid_grant(exchange(code, site.callback_url, PUBLIC, verifier=pkce()[0]), "[f] a code with the wrong code_verifier")


def typed(login):
    return post_form("/oauth/token", {"grant_type": OTP_GRANT, "realm": "email", "username": login.email, "otp": login.code,
                                      "client_id": login.client_id, "scope": "openid"})


def scenario_link_and_code(driver, site):
    login = Login("g-link-first", PUBLIC, site.callback_url)
    press_continue(driver, site, login.link, "g")
    check_invalid_grant(typed(login), "[g] the typed code after the link was used")

    login = Login("g-code-first", PUBLIC, site.callback_url)
    reply = typed(login)
    check(reply.status == 200 and "id_token" in (reply.json() or {}), "[g] the typed code signs in", reply)
    check_used_in_browser(driver, site, login.link, "[g] the link after the typed code was used")
    check_used_reply(submit_link(login.link), "[g] the link's form after the typed code, over plain HTTP")


def scenario_implicit(driver, site):
    login = Login("h-implicit", IMPLICIT, site.callback_url, response_type="id_token token", use_pkce=False)
    record = press_continue(driver, site, login.link, "h")
    fragment = record["fragment"]
    check(all(fragment.get(k) for k in ("access_token", "id_token", "expires_in")) and fragment.get("token_type") == "Bearer"
          and fragment.get("state") == login.state and "code" not in record["query"],
          "[h] Continue lands on the callback with access_token, id_token, token_type Bearer, expires_in and state in the fragment",
          record)
    check_no_code_in(record["search"] + record["hash"], login.code, "[h] the callback URL")
    claims = verify_id_token(fragment["id_token"], IMPLICIT, login.nonce, "[h] the implicit id_token")
    digest = hashlib.sha256(fragment["access_token"].encode()).digest()
    check(claims.get("at_hash") == b64url(digest[:16]), "[h] the id_token's at_hash is the access token's left-half SHA-256",
          claims.get("at_hash"))


def main():
    try:
        return run()
    finally:
        print("codes seen: " + " ".join(CODES_SEEN))


def run():
    started = time.monotonic()
    with LocalServer(CALLBACK_PORT) as site, LocalServer(SPA_PORT) as spa, start_browser() as driver:
        print(f"ok: headless Chromium started in {time.monotonic() - started:.1f}s")
        try:
            used_code, _ = scenario_public_pkce(driver, site)
            scenario_confidential(driver, site)
            scenario_spa(driver, spa)
            scenario_scanner(driver, site)
            scenario_twice(driver, site)
            scenario_grants(site, spa, used_code)
            scenario_link_and_code(driver, site)
            scenario_implicit(driver, site)
        except (Failure, WaitTimeout) as failure:
            print(f"FAILED: {failure}")
            return 1
        except Exception:
            print("FAILED: unexpected error")
            traceback.print_exc(file=sys.stdout)
            print(f"browser at {driver.current_url}: {page_text(driver)[:300]!r}")
            return 1
    print(f"magic links: all checks passed ({time.monotonic() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
