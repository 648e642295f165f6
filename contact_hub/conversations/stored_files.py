"""Serving files that came from outside (attachments, evidence stills) to staff browsers.

What a sender declares a file to be is never trusted: the type comes from the stored bytes.
Only the raster images browsers decode without running anything (JPEG, PNG, GIF, WebP) are
shown inline; everything else, SVG and HTML included, downloads. Every response is also
sandboxed and unsniffable, so even a file a browser chose to render could run no script.
"""

from __future__ import annotations

import re

from django.http import HttpResponse

OCTET_STREAM = "application/octet-stream"
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
              "image/webp": "webp", "application/pdf": "pdf", OCTET_STREAM: "bin"}
NEUTRAL_NAME = re.compile(r"[a-z0-9-]{1,60}")
STORED_FILE_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def stored_file_type(content: bytes) -> str:
    """The type the bytes show by their magic number; octet-stream for anything unknown."""
    for magic, content_type in SIGNATURES:
        if content.startswith(magic):
            return content_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return OCTET_STREAM


def stored_file_response(content: bytes, *, name: str) -> HttpResponse:
    """The file for a staff browser; `name` (lowercase letters, digits, hyphens) is the
    download's name without its extension, so it must say nothing about the person."""
    if not NEUTRAL_NAME.fullmatch(name):
        raise ValueError("a stored file's name is lowercase letters, digits and hyphens")
    content_type = stored_file_type(content)
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{EXTENSIONS[content_type]}"'
    for header, value in STORED_FILE_HEADERS.items():
        response[header] = value
    return response
