"""Issue 15's "done when" journey in headless Chromium, on real servers sharing PostgreSQL: an
editor changes a handout paragraph, sees a check problem, fixes it and saves; facilitators
still see the old text; the author's own approval is refused; another approver reads the
diff and approves; then the facilitator is served the new text on the topic page and in the
handout PDF by both workers of a gunicorn server (gunicorn.conf.py) and by a second instance,
within 5 seconds. Then the same for the topic's Spanish handout (issue 16). Which worker
answered is read from gunicorn's access log (its pid)."""

import re
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models import CurriculumPermission, Role, User
from tests.browser import BROWSER_TEST_MARKS, serious_violations, sign_in
from tests.helpers import write_spanish
from tests.web_client import Gunicorn, WebClient

# A browser test that, unlike the others, runs in the PostgreSQL pass (it needs PostgreSQL).
pytestmark = [mark for mark in BROWSER_TEST_MARKS if mark.name != "engine_independent"]

SLUG = "coping-with-cravings"
OLD = "A trigger is something that starts a craving."
NEW = "A trigger is a person, place or feeling that can start a craving."
PHONE = " Call 555-201-7788 when it does."
OLD_ES = "Un detonante es algo que hace empezar el ansia."
NEW_ES = "Un detonante es una persona, un lugar o un sentimiento que hace empezar el ansia."
WITHIN_SECONDS = 5
STRONG = "3f9c1e7a5b2d8f4061c9e3a7b5d1f8e2a4c6b8d0e2f4a6c8"


def pdf_text(data: bytes) -> str:
    """The PDF's words as pdftotext reads them, spaces folded."""
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                            check=True)
    return " ".join(result.stdout.decode().split())


class Server:
    """A gunicorn instance on ``gunicorn.conf.py`` whose access log names the answering pid."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.log = log
        self.gunicorn = Gunicorn(env, workers=workers, app_spec="wsgi:app", options=(
            "--config", "gunicorn.conf.py", "--access-logfile", str(log),
            "--access-logformat", "%(p)s %(r)s %(s)s",
            "--error-logfile", str(log.with_suffix(".errors"))))

    def answered_by(self) -> dict[str, str]:
        """Each polled request's id (its ?poll= value) and the pid of the worker that
        answered it."""
        return {poll: pid for pid, poll in re.findall(r"<(\d+)> GET \S+[?&]poll=(\d+)",
                                                      self.log.read_text())}


class Poll:
    """The facilitator asking each server for pages and PDFs, from two threads per server (so
    both of a server's sync workers get requests). ``asks``: for each kind of answer, its
    path and the words that show the old and the new text."""

    def __init__(self, servers: dict[str, Server], email: str,
                 asks: dict[str, tuple[str, str, str]]) -> None:
        self.servers, self.asks = servers, asks
        self.clients = [(name, WebClient(server.gunicorn.base_url))
                        for name, server in servers.items() for _ in range(2)]
        for _, client in self.clients:
            client.sign_in(email)
        self.answers: list[tuple[str, str, str, float, str]] = []  # server, poll, what, t, seen
        self.lock = threading.Lock()
        self.ids = iter(range(1, 1_000_000))

    def run(self, start: float, seconds: float) -> None:
        threads = [threading.Thread(target=self._ask, args=(name, client, start, seconds))
                   for name, client in self.clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(0.5)  # gunicorn logs a request just after answering it

    def _ask(self, name: str, client: WebClient, start: float, seconds: float) -> None:
        while time.monotonic() - start < seconds:
            for what, (path, old, new) in self.asks.items():
                with self.lock:
                    poll = str(next(self.ids))
                status, body = client.request_bytes(f"{path}&poll={poll}")
                assert status == 200, (name, what, status)
                text = pdf_text(body) if path.split("?")[0].endswith(".pdf") else body.decode()
                seen = "new" if new in text else "old" if old in text else "neither"
                with self.lock:
                    self.answers.append((name, poll, what, time.monotonic() - start, seen))

    def reached(self) -> dict[tuple[str, str, str], float]:
        """When each worker (server, pid) first served each kind's new text, in seconds from
        the start; each served only the old text before and only the new after."""
        pids = {name: server.answered_by() for name, server in self.servers.items()}
        served: dict[tuple[str, str, str], list[tuple[float, str]]] = {}
        for name, poll, what, at, seen in sorted(self.answers, key=lambda a: a[3]):
            served.setdefault((name, pids[name][poll], what), []).append((at, seen))
        workers = {(name, pid) for name, pid, _ in served}
        assert sorted(name for name, _ in workers) == ["one", "one", "two"], served.keys()
        assert len(served) == len(workers) * len(self.asks), served.keys()
        reached = {}
        for key, answers in sorted(served.items()):
            first_new = next(at for at, seen in answers if seen == "new")
            assert [seen for at, seen in answers if at < first_new] == \
                ["old"] * sum(1 for at, _ in answers if at < first_new), key
            assert all(seen == "new" for at, seen in answers if at >= first_new), key
            reached[key] = first_new
        print("\nseconds from approval to the new text, per server/worker and kind: " + ", ".join(
            f"{name}/{pid} {what} {at:.2f}" for (name, pid, what), at in reached.items()))
        return reached


@pytest.fixture
def servers(database_url: str, content_dir: Path, tmp_path: Path,
            make_user: Callable[..., User]) -> Any:
    """Both servers up on the test's PostgreSQL database (the schema is upgraded by then)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the two-instance journey runs on PostgreSQL (set TEST_DATABASE_URL)")
    write_spanish(content_dir, SLUG)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": STRONG,
           "GROUPWORK_CONTENT_DIRS": str(content_dir)}
    running = {"one": Server(env, 2, tmp_path / "one.log"),
               "two": Server(env, 1, tmp_path / "two.log")}
    try:
        for server in running.values():
            server.gunicorn.start(ready_within=60)
        yield running
    finally:
        for server in running.values():
            server.gunicorn.stop()


