"""Pages over HTTP: gunicorn with gunicorn.conf.py on loopback, driven by two load generators,
ApacheBench (ab) and wrk, each path against its ceiling measured in the same run: a bare Flask
hello, and a hello view added to Groupwork behind its sign-in and session checks.

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
from urllib.parse import urlsplit

from app import create_app
from bench.common import PASSWORD, PROGRAM_WORDING, approve_program_versions, small_group
from curriculum import db, logbook, schema
from curriculum.settings import PROJECT_ROOT
from tests.web_client import Gunicorn, WebClient

SECONDS = 3  # per timed run
RUNS = 4  # medians of these
CONCURRENCY = 4  # two sync workers, each with one request waiting
REQUESTS_RE = re.compile(r"Requests per second:\s+([\d.]+)")
P99_RE = re.compile(r"^\s+99%\s+(\d+)", re.MULTILINE)
NON_2XX_RE = re.compile(r"Non-2xx responses:\s+(\d+)")
WRK_REQUESTS_RE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99_RE = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
WRK_NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                           r"timeout (\d+)")
# The page paths each generator reads (wrk: the topic page and its ceilings).
WRK_PATHS = ("hello", "signed-in hello", "topic page")


def client_headers(client: WebClient | None) -> list[tuple[str, str]]:
    """A signed-in client's cookies and User-Agent, which each request must carry: a session
    cookie replayed from another browser is a different request to the session checks
    (Flask-Login marks the session not fresh and sends the cookie again)."""
    if client is None:
        return []
    agent = dict(client.opener.addheaders)["User-agent"]
    return [("Cookie", "; ".join(f"{c.name}={c.value}" for c in client.cookies)),
            ("User-Agent", agent)]


def ab_command(url: str, headers: list[tuple[str, str]], seconds: float | None) -> list[str]:
    """ApacheBench at CONCURRENCY: ``seconds`` long, or 200 requests to warm up."""
    command = ["ab", "-q", "-c", str(CONCURRENCY)]
    for name, value in headers:
        command += ["-C", value] if name == "Cookie" else ["-H", f"{name}: {value}"]
    length = ["-n", "200"] if seconds is None else ["-t", str(seconds), "-n", "1000000"]
    return [*command, *length, url]


def wrk_command(url: str, headers: list[tuple[str, str]], seconds: float | None) -> list[str]:
    """wrk with CONCURRENCY connections on one thread, ``seconds`` long (or one to warm up)."""
    command = ["wrk", "-t", "1", "-c", str(CONCURRENCY), "-d", f"{seconds or 1}s", "--latency"]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def parse_ab(output: str) -> tuple[float, float]:
    """req/s and p99 (ms) from ab's report; an error for any answer that was not 2xx."""
    if match := NON_2XX_RE.search(output):
        raise RuntimeError(f"ab: {match.group(1)} answers were not 2xx")
    return float(REQUESTS_RE.search(output).group(1)), float(P99_RE.search(output).group(1))


def parse_wrk(output: str) -> tuple[float, float]:
    """req/s and p99 (ms) from wrk's report; an error for any answer that was not 2xx or 3xx,
    or any socket error."""
    if match := WRK_NON_2XX_RE.search(output):
        raise RuntimeError(f"wrk: {match.group(1)} answers were not 2xx or 3xx")
    if (match := WRK_ERRORS_RE.search(output)) and any(map(int, match.groups())):
        raise RuntimeError(f"wrk: {match.group(0)}")
    value, unit = WRK_P99_RE.search(output).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return float(WRK_REQUESTS_RE.search(output).group(1)), p99


GENERATORS = {"ab": (ab_command, parse_ab), "wrk": (wrk_command, parse_wrk)}


def drive(urls: dict[str, str], client: WebClient | None = None,
          ) -> dict[str, dict[str, dict[str, float]]]:
    """req/s and p99 (ms) for each URL by each generator that reads it (ab all, wrk those in
    WRK_PATHS): a warm-up each, then RUNS rounds in which every URL gets one timed run by
    each generator in turn (so a noisy spell on this shared machine falls on all of them,
    not on one); medians of the rounds. URLs on the signed-in ``client``'s server carry its
    cookies."""
    own = [urlsplit(url).path for url in urls.values()
           if client is not None and url.startswith(client.base_url + "/")]

    def headers(url: str) -> list[tuple[str, str]]:
        """The client's cookies as a browser would have them now: the session restarts its
        idle clock once a minute, and a generator replaying an older cookie would have every
        answer re-sign and re-send it (as no browser's requests do)."""
        if client is None or not url.startswith(client.base_url + "/"):
            return []
        client.request(own[0])
        return client_headers(client)

    runs = [(tool, name, url) for name, url in urls.items() for tool in GENERATORS
            if tool == "ab" or name in WRK_PATHS]
    for tool, _, url in runs:
        subprocess.run(GENERATORS[tool][0](url, headers(url), None), capture_output=True,
                       check=True)
    rates: dict[tuple[str, str], list[float]] = {(tool, name): [] for tool, name, _ in runs}
    p99s: dict[tuple[str, str], list[float]] = {(tool, name): [] for tool, name, _ in runs}
    for _ in range(RUNS):
        for tool, name, url in runs:
            command, parse = GENERATORS[tool]
            output = subprocess.run(command(url, headers(url), SECONDS), capture_output=True,
                                    text=True, check=True).stdout
            rate, p99 = parse(output)
            rates[(tool, name)].append(rate)
            p99s[(tool, name)].append(p99)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for (tool, name), rate in rates.items():
        results.setdefault(tool, {})[name] = {
            "req_s": statistics.median(rate), "req_s_min": min(rate), "req_s_max": max(rate),
            "p99_ms": statistics.median(p99s[(tool, name)])}
    return results


