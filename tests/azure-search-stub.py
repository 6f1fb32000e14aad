#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for Azure AI Search's Search Documents REST API, for the tests
of cpo-retrieve --backend azure-search.

It listens on 127.0.0.1 on a free port chosen by the system, writes the port
to --port-file once it is ready, and answers
POST /indexes/INDEX/docs/search?api-version=V as --mode says:

  ok         200 with four passages (two documents) and @odata.count;
             @search.rerankerScore only when the request asks for semantic
             ranking
  401        401 (the key is wrong, whatever it is)
  429        429 with Retry-After: 1 twice, then as ok
  429-ms     429 with retry-after-ms: 300 and Retry-After: 5 twice, then ok
  429-always 429 with Retry-After: 0 every time
  500        500 every time
  hang       answers nothing for 5 seconds
  malformed  200 with a body that is not JSON
  bad-hit    200 with a passage whose paragraph_index is a string

A request without the api-key header given by --key gets 401 in every mode.
Each request is logged to --log as one JSON line: its arrival time, path,
whether the key matched, and its body.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HITS = [
    ("AZ1", "Remote Returns Policy", "Returns are free for 60 days.", 0, 3.25),
    ("AZ1", "Remote Returns Policy", "Refunds take five business days.", 1,
     2.5),
    ("AZ1", "Remote Returns Policy", "Gift returns get store credit.", 2, 2.0),
    ("AZ2", "Remote Shipping Times", "Standard shipping takes 3 to 5 days.",
     0, 1.125),
]


def answer(body):
    semantic = body.get("queryType") == "semantic"
    value = []
    for i, (doc, title, snippet, para, score) in enumerate(HITS):
        hit = {"@search.score": score, "document_id": doc, "title": title,
               "snippet": snippet, "paragraph_index": para}
        if semantic:
            hit["@search.rerankerScore"] = 3.5 - i * 0.5
        value.append(hit)
    return {"@odata.count": len(HITS), "value": value[:body.get("top", 50)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--key", default="test-key")
    args = ap.parse_args()
    lock = threading.Lock()
    count = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, data, headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            key_ok = self.headers.get("api-key") == args.key
            with lock:
                count["n"] += 1
                k = count["n"]
                with open(args.log, "a") as f:
                    f.write(json.dumps({"t": time.time(), "path": self.path,
                                        "key_ok": key_ok, "body": body})
                            + "\n")
            mode = args.mode
            if not key_ok or mode == "401":
                return self.reply(401, b"")
            if mode == "429" and k <= 2:
                return self.reply(429, b"{}", [("Retry-After", "1")])
            if mode == "429-ms" and k <= 2:
                return self.reply(429, b"{}", [("Retry-After", "5"),
                                               ("retry-after-ms", "300")])
            if mode == "429-always":
                return self.reply(429, b"{}", [("Retry-After", "0")])
            if mode == "500":
                return self.reply(500, b'{"error":{"message":"boom"}}')
            if mode == "hang":
                time.sleep(5)
                return self.reply(200, b"{}")
            if mode == "malformed":
                return self.reply(200, b"<html>not json")
            if mode == "bad-hit":
                data = answer(body)
                data["value"][1]["paragraph_index"] = "two"
                return self.reply(200, json.dumps(data).encode())
            return self.reply(200, json.dumps(answer(body)).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    # Renamed into place, so a reader never sees a half-written port.
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
