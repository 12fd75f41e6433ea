#!/usr/bin/env python3
"""A local HTTP server that answers like four email APIs, for the tests; the path decides which.

  POST /v3/mail/send                SendGrid v3 Mail Send   Authorization: Bearer <--sendgrid-key>
  POST /v3/{domain}/messages        Mailgun Messages        basic auth api:<--mailgun-key>, domain --mailgun-domain
  POST /email                       Postmark Email          X-Postmark-Server-Token: <--postmark-token>
  POST /v2/email/outbound-emails    Amazon SES v2 SendEmail AWS Signature Version 4 (service ses, --aws-region),
                                                            recomputed here with --aws-secret-access-key

Each request is checked as the real API checks it (credentials, content type, required fields and
their JSON shape) and refused with that API's real status and error body. SES's signature is
computed here from the request as received, independently of the client: a wrong secret, region,
service, body or signed header is 403 SignatureDoesNotMatch.

Recipients decide refusals: an address without a valid syntax is refused as an invalid address by
every API; one in the reserved `.invalid` top-level domain as a recipient the API will not send to
(Postmark 406 inactive recipient, SES MessageRejected, SendGrid and Mailgun an invalid address).
A sender outside --sender-domain is a rejected sender (SendGrid 403, Postmark 422/400, SES
MessageRejected; Mailgun sends for its domain whatever the From says).

--fail-first N answers the first N authenticated requests with --fail-status (429 or 503) and
`Retry-After: --retry-after`. Accepted messages are appended to --out as JSON lines; with
--attempts-out every authenticated request is logged (time, api, job id, status). Prints READY once
listening; runs until killed.
"""
import argparse
import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MAILGUN_PATH = re.compile(r"^/v3/([^/]+)/messages$")
SES_AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$")


def refusal_kind(address):
    """None for a deliverable address; 'invalid' or 'undeliverable' otherwise."""
    if not isinstance(address, str) or not ADDRESS.match(address):
        return "invalid"
    return "undeliverable" if address.lower().endswith(".invalid") else None


