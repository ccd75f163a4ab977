"""Writers under contention: transactions that begin as writers wait their turn instead of
failing with "database is locked", and the audit chain stays unbroken."""

import threading
import time

from flask import Flask
from sqlalchemy import func, select

from curriculum import audit, db
from models import AuditEvent


def test_concurrent_read_then_write_transactions_all_succeed(app: Flask) -> None:
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            with app.app_context():
                session = db.get_session()
                for _ in range(3):
                    db.begin_write(session)
                    # Read the chain's end, hold the transaction a moment, then append to it.
                    session.scalar(select(func.count()).select_from(AuditEvent))
                    time.sleep(0.01)
                    audit.record(session, "test-write", "thread", number)
                    session.commit()
        except BaseException as error:  # collected and reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        session = db.get_session()
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 36
        assert audit.verify(session).problem is None
