"""Safe file names and zip extraction: nothing a portal or an archive says can write outside the download folder.

    safe_name("../../etc/passwd")            -> "_.._etc_passwd"      (one harmless name, never a path)
    safe_name("CON")                         -> "_CON"               (Windows reserved device names)
    safe_join(root, "a/../../b", "c:\\x")    -> root/"a"/"b"/"c__x"  (each part sanitised, checked inside root)
    extract_zip(zip_path, folder)            -> top-level paths created (no zip-slip, no symlinks, atomic)

The download engine names every file from the product name (never from a server's Content-Disposition) and
runs every name through `safe_name`; archives are extracted only when the user asks, through `extract_zip`.
"""
from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import unicodedata
import zipfile
from pathlib import Path
from typing import Iterable, List, Optional, Union

from .errors import EOPortalsError

MAX_NAME_BYTES = 200  # below the 255-byte limit of common file systems, leaving room for ".part" and suffixes
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_RESERVED |= {f"COM{c}" for c in "0123456789¹²³"} | {f"LPT{c}" for c in "0123456789¹²³"}

PathLike = Union[str, "os.PathLike[str]"]


class UnsafePathError(EOPortalsError):
    """A path would leave the folder it must stay in (zip-slip, absolute path...)."""


def safe_name(name: str, fallback: str = "download", max_bytes: int = MAX_NAME_BYTES) -> str:
    """One file or folder name made safe on Windows, macOS and Linux; never a path, never empty."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.encode("utf-8", "replace").decode("utf-8")  # unpaired surrogates cannot be file names: "?"
    text = _FORBIDDEN.sub("_", text)
    # Windows silently drops trailing dots and spaces ("x." and "x" would be one file); leading dots hide files
    text = text.strip().strip(". ")
    if text in ("", ".", ".."):
        text = fallback
    stem = text.split(".", 1)[0].strip().upper()
    if stem in _RESERVED:
        text = "_" + text
    return _truncate(text, max_bytes)


def _truncate(text: str, max_bytes: int) -> str:
    """Cut a name to `max_bytes` of UTF-8, keeping a short extension."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or len(ext) > 10 or not stem:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    budget = max_bytes - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip(". ")
    return (cut or "_") + suffix


def safe_parts(relative: str) -> List[str]:
    """The components of a relative path, each made safe; '.', '..', empty parts and roots are dropped."""
    parts = []
    for part in re.split(r"[/\\]+", str(relative or "")):
        if part in ("", ".", ".."):
            continue
        parts.append(safe_name(part))
    return parts


def is_within(root: PathLike, path: PathLike) -> bool:
    """Whether `path` (resolved, symlinks followed) is `root` or inside it."""
    root_real = os.path.realpath(root)
    path_real = os.path.realpath(path)
    try:
        return os.path.commonpath([root_real, path_real]) == root_real
    except ValueError:  # different drives on Windows
        return False


def safe_join(root: PathLike, *relative: str) -> Path:
    """`root` joined with sanitised relative parts; UnsafePathError if the result would still leave `root`."""
    parts: List[str] = []
    for item in relative:
        parts.extend(safe_parts(item))
    if not parts:
        raise UnsafePathError(f"No usable file name in {'/'.join(relative)!r}.")
    path = Path(root).joinpath(*parts)
    if not is_within(root, path):  # e.g. a folder inside root that is a symlink pointing elsewhere
        raise UnsafePathError(f"{'/'.join(relative)!r} would be written outside {root}.")
    return path


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def extract_zip(
    zip_path: PathLike,
    folder: PathLike,
    *,
    overwrite: bool = False,
    cancel: Optional[threading.Event] = None,
    wrap: Optional[str] = None,
) -> List[Path]:
    """Extract `zip_path` into `folder` and return the top-level paths created.

    With `wrap` (a name), an archive that does not hold exactly one top-level folder is extracted into
    ``folder/<wrap>`` instead, so products zipped without their ``.SAFE`` folder never spill into `folder`.

    Member names are sanitised part by part (no absolute paths, drive letters, '..', reserved names), symbolic
    links are skipped, and everything is first extracted into a hidden staging folder that is moved into place
    only once complete, so an interrupted extraction never leaves a half-written product that looks whole.
    Existing top-level entries are replaced only with `overwrite`; otherwise UnsafePathError says which.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{safe_name(Path(zip_path).name)}.extracting"
    if staging.exists():
        shutil.rmtree(staging)  # a previous extraction that was interrupted
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = archive.infolist()
            needed = sum(info.file_size for info in members)
            free = shutil.disk_usage(folder).free
            if needed > free:
                raise EOPortalsError(
                    f"Not enough disk space to extract {Path(zip_path).name}: "
                    f"{needed / 1e6:.0f} MB needed, {free / 1e6:.0f} MB free.")
            staging.mkdir()
            tops = _extract_members(archive, members, staging, cancel)
        if wrap and not (len(tops) == 1 and (staging / tops[0]).is_dir()):
            inner = staging / ".wrapped"
            inner.mkdir()
            for name in tops:
                os.replace(staging / name, inner / name)
            name = safe_name(wrap)
            os.replace(inner, staging / name)
            tops = [name]
        created = []
        for name in tops:
            target = folder / name
            if target.exists() or target.is_symlink():
                if not overwrite:
                    raise UnsafePathError(f"{target} already exists; it was not replaced.")
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    target.unlink()
            os.replace(staging / name, target)
            created.append(target)
        return created
    except zipfile.BadZipFile as exc:
        raise EOPortalsError(f"{Path(zip_path).name} is not a valid zip archive ({exc}).") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _extract_members(archive: zipfile.ZipFile, members: Iterable[zipfile.ZipInfo], staging: Path,
                     cancel: Optional[threading.Event]) -> List[str]:
    tops: List[str] = []
    for info in members:
        if cancel is not None and cancel.is_set():
            raise EOPortalsError("Extraction cancelled.")
        if _is_symlink(info):
            continue  # a link could point anywhere; products do not need them
        parts = safe_parts(info.filename)
        if not parts:
            continue
        target = staging.joinpath(*parts)
        if not is_within(staging, target):
            raise UnsafePathError(f"The archive member {info.filename!r} would be written outside {staging}.")
        if parts[0] not in tops:
            tops.append(parts[0])
        try:
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            # Two members that become one path once made safe (a file and a folder of the same name)
            raise UnsafePathError(f"The archive member {info.filename!r} clashes with another member of the same "
                                  f"name once made safe; the archive was not extracted.") from None
    return tops
