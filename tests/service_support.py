"""Helpers shared by the service tests: the bundled policies loaded once per test session, an
in-process client, and a real `policyrun serve` process on a free loopback port. The service's
packages (starlette, uvicorn, httpx, …) are in the `test` extra: without them these tests fail
rather than skip."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import warnings
from functools import lru_cache

from conftest import ROOT, policyrun_command


@lru_cache(maxsize=None)
def bundled_snapshot():
    """The bundled policies, built once for every service test of the session (a few seconds)."""
    from policyrun.service.state import build
    return build()


def make_app(**options):
    from policyrun.service.app import Options, create_app
    snapshot = None if "policy_dir" in options else bundled_snapshot()
    return create_app(Options(**options), snapshot)


def client(app):
    """A synchronous in-process client (Starlette's TestClient, on httpx)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # Starlette's notice about its future test client
        from starlette.testclient import TestClient
        return TestClient(app, raise_server_exceptions=False)


def example(name: str) -> dict:
    return json.loads((ROOT / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def small_policy_dir(tmp_path, names=("national", "nanning")):
    """A copy of a few bundled policies (quicker to load than all of them), to edit in a test."""
    directory = tmp_path / "policies"
    directory.mkdir()
    for name in names:
        shutil.copy(ROOT / "policies" / f"{name}.policy", directory / f"{name}.policy")
    return directory


class Server:
    """`policyrun serve --port 0 …` in a subprocess; its stderr (JSON lines) is collected."""

    def __init__(self, *args, timeout: float = 90):
        self.process = subprocess.Popen(policyrun_command() + ["serve", "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        listening = self.wait_for(lambda e: e.get("event") == "listening", timeout)
        self.url = listening["url"]

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def events(self) -> list[dict]:
        out = []
        for line in list(self.lines):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"text": line})
        return out

    def wait_for(self, predicate, timeout: float = 60, count: int = 1) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events() if predicate(e)]
            if len(found) >= count:
                return found[count - 1]
            if self.process.poll() is not None:
                time.sleep(0.2)   # let the reader take the last lines
                raise AssertionError(f"server exited with {self.process.returncode}:\n" + "\n".join(self.lines))
            time.sleep(0.05)
        raise AssertionError("timed out waiting; server said:\n" + "\n".join(self.lines))

    def signal(self, sig) -> None:
        os.kill(self.process.pid, sig)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(5)
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
