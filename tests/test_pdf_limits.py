"""PDF renders run in a child process with time and memory limits: a runaway document is
stopped and answered 503, the worker carries on, and saves are not held up meanwhile."""

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from curriculum.limited_process import LimitedProcess, LimitExceeded
from models import Group, Role, User
from tests.helpers import AuthActions, csrf_token, log_form_fields, write_topic
from tests.web_client import Gunicorn, WebClient


def sleep_then_answer(seconds: float) -> str:
    time.sleep(seconds)
    return f"slept {seconds}"


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def fail(message: str) -> None:
    raise ValueError(message)


def test_a_call_over_its_time_is_stopped_and_the_next_call_works() -> None:
    worker = LimitedProcess(sleep_then_answer, memory_allowance_mb=256)
    try:
        started = time.monotonic()
        with pytest.raises(LimitExceeded, match=r"longer than 0\.3 seconds"):
            worker.call(5, timeout=0.3)
        assert time.monotonic() - started < 2
        assert worker.call(0, timeout=5) == "slept 0"
    finally:
        worker.close()


def test_a_call_over_its_memory_is_stopped_and_the_next_call_works() -> None:
    worker = LimitedProcess(allocate, memory_allowance_mb=64)
    try:
        assert worker.call(16, timeout=10) == 16 * 1024 * 1024
        with pytest.raises(LimitExceeded, match="more memory than allowed"):
            worker.call(512, timeout=10)
        assert worker.call(16, timeout=10) == 16 * 1024 * 1024
    finally:
        worker.close()


def test_the_functions_own_errors_come_back_by_name() -> None:
    worker = LimitedProcess(fail, memory_allowance_mb=64)
    try:
        with pytest.raises(RuntimeError, match="ValueError: not like this"):
            worker.call("not like this", timeout=10)
    finally:
        worker.close()


def write_long_handout(content_dir: Path, paragraphs: int) -> str:
    text = "\n\n".join(f"Paragraph {n}: notice the urge, name it, and let it pass."
                       for n in range(paragraphs))
    handout = f"## Key ideas\n\n{text}\n\n[lines: 2]\n\n## Before next group\n\nRest.\n"
    write_topic(content_dir, "endless-handout", title="Endless Handout", handout=handout)
    return "endless-handout"


@pytest.fixture
def huge_topic(content_dir: Path) -> str:
    """A handout of some 3,000 paragraphs: about a hundred pages, seconds to render."""
    return write_long_handout(content_dir, 3000)


@pytest.mark.engine_independent
def test_a_handout_over_the_time_limit_is_answered_503_and_printing_goes_on(
        make_app: Callable[..., Flask], make_user: Callable[..., User], huge_topic: str) -> None:
    app = make_app(PDF_TIME_LIMIT_SECONDS=1)
    client = app.test_client()
    AuthActions(client).login(make_user().email)
    response = client.get(f"/topics/{huge_topic}/handout.pdf")
    assert response.status_code == 503
    assert "Too large to print" in response.get_data(as_text=True)
    assert not list(Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"))  # nothing half-written
    # The next handout goes to a fresh render child; give it a limit a busy 2-core CI machine
    # cannot trip (one second did, once), as this checks that printing goes on, not speed.
    app.config["PDF_TIME_LIMIT_SECONDS"] = 30
    ordinary = client.get("/topics/naming-feelings/handout.pdf")
    assert ordinary.status_code == 200 and ordinary.data.startswith(b"%PDF")


@pytest.mark.engine_independent
def test_a_handout_over_the_memory_limit_is_answered_503(
        make_user: Callable[..., User], database_url: str, content_dir: Path) -> None:
    """The limit is address space the render child may add to what it was forked with, so
    it is tried in a fresh server: a child forked from this long-running test process could
    reuse that process's free heap, and a worker has some free heap too: 1 MB beyond it is far
    less than a 12,000-paragraph handout needs (hundreds of MB), whatever the heap holds."""
    huge_topic = write_long_handout(content_dir, 12_000)
    user = make_user()
    server = Gunicorn({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 64,
                       "GROUPWORK_CONTENT_DIRS": str(content_dir),
                       "GROUPWORK_PDF_MEMORY_LIMIT_MB": "1"}, workers=1)
    server.start()
    try:
        client = WebClient(server.base_url)
        client.sign_in(user.email)
        status, page = client.request(f"/topics/{huge_topic}/handout.pdf")
        assert status == 503
        assert "more memory than allowed" in page
        assert client.request("/healthz")[0] == 200
    finally:
        server.stop()


def test_saves_are_not_held_up_while_a_render_runs_away(
        make_app: Callable[..., Flask], make_user: Callable[..., User],
        make_group: Callable[..., Group], huge_topic: str) -> None:
    app = make_app(PDF_TIME_LIMIT_SECONDS=1.5)
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator])
    printer, writer = app.test_client(), app.test_client()
    for client in (printer, writer):
        AuthActions(client).login(facilitator.email)
    response = writer.post(f"/groups/{group.id}/logs", data={
        "session_date": "2026-03-04", "csrf_token": csrf_token(writer, "/")})
    log_id = int(response.headers["Location"].split("/")[2])
    form = {**log_form_fields(app, log_id), "summary": "Saved while printing.",
            "csrf_token": csrf_token(writer, "/")}
    answers: dict[str, tuple[int, float]] = {}
    started = time.monotonic()

    def print_handout() -> None:
        status = printer.get(f"/topics/{huge_topic}/handout.pdf").status_code
        answers["print"] = (status, time.monotonic() - started)

    thread = threading.Thread(target=print_handout)
    thread.start()
    time.sleep(0.3)  # the render is under way
    saved = writer.post(f"/logs/{log_id}/edit", data=form)
    answers["save"] = (saved.status_code, time.monotonic() - started)
    thread.join()
    assert answers["save"][0] == 302
    assert answers["print"][0] == 503
    assert answers["save"][1] < 1.5 <= answers["print"][1]


def test_limits_come_from_the_environment_and_nonsense_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from curriculum.settings import from_environment

    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("GROUPWORK_PDF_TIME_LIMIT_SECONDS", "90")
    monkeypatch.setenv("GROUPWORK_PDF_MEMORY_LIMIT_MB", "512")
    settings = from_environment(tmp_path)
    assert (settings["PDF_TIME_LIMIT_SECONDS"], settings["PDF_MEMORY_LIMIT_MB"]) == (90, 512)
    monkeypatch.setenv("GROUPWORK_PDF_TIME_LIMIT_SECONDS", "soon")
    with pytest.raises(ValueError, match="GROUPWORK_PDF_TIME_LIMIT_SECONDS must be a positive"):
        from_environment(tmp_path)