# The program's own texts in play: approved versions (the measured topic among them) and
# shipped texts approved as they stand.
REVISED_TOPICS = ["managing-cravings", "identifying-triggers", "healthy-communication"]
APPROVED_AS_SHIPPED = ["sleep-in-recovery", "emotional-regulation"]


def prepare(scratch: Path) -> tuple[str, int]:
    """A facilitator with a group of eight and a draft log, and the program's approved
    versions of some topics; returns the email and log id."""
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
        approve_program_versions(REVISED_TOPICS, APPROVED_AS_SHIPPED)
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
        slugs = sorted(p.stem for p in (PROJECT_ROOT / "content" / "topics").glob("*.md")
                       if p.suffixes == [".md"])  # not the Spanish handouts (<slug>.es.md)
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
    missing = [tool for tool in GENERATORS if shutil.which(tool) is None]
    if missing:
        print(f"pages: skipped, {' and '.join(missing)} missing (Debian: apt-get install "
              f"apache2-utils wrk)")
        return {"skipped": f"{', '.join(missing)} not installed"}
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-pages-"))
    results: dict[str, Any] = {}
    try:
        email, log_id = prepare(scratch)
        # Both servers up at once, so the hello and the signed-in pages are read in turn in
        # each round, not minutes apart (the machine's load changes in minutes).
        servers = [serve("bench.apps:hello_app()", scratch)]
        try:
            servers.append(serve("bench.apps:signed_in_hello_app()", scratch))
            hello_server, groupwork = servers
            client = WebClient(groupwork.base_url)
            client.sign_in(email, PASSWORD)
            paths = {"signed-in hello": "/bench/hello",
                     "handout PDF, cached": "/topics/managing-cravings/handout.pdf",
                     "topic page": "/topics/managing-cravings",
                     "log page GET (8 people)": f"/logs/{log_id}/edit"}
            # A browser's first page stores the session's form token in its cookie; the load
            # generators keep no cookies, so they must start from that steady state, as a
            # browser would be in.
            client.request("/")
            for path in paths.values():
                status, headers = client.headers(path)
                assert status == 200 and "Set-Cookie" not in headers, (path, status)
            assert PROGRAM_WORDING in client.request(paths["topic page"])[1]  # the version
            results |= drive({"hello": hello_server.base_url + "/hello"}
                             | {name: groupwork.base_url + path for name, path in paths.items()},
                             client)
        finally:
            for server in servers:
                server.stop()
        results["fresh workers"] = fresh_workers(email, log_id, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nPages over HTTP (gunicorn.conf.py; ab -c {CONCURRENCY}, wrk -t 1 -c {CONCURRENCY}; "
          f"medians of {RUNS} × {SECONDS} s, in turn)")
    print(f"{'path':28} {'tool':4} {'req/s':>8} {'[min–max]':>15} {'p99 ms':>7}  ratio")
    for tool in GENERATORS:
        figures = results[tool]
        hello, signed_in = figures["hello"], figures["signed-in hello"]
        for name, row in figures.items():
            base, base_name = (hello, "hello") if name == "signed-in hello" else (
                signed_in, "signed-in hello")
            ratio = "" if name == "hello" else (
                f"{row['req_s'] / base['req_s']:.2f}x {base_name} req/s")
            if name == "handout PDF, cached":
                ratio += f"; p99 {row['p99_ms'] / max(signed_in['p99_ms'], 1):.2f}x"
            row["ratio"] = ratio
            print(f"{name:28} {tool:4} {row['req_s']:8.0f} "
                  f"{row['req_s_min']:7.0f}–{row['req_s_max']:<7.0f} "
                  f"{row['p99_ms']:7.1f}  {ratio}")
    fresh = results["fresh workers"]
    print(f"first PDF after a worker starts {fresh['first_pdf_s'] * 1000:.0f} ms, steady "
          f"uncached {fresh['steady_pdf_s'] * 1000:.0f} ms: {fresh['first_vs_steady']:.2f}x")
    print(f"after 1,000 mixed requests (50 PDFs): worker RSS "
          f"{', '.join(f'{mb:.0f}' for mb in fresh['worker_rss_mb'])} MB; render child RSS "
          f"{', '.join(f'{mb:.0f}' for mb in fresh['render_child_rss_mb'])} MB")
    return results


if __name__ == "__main__":
    run()
