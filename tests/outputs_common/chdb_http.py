#!/usr/bin/env python3
"""A minimal ClickHouse HTTP interface over chDB (the current ClickHouse engine, embedded),
for tests of rk6's clickhouse output against current-release SQL: no current clickhouse-server
is installable here (Debian has 18.16), chDB is (PyPI).

    chdb_http.py PORT DATA_DIR

Speaks the part of the HTTP interface rk6 uses: `GET /ping`; `POST /?query=SQL` with the data
of an `INSERT ... FORMAT RowBinary` as the body (written to a file and inserted with
`FROM INFILE`, which chDB supports); `POST /` with the SQL as the body. Errors answer 500 with
ClickHouse's message and its code in `X-ClickHouse-Exception-Code`, as the server does.
Single-threaded: one chDB session, one request at a time. Listens on 127.0.0.1 only.
"""
import os
import re
import sys
import tempfile
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from chdb import session

PORT, DATA = int(sys.argv[1]), sys.argv[2]
SESSION = session.Session(DATA)
INSERT = re.compile(r"^\s*(INSERT\s+INTO\s+.+?)\s+FORMAT\s+RowBinary\s*$", re.I | re.S)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, code=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        if code is not None:
            self.send_header("X-ClickHouse-Exception-Code", str(code))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/ping"):
            return self.answer(200, "Ok.\n")
        self.run(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.run(self.rfile.read(length))

    def run(self, body):
        query = parse_qs(urlparse(self.path).query).get("query", [None])[0]
        tmp = None
        try:
            if query is None:
                query, body = body.decode(), b""
            m = INSERT.match(query)
            if m:
                fd, tmp = tempfile.mkstemp(suffix=".bin")
                with os.fdopen(fd, "wb") as f:
                    f.write(body)
                query = f"{m.group(1)} FROM INFILE '{tmp}' FORMAT RowBinary"
            result = SESSION.query(query, "TabSeparated")
            self.answer(200, result.bytes() if hasattr(result, "bytes") else str(result))
        except Exception as e:  # chDB raises ClickHouse's exception text
            text = str(e)
            code = re.search(r"Code: (\d+)", text)
            self.answer(500, text, int(code.group(1)) if code else None)
        finally:
            if tmp:
                os.unlink(tmp)


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
