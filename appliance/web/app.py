"""The HTTP and WebSocket API (microdot), built by a factory around a running node.

Every command endpoint is `POST /api/<command name>` and takes form-encoded, multipart
or JSON bodies. Errors are JSON: `{"error": ..., "field": ...}` with a 4xx status.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import urllib.parse
from email.parser import BytesParser
from email.policy import HTTP

from microdot import Request, Response
from microdot.cors import CORS
from microdot.websocket import WebSocket, with_websocket

from .. import session_log
from ..commands import COMMANDS
from ..errors import ValidationError
from .server import DeadlineMicrodot

log = logging.getLogger(__name__)
STATIC = os.path.join(os.path.dirname(__file__), "static")


def _error(status: int, message: str, field: str | None = None) -> Response:
    return Response({"error": message, "field": field}, status)


def _form(text: str) -> dict:
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True, errors="strict"))


def _multipart(content_type: str, body: bytes) -> dict:
    """Form fields of a multipart body (files are ignored). Parsed from the body already
    read, so a malformed or truncated one is an error, never a wait for more bytes."""
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not msg.is_multipart() or msg.defects:
        raise ValueError("malformed multipart body")
    fields = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and part.get_filename() is None:
            fields[name] = part.get_payload(decode=True).decode("utf-8")
    return fields


def _body_params(mime: str, request: Request) -> dict:
    if mime == "application/json":
        body = json.loads(request.body.decode() or "{}")
        if not isinstance(body, dict):
            raise ValidationError("body", "the JSON body must be an object")
        return body
    if mime == "application/x-www-form-urlencoded":
        return _form(request.body.decode())
    if mime == "multipart/form-data":
        return _multipart(request.content_type, request.body)
    if request.body:
        raise ValidationError("body", f"unsupported content type {mime!r}", 415)
    return {}


def read_params(request: Request) -> dict:
    """The request's parameters from its query and body (JSON, urlencoded or multipart).
    A body that cannot be read is a 400 naming `body`."""
    mime = (request.content_type or "").split(";")[0].strip().lower()
    try:
        return {**_form(request.query_string or ""), **_body_params(mime, request)}
    except ValidationError:
        raise
    except (UnicodeError, ValueError, LookupError, TypeError) as exc:
        raise ValidationError("body", f"the body cannot be read as {mime or 'a form'} "
                                      f"({exc.__class__.__name__})") from None


def create_app(node) -> DeadlineMicrodot:
    http = node.config["http"]
    Request.max_content_length = http["max_body_bytes"]
    Request.max_body_length = http["max_body_bytes"]
    WebSocket.max_message_length = 4096
    app = DeadlineMicrodot()
    app.read_timeout_s = http["read_timeout_s"]
    CORS(app, allowed_origins="*", allow_credentials=False)

    for status, message in ((400, "bad request"), (404, "not found"),
                            (405, "method not allowed"), (413, "body too large"),
                            (500, "internal error")):
        app.errorhandler(status)(lambda req, s=status, m=message: _error(s, m))

    @app.get("/api/state")
    async def state(request):
        return node.public_state()

    def command_route(name: str):
        async def run(request):
            try:
                params = read_params(request)
                if name == "identify_device" and not params.get("host") and request.client_addr:
                    params["host"] = request.client_addr[0]
                return await node.command(name, params)
            except ValidationError as exc:
                return Response(exc.to_json(), exc.status)
        run.__name__ = "api_" + name.replace("/", "_")
        app.post("/api/" + name)(run)

    for name in COMMANDS:
        command_route(name)

    @app.get("/api/log")
    async def session_log_json(request):
        return {"log": session_log.rows(await node.replica.session_ops())}

    @app.get("/api/log.csv")
    async def session_log_csv(request):
        text = session_log.to_csv(session_log.rows(await node.replica.session_ops()))
        return Response(text, headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="race-session-log.csv"'})

    @app.get("/api/panel")
    async def panel(request):
        if node.hardware is None:
            return _error(404, "this node has no panel")
        return node.hardware.panel_snapshot()

    @app.get("/ws")
    @with_websocket
    async def ws(request, ws):
        await node.hub.serve(ws, json.dumps({"type": "state_init",
                                             "state": node.public_state()}))

    files = StaticFiles(STATIC)

    @app.get("/")
    async def index(request):
        return files.response(request, "index.html")

    @app.get("/display")
    async def display(request):
        return files.response(request, "display.html")

    @app.get("/static/<path:path>")
    async def static(request, path):
        return files.response(request, path)

    return app


class StaticFiles:
    """The UI's files, gzipped once on first request and kept in memory (about 30 kB),
    since a busy track AP is the bottleneck. Clients that do not accept gzip get the file
    as it is."""

    max_age_s = 300

    def __init__(self, root: str):
        self.root = root
        self._cache: dict[str, tuple[bytes, bytes, str]] = {}

    def response(self, request: Request, path: str) -> Response:
        if ".." in path.split("/"):
            return _error(404, "not found")
        entry = self._cache.get(path) or self._load(path)
        if entry is None:
            return _error(404, f"no such file: {path}")
        raw, packed, ctype = entry
        headers = {"Content-Type": ctype, "Cache-Control": f"max-age={self.max_age_s}",
                   "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return Response(packed, headers=headers)
        return Response(raw, headers=headers)

    def _load(self, path: str) -> tuple[bytes, bytes, str] | None:
        full = os.path.join(self.root, path)
        if not os.path.isfile(full):
            return None
        with open(full, "rb") as fh:
            raw = fh.read()
        ext = path.rpartition(".")[2]
        ctype = Response.types_map.get(ext, "application/octet-stream")
        if ctype.startswith("text/") or ext in ("js", "svg", "json"):
            ctype += "; charset=utf-8"
        self._cache[path] = entry = (raw, gzip.compress(raw, 9, mtime=0), ctype)
        return entry