class Refusal(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def sendgrid_error(status, message, field=None):
    return Refusal(status, {"errors": [{"message": message, "field": field, "help": None}]})


def mailgun_error(status, message):
    return Refusal(status, {"message": message})


def postmark_error(status, code, message):
    return Refusal(status, {"ErrorCode": code, "Message": message})


def ses_error(status, kind, message):
    return Refusal(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/coral/com.amazonaws.sesv2/"})


def sign_v4(secret, method, path, query, headers, signed_names, body, amz_date, region, service):
    """AWS Signature Version 4 of a request as received (written from AWS's documentation)."""
    def encode(text):
        return quote(text, safe="-_.~")
    canonical_path = "/".join(encode(segment) for segment in path.split("/")) or "/"
    canonical_query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(parse_qsl(query, keep_blank_values=True)))
    canonical_headers = "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_names)
    canonical_request = "\n".join([
        method, canonical_path, canonical_query, canonical_headers, ";".join(signed_names), hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def make_handler(args, lock, counter):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def reply(self, status, body, headers=None):
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def append(self, path, record):
            if path:
                with lock:
                    with open(path, "a", encoding="utf-8") as f:
                        f.write(json.dumps(record) + "\n")

        def header(self, name):
            return self.headers.get(name) or ""

        def do_POST(self):
            self.raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
            routes = [("/v3/mail/send", "sendgrid"), ("/email", "postmark"), ("/v2/email/outbound-emails", "ses")]
            api = next((name for route, name in routes if path == route), "mailgun" if MAILGUN_PATH.match(path) else None)
            if api is None:
                return self.reply(404, {"message": "Not Found"})
            self.api, self.job, authenticated = api, None, False
            try:
                getattr(self, f"authenticate_{api}")()
                authenticated = True
                self.job = self.job_id()
                self.inject_failure()
                record, status, body, headers = getattr(self, f"accept_{api}")()
            except Refusal as refusal:
                if authenticated:
                    self.append(args.attempts_out, {"t": time.time(), "api": api, "job": self.job, "status": refusal.status})
                return self.reply(refusal.status, refusal.body, refusal.headers)
            self.append(args.attempts_out, {"t": time.time(), "api": api, "job": self.job, "status": status})
            self.append(args.out, record)
            self.reply(status, body, headers)

        def job_id(self):
            """The job id the client passed for de-duplication, wherever this API carries it."""
            if self.api == "mailgun":
                return dict(parse_qsl(self.raw.decode(errors="replace"))).get("v:job-id")
            try:
                body = json.loads(self.raw)
                if self.api == "sendgrid":
                    return body["custom_args"]["job_id"]
                if self.api == "postmark":
                    return body["Metadata"]["job_id"]
                return next(t["Value"] for t in body["EmailTags"] if t["Name"] == "job_id")
            except (ValueError, KeyError, TypeError, StopIteration):
                return None

        def inject_failure(self):
            with lock:
                counter[0] += 1
                failing = counter[0] <= args.fail_first
            if not failing:
                return
            status, headers = args.fail_status, {"Retry-After": str(args.retry_after)}
            busy = "too many requests" if status == 429 else "service unavailable"
            refusal = {
                "sendgrid": lambda: sendgrid_error(status, busy),
                "mailgun": lambda: mailgun_error(status, busy),
                "postmark": lambda: postmark_error(status, 429 if status == 429 else 0, busy),
                "ses": lambda: ses_error(status, "TooManyRequestsException" if status == 429 else "InternalFailure", busy),
            }[self.api]()
            refusal.headers.update(headers)
            raise refusal

        def sender_allowed(self, address):
            return address.lower().endswith("@" + args.sender_domain.lower())

        def json_body(self, error):
            if not self.header("Content-Type").lower().startswith("application/json"):
                raise error("Content-Type must be application/json")
            try:
                body = json.loads(self.raw)
            except ValueError:
                raise error("the body is not JSON")
            if not isinstance(body, dict):
                raise error("the body is not a JSON object")
            return body

        # SendGrid v3 /v3/mail/send

        def authenticate_sendgrid(self):
            if self.header("Authorization") != f"Bearer {args.sendgrid_key}":
                raise sendgrid_error(401, "The provided authorization grant is invalid, expired, or revoked")

        def accept_sendgrid(self):
            body = self.json_body(lambda m: sendgrid_error(400, m))
            people = body.get("personalizations")
            if not isinstance(people, list) or not people or not all(isinstance(p, dict) and isinstance(p.get("to"), list) and p["to"] for p in people):
                raise sendgrid_error(400, "The personalizations field is required and must have at least one personalization.", "personalizations")
            recipients = [to.get("email") if isinstance(to, dict) else None for p in people for to in p["to"]]
            sender = (body.get("from") or {}).get("email") if isinstance(body.get("from"), dict) else None
            if not isinstance(sender, str) or not ADDRESS.match(sender):
                raise sendgrid_error(400, "The from object must be provided for every email send.", "from")
            if not isinstance(body.get("subject"), str) or not body["subject"]:
                raise sendgrid_error(400, "The subject is required.", "subject")
            content = body.get("content")
            if not isinstance(content, list) or not content or not all(isinstance(c, dict) and c.get("value") for c in content):
                raise sendgrid_error(400, "Unless a valid template_id is provided, the content parameter is required.", "content")
            types = [c.get("type") for c in content]
            if "text/plain" in types and types[0] != "text/plain":
                raise sendgrid_error(400, "If present, text/plain and text/html may only be provided in order.", "content")
            for index, address in enumerate(recipients):
                if refusal_kind(address):
                    raise sendgrid_error(400, "Does not contain a valid address.", f"personalizations.0.to.{index}.email")
            if not self.sender_allowed(sender):
                raise sendgrid_error(403, "The from address does not match a verified Sender Identity.", "from")
            parts = {c.get("type"): c.get("value") for c in content}
            message_id = uuid.uuid4().hex[:22]
            record = {"api": "sendgrid", "id": message_id, "from": sender, "to": recipients[0], "subject": body["subject"],
                      "text": parts.get("text/plain"), "html": parts.get("text/html"), "content_types": types, "job_id": self.job}
            return record, 202, "", {"X-Message-Id": message_id}

        # Mailgun /v3/{domain}/messages

        def authenticate_mailgun(self):
            expected = "Basic " + base64.b64encode(f"api:{args.mailgun_key}".encode()).decode()
            if self.header("Authorization") != expected:
                raise Refusal(401, "Forbidden")
            domain = MAILGUN_PATH.match(urlsplit(self.path).path).group(1)
            if domain != args.mailgun_domain:
                raise mailgun_error(404, f"Domain not found: {domain}")

        def accept_mailgun(self):
            kind = self.header("Content-Type").lower()
            if not kind.startswith("application/x-www-form-urlencoded"):
                raise mailgun_error(400, "the body must be form-encoded or multipart")
            form = {}
            for name, value in parse_qsl(self.raw.decode(), keep_blank_values=True):
                form.setdefault(name, value)
            for name in ("from", "to", "subject"):
                if not form.get(name):
                    raise mailgun_error(400, f"{name} parameter is missing")
            if not form.get("text") and not form.get("html"):
                raise mailgun_error(400, "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified")
            if refusal_kind(form["to"]):
                raise mailgun_error(400, "to parameter is not a valid address. please check documentation")
            message_id = f"<{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S')}.{uuid.uuid4().hex[:16]}@{args.mailgun_domain}>"
            record = {"api": "mailgun", "id": message_id, "from": form["from"], "to": form["to"], "subject": form["subject"],
                      "text": form.get("text"), "html": form.get("html"), "job_id": self.job}
            return record, 200, {"id": message_id, "message": "Queued. Thank you."}, {}

        # Postmark /email

        def authenticate_postmark(self):
            token = self.header("X-Postmark-Server-Token")
            if not token:
                raise postmark_error(401, 10, "No Account or Server API tokens were supplied in the HTTP headers.")
            if token != args.postmark_token:
                raise postmark_error(401, 10, "The Server Token you provided in the X-Postmark-Server-Token request header was invalid.")

        def accept_postmark(self):
            if "application/json" not in self.header("Accept").lower():
                raise postmark_error(422, 402, "The Accept header must be application/json")
            body = self.json_body(lambda m: postmark_error(422, 402, f"Received invalid JSON input: {m}"))
            sender, to = body.get("From"), body.get("To")
            if not sender:
                raise postmark_error(422, 300, "Invalid 'From' address: ''.")
            if not body.get("TextBody") and not body.get("HtmlBody"):
                raise postmark_error(422, 300, "Provide either email TextBody or HtmlBody or both.")
            if body.get("MessageStream", "outbound") != "outbound":
                raise postmark_error(422, 1235, f"The message stream for the provided 'ID' was not found.")
            kind = refusal_kind(to)
            if kind == "invalid":
                raise postmark_error(422, 300, f"Error parsing 'To': Illegal email address '{to}'. It must contain the '@' symbol.")
            if not self.sender_allowed(sender):
                raise postmark_error(422, 400, f"The 'From' address you supplied ({sender}) is not a Sender Signature on your account.")
            if kind == "undeliverable":
                raise postmark_error(422, 406, "You tried to send to recipient(s) that have been marked as inactive.")
            message_id = str(uuid.uuid4())
            record = {"api": "postmark", "id": message_id, "from": sender, "to": to, "subject": body.get("Subject"),
                      "text": body.get("TextBody"), "html": body.get("HtmlBody"), "stream": body.get("MessageStream"), "job_id": self.job}
            answer = {"To": to, "SubmittedAt": datetime.now(timezone.utc).isoformat(), "MessageID": message_id, "ErrorCode": 0, "Message": "OK"}
            return record, 200, answer, {}

        # Amazon SES v2 /v2/email/outbound-emails

        def authenticate_ses(self):
            match = SES_AUTH.match(self.header("Authorization"))
            if not match:
                raise ses_error(403, "IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature.")
            key_id, day, region, service, signed, signature = match.groups()
            if key_id != args.aws_access_key_id:
                raise ses_error(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
            amz_date = self.header("X-Amz-Date")
            names = signed.split(";")
            if "host" not in names or "x-amz-date" not in names or names != sorted(names) or not amz_date.startswith(day):
                raise ses_error(403, "IncompleteSignatureException", "Signed headers must include host and x-amz-date, sorted.")
            if region != args.aws_region:
                raise ses_error(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not '{region}'.")
            if service != "ses":
                raise ses_error(403, "SignatureDoesNotMatch", f"Credential should be scoped to correct service: 'ses'.")
            signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            if abs((datetime.now(timezone.utc) - signed_at).total_seconds()) > 300:
                raise ses_error(403, "InvalidSignatureException", "Signature expired.")
            headers = {name.lower(): value for name, value in self.headers.items()}
            parts = urlsplit(self.path)
            expected = sign_v4(args.aws_secret_access_key, self.command, parts.path, parts.query, headers, names, self.raw, amz_date, region, service)
            if not hmac.compare_digest(expected, signature):
                raise ses_error(403, "SignatureDoesNotMatch",
                                "The request signature we calculated does not match the signature you provided. "
                                "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")

        def accept_ses(self):
            body = self.json_body(lambda m: ses_error(400, "BadRequestException", m))
            tags = body.get("EmailTags") or []
            for tag in tags:
                if not re.match(r"^[A-Za-z0-9_-]{1,256}$", str(tag.get("Name"))) or not re.match(r"^[A-Za-z0-9_.@-]{1,256}$", str(tag.get("Value"))):
                    raise ses_error(400, "BadRequestException", "Tag values may only contain ASCII letters, digits, _ and -.")
            sender = body.get("FromEmailAddress")
            to = ((body.get("Destination") or {}).get("ToAddresses") or [])
            simple = (body.get("Content") or {}).get("Simple")
            if not sender or not isinstance(simple, dict):
                raise ses_error(400, "BadRequestException", "FromEmailAddress and Content are required.")
            if not to:
                raise ses_error(400, "BadRequestException", "Missing required field Destination.")
            subject, parts = simple.get("Subject") or {}, simple.get("Body") or {}
            text, html = parts.get("Text") or {}, parts.get("Html") or {}
            for field in (subject, text, html):
                if field and (not isinstance(field.get("Data"), str) or field.get("Charset", "UTF-8").upper() not in ("UTF-8", "ISO-8859-1", "SHIFT_JIS")):
                    raise ses_error(400, "BadRequestException", "Each Content part needs Data and a known Charset.")
            if not subject.get("Data") or not (text.get("Data") or html.get("Data")):
                raise ses_error(400, "BadRequestException", "Message must contain a subject and a body.")
            if any(refusal_kind(address) == "invalid" for address in to):
                raise ses_error(400, "BadRequestException", "Illegal address")
            if not self.sender_allowed(sender):
                raise ses_error(400, "MessageRejected", f"Email address is not verified. The following identities failed the check in region {args.aws_region.upper()}: {sender}")
            if any(refusal_kind(address) for address in to):
                raise ses_error(400, "MessageRejected", f"Email address is not verified. The following identities failed the check in region {args.aws_region.upper()}: {to[0]}")
            message_id = f"0100{uuid.uuid4().hex}-000000"
            record = {"api": "ses", "id": message_id, "from": sender, "to": to[0], "subject": subject.get("Data"), "text": text.get("Data"),
                      "html": html.get("Data"), "charsets": [f.get("Charset") for f in (subject, text, html) if f], "job_id": self.job}
            return record, 200, {"MessageId": message_id}, {}

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--attempts-out")
    parser.add_argument("--sendgrid-key", required=True)
    parser.add_argument("--mailgun-key", required=True)
    parser.add_argument("--mailgun-domain", required=True)
    parser.add_argument("--postmark-token", required=True)
    parser.add_argument("--aws-access-key-id", required=True)
    parser.add_argument("--aws-secret-access-key", required=True)
    parser.add_argument("--aws-region", required=True)
    parser.add_argument("--sender-domain", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--fail-status", type=int, default=503, choices=[429, 503])
    parser.add_argument("--retry-after", type=int, default=1)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args, threading.Lock(), [0]))
    server.daemon_threads = True
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
