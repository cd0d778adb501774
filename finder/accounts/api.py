"""API credentials: trade a password for a bearer token, revoke it, and say who it belongs to."""

from flask import Response, jsonify, request

from finder.accounts import use_cases
from finder.accounts.schemas import ACCOUNT_SCHEMAS
from finder.web import limits
from finder.web.access import PUBLIC, SIGNED_IN
from finder.web.api import operations
from finder.web.auth import bearer_secret, signed_in_user, token_lifetime
from finder.web.commands import run
from finder.web.errors import BadRequest
from finder.web.openapi import SCHEMAS
from finder.web.operations import json_body
from finder.web.params import parse_query

SCHEMAS.update(ACCOUNT_SCHEMAS)


@operations.post(
    "/auth/token",
    summary="A bearer token for these credentials; it expires and can be revoked.",
    access=PUBLIC,
    body="TokenRequest",
    # 429 also without the rate limit: an email locked after repeated failures (Retry-After).
    responses={201: "Token", 401: "Error", 429: "Error"},
    rate_limit=limits.TOKEN,
)
def issue_token() -> tuple[Response, int]:
    body = json_body(SCHEMAS)
    secret, row = run(
        use_cases.issue_token, body["email"], body["password"], lifetime=token_lifetime()
    )
    return jsonify({"token": secret, "expires_at": row.expires_at.isoformat()}), 201


@operations.delete(
    "/auth/token",
    summary="Revoke the bearer token this request carries.",
    access=SIGNED_IN,
    responses={204: None, 400: "Error"},  # 400: signed in by session, with no token to revoke
    credentials=("bearer",),
)
def revoke_token() -> tuple[str, int]:
    secret = bearer_secret()
    if secret is None:
        raise BadRequest("Send the token to revoke in the Authorization header.")
    run(use_cases.revoke_token, secret)
    return "", 204


@operations.get(
    "/me",
    summary="The signed-in account: role, practice and centers.",
    access=SIGNED_IN,
    responses={200: "Me"},
)
def me() -> Response:
    parse_query((), request.args)
    user = signed_in_user()
    assert user is not None  # noqa: S101 - the access rule guarantees it
    return jsonify(
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "practice": user.practice,
            "centers": sorted(user.center_ids),
        }
    )
