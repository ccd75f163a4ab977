"""Pages for some roles only: every route of a supervisor's or an admin's blueprint refuses
every other role with a 404 and an audit event, whatever the route and method. The URL map is
walked, so a route added to one of these blueprints is covered, and a new blueprint must be
placed here on purpose."""

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from curriculum import db
from models import AuditEvent, CurriculumPermission, Role, User
from tests.helpers import client_for, csrf_token

# Who each role-limited blueprint is for.
PAGES_FOR = {
    "review": {Role.SUPERVISOR},
    "spot_checks": {Role.SUPERVISOR},
    "reports": {Role.SUPERVISOR},
    "exports": {Role.SUPERVISOR},
    "audit_trail": {Role.SUPERVISOR, Role.ADMIN},
    "admin": {Role.ADMIN},
    "staff_accounts": {Role.ADMIN},
}
# Blueprints every signed-in role reaches; what each object shows is checked where it loads.
FOR_EVERY_ROLE = {"auth", "two_factor", "passkeys", "home", "topics", "tracks", "sessions",
                  "coverage", "goals", "participants", "discharge"}
# Blueprints for accounts with a curriculum permission, whatever their role; within them, the
# views for approvers only.
FOR_CURRICULUM_EDITORS = {"topic_versions", "track_versions", "translation_versions"}
FOR_CURRICULUM_APPROVERS = {"topic_versions.approve", "topic_versions.return_version",
                            "topic_versions.approve_shipped", "topic_versions.keep_program_text",
                            "track_versions.approve", "track_versions.return_version",
                            "translation_versions.approve", "translation_versions.return_version"}


def test_every_blueprint_is_placed(app: Flask) -> None:
    """A new blueprint is for some roles (PAGES_FOR), for curriculum editors, or for everyone,
    on purpose."""
    assert set(app.blueprints) == set(PAGES_FOR) | FOR_EVERY_ROLE | FOR_CURRICULUM_EDITORS
    assert not set(PAGES_FOR) & FOR_EVERY_ROLE
    assert not FOR_CURRICULUM_EDITORS & (set(PAGES_FOR) | FOR_EVERY_ROLE)


@pytest.mark.parametrize("role", list(Role))
def test_other_roles_get_a_404_and_an_audit_event_on_every_route(
    app: Flask, make_user: Callable, role: Role
) -> None:
    user = make_user(role)

    def for_other_roles(rule: Rule) -> bool:
        blueprint = rule.endpoint.rpartition(".")[0]
        return blueprint in PAGES_FOR and role not in PAGES_FOR[blueprint]

    refused = refusals(app, user, for_other_roles)
    assert denials(app) == [(user.id, "open-page", "page", endpoint) for endpoint in refused]
    assert len(refused) >= {Role.FACILITATOR: 20, Role.SUPERVISOR: 10, Role.ADMIN: 10}[role]


def refusals(app: Flask, user: User, endpoints: Callable[[Rule], bool]) -> list[str]:
    """Every route whose rule ``endpoints`` picks, tried as ``user`` with every method; each
    must answer 404. Returns the endpoints tried (one per method)."""
    client = client_for(app, user)
    token = csrf_token(client, "/")
    refused = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not endpoints(rule):
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url, response.status_code)
            refused.append(rule.endpoint)
    return refused


def denials(app: Flask) -> list[tuple[int, str, str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.get_session().execute(
            select(AuditEvent.user_id, AuditEvent.action, AuditEvent.object_type,
                   AuditEvent.object_id)
            .where(AuditEvent.outcome == "denied").order_by(AuditEvent.id))]


@pytest.mark.parametrize("role", list(Role))
def test_accounts_without_a_curriculum_permission_get_a_404_on_every_curriculum_route(
    app: Flask, make_user: Callable, role: Role
) -> None:
    user = make_user(role)
    refused = refusals(app, user, lambda rule: rule.endpoint.rpartition(".")[0]
                       in FOR_CURRICULUM_EDITORS)
    assert denials(app) == [(user.id, "open-page", "page", endpoint) for endpoint in refused]
    assert len(refused) >= 22


def test_editors_who_are_not_approvers_get_a_404_on_the_approvers_routes(
    app: Flask, make_user: Callable
) -> None:
    marked = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, "for_curriculum_approvers", False)}
    assert marked == FOR_CURRICULUM_APPROVERS
    editor = make_user(curriculum_permission=CurriculumPermission.EDITOR)
    refused = refusals(app, editor, lambda rule: rule.endpoint in FOR_CURRICULUM_APPROVERS)
    assert denials(app) == [(editor.id, "open-page", "page", endpoint) for endpoint in refused]
    assert sorted(refused) == sorted(FOR_CURRICULUM_APPROVERS)


def test_the_review_queue_is_no_page_for_a_facilitator(app: Flask, make_user: Callable) -> None:
    """Issue 18's first gap: it answered 200 with an empty queue."""
    facilitator = make_user(Role.FACILITATOR)
    assert client_for(app, facilitator).get("/review/").status_code == 404
    supervisor = client_for(app, make_user(Role.SUPERVISOR))
    assert "Nothing is waiting for your co-signature." in supervisor.get("/review/").get_data(
        as_text=True)
    with app.app_context():
        denial = db.get_session().execute(select(AuditEvent.user_id, AuditEvent.object_id)
                                          .where(AuditEvent.outcome == "denied")).one()
    assert tuple(denial) == (facilitator.id, "review.queue")
