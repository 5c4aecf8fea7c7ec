"""Where letter files live: content-addressed by SHA-256, behind a small interface.

The default keeps them on the filesystem under ``instance/mail`` (``MAIL_STORAGE_DIR``
elsewhere), never in a folder the web server serves: files leave only through
the API's access checks. A file is written to a temporary name in its final
folder, flushed and renamed (atomic on POSIX), so a crash never leaves a half
file under a real name; the same content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from app.config import INSTANCE_DIR, Config


class Storage(Protocol):
    """Content-addressed blobs: ``put`` returns the SHA-256 that ``get`` takes."""

    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def put_many(self, items: list[bytes]) -> list[str]: ...


class StoredFileMissing(RuntimeError):
    """A fingerprint the database knows with no file behind it: an operations fault."""


def _checked(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


class FileStorage:
    """Files at ``<root>/<aa>/<bb>/<sha256>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        digest = _checked(sha256)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def put_many(self, items: list[bytes]) -> list[str]:
        """Store many files (a sender's batch) with one flush to disk for them all:
        each is written under a temporary name, the file system synced once, then
        every file renamed to its fingerprint. Same guarantee as ``put``."""
        pending: list[tuple[bytes, Path]] = []
        digests: list[str] = []
        seen: set[str] = set()
        for data in items:
            digest = hashlib.sha256(data).hexdigest()
            digests.append(digest)
            target = self.path(digest)
            if digest not in seen and not target.exists():
                seen.add(digest)
                pending.append((data, target))
        written: list[tuple[Path, Path]] = []

        def write(item: tuple[bytes, Path]) -> tuple[Path, Path]:
            data, target = item
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            return Path(name), target

        try:
            with ThreadPoolExecutor(max_workers=8) as pool:  # file-system calls wait, not compute
                for done in pool.map(write, pending):
                    written.append(done)
            os.sync()
            for temporary, target in written:
                os.replace(temporary, target)
        except BaseException:
            for temporary, _target in written:
                temporary.unlink(missing_ok=True)
            raise
        return digests

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise StoredFileMissing(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()


def storage_for(config: Config) -> Storage:
    """The configured storage (the filesystem: ``MAIL_STORAGE_DIR`` or ``instance/mail``)."""
    root = Path(config.MAIL_STORAGE_DIR) if config.MAIL_STORAGE_DIR else INSTANCE_DIR / "mail"
    return FileStorage(root)
