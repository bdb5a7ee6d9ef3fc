"""`policyrun serve` as a process: it refuses to start on an invalid policy, binds to loopback,
logs JSON lines, reloads on SIGHUP and on the admin endpoint without dropping a request in
flight, keeps the old policies when the new ones fail, and runs several workers."""
import json
import os
import signal
import socket
import subprocess
import threading
import time

import httpx
from conftest import ROOT, policyrun_command
from service_support import Server, example, small_policy_dir

NANNING = "nanning-inside-concentrated"
TITLE = 'title "南宁市城乡居民医保"'


def retitle(directory, title: str) -> None:
    path = directory / "nanning.policy"
    text = path.read_text(encoding="utf-8")
    assert TITLE in text
    path.write_text(text.replace(TITLE, f'title "{title}"'), encoding="utf-8")


def nanning_title(url: str) -> str:
    listing = httpx.get(f"{url}/v1/jurisdictions").json()["jurisdictions"]
    return next(j["title"] for j in listing if j["name"] == "nanning")


def raw_request(url: str, request: bytes) -> str:
    """The head of the response to bytes sent as they are (no client would send them)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        head = sock.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 400"), head
    return head


def test_refuses_to_start_on_an_invalid_policy(tmp_path):
    directory = small_policy_dir(tmp_path)
    (directory / "nanning.policy").write_text("policy nanning extends national\nlet x = \n", encoding="utf-8")
    r = subprocess.run(policyrun_command() + ["serve", "--port", "0", "--policies", str(directory)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 1
    assert "error[P003]" in r.stderr and "nanning.policy:2" in r.stderr and "Traceback" not in r.stderr
    assert "listening" not in r.stderr


def test_serves_on_loopback_and_logs_json_lines(tmp_path):
    directory = small_policy_dir(tmp_path)
    with Server("--policies", str(directory)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        r = httpx.post(f"{server.url}/v1/evaluate", json=example(NANNING))
        assert r.status_code == 200 and r.json()["accepted"] is True
        assert httpx.post(f"{server.url}/v1/evaluate", content=b"{oops").status_code == 400
        line = server.wait_for(lambda e: e.get("event") == "request" and e.get("status") == 200)
        assert line["method"] == "POST" and line["path"] == "/v1/evaluate" and line["jurisdiction"] == "nanning"
        assert isinstance(line["latency_ms"], float)
        server.wait_for(lambda e: e.get("event") == "request" and e.get("status") == 400)
        # malformed HTTP is refused by uvicorn below the app: plain text, as README says
        assert "text/plain" in raw_request(server.url, b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\n"
                                                       b"Content-Length: abc\r\n\r\n{}").split("\r\n\r\n")[0]
    # every line is JSON, and no resident data is in any of them
    assert all(json.loads(line) for line in server.lines)
    assert example(NANNING)["resident"]["birth_date"] not in "\n".join(server.lines)
    assert server.process.returncode == 0


def test_sighup_reloads_and_a_broken_reload_keeps_the_old_policies(tmp_path):
    directory = small_policy_dir(tmp_path)
    with Server("--policies", str(directory)) as server:
        retitle(directory, "南宁(重新加载)")
        server.signal(signal.SIGHUP)
        server.wait_for(lambda e: e.get("event") == "reloaded" and e.get("generation") == 2)
        assert nanning_title(server.url) == "南宁(重新加载)"

        (directory / "nanning.policy").write_text("policy nanning extends national\nlet x = \n", encoding="utf-8")
        server.signal(signal.SIGHUP)
        failed = server.wait_for(lambda e: e.get("event") == "reload_failed")
        assert failed["generation"] == 2 and "P003" in failed["diagnostics"][0]
        assert nanning_title(server.url) == "南宁(重新加载)"   # still generation 2
        assert httpx.post(f"{server.url}/v1/evaluate", json=example(NANNING)).status_code == 200


def test_no_request_in_flight_is_dropped_by_a_reload(tmp_path):
    directory = small_policy_dir(tmp_path)
    # 4,000 explained scenarios take seconds, so the batch is surely still running when the
    # reload (0.3 s in) swaps the policies, however fast the machine.
    with Server("--policies", str(directory), "--admin-token", "s3cret", "--max-batch", "5000") as server:
        statuses, generations, stop = [], set(), threading.Event()

        def hammer():
            with httpx.Client(base_url=server.url, timeout=60) as c:
                while not stop.is_set():
                    r = c.post("/v1/evaluate", json=example(NANNING))
                    statuses.append(r.status_code)
                    generations.add(r.headers.get("x-policyrun-generation"))

        batch = {}

        def slow_batch():   # explained, so that it is still running when the reload swaps
            batch["r"] = httpx.post(f"{server.url}/v1/evaluate/batch?explain=true",
                                    json=[example(NANNING)] * 4000, timeout=300)
            batch["done"] = time.monotonic()

        threads = [threading.Thread(target=hammer) for _ in range(3)] + [threading.Thread(target=slow_batch)]
        try:
            for t in threads:
                t.start()
            time.sleep(0.3)
            retitle(directory, "南宁(二)")
            r = httpx.post(f"{server.url}/v1/admin/reload", headers={"Authorization": "Bearer s3cret"}, timeout=120)
            reloaded = time.monotonic()
            assert r.status_code == 200 and r.json()["generation"] == 2
            for _ in range(20):   # requests on the new policies too
                statuses.append(httpx.post(f"{server.url}/v1/evaluate", json=example(NANNING)).status_code)
        finally:
            stop.set()
            for t in threads:
                t.join(120)
        assert len(statuses) > 20 and set(statuses) == {200}
        assert {"1", "2"} <= generations
        # the batch began before the swap and ended after it: answered in full, on the old policies
        assert batch["r"].status_code == 200 and len(batch["r"].json()) == 4000
        assert batch["done"] > reloaded and batch["r"].headers["x-policyrun-generation"] == "1"
        assert nanning_title(server.url) == "南宁(二)"


def test_admin_endpoint_absent_without_a_token(tmp_path):
    with Server("--policies", str(small_policy_dir(tmp_path))) as server:
        r = httpx.post(f"{server.url}/v1/admin/reload", headers={"Authorization": "Bearer anything"})
        assert r.status_code == 404 and r.json()["error"]["message"] == "no such endpoint"


def test_two_workers_share_the_port_and_all_reload(tmp_path):
    directory = small_policy_dir(tmp_path)
    with Server("--policies", str(directory), "--workers", "2", "--admin-token", "s3cret") as server:
        listening = server.wait_for(lambda e: e.get("event") == "listening")
        assert listening["workers"] == 2 and len(set(listening["worker_pids"])) == 2
        for _ in range(10):
            assert httpx.post(f"{server.url}/v1/evaluate", json=example(NANNING)).status_code == 200
        retitle(directory, "南宁(两个进程)")
        r = httpx.post(f"{server.url}/v1/admin/reload", headers={"Authorization": "Bearer s3cret"}, timeout=120)
        assert r.status_code == 200
        # the supervisor passes the reload on: every worker reloads, once, to the same generation
        for pid in listening["worker_pids"]:
            server.wait_for(lambda e, pid=pid: e.get("event") == "reloaded" and e.get("pid") == pid, timeout=120)
        assert nanning_title(server.url) == "南宁(两个进程)"
        assert generations_by_worker(server.url, listening["worker_pids"]) == {2}
        assert sorted(e["pid"] for e in reloads(server)) == sorted(listening["worker_pids"])

        # a worker that replaces a dead one serves the generation the others serve
        os.kill(listening["worker_pids"][0], signal.SIGKILL)
        server.wait_for(lambda e: e.get("event") == "worker_exited")
        pids = [listening["worker_pids"][1], wait_for_new_worker(server.url, listening["worker_pids"])]
        assert generations_by_worker(server.url, pids) == {2}

        # SIGHUP to the supervisor: one more generation, the same on both
        server.signal(signal.SIGHUP)
        for pid in pids:
            server.wait_for(lambda e, pid=pid: e.get("event") == "reloaded" and e.get("pid") == pid
                            and e.get("generation") == 3, timeout=120)
        assert generations_by_worker(server.url, pids) == {3}
        assert [e["generation"] for e in reloads(server)] == [2, 2, 3, 3]
    assert server.process.returncode == 0


def reloads(server) -> list[dict]:
    return [e for e in server.events() if e.get("event") == "reloaded"]


def generations_by_worker(url: str, pids, tries: int = 400) -> set:
    """The generations /healthz reports, asked until each of `pids` has answered (a new
    connection each time: the kernel hands them to either worker)."""
    seen = {}
    for _ in range(tries):
        health = httpx.get(f"{url}/healthz").json()
        seen.setdefault(health["pid"], set()).add(health["generation"])
        if set(pids) <= set(seen):
            break
    assert set(pids) <= set(seen), f"only {sorted(seen)} answered"
    return set().union(*seen.values())


def wait_for_new_worker(url: str, old_pids, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid = httpx.get(f"{url}/healthz").json()["pid"]
        except httpx.HTTPError:
            pid = None
        if pid is not None and pid not in old_pids:
            return pid
        time.sleep(0.05)
    raise AssertionError("no new worker answered")


def test_serve_help_and_usage():
    r = subprocess.run(policyrun_command() + ["serve", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--max-batch" in r.stdout and "--admin-token" in r.stdout
    r = subprocess.run(policyrun_command() + ["serve", "--workers", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
