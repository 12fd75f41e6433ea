#!/usr/bin/env python3
"""A local HTTP server that answers like Twilio's Messages and Calls APIs, for the tests.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json with form fields To, From or
MessagingServiceSid, Body and HTTP basic auth (WhatsApp: To and From both `whatsapp:+…`):
  201 {"sid": "SM…", "status": "queued", …}       and one JSON line appended to --out
  401 {"code": 20003, …}                          wrong account SID or auth token
  400 {"code": 21211, …}                          a To that is not E.164, or Twilio's magic
                                                  invalid number +15005550001
  400 {"code": 63007, …}                          a whatsapp: To without a whatsapp: From
  503 {"code": 20500, …}                          for the first --fail-for-seconds after start, and
                                                  while the file --fail-while-file exists
POST /2010-04-01/Accounts/{AccountSid}/Calls.json with To, From (E.164) and Twiml, a
well-formed XML <Response> with a <Say>: 201 {"sid": "CA…"} and a JSON line with "Twiml" in
--out; 400 {"code": 21211} for a bad To, 400 {"code": 21212} for a bad From, 400 {"code":
12100} for TwiML that does not parse or says nothing.
Every request is answered after --delay-ms. With --attempts-out, every request that passed
authentication is logged (time, job id from I-Twilio-Idempotency-Token, status), so tests can
see retries and their spacing. Prints READY once listening; runs until killed.
"""
import argparse
import base64
import json
import os
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ElementTree
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

PATH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/(Messages|Calls)\.json$")
WHATSAPP = "whatsapp:"
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


def make_handler(args, lock, started):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def attempt(self, status):
            if args.attempts_out:
                record = {"t": time.time(), "job": self.headers.get("I-Twilio-Idempotency-Token"), "status": status}
                with lock:
                    with open(args.attempts_out, "a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000)
            match = PATH.match(self.path)
            if not match:
                return self.reply(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
            expected = "Basic " + base64.b64encode(f"{args.account_sid}:{args.auth_token}".encode()).decode()
            if match.group(1) != args.account_sid or self.headers.get("Authorization") != expected:
                return self.reply(401, {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
            failing = args.fail_while_file and os.path.exists(args.fail_while_file)
            if failing or time.time() < started + args.fail_for_seconds:
                self.attempt(503)
                return self.reply(503, {"code": 20500, "message": "Service unavailable", "status": 503})
            form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            if match.group(2) == "Calls":
                return self.call(match.group(1), form)
            to = form.get("To", "")
            if to.startswith(WHATSAPP) and not (form.get("From") or "").startswith(WHATSAPP):
                self.attempt(400)
                return self.reply(400, {"code": 63007, "message": "Twilio could not find a Channel with the specified From address", "status": 400})
            number = to[len(WHATSAPP):] if to.startswith(WHATSAPP) else to
            if not E164.match(number) or number == "+15005550001":
                self.attempt(400)
                return self.reply(400, {
                    "code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                    "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400,
                })
            self.attempt(201)
            sid = "SM" + uuid.uuid4().hex
            record = {
                "sid": sid, "account": match.group(1), "To": to, "From": form.get("From"),
                "MessagingServiceSid": form.get("MessagingServiceSid"), "Body": form.get("Body"),
                "idempotency_token": self.headers.get("I-Twilio-Idempotency-Token"),
            }
            with lock:
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            self.reply(201, {"sid": sid, "status": "queued", "to": to, "from": form.get("From"), "body": form.get("Body")})

        def call(self, account, form):
            to, sender, twiml = form.get("To", ""), form.get("From", ""), form.get("Twiml")
            if not E164.match(to) or to == "+15005550001":
                self.attempt(400)
                return self.reply(400, {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.", "status": 400})
            if not E164.match(sender):
                self.attempt(400)
                return self.reply(400, {"code": 21212, "message": "The 'From' number is not a valid phone number.", "status": 400})
            try:
                root = ElementTree.fromstring(twiml or "")
            except ElementTree.ParseError:
                root = None
            if root is None or root.tag != "Response" or root.find("Say") is None:
                self.attempt(400)
                return self.reply(400, {"code": 12100, "message": "Document parse failure", "status": 400})
            self.attempt(201)
            sid = "CA" + uuid.uuid4().hex
            record = {
                "sid": sid, "account": account, "To": to, "From": sender, "Twiml": twiml,
                "idempotency_token": self.headers.get("I-Twilio-Idempotency-Token"),
            }
            with lock:
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            self.reply(201, {"sid": sid, "status": "queued", "to": to, "from": sender})

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--fail-for-seconds", type=float, default=0)
    parser.add_argument("--fail-while-file")
    parser.add_argument("--attempts-out")
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 512
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args, threading.Lock(), time.time()))
    server.daemon_threads = True
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
