#!/usr/bin/env python3
"""A local HTTP endpoint for the event-hook tests: it records every POST and answers it.

Each request becomes one JSON line in --out: {"t", "path", "headers" (lower-case names),
"body" (the raw body as text), "status" (what it answered)}. It answers --status (default 200),
except that the first --fail-first requests get 500. Prints READY once listening; runs until
killed.
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def make_handler(args, lock, counter):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            with lock:
                counter[0] += 1
                status = 500 if counter[0] <= args.fail_first else args.status
                record = {
                    "t": time.time(), "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body, "status": status,
                }
                with open(args.out, "a", encoding="utf-8") as f:
                    f.write(json.dumps(record) + "\n")
            data = b"{}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args, threading.Lock(), [0]))
    print("READY", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
