"""Atomic writes and safe reads: a file is either complete or absent, never half-written.

Every writer goes to a temporary file in the destination folder, flushes and fsyncs
it, then renames it over the destination (``os.replace`` is atomic on POSIX). Results
are stored as Parquet, JSON, YAML, CSV, PNG/SVG and HTML only — never pickled — so
reading a results folder never executes code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
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


def atomic_write_json(path: str | Path, obj) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, default=_default, sort_keys=False) + "\n")


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
