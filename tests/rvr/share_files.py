"""Photos and files a victim might send, made here: a phone photo with its GPS position,
orientation and maker in EXIF, a screenshot, a PDF, and files that only pretend to be one."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

PHOTO_SIZE = (40, 20)  # as stored; the phone was held on its side (orientation 6)
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (51.0, 16.0, 30.0),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (0.0, 31.0, 20.0)}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def phone_photo(*, fmt: str = "JPEG") -> bytes:
    """A photo as a phone saves it: where it was taken, which way up, by what."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    extra = {"comment": b"taken at home"} if fmt == "JPEG" else {}
    Image.new("RGB", PHOTO_SIZE, (200, 10, 10)).save(out, fmt, exif=exif, **extra)
    return out.getvalue()


def screenshot_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def webp_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 200, 0)).save(out, "WEBP")
    return out.getvalue()


def polyglot_png() -> bytes:
    """A real PNG with a page of script after its end: a browser sniffing it could run it."""
    return screenshot_png() + HTML


def fake_jpeg() -> bytes:
    """JPEG's magic number, then script: it is no image."""
    return b"\xff\xd8\xff\xe0" + HTML


def truncated_jpeg() -> bytes:
    return phone_photo()[:200]


def exif_of(content: bytes) -> Image.Exif:
    return Image.open(io.BytesIO(content)).getexif()
