"""Checksums computed while a file streams in: the best algorithm a portal gives, hashed on a thread of its own.

BLAKE3 has no implementation in the standard library, so a file that only has BLAKE3 ends "not verified (BLAKE3)".
"""
from __future__ import annotations

import hashlib
import queue as stdlib_queue
import re
import threading
from pathlib import Path
from typing import Dict, Optional, Tuple

from .job import Control

CHUNK = 256 * 1024  # a stop is noticed after at most one chunk
# algorithms in order of preference, as portals name them -> hashlib name
_HASHES = (("MD5", "md5"), ("SHA256", "sha256"), ("SHA512", "sha512"), ("SHA3256", "sha3_256"),
           ("SHA3512", "sha3_512"), ("SHA1", "sha1"))


class BackgroundHash:
    """A hashlib hash fed from another thread: hashing overlaps with receiving and writing.

    hashlib releases the GIL on large buffers, so MD5 no longer caps the download speed on a multi-core
    machine; at most `depth` chunks wait in the queue, so memory stays flat.
    """

    def __init__(self, name: str, depth: int = 8):
        self._hash = hashlib.new(name)
        self._queue: "stdlib_queue.Queue[Optional[bytes]]" = stdlib_queue.Queue(depth)
        self._thread = threading.Thread(target=self._run, name="eo-download-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is None:
                return
            self._hash.update(block)

    def update(self, block: bytes) -> None:
        """Queue `block` for hashing (blocks when the hasher is `depth` chunks behind)."""
        self._queue.put(block)

    def hexdigest(self) -> str:
        """The digest of everything queued; ends the thread."""
        self.close()
        return self._hash.hexdigest()

    def close(self) -> None:
        """Stop the thread (after it has hashed what is queued)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def hasher_for(checksums: Dict[str, str]) -> Tuple[Optional[str], Optional[str], Optional[BackgroundHash]]:
    """(algorithm, expected hex, hasher) for the best checksum we can compute, or Nones."""
    normal = {re.sub(r"[^A-Z0-9]", "", k.upper()): str(v).strip().lower() for k, v in (checksums or {}).items() if v}
    for name, hashlib_name in _HASHES:
        if name in normal:
            return name, normal[name], BackgroundHash(hashlib_name)
    return None, None, None


def unverifiable_names(checksums: Dict[str, str]) -> Tuple[str, ...]:
    """The algorithms of checksums given (none of which we can compute), e.g. ("BLAKE3",)."""
    return tuple(sorted(k.upper() for k, v in (checksums or {}).items() if v))


def unverifiable(checksums: Dict[str, str]) -> str:
    """The note for a file whose checksums we cannot compute ("not verified (BLAKE3)")."""
    names = unverifiable_names(checksums)
    return f"not verified ({', '.join(names)})" if names else "no checksum given"


def hash_file(path: Path, hasher: BackgroundHash, control: Control) -> None:
    """Feed the bytes of `path` to `hasher` (a resumed .part's prefix, or a file already there)."""
    with open(path, "rb") as handle:
        while True:
            control.check()
            block = handle.read(CHUNK)
            if not block:
                return
            hasher.update(block)
