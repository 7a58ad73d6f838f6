"""Atomic writes and safe reads: a file is either complete or absent, never half-written.

Every writer goes to a temporary file in the destination folder, flushes and fsyncs
it, then renames it over the destination (``os.replace`` is atomic on POSIX). Results
are stored as Parquet, JSON, YAML, CSV, PNG/SVG and HTML only — never pickled — so
reading a results folder never executes code.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import math
import os
import socket
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _file_mode()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


class NonFiniteError(ValueError):
    """A result holds NaN or infinity (never written: results are strict JSON/finite)."""


def first_non_finite(obj, where: str = "") -> str | None:
    """The dotted path of the first NaN/infinite number in ``obj`` (None: all finite)."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f" and not np.isfinite(obj).all():
            return f"{where}[{int(np.flatnonzero(~np.isfinite(obj.ravel()))[0])}]"
        return None
    elif isinstance(obj, (float, np.floating)):
        return None if math.isfinite(obj) else where or "value"
    else:
        return None
    for k, v in items:
        if isinstance(v, float):        # the common case (a run's row): no recursion
            if math.isfinite(v):
                continue
            return (f"{where}.{k}" if where else str(k)) or "value"
        if isinstance(v, (str, int, type(None))):
            continue
        bad = first_non_finite(v, f"{where}.{k}" if where else str(k))
        if bad is not None:
            return bad
    return None


def atomic_write_json(path: str | Path, obj) -> None:
    """Strict JSON only: NaN or infinity raise :class:`NonFiniteError`, nothing is written."""
    try:
        text = json.dumps(obj, indent=2, default=_default, sort_keys=False, allow_nan=False)
    except ValueError as e:
        raise NonFiniteError(f"{Path(path).name}: {first_non_finite(obj) or e}") from None
    atomic_write_text(path, text + "\n")


def parquet_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False, compression="zstd")
    return buf.getvalue()


def atomic_write_parquet(path: str | Path, df: pd.DataFrame) -> str:
    """Write ``df`` atomically; returns the SHA-256 of the bytes written."""
    data = parquet_bytes(df)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def atomic_savefig(fig, path: str | Path, **kwargs) -> None:
    buf = io.BytesIO()
    fmt = Path(path).suffix.lstrip(".")
    if fmt in ("svg", "png"):   # no creation date or software version: same figure, same bytes
        kwargs.setdefault("metadata", {"Date": None} if fmt == "svg" else {"Software": None})
    fig.savefig(buf, format=fmt, **kwargs)
    atomic_write_bytes(path, buf.getvalue())


def sha256_file(path: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def read_json(path: str | Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def is_disk_full(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)


class Locked(Exception):
    """The lock is held by another process; ``holder`` says which (pid, host, since)."""

    def __init__(self, path: Path, holder: dict):
        self.path, self.holder = path, holder
        super().__init__(f"{path} is locked by {holder}")


class FolderLock:
    """An exclusive ``flock`` on a lock file, released when the process ends (also by
    ``kill -9``). Without ``wait``, a held lock raises :class:`Locked` naming the holder
    (pid, host and start time, read from the lock file)."""

    def __init__(self, path: str | Path, wait: bool = False):
        self.path, self.wait, self.fd = Path(path), wait, None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise Locked(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        if not self.wait:
            from datetime import datetime, timezone
            info = {"pid": os.getpid(), "host": socket.gethostname(),
                    "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info).encode(), 0)
        return self

    @staticmethod
    def _holder(fd: int) -> dict:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            return info if isinstance(info, dict) else {}
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)           # closing drops the flock
            self.fd = None

    def __exit__(self, *exc):
        self.release()
        return False
