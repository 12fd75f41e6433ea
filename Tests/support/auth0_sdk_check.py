#!/usr/bin/env python3
"""Drives a running Passwordless system with Auth0's own Python SDK (auth0-python), unchanged,
over plain HTTP, and verifies the id_tokens with the SDK's TokenVerifier. Exits 0 when every
check passes. Codes are read from what the providers received: the fake Twilio's log and the
SMTP server's mailbox.

The link flow uses the SDK's `Passwordless.email(address, send="link", auth_params=…)` and
`GetToken.authorization_code_pkce`; in between, the script opens the emailed link and presses
its Continue button as a browser would (GET the page, POST its form, no redirect followed).

Environment: PL_DOMAIN (host:port of the gateway), PL_ISSUER, PL_CLIENT_ID,
PL_HS_CLIENT_ID, PL_HS_CLIENT_SECRET, PL_TWILIO_LOG, PL_MAILBOX, PL_LINK_CLIENT_ID (a public
client whose callbacks include PL_CALLBACK), PL_CALLBACK.
"""
import base64
import email
import hashlib
import html
import json
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from auth0.authentication import GetToken, Passwordless
from auth0.authentication.token_verifier import AsymmetricSignatureVerifier, SymmetricSignatureVerifier, TokenVerifier

domain = os.environ["PL_DOMAIN"]
issuer = os.environ["PL_ISSUER"]
client_id = os.environ["PL_CLIENT_ID"]
hs_client_id = os.environ["PL_HS_CLIENT_ID"]
hs_secret = os.environ["PL_HS_CLIENT_SECRET"]


def wait_for(read, what):
    deadline = time.time() + 20
    while time.time() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"no {what} arrived")


def sms_code(number):
    def read():
        try:
            lines = open(os.environ["PL_TWILIO_LOG"], encoding="utf-8").read().splitlines()
        except FileNotFoundError:
            return None
        for line in reversed(lines):
            record = json.loads(line)
            if record["To"] == number:
                return re.search(r"\b(\d{6})\b", record["Body"]).group(1)
        return None
    return wait_for(read, f"SMS to {number}")


def email_text(address):
    """The plain-text part of the newest email to `address` (one-part or multipart/alternative)."""
    def read():
        try:
            lines = open(os.environ["PL_MAILBOX"], encoding="utf-8").read().splitlines()
        except FileNotFoundError:
            return None
        for line in reversed(lines):
            record = json.loads(line)
            if address in record["rcpt_tos"]:
                message = email.message_from_string(record["data"])
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        return part.get_payload(decode=True).decode()
        return None
    return wait_for(read, f"email to {address}")


def email_code(address):
    return re.search(r"\b(\d{6})\b", email_text(address)).group(1)


def email_link(address):
    return re.search(r"https?://\S+/passwordless/verify_redirect\?\S+", email_text(address)).group(0)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(condition, message):
    if not condition:
        raise SystemExit("FAILED: " + message)
    print("ok:", message)


rs256 = AsymmetricSignatureVerifier(f"http://{domain}/.well-known/jwks.json")

# SMS, RS256
number = "+14155550123"
started = Passwordless(domain, client_id, protocol="http").sms(number)
check(started["phone_number"] == number and started["_id"], "sms start answers with the user")
tokens = GetToken(domain, client_id, protocol="http").passwordless_login(
    username=number, otp=sms_code(number), realm="sms", scope="openid phone", audience=None)
claims = TokenVerifier(rs256, issuer, client_id).verify(tokens["id_token"])
check(claims["sub"] == "sms|" + started["_id"], "sms id_token verifies against the JWKS, sub is sms|<user id>")
check(claims.get("phone_number") == number, "phone scope puts phone_number in the id_token")

# Email with send=code, RS256
address = "ada.lovelace@example.com"
started = Passwordless(domain, client_id, protocol="http").email(address, send="code")
check(started["email"] == address, "email start answers with the address")
tokens = GetToken(domain, client_id, protocol="http").passwordless_login(
    username=address, otp=email_code(address), realm="email", scope="openid email", audience=None)
claims = TokenVerifier(rs256, issuer, client_id).verify(tokens["id_token"])
check(claims["sub"] == "email|" + started["_id"] and claims["email"] == address, "email id_token verifies, with the email claim")

# SMS with an HS256 client that authenticates with its secret
number = "+14155550124"
Passwordless(domain, hs_client_id, client_secret=hs_secret, protocol="http").sms(number)
tokens = GetToken(domain, hs_client_id, client_secret=hs_secret, protocol="http").passwordless_login(
    username=number, otp=sms_code(number), realm="sms", scope="openid", audience=None)
claims = TokenVerifier(SymmetricSignatureVerifier(hs_secret), issuer, hs_client_id).verify(tokens["id_token"])
check(claims["sub"].startswith("sms|"), "HS256 id_token verifies with the client secret")

# Email with send=link, as auth0-python sends it, finished with the authorization code and PKCE
link_client = os.environ["PL_LINK_CLIENT_ID"]
callback = os.environ["PL_CALLBACK"]
verifier = secrets.token_urlsafe(48)
challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
address = "grace.hopper@example.com"
started = Passwordless(domain, link_client, protocol="http").email(
    address, send="link",
    auth_params={"response_type": "code", "redirect_uri": callback, "scope": "openid email", "state": "st-1",
                 "code_challenge": challenge, "code_challenge_method": "S256"})
check(started["email"] == address, "link start answers with the address")
link = email_link(address)
check(f"verification_code={email_code(address)}" in link, "the link carries the code the email shows")
page = urllib.request.urlopen(link).read().decode()
check(">Continue</button>" in page, "the link opens a page with a Continue button")
fields = {html.unescape(name): html.unescape(value)
          for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}
action = urllib.parse.urljoin(link, re.search(r'<form method="post" action="([^"]*)">', page).group(1))
opener = urllib.request.build_opener(NoRedirect)
try:
    opener.open(urllib.request.Request(action, data=urllib.parse.urlencode(fields).encode(), method="POST"))
    raise SystemExit("FAILED: Continue did not redirect")
except urllib.error.HTTPError as answer:
    check(answer.code == 302, "Continue answers 302")
    location = answer.headers["Location"]
answer = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
check(location.startswith(callback + "?") and answer["state"] == ["st-1"], "the redirect goes to the callback with the state")
tokens = GetToken(domain, link_client, protocol="http").authorization_code_pkce(
    code_verifier=verifier, code=answer["code"][0], redirect_uri=callback)
claims = TokenVerifier(rs256, issuer, link_client).verify(tokens["id_token"])
check(claims["email"] == address, "authorization_code_pkce exchanges the link's code for a verified id_token")

print("auth0-python: all checks passed")
