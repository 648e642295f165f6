"""Recording chunks as the officer's console uploads them, for the tests of a call's recording."""

from __future__ import annotations

from rvr.recording import EBML_MAGIC, ChunkUpload


def chunk_bytes(track: str, seq: int) -> bytes:
    body = f"{track} chunk {seq} ".encode() * 20
    return EBML_MAGIC + body if seq == 0 else body


def upload(track: str, seq: int, data: bytes | None = None) -> ChunkUpload:
    return ChunkUpload(track=track, seq=seq, data=data or chunk_bytes(track, seq),
                       content_type="video/webm")
