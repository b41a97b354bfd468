"""Zip members as Inspect writes them: Zstandard (method 93), deflate or stored.

Python 3.11's ``zipfile`` cannot decompress method 93, so members are read from their local
headers here; the CRC-32 each member declares is checked, and a member may not inflate past a
bound, so a hostile archive can neither slip in altered bytes nor exhaust memory.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from clearance.interop._errors import InteropError

ZSTD_METHOD = 93
MAX_MEMBER_BYTES = 512 * 1024 * 1024
"""The most one member may inflate to: far above any real log's sample, far below memory."""
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


class ZipMembers:
    """The members of one zip archive, decompressed on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InteropError(
                f"{path}: not a readable zip archive ({exc}); an Inspect .eval log is a zip, "
                "pass the file Inspect wrote (or its .json log)"
            ) from exc
        self.names = [info.filename for info in self._zip.infolist()]

    def __enter__(self) -> ZipMembers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def read(self, name: str) -> bytes:
        info = self._zip.getinfo(name)
        fp = self._zip.fp
        if fp is None:
            raise InteropError(f"{self.path}: the archive was closed while reading {name}")
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            raise InteropError(f"{self.path}: member {name} has no local header (truncated?)")
        name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
        fp.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        data = fp.read(info.compress_size)
        content = _inflate(info.compress_type, data, f"{self.path}: member {name}")
        if zlib.crc32(content) != info.CRC:
            raise InteropError(
                f"{self.path}: member {name} fails its CRC-32 check (the file is damaged or "
                "was altered); take a fresh copy of the log"
            )
        return content


def _inflate(method: int, data: bytes, where: str) -> bytes:
    if method == zipfile.ZIP_STORED:
        content = data
    elif method == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            content = inflater.decompress(data, MAX_MEMBER_BYTES + 1)
        except zlib.error as exc:
            raise InteropError(f"{where}: deflate data is corrupt ({exc})") from exc
    elif method == ZSTD_METHOD:
        import zstandard

        try:
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
                content = reader.read(MAX_MEMBER_BYTES + 1)
        except zstandard.ZstdError as exc:
            raise InteropError(f"{where}: Zstandard data is corrupt ({exc})") from exc
    else:
        raise InteropError(
            f"{where}: compression method {method} is not one Inspect writes "
            "(stored, deflate or Zstandard)"
        )
    if len(content) > MAX_MEMBER_BYTES:
        raise InteropError(f"{where}: inflates past {MAX_MEMBER_BYTES} bytes; refused")
    return content


def write_zip(path: Path, members: dict[str, bytes]) -> None:
    """Write ``members`` deflate-compressed (Inspect's reader takes deflate as well as zstd)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
