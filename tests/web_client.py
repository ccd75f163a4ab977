"""A real server in a child process and a cookie-keeping HTTP client for it: for the tests that
kill the server, where an in-process test client cannot stand in."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from curriculum.settings import PROJECT_ROOT
from tests.helpers import CSRF_RE, PASSWORD


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is an answer to look at, not to follow


class WebClient:
    """One user's browser, minus the browser: cookies kept, redirects not followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _KeepRedirects())

    def request(self, path: str, data: Any = None, timeout: float = 30) -> tuple[int, str]:
        status, body = self.request_bytes(path, data, timeout)
        return status, body.decode()

    def request_bytes(self, path: str, data: Any = None, timeout: float = 30
                      ) -> tuple[int, bytes]:
        """The status and body of a GET (or, with ``data``, a form POST), as bytes."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as answer:  # 3xx, 4xx, 5xx: still an answer
            with answer:
                return answer.code, answer.read()

    def headers(self, path: str, **sent: str) -> tuple[int, Any]:
        """The status and headers of a GET, with extra request headers."""
        # Our own loopback http:// URL, never user input.
        request = urllib.request.Request(self.base_url + path, headers=sent)  # noqa: S310
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.headers
        except urllib.error.HTTPError as answer:
            with answer:
                return answer.code, answer.headers

    def csrf_token(self, path: str = "/login") -> str:
        status, page = self.request(path)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        status, _ = self.request("/login", {"email": email, "password": password,
                                            "csrf_token": self.csrf_token()})
        assert status == 302, f"sign-in failed for {email}: {status}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn 'app:create_app()'`` on a free loopback port, in its own process group so
    the whole server (master and workers) can be killed at once."""

    def __init__(self, env: dict[str, str], workers: int = 2,
                 options: tuple[str, ...] = (), app_spec: str = "app:create_app()") -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Its own caches, never the project's instance folder (kept across a restart).
        self.scratch = Path(tempfile.mkdtemp(prefix="groupwork-server-"))
        self.env = {**os.environ, "GROUPWORK_ENV": "development",
                    "GROUPWORK_PDF_CACHE_DIR": str(self.scratch / "pdf-cache"),
                    "GROUPWORK_LIBRARY_CACHE_DIR": str(self.scratch / "library-cache"), **env}
        self.workers = workers
        self.options = options  # e.g. ("--config", "gunicorn.conf.py"); ours come after
        self.app_spec = app_spec
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_within: float = 30) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *self.options, "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning", self.app_spec],
            cwd=PROJECT_ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.process.stderr.read().decode())
            try:
                if WebClient(self.base_url).request("/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.kill()  # never leave a half-started server behind
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL to the master and every worker: no shutdown code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate()

    def stop(self) -> None:
        """SIGTERM to the master, which stops its workers in order (a signal to the whole
        group could reach a worker still booting, before it has its own handlers)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)
