"""Load test of `policyrun serve`, on loopback only, bounded in requests and in time.

    .venv/bin/python benchmarks/load_test.py [--requests 3000] [--concurrency 8] [--quick]

For 1 and then 2 workers it starts the server (`policyrun serve --port 0`, bundled policies),
warms it up, then:
  1. latency: one keep-alive connection, requests one after another — each request's latency
     against the same scenario evaluated in this process (`Policies.evaluate`, the same fast
     build the server uses): the difference is the per-request overhead of the service
     (HTTP, JSON in and out, validation of the body, the request log);
  2. throughput: `--concurrency` keep-alive connections sharing `--requests` requests:
     requests/s, p50 and p99 latency.
Every response must be 200 and the decisions equal to the in-process ones; any error fails
the run (exit 1). The client is a few lines of asyncio speaking HTTP/1.1, so that the client's
own cost stays small next to what is measured. Results: benchmarks/results/load.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLICYRUN = Path(sys.executable).with_name("policyrun")
PHASE_TIMEOUT = 120.0   # seconds: no phase runs longer, whatever --requests says


def scenarios() -> list[bytes]:
    """The bundled example scenarios (every jurisdiction that has one), as request bodies."""
    return [p.read_bytes() for p in sorted((ROOT / "examples").glob("*.json"))]


# ---- the server ---------------------------------------------------------------------------

class Server:
    def __init__(self, workers: int):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="policyrun-serve-", suffix=".log", delete=False)
        self.process = subprocess.Popen([str(POLICYRUN), "serve", "--host", "127.0.0.1", "--port", "0",
                                         "--workers", str(workers)],
                                        stdout=subprocess.DEVNULL, stderr=self.log, cwd=ROOT)
        self.port, self.pids = self._wait_listening()

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the processes that serve (the workers)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])   # utime, stime
        return total / ticks

    def _wait_listening(self, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}): {Path(self.log.name).read_text()}")
            for line in Path(self.log.name).read_text(encoding="utf-8").splitlines():
                if '"listening"' in line:
                    event = json.loads(line)
                    return int(event["url"].rsplit(":", 1)[1]), event.get("worker_pids") or [event["pid"]]
            time.sleep(0.1)
        raise SystemExit("the server did not start in time")

    def request_lines(self) -> int:
        lines = Path(self.log.name).read_text(encoding="utf-8").splitlines()
        return sum('"event": "request"' in line for line in lines)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        os.unlink(self.log.name)


# ---- a minimal HTTP/1.1 keep-alive client -------------------------------------------------

class Connection:
    def __init__(self, port: int):
        self.port = port

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def post(self, body: bytes) -> tuple[int, bytes]:
        head = (f"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self):
        self.writer.close()


async def run_requests(port: int, bodies: list[bytes], order: list[int], connections: int, deadline: float):
    """Send bodies[order[k]] for every k over `connections` connections; [(index, status, ns, body)]."""
    results, cursor = [], iter(range(len(order)))

    async def worker():
        conn = await Connection(port).open()
        try:
            for k in cursor:
                if time.monotonic() > deadline:
                    break
                index = order[k]
                started = time.perf_counter_ns()
                try:
                    status, body = await conn.post(bodies[index])
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as err:
                    results.append((index, f"{type(err).__name__}: {err}", 0, b""))
                    conn.close()
                    conn = await Connection(port).open()
                    continue
                results.append((index, status, time.perf_counter_ns() - started, body))
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return results


# ---- measuring ----------------------------------------------------------------------------

def in_process_times(bodies: list[bytes], rounds: int = 20) -> tuple[list[float], list[dict]]:
    """Median µs per scenario through Policies.evaluate (the server's fast build), and the decisions."""
    import policyrun
    policies = policyrun.load()
    policies.prepare()
    data = [json.loads(b) for b in bodies]
    decisions = [policies.evaluate(d) for d in data]
    times = [[] for _ in bodies]
    for _ in range(rounds):
        for i, d in enumerate(data):
            started = time.perf_counter_ns()
            policies.evaluate(d)
            times[i].append(time.perf_counter_ns() - started)
    return [statistics.median(t) / 1000 for t in times], decisions


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def check(results, decisions, expected_count: int) -> list[str]:
    errors = [f"request {i}: {status}" for i, status, _, _ in results if status != 200]
    if len(results) < expected_count:
        errors.append(f"only {len(results)} of {expected_count} requests finished within {PHASE_TIMEOUT:.0f} s")
    seen = set()
    for index, status, _, body in results:
        if status == 200 and index not in seen:   # each scenario's decision, once
            seen.add(index)
            if json.loads(body) != decisions[index]:
                errors.append(f"scenario {index}: the decision differs from the in-process one")
    return errors


def measure(workers: int, bodies, inproc_us, decisions, requests: int, concurrency: int) -> dict:
    server = Server(workers)
    try:
        loop = asyncio.new_event_loop()
        cycle = lambda n: [k % len(bodies) for k in range(n)]   # noqa: E731
        loop.run_until_complete(run_requests(server.port, bodies, cycle(200), concurrency,
                                             time.monotonic() + PHASE_TIMEOUT))   # warm-up
        sequential_n = min(requests, 1000)
        sequential = loop.run_until_complete(run_requests(server.port, bodies, cycle(sequential_n), 1,
                                                          time.monotonic() + PHASE_TIMEOUT))
        started, cpu_before = time.perf_counter(), server.cpu_seconds()
        concurrent = loop.run_until_complete(run_requests(server.port, bodies, cycle(requests), concurrency,
                                                          time.monotonic() + PHASE_TIMEOUT))
        elapsed, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_before
        loop.close()
        errors = check(sequential, decisions, sequential_n) + check(concurrent, decisions, requests)
        latency_us = [ns / 1000 for _, status, ns, _ in sequential if status == 200]
        overhead_us = [ns / 1000 - inproc_us[i] for i, status, ns, _ in sequential if status == 200]
        busy_ms = [ns / 1e6 for _, status, ns, _ in concurrent if status == 200]
        return {
            "workers": workers,
            "sequential": {"requests": len(sequential), "latency_ms_p50": percentile(latency_us, 50) / 1000,
                           "latency_ms_p99": percentile(latency_us, 99) / 1000,
                           "overhead_ms_median": statistics.median(overhead_us) / 1000,
                           "overhead_ms_p99": percentile(overhead_us, 99) / 1000},
            "concurrent": {"requests": len(concurrent), "connections": concurrency, "seconds": round(elapsed, 3),
                           "throughput_rps": round(len(concurrent) / elapsed, 1),
                           "latency_ms_p50": percentile(busy_ms, 50), "latency_ms_p99": percentile(busy_ms, 99)},
            # CPU time the server spent per request, less the evaluation's own: the overhead as
            # the machine's other load cannot inflate it (wall-clock latencies above can).
            "server_cpu_ms_per_request": round(cpu / max(1, len(concurrent)) * 1000, 3),
            "cpu_overhead_ms_per_request": round(cpu / max(1, len(concurrent)) * 1000
                                                 - statistics.mean(inproc_us[i] for i, *_ in concurrent) / 1000, 3),
            "errors": len(errors), "first_errors": errors[:5],
            "request_log_lines": server.request_lines(),
        }
    finally:
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests in the throughput phase (default 3000)")
    parser.add_argument("--concurrency", type=int, default=8, help="connections in the throughput phase (default 8)")
    parser.add_argument("--quick", action="store_true", help="300 requests: a smoke run")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "load.json")
    args = parser.parse_args(argv)
    requests = 300 if args.quick else max(1, min(args.requests, 20000))

    bodies = scenarios()
    inproc_us, decisions = in_process_times(bodies)
    report = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average_at_start": os.getloadavg()},
        "scenarios": len(bodies),
        "in_process_ms": {"median": statistics.median(inproc_us) / 1000, "max": max(inproc_us) / 1000},
        "runs": [],
    }
    for workers in (1, 2):
        run = measure(workers, bodies, inproc_us, decisions, requests, args.concurrency)
        report["runs"].append(run)
        s, c = run["sequential"], run["concurrent"]
        print(f"{workers} worker{'s' if workers > 1 else ''}: overhead median {s['overhead_ms_median']:.3f} ms "
              f"(p99 {s['overhead_ms_p99']:.3f}); sequential p50 {s['latency_ms_p50']:.3f} ms; "
              f"{c['throughput_rps']} req/s over {c['connections']} connections, "
              f"p50 {c['latency_ms_p50']:.2f} ms, p99 {c['latency_ms_p99']:.2f} ms; server CPU "
              f"{run['server_cpu_ms_per_request']:.3f} ms/request ({run['cpu_overhead_ms_per_request']:.3f} above "
              f"evaluation); {run['errors']} errors")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"-> {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 1 if any(run["errors"] for run in report["runs"]) else 0


if __name__ == "__main__":
    sys.exit(main())
