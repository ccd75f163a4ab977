"""Blueprint: each user's passkeys (/account/passkeys), and the JSON endpoints the browser's
side of each passkey ceremony (static/passkeys.js) calls: registering one, the second step
of sign-in, signing in without a password where GROUPWORK_PASSKEY_SIGN_IN allows it, and a
signature's step-up. Adding or removing a passkey asks for the password again."""

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from curriculum import access, accounts, passkey_ceremonies, pending_sign_in, second_factor
from curriculum.db import get_session, write_session
from curriculum.passwords import verify_password
from curriculum.responses import flash_redirect
from curriculum.signed_in import conclude_sign_in, safe_next
from models import Passkey, User

bp = Blueprint("passkeys", __name__)
PASSKEY_FAILED = ("That passkey did not work. Try again, or use another way to sign in. After "
                  "five failed tries, sign-in for this account pauses for 15 minutes.")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _options(options: str) -> ResponseReturnValue:
    return current_app.response_class(options, mimetype="application/json")


def _refused(message: str, status: int = 400) -> ResponseReturnValue:
    return jsonify(error=message), status


def _own_passkey(user: User, passkey_id: int) -> Passkey:
    """One of the signed-in account's passkeys.

    :raise 404: if it is not theirs (the attempt is audited).
    """
    passkey = get_session().get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != user.id:
        access.deny("passkey", passkey_id, "remove-passkey")
    return passkey


@bp.get("/account/passkeys")
def account() -> ResponseReturnValue:
    """Your passkeys: each one's name and use, a form to add one, and removal."""
    user = current_user.account()
    return render_template("passkeys/account.html", user=user, passkeys=user.passkeys,
                           required=second_factor.policy_required(get_session()),
                           factors=second_factor.factor_count(user))


@bp.post("/account/passkeys/options")
def registration_options() -> ResponseReturnValue:
    """After the password and a name, the options to make a passkey with (JSON)."""
    user = current_user.account()
    body = _body()
    name = str(body.get("name", "")).strip()
    if not verify_password(user.password_hash, str(body.get("password", ""))):
        return _refused("That is not your password.")
    if not name or len(name) > passkey_ceremonies.NAME_MAX:
        return _refused(f"Give the passkey a name of 1 to {passkey_ceremonies.NAME_MAX} "
                        f"characters, such as “Work laptop”.")
    return _options(passkey_ceremonies.registration_options(user))


@bp.post("/account/passkeys")
def register() -> ResponseReturnValue:
    """Keep the passkey the browser made (JSON: ``credential`` and ``name``)."""
    db = write_session()
    user = current_user.account()
    body = _body()
    name = str(body.get("name", "")).strip()[:passkey_ceremonies.NAME_MAX] or "Passkey"
    passkey = passkey_ceremonies.register(db, user, body.get("credential"), name)
    if passkey is None:
        db.commit()  # the challenge is used up either way
        return _refused("The passkey could not be added. Try again; if it was added before, "
                        "it is already in your list.")
    db.commit()
    flash(f"The passkey “{passkey.name}” is added. Sign-in can now use it.")
    return jsonify(redirect=url_for("passkeys.account")), 201


@bp.post("/account/passkeys/<id:passkey_id>/remove")
def remove(passkey_id: int) -> ResponseReturnValue:
    """Remove a passkey: the password again; never the last factor the policy requires."""
    db = write_session()
    user = current_user.account()
    passkey = _own_passkey(user, passkey_id)
    if refusal := second_factor.removal_refusal(db, user, request.form.get("password", "")):
        db.rollback()
        return flash_redirect(refusal, "passkeys.account")
    name = passkey.name
    passkey_ceremonies.remove(db, passkey)
    db.commit()
    return flash_redirect(f"The passkey “{name}” is removed.", "passkeys.account")


@bp.post("/account/passkeys/step-up/options")
def step_up_options() -> ResponseReturnValue:
    """Options to confirm a signature with one of your passkeys, user-verified (JSON)."""
    user = current_user.account()
    if not user.passkeys:
        abort(404)
    return _options(passkey_ceremonies.authentication_options(passkey_ceremonies.STEP_UP, user))


@bp.post("/login/second-step/passkey/options")
def second_step_options() -> ResponseReturnValue:
    """After a right password: options for one of that account's passkeys (JSON)."""
    user = pending_sign_in.pending_account(get_session())
    if user is None:
        return _refused("Please sign in again.", 401)
    return _options(passkey_ceremonies.authentication_options(
        passkey_ceremonies.SECOND_STEP, user))


@bp.post("/login/second-step/passkey")
def second_step() -> ResponseReturnValue:
    """Check the passkey's answer; a failure counts toward the same pause as a wrong code."""
    if (user := pending_sign_in.account_to_check()) is None:
        return _refused("Please sign in again.", 401)
    db = get_session()
    if accounts.is_locked(user):
        db.rollback()
        return _refused(PASSKEY_FAILED, 401)
    checked = passkey_ceremonies.check(db, _body().get("credential"),
                                       passkey_ceremonies.SECOND_STEP, "sign-in", user)
    return _finish_sign_in(db, user, checked.passkey is not None, pending_sign_in.target())


@bp.post("/login/passkey/options")
def sign_in_options() -> ResponseReturnValue:
    """Options to sign in with any passkey of this site, without a password (JSON)."""
    if not current_app.config["PASSKEY_SIGN_IN"]:
        abort(404)
    return _options(passkey_ceremonies.authentication_options(passkey_ceremonies.SIGN_IN, None))


@bp.post("/login/passkey")
def sign_in() -> ResponseReturnValue:
    """Sign in with a user-verified passkey alone, where the program allows it."""
    if not current_app.config["PASSKEY_SIGN_IN"]:
        abort(404)
    db = write_session()
    body = _body()
    checked = passkey_ceremonies.check(db, body.get("credential"), passkey_ceremonies.SIGN_IN,
                                       "passkey-sign-in")
    account = checked.account
    if account is not None and (not account.is_active or accounts.is_locked(account)):
        db.commit()  # the audit event of the answer stays; nobody is signed in
        return _refused(PASSKEY_FAILED, 401)
    target = safe_next(str(body.get("next") or "")) or url_for("home.index")
    return _finish_sign_in(db, account, checked.passkey is not None, target)


def _finish_sign_in(db: Session, tried: User | None, passed: bool,
                    target: str) -> ResponseReturnValue:
    if conclude_sign_in(db, tried, passed):
        return jsonify(redirect=target)
    return _refused(PASSKEY_FAILED, 401)
