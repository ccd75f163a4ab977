"""Pages over HTTP: gunicorn with gunicorn.conf.py on loopback, driven by ApacheBench (ab), each
path against its ceiling measured in the same run: a bare Flask hello, and a hello view added
to Groupwork behind its sign-in and session checks.

Cookies are not marked Secure here (GROUPWORK_ENV=development) because the benchmark speaks
plain HTTP on loopback; everything else is the production configuration.
"""

import datetime
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from app import create_app
from bench.common import PASSWORD, small_group
from curriculum import db, logbook, schema
from curriculum.settings import PROJECT_ROOT
from tests.web_client import Gunicorn, WebClient

SECONDS = 4  # per ab run
RUNS = 5  # medians of these
CONCURRENCY = 4  # two sync workers, each with one request waiting
REQUESTS_RE = re.compile(r"Requests per second:\s+([\d.]+)")
P99_RE = re.compile(r"^\s+99%\s+(\d+)", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx responses:\s+(\d+)")


def ab_command(client: WebClient | None = None) -> list[str]:
    """ab at CONCURRENCY. With a signed-in client, ab sends its cookies and User-Agent: a
    session cookie replayed from another browser is a different request to the session checks
    (Flask-Login marks the session not fresh and sends the cookie again)."""
    command = ["ab", "-q", "-c", str(CONCURRENCY)]
    if client is not None:
        agent = dict(client.opener.addheaders)["User-agent"]
        command += ["-C", "; ".join(f"{c.name}={c.value}" for c in client.cookies),
                    "-H", f"User-Agent: {agent}"]
    return command


def ab(urls: dict[str, str], client: WebClient | None = None) -> dict[str, dict[str, float]]:
    """req/s and p99 (ms) for each URL: a warm-up each, then RUNS rounds in which every URL
    gets one timed run in turn (so a noisy spell on this shared machine falls on all of
    them, not on one); medians of the rounds."""
    base = ab_command(client)
    for url in urls.values():
        subprocess.run([*base, "-n", "200", url], capture_output=True, check=True)
    rates: dict[str, list[float]] = {name: [] for name in urls}
    p99s: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(RUNS):
        for name, url in urls.items():
            output = subprocess.run([*base, "-t", str(SECONDS), "-n", "1000000", url],
                                    capture_output=True, text=True, check=True).stdout
            if match := NON_2XX_RE.search(output):
                raise RuntimeError(f"{url}: {match.group(1)} answers were not 2xx")
            rates[name].append(float(REQUESTS_RE.search(output).group(1)))
            p99s[name].append(float(P99_RE.search(output).group(1)))
    return {name: {"req_s": statistics.median(rates[name]), "req_s_min": min(rates[name]),
                   "req_s_max": max(rates[name]), "p99_ms": statistics.median(p99s[name])}
            for name in urls}


def prepare(scratch: Path) -> tuple[str, int]:
    """A facilitator with a group of eight and a draft log; returns the email and log id."""
    app = create_app({"SECRET_KEY": "pages-" * 8,
                      "DATABASE_URL": f"sqlite:///{scratch}/pages.sqlite3"})
    with app.app_context():
        schema.upgrade(db.engine())
        group = small_group()
        log = logbook.start_log(db.get_session(), group, datetime.date(2026, 3, 4),
                                group.facilitators[0], ["managing-cravings"],
                                app.extensions["library"])
        db.get_session().commit()
        log_id = log.id
    app.extensions["engine"].dispose()
    return "facilitator@bench.test", log_id


def serve(app_spec: str, scratch: Path) -> Gunicorn:
    server = Gunicorn({"DATABASE_URL": f"sqlite:///{scratch}/pages.sqlite3",
                       "SECRET_KEY": "pages-" * 8, "GROUPWORK_ENV": "development",
                       "GROUPWORK_PDF_CACHE_DIR": str(scratch / "pdf-cache")},
                      options=("--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                               "--access-logfile", "/dev/null"),
                      app_spec=app_spec)
    server.start()
    return server


def timed_get(client: WebClient, path: str) -> float:
    started = time.perf_counter()
    status, _ = client.headers(path)
    assert status == 200, (path, status)
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def fresh_workers(email: str, log_id: int, scratch: Path) -> dict[str, Any]:
    """A freshly started server: its first PDF against steady uncached renders, then worker
    memory after 1,000 mixed requests including 50 PDFs."""
    server = serve("app:create_app()", scratch)
    try:
        client = WebClient(server.base_url)
        client.sign_in(email, PASSWORD)
        slugs = sorted(p.stem for p in (PROJECT_ROOT / "content" / "topics").glob("*.md"))
        first = timed_get(client, f"/topics/{slugs[0]}/handout.pdf?size=a4&large=1")
        steady = [timed_get(client, f"/topics/{slug}/handout.pdf?size=a4&large=1")
                  for slug in slugs[1:8]]
        pdfs = iter([f"/topics/{slug}/handout.pdf?size={size}"
                     for size in ("letter", "a4") for slug in slugs][:50])
        pages = ["/", "/topics", f"/logs/{log_id}/edit", "/groups", "/topics/managing-cravings"]
        for number in range(1000):
            path = next(pdfs, None) if number % 20 == 0 else None
            client.headers(path or pages[number % len(pages)])
        children = subprocess.run(["ps", "-o", "pid=,ppid=", "-g", str(server.process.pid)],
                                  capture_output=True, text=True).stdout.split("\n")
        pairs = [tuple(map(int, line.split())) for line in children if line.strip()]
        workers = [pid for pid, parent in pairs if parent == server.process.pid]
        renderers = [pid for pid, parent in pairs if parent in workers]
        return {"first_pdf_s": first, "steady_pdf_s": statistics.median(steady),
                "first_vs_steady": first / statistics.median(steady),
                "worker_rss_mb": [rss_mb(pid) for pid in workers],
                "render_child_rss_mb": [rss_mb(pid) for pid in renderers]}
    finally:
        server.stop()


def run() -> dict[str, Any]:
    if shutil.which("ab") is None:
        print("pages: skipped, ApacheBench is missing (Debian: apt-get install apache2-utils)")
        return {"skipped": "ab not installed"}
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-pages-"))
    results: dict[str, Any] = {}
    try:
        email, log_id = prepare(scratch)
        server = serve("bench.apps:hello_app()", scratch)
        try:
            results |= ab({"hello": server.base_url + "/hello"})
        finally:
            server.stop()
        server = serve("bench.apps:signed_in_hello_app()", scratch)
        try:
            client = WebClient(server.base_url)
            client.sign_in(email, PASSWORD)
            paths = {"signed-in hello": "/bench/hello",
                     "handout PDF, cached": "/topics/managing-cravings/handout.pdf",
                     "topic page": "/topics/managing-cravings",
                     "log page GET (8 people)": f"/logs/{log_id}/edit"}
            # A browser's first page stores the session's form token in its cookie; ab keeps
            # no cookies, so it must start from that steady state, as a browser would be in.
            client.request("/")
            for path in paths.values():
                status, headers = client.headers(path)
                assert status == 200 and "Set-Cookie" not in headers, (path, status)
            results |= ab({name: server.base_url + path for name, path in paths.items()},
                          client)
        finally:
            server.stop()
        results["fresh workers"] = fresh_workers(email, log_id, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    hello, signed_in = results["hello"], results["signed-in hello"]
    print(f"\nPages over HTTP (gunicorn.conf.py, ab -c {CONCURRENCY}, medians of {RUNS} × "
          f"{SECONDS} s)")
    print(f"{'path':28} {'req/s':>8} {'[min–max]':>15} {'p99 ms':>7}  ratio")
    fresh = results.pop("fresh workers")
    for name, figures in results.items():
        base, base_name = (hello, "hello") if name == "signed-in hello" else (
            signed_in, "signed-in hello")
        ratio = "" if name == "hello" else (
            f"{figures['req_s'] / base['req_s']:.2f}x {base_name} req/s")
        if name == "handout PDF, cached":
            ratio += f"; p99 {figures['p99_ms'] / max(signed_in['p99_ms'], 1):.2f}x"
        figures["ratio"] = ratio
        print(f"{name:28} {figures['req_s']:8.0f} "
              f"{figures['req_s_min']:7.0f}–{figures['req_s_max']:<7.0f} "
              f"{figures['p99_ms']:7.0f}  {ratio}")
    print(f"first PDF after a worker starts {fresh['first_pdf_s'] * 1000:.0f} ms, steady "
          f"uncached {fresh['steady_pdf_s'] * 1000:.0f} ms: {fresh['first_vs_steady']:.2f}x")
    print(f"after 1,000 mixed requests (50 PDFs): worker RSS "
          f"{', '.join(f'{mb:.0f}' for mb in fresh['worker_rss_mb'])} MB; render child RSS "
          f"{', '.join(f'{mb:.0f}' for mb in fresh['render_child_rss_mb'])} MB")
    results["fresh workers"] = fresh
    return results
