#!/usr/bin/env python3
"""Drives a running Passwordless system with Auth0's own Python SDK (auth0-python), unchanged,
over plain HTTP, and verifies the id_tokens with the SDK's TokenVerifier. Exits 0 when every
check passes. Codes are read from what the providers received: the fake Twilio's log and the
SMTP server's mailbox.

Environment: PL_DOMAIN (host:port of the gateway), PL_ISSUER, PL_CLIENT_ID,
PL_HS_CLIENT_ID, PL_HS_CLIENT_SECRET, PL_TWILIO_LOG, PL_MAILBOX.
"""
import email
import json
import os
import re
import sys
import time

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


def email_code(address):
    def read():
        try:
            lines = open(os.environ["PL_MAILBOX"], encoding="utf-8").read().splitlines()
        except FileNotFoundError:
            return None
        for line in reversed(lines):
            record = json.loads(line)
            if address in record["rcpt_tos"]:
                message = email.message_from_string(record["data"])
                text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
                body = text.get_payload(decode=True).decode()
                return re.search(r"\b(\d{6})\b", body).group(1)
        return None
    return wait_for(read, f"email to {address}")


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

print("auth0-python: all checks passed")