def test_an_edit_is_checked_reviewed_approved_and_served_everywhere(
    browser: Any, servers: dict[str, Server], make_user: Callable[..., User]
) -> None:
    author = make_user(Role.FACILITATOR, curriculum_permission=CurriculumPermission.APPROVER)
    approver = make_user(Role.SUPERVISOR, curriculum_permission=CurriculumPermission.APPROVER)
    facilitator = make_user(Role.FACILITATOR)
    base_url = servers["one"].gunicorn.base_url
    findings: list[str] = []

    def tab(user: User) -> Any:
        page = browser.new_context(base_url=base_url).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, user)
        return page

    # The author changes a handout paragraph, and the check finds the phone number added.
    editor = tab(author)
    editor.goto(f"/topics/{SLUG}")
    editor.get_by_role("link", name="Edit this topic").click()
    source_box = editor.get_by_label("Topic source", exact=False)
    source = source_box.input_value()
    assert OLD in source
    source_box.fill(source.replace(OLD, NEW + PHONE))
    editor.get_by_role("button", name="Check").click()
    problems = editor.locator(".problems")
    assert "1 problem found" in problems.inner_text()
    assert "phone number" in problems.inner_text()
    assert NEW + PHONE in editor.get_by_label("Topic source", exact=False).input_value()
    findings += [f"editor: {v}" for v in serious_violations(editor)]
    editor.get_by_label("Topic source", exact=False).fill(source.replace(OLD, NEW))
    editor.get_by_label("What changed", exact=False).fill("Names what a trigger can be.")
    editor.get_by_role("button", name="Save as a draft").click()
    editor.wait_for_url(re.compile(rf".*/topics/{SLUG}/versions/1$"))
    assert "Draft" in editor.locator("h1").inner_text()
    assert "No problems" in editor.locator(".checked-ok").inner_text()
    # The author is an approver, but not of their own version.
    assert "You wrote this version, so you cannot approve it" in editor.content()
    assert editor.get_by_role("button", name="Approve version 1").count() == 0
    token = editor.locator("input[name=csrf_token]").first.input_value()
    refused = editor.request.post(f"/topics/{SLUG}/versions/1/approve",
                                  form={"attest": "1", "csrf_token": token})
    assert "Not done: You wrote this version" in refused.text()

    # Facilitators still get the old text, on both servers.
    reader = tab(facilitator)
    reader.goto(f"/topics/{SLUG}")
    assert OLD in reader.content() and NEW not in reader.content()
    elsewhere = WebClient(servers["two"].gunicorn.base_url)
    elsewhere.sign_in(facilitator.email)
    status, old_pdf = elsewhere.request_bytes(f"/topics/{SLUG}/handout.pdf")
    assert status == 200 and OLD in pdf_text(old_pdf)

    # Another approver reads the differences and approves; facilitators are watching.
    poll = Poll(servers, facilitator.email, {
        "page": (f"/topics/{SLUG}?", OLD, NEW),
        "pdf": (f"/topics/{SLUG}/handout.pdf?", OLD, NEW)})
    review = tab(approver)
    review.goto(f"/topics/{SLUG}/versions/1")
    assert review.locator("del.diff-del").count() and review.locator("ins.diff-ins").count()
    findings += [f"version page: {v}" for v in serious_violations(review)]
    review.get_by_label("I have read this version", exact=False).check()
    review.get_by_role("button", name="Approve version 1").click()
    review.get_by_text("Version 1 is approved", exact=False).wait_for()
    poll.run(time.monotonic(), WITHIN_SECONDS + 2)
    # Every worker of both instances serves the new page and PDF within 5 s.
    assert max(poll.reached().values()) <= WITHIN_SECONDS
    reader.reload()
    assert NEW in reader.content() and OLD not in reader.content()

    # The Spanish handout, edited and approved the same way, reaches every worker too.
    editor.goto(f"/topics/{SLUG}")
    editor.get_by_role("link", name="Edit the Spanish handout").click()
    spanish_box = editor.get_by_label("Spanish handout source", exact=False)
    spanish_box.fill(spanish_box.input_value().replace(OLD_ES, NEW_ES))
    editor.get_by_label("What changed", exact=False).fill("Nombra qué puede ser un detonante.")
    editor.get_by_role("button", name="Save as a draft").click()
    editor.wait_for_url(re.compile(rf".*/topics/{SLUG}/es/versions/1$"))
    status, draft_pdf = elsewhere.request_bytes(f"/topics/{SLUG}/handout.pdf?lang=es")
    assert status == 200 and OLD_ES in pdf_text(draft_pdf)  # a draft is never served
    poll = Poll(servers, facilitator.email, {
        "Spanish page": (f"/topics/{SLUG}?", "In Spanish:", "The program's Spanish version 1"),
        "Spanish pdf": (f"/topics/{SLUG}/handout.pdf?lang=es", OLD_ES, NEW_ES)})
    review.goto(f"/topics/{SLUG}/es/versions/1")
    review.get_by_label("I have read this version", exact=False).check()
    review.get_by_role("button", name="Approve Spanish version 1").click()
    review.get_by_text("Version 1 is approved", exact=False).wait_for()
    poll.run(time.monotonic(), WITHIN_SECONDS + 2)
    assert max(poll.reached().values()) <= WITHIN_SECONDS
    assert findings == [], findings
