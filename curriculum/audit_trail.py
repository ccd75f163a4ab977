"""Blueprint: the audit trail for supervisors (their groups) and admins (everything)."""

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import audit
from curriculum.access import roles_required
from curriculum.audit_search import FILTERS, PAGE_SIZE, event_page, staff_names
from curriculum.calendar_dates import requested_date
from curriculum.db import write_session
from curriculum.text import whole_number
from models import Role

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")


@bp.get("/")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def index() -> ResponseReturnValue:
    """Events, newest first, filtered by user, object, action and dates."""
    session = write_session()  # this read is itself audited
    filters = {key: request.args.get(key, "").strip()[:60] for key in FILTERS}
    start, end = requested_date(request.args, "start"), requested_date(request.args, "end")
    page_number = whole_number(request.args.get("page", "1"), 1, 99_999) or 1
    events = event_page(session, current_user, filters, start, end, page_number)
    names = staff_names(session)
    verification = audit.verify(session) if request.args.get("verify") == "1" else None
    audit.record(session, "view-audit-trail", "audit", None, detail={
        k: v for k, v in filters.items() if v})
    session.commit()
    return render_template("audit_trail/index.html", events=events[:PAGE_SIZE], names=names,
                           filters=filters, start=start, end=end, page=page_number,
                           has_next=len(events) > PAGE_SIZE, verification=verification,
                           users=sorted(names.items(), key=lambda item: item[1]))
