"""`policyrun serve`: load the policies, bind, and serve with uvicorn — in this process, or in N
worker processes under a small supervisor.

Why not uvicorn's own `--workers`: its supervisor answers SIGHUP by restarting every worker, and
a worker whose policies no longer check would then fail to start, taking the service down. Here
a SIGHUP makes each worker reload in place (state.py: build beside, swap one reference), keeping
the old policies if the new ones fail; the supervisor only claims a generation number, passes
reloads on and replaces a worker that dies.

Signals with workers: SIGHUP to the supervisor claims the next generation and sends SIGHUP to
every worker, which then loads that generation (`Live.follow`). A worker that took POST
/v1/admin/reload claims the generation itself, loads it, and sends the supervisor FOLLOW
(SIGUSR1), which sends SIGHUP to every worker as well: that worker serves the generation
already and does nothing, so each load has one number on every worker.
"""
from __future__ import annotations

import logging
import logging.config
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import replace

from . import logs
from .app import FOLLOW, Options, create_app
from .state import SharedGeneration, build

RELOAD_SIGNALS = {signal.SIGHUP, FOLLOW}


def serve(options: Options, host: str = "127.0.0.1", port: int = 8080, workers: int = 1) -> int:
    """Serve until SIGINT or SIGTERM; the exit status. Raises PolicyError (or NoPolicies) before
    binding anything if the policies do not load."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)   # default would end the process while loading
    for sig in (signal.SIGINT, signal.SIGTERM):
        # uvicorn handles these while it serves and, once it has shut down gracefully, raises the
        # signal again for the handler found before it: this one, so a requested stop exits 0.
        signal.signal(sig, _exit_quietly)
    logging.config.dictConfig(logs.config())
    started = time.perf_counter()
    snapshot = build(options.policy_dir)
    sock = _bind(host, port)
    url = _url(host, sock.getsockname()[1])
    loaded = round(time.perf_counter() - started, 2)
    if workers == 1:
        def ready():
            logs.event("listening", url=url, workers=1, pid=os.getpid(), load_s=loaded,
                       jurisdictions=len(snapshot.jurisdictions))
        _run(replace(options, handle_sighup=True), sock, snapshot, ready)
        return 0
    return _Supervisor(options, sock, workers, snapshot, url, loaded).run()


def _exit_quietly(signum, frame):
    raise SystemExit(0)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not the 0 of socket.create_server: asyncio turns Nagle's algorithm off
    # (TCP_NODELAY) only on sockets that say they are TCP, and the accepted ones inherit the
    # listener's proto. With Nagle on, a response written in two parts (head, body) waits for
    # the client's delayed ACK: some 40 ms per request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _run(options: Options, sock, snapshot, ready) -> None:
    import uvicorn
    app = create_app(options, snapshot, on_ready=ready, access_log=logs.JsonLines(sys.stderr))
    # log_config=None: the JSON logging configured above stays; access_log: ours is the middleware.
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", server_header=False,
                            timeout_graceful_shutdown=30)
    uvicorn.Server(config).run(sockets=[sock])


def _worker(options: Options, sock, ready_event, snapshot) -> None:
    """A worker process: the snapshot inherited from the supervisor (fork), or built here (a
    replacement for a worker that died, or where processes are spawned)."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)   # until the app's own handler is installed
    signal.signal(signal.SIGINT, signal.SIG_DFL)    # not the supervisor's handlers, inherited by fork
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(FOLLOW, signal.SIG_IGN)          # meant for the supervisor only
    signal.pthread_sigmask(signal.SIG_UNBLOCK, RELOAD_SIGNALS)   # blocked by _Supervisor._start
    logging.config.dictConfig(logs.config())
    if snapshot is None:
        from ..dsl.diagnostics import PolicyError
        from .state import NoPolicies
        try:   # as the generation the other workers serve (or are loading)
            snapshot = build(options.policy_dir, options.shared_generation.target())
        except (PolicyError, NoPolicies) as err:
            logs.event("worker_load_failed", logging.ERROR, pid=os.getpid(), message=str(err))
            sys.exit(1)
    _run(replace(options, handle_sighup=True, supervisor_pid=os.getppid()), sock, snapshot, ready_event.set)


class _Supervisor:
    RESTART_DELAY = 1.0

    def __init__(self, options, sock, workers, snapshot, url, loaded):
        methods = multiprocessing.get_all_start_methods()
        # fork: the workers start with the policies compiled here, at no cost; spawn elsewhere.
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.generation = SharedGeneration(self.ctx)
        options = replace(options, shared_generation=self.generation)
        self.options, self.sock, self.n, self.url, self.loaded = options, sock, workers, url, loaded
        self.snapshot = snapshot if self.ctx.get_start_method() == "fork" else None
        self.processes: list = []
        self.stopping = threading.Event()

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        # From the start: a worker may take an admin reload before the others are ready (its
        # FOLLOW must not end the supervisor, which SIGUSR1's default action would).
        signal.signal(FOLLOW, self._forward_hup)
        events = [self._start(i, self.snapshot) for i in range(self.n)]
        self.snapshot = None   # a replacement worker loads the policy files as they are then
        if not self._wait_ready(events):
            self._shutdown()
            logs.event("workers_failed", logging.ERROR)
            return 1
        signal.signal(signal.SIGHUP, self._reload_all)
        logs.event("listening", url=self.url, workers=self.n, pid=os.getpid(), load_s=self.loaded,
                   worker_pids=[p.pid for p in self.processes])
        while not self.stopping.wait(0.5):
            self._replace_dead()
        self._shutdown()
        return 0

    def _start(self, index: int, snapshot):
        ready = self.ctx.Event()
        process = self.ctx.Process(target=_worker, args=(self.options, self.sock, ready, snapshot),
                                   name=f"policyrun-worker-{index}")
        # Blocked across the fork: until the worker has set its own handlers, a SIGHUP must not
        # run the supervisor's handler in the child (it would claim a generation). A worker that
        # misses one catches up once its handler is in place (app._handle_sighup).
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, RELOAD_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if index < len(self.processes):
            self.processes[index] = process
        else:
            self.processes.append(process)
        return ready

    def _wait_ready(self, events, timeout: float = 300) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping.is_set():
            if all(e.is_set() for e in events):
                return True
            if any(not p.is_alive() for p in self.processes):
                return False
            time.sleep(0.05)
        return False

    def _replace_dead(self) -> None:
        for i, process in enumerate(self.processes):
            if not process.is_alive() and not self.stopping.is_set():
                logs.event("worker_exited", logging.WARNING, pid=process.pid, exitcode=process.exitcode)
                time.sleep(self.RESTART_DELAY)   # no tight loop if the policies no longer load
                self._start(i, None)

    def _reload_all(self, signum, frame) -> None:
        self.generation.claim()
        self._forward_hup(signum, frame)

    def _forward_hup(self, signum, frame) -> None:
        """SIGHUP to every worker: each loads the generation claimed last, unless it serves it."""
        for process in self.processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGHUP)

    def _stop(self, signum, frame) -> None:
        self.stopping.set()

    def _shutdown(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()   # SIGTERM: uvicorn finishes the requests in flight, then exits
        for process in self.processes:
            process.join(40)
            if process.is_alive():
                process.kill()
