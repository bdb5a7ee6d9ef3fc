"""An on-disk cache of checked policies, so that a fresh `policyrun evaluate` need not import
Lark, parse and check: the key is a hash of this package's own source and of every policy text
in the chain, so any change to either misses the cache. Set POLICYRUN_CACHE_DIR to move it, or
to an empty string to turn it off. A cache that cannot be read or written is simply skipped."""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _directory() -> Path | None:
    configured = os.environ.get("POLICYRUN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policyrun"


def _code_fingerprint() -> bytes:
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")) + sorted(_PACKAGE.rglob("*.lark")):
        stat = path.stat()
        digest.update(f"{path.relative_to(_PACKAGE)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for path in sorted((_PACKAGE.parent / "dsl").glob("*.py")) if (_PACKAGE.parent / "dsl").is_dir() else []:
        stat = path.stat()
        digest.update(f"dsl/{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.digest()


def key(texts) -> str | None:
    if not texts or _directory() is None:
        return None
    digest = hashlib.sha256(_code_fingerprint())
    for path, text in texts:
        digest.update(path.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def read(key: str):
    path = _directory() / f"{key}.pickle"
    try:
        with open(path, "rb") as f:
            checked = pickle.load(f)
    except Exception:   # a missing, stale or unreadable entry is a miss
        return None
    try:
        os.utime(path)   # marks it used: _prune deletes the least recently used entries
    except OSError:
        pass   # a read-only cache still serves
    return checked


# Entries kept: every edit of a policy (and every upgrade of policyrun) makes new keys, and the
# old entries would otherwise pile up for ever (a policy author's machine gathered hundreds).
LIMIT = 64


def write(key: str, checked) -> None:
    directory = _directory()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(checked, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / f"{key}.pickle")
        _prune(directory, keep=f"{key}.pickle")
    except Exception:
        pass


def _prune(directory: Path, keep: str) -> None:
    """Delete the least recently used (read or written) entries beyond LIMIT (never `keep`,
    just written)."""
    entries = []
    for entry in os.scandir(directory):
        if entry.name.endswith(".pickle") and entry.name != keep:
            try:
                entries.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:
                pass   # removed meanwhile by another process
    entries.sort()
    for _, path in entries[:max(0, len(entries) - (LIMIT - 1))]:
        try:
            os.remove(path)
        except OSError:
            pass
