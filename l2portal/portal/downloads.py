"""File download with HTTP range requests (RFC 9110 section 14): a single byte range is served
as 206 Partial Content, a range beyond the end as 416, anything else as the whole file (200)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from django.http import HttpResponse, StreamingHttpResponse
from rest_framework.renderers import BaseRenderer

CHUNK = 1 << 20
# Byte positions of at most 19 digits (beyond any file's size): a longer one is not a range we
# serve, and is ignored as RFC 9110 allows (never converted, so never an error).
SINGLE_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


class Unsatisfiable(Exception):
    pass


class AnyMediaRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header; error bodies are still JSON."""

    media_type = "*/*"
    format = "bin"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single-range header; None to send the whole file
    (no header, a multi-range or unparsable one, which RFC 9110 allows to ignore)."""
    match = SINGLE_RANGE.fullmatch(header.strip()) if header and len(header) <= 64 else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size:
        raise Unsatisfiable
    if end < start:
        return None
    return start, end


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                return
            length -= len(block)
            yield block


def ranged_file_response(path: Path, range_header: str, content_type: str, filename: str, etag: str):
    size = path.stat().st_size
    try:
        byte_range = parse_range(range_header, size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = byte_range if byte_range else (0, size - 1)
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(_read(path, start, length), content_type=content_type)
    if byte_range:
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = f'"{etag}"'
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
