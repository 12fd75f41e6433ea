#!/usr/bin/env python3
"""Drives the Management API v2 user routes of a running gateway with Auth0's own Python SDK
(auth0-python's generated management client), unchanged but for its base URL (plain HTTP):
search with q and pages (the SDK asks for include_totals and pages until a page is empty),
update (block, unblock, a new phone number), delete. Exits 0 when every check passes.

Environment: PL_BASE_URL (http://host:port of the gateway), PL_TOKEN (a management token with
read:users, update:users and delete:users), PL_USER_IDS (comma-separated user_ids of the SMS
users the caller created, oldest first).
"""
import os

from auth0.management import Auth0
from auth0.management.errors import NotFoundError

client = Auth0(base_url=os.environ["PL_BASE_URL"] + "/api/v2", token=os.environ["PL_TOKEN"])
created = os.environ["PL_USER_IDS"].split(",")


def check(condition, message):
    if not condition:
        raise SystemExit("FAILED: " + message)
    print("ok:", message)


listed = [user.user_id for user in client.users.list(per_page=2, search_engine="v3")]
check(listed == list(reversed(created)), f"every user once, newest first, over pages of two: {listed}")

first = client.users.list(q='phone_number:"+14155557801"', search_engine="v3")
check([user.user_id for user in first] == [created[1]], "an exact phone_number query finds its user")

blocked = client.users.update(created[0], blocked=True)
check(blocked.blocked is True, "update blocks")
check(client.users.get(created[0]).blocked is True, "get shows the block")
check(not client.users.update(created[0], blocked=False).blocked, "update unblocks")

moved = client.users.update(created[0], phone_number="+14155557809")
check(moved.phone_number == "+14155557809" and moved.phone_verified is False, "update moves the user to a new number")

client.users.delete(created[2])
try:
    client.users.get(created[2])
    raise SystemExit("FAILED: a deleted user is still there")
except NotFoundError as error:
    body = error.body if isinstance(error.body, dict) else {}
    check(body.get("errorCode") == "inexistent_user" and body.get("statusCode") == 404 and body.get("error") == "Not Found",
          f"a deleted user is 404 with Auth0's Management API error body: {body}")
remaining = [user.user_id for user in client.users.list(search_engine="v3")]
check(remaining == [created[1], created[0]], "the deleted user is gone from the list")
print("auth0-python management: all checks passed")
