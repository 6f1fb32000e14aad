#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stub HTTP server for the tests of cpo's network backends.

Listens on 127.0.0.1 on a free port, prints the port on a line of its own
on standard output, and answers requests from a table of routes: for each
path, a list of rules, the first rule that applies answers. Standard
library only.

    tests/stub/server.py [--routes FILE] [--lifetime SECONDS] [--no-log]

Use it from python3 or anything else that speaks HTTP:

    python3 tests/stub/server.py --routes routes.json > port &
    (wait for the port file to have a line) ...
    curl -d @request.json http://127.0.0.1:$(cat port)/some/path

Routes are JSON: {"/path": [RULE, ...], ...}. The query string is not part
of the path. A RULE is an object; every member is optional:

    match     the rule applies only when the request body contains this
              text (the body as sent, so JSON escapes and all)
    times     the rule applies to this many requests, then no more
    every     the rule applies only to every Nth request to the path (the
              Nth, the 2Nth ...), counting all requests to it: a fault rate
              that a retry gets past, since the retry is the next request
    status    the status to answer (200)
    headers   {"Name": "value"} headers to add
    body      the body, a string; or
    json      the body, any JSON value (sent compact)
    size      the body: this many bytes of "x" (a huge answer)
    delay     seconds to wait before answering (a slow first byte)
    fault     "reset": close the connection with a TCP reset, no answer
              "garbage": answer bytes that are no HTTP at all, then close
              "close": close the connection, no answer
              "truncate": announce the whole body, send half, close
              "stall": send the headers and half the body, then wait
              "stall" seconds (default 60)
    stall     see fault

A request that no rule answers gets 404 with {"error": "no route"}.

Control paths, for the tests themselves:

    GET  /_stub/log      the requests so far, a JSON array of
                         {"method", "path", "query", "headers", "body"}
    GET  /_stub/stats    {"requests": N, "max_in_flight": N, "answered":
                         {"PATH": [N, ...]}}: how many requests each rule
                         of each path answered, in the order of the rules
    POST /_stub/routes   replace the routes (the body) and clear the log
    POST /_stub/reset    clear the log and the rules' counts

--no-log keeps no log of requests (the log stays empty, the stats count
them), for long runs whose log would not fit in memory.

The server exits after --lifetime seconds (600), so that a test run that
dies before stopping it leaves nothing behind for long.
"""

import argparse
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class State:
    def __init__(self, routes, keep_log=True):
        self.keep_log = keep_log
        self.requests = 0
        self.lock = threading.Lock()
        self.routes = routes
        self.counts = {}
        self.seen = {}
        self.log = []
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self, routes=None):
        with self.lock:
            if routes is not None:
                self.routes = routes
            self.counts = {}
            self.seen = {}
            self.log = []
            self.requests = 0
            self.max_in_flight = 0

    def choose(self, path, body):
        """Returns the rule that answers, counting it, or None."""
        text = body.decode("utf-8", "replace")
        with self.lock:
            n = self.seen[path] = self.seen.get(path, 0) + 1
            for i, rule in enumerate(self.routes.get(path, [])):
                if "match" in rule and rule["match"] not in text:
                    continue
                if "every" in rule and n % rule["every"] != 0:
                    continue
                key = (path, i)
                if "times" in rule and self.counts.get(key, 0) >= rule["times"]:
                    continue
                self.counts[key] = self.counts.get(key, 0) + 1
                return rule
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def send(self, status, body, headers=None, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(body)

    def control(self, path, body):
        state = self.server.state
        if path == "/_stub/log":
            with state.lock:
                self.send(200, json.dumps(state.log).encode())
        elif path == "/_stub/stats":
            with state.lock:
                answered = {p: [state.counts.get((p, i), 0)
                                for i in range(len(rules))]
                            for p, rules in state.routes.items()}
                stats = {"requests": state.requests,
                         "max_in_flight": state.max_in_flight,
                         "answered": answered}
            self.send(200, json.dumps(stats).encode())
        elif path == "/_stub/routes":
            state.reset(json.loads(body))
            self.send(200, b"{}")
        elif path == "/_stub/reset":
            state.reset()
            self.send(200, b"{}")
        else:
            self.send(404, b'{"error":"no such control path"}')

    def handle_any(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if url.path.startswith("/_stub/"):
            self.control(url.path, body)
            return
        state = self.server.state
        entry = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": dict(self.headers.items()),
            "body": body.decode("utf-8", "replace"),
        }
        with state.lock:
            state.requests += 1
            if state.keep_log:
                state.log.append(entry)
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self.answer(state.choose(url.path, body))
        finally:
            with state.lock:
                state.in_flight -= 1

    def answer(self, rule):
        if rule is None:
            self.send(404, b'{"error":"no route"}')
            return
        time.sleep(rule.get("delay", 0))
        if "json" in rule:
            out = json.dumps(rule["json"]).encode()
        elif "size" in rule:
            out = b"x" * rule["size"]
        else:
            out = rule.get("body", "").encode()
        fault = rule.get("fault")
        if fault == "garbage":
            self.wfile.write(b"\x16\x03\x01 this is no HTTP\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if fault in ("reset", "close"):
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET,
                                           socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        status = rule.get("status", 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        for name, value in rule.get("headers", {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        if fault in ("truncate", "stall"):
            self.wfile.write(out[:len(out) // 2])
            self.wfile.flush()
            if fault == "stall":
                time.sleep(rule.get("stall", 60))
            self.close_connection = True
            return
        self.wfile.write(out)

    do_GET = handle_any
    do_POST = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a client opens
    # many at once, and the client's SYN retransmit adds a second.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that timed out and hung up is what the faults are for.
        pass


def main():
    p = argparse.ArgumentParser(description="stub HTTP server for tests")
    p.add_argument("--routes", help="JSON file of routes")
    p.add_argument("--lifetime", type=float, default=600,
                   help="exit after this many seconds")
    p.add_argument("--no-log", action="store_true",
                   help="keep no log of the requests")
    args = p.parse_args()
    routes = {}
    if args.routes:
        with open(args.routes) as f:
            routes = json.load(f)
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State(routes, keep_log=not args.no_log)
    print(server.server_address[1], flush=True)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
