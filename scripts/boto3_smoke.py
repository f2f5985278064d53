#!/usr/bin/env python3
"""boto3 against a running `mturk-review serve --demo`: list the HITs, approve one Submitted
demo assignment with feedback, check its status, its feedback and the balance it cost.

Starts nothing and submits nothing. Usage:

    mturk-review serve --demo &                  # prints: listening on http://127.0.0.1:8780
    python3 scripts/boto3_smoke.py http://127.0.0.1:8780

Exits 0 when every check passes, 1 with the failed check on stderr otherwise.
"""

import datetime
import sys
from decimal import Decimal

import boto3

FEEDBACK = "Approved by the boto3 smoke test. Thanks!"
STATE_ERROR = "This operation can be called with a status of: Submitted"


def fail(message):
    print(f"boto3 smoke test FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def cents(amount):
    return int(Decimal(amount) * 100)


def funds(client):
    """Available plus on hold, in cents: approvals are paid from what publishing held."""
    balance = client.get_account_balance()
    return cents(balance["AvailableBalance"]) + cents(balance["OnHoldBalance"])


def approval_cost_cents(reward, max_assignments):
    """Reward plus MTurk's fee: 20%, 40% from 10 assignments, rounded half up, at least 1 cent."""
    reward = cents(reward)
    percent = 40 if max_assignments >= 10 else 20
    fee = max((reward * percent + 50) // 100, 1) if reward > 0 else 0
    return reward + fee


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    client = boto3.client(
        "mturk",
        endpoint_url=sys.argv[1],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )

    hits = []
    for page in client.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 100}):
        hits.extend(page["HITs"])
    check(hits, "ListHITs returned no HITs; was the server started with --demo?")
    check(
        len({h["HITId"] for h in hits}) == len(hits),
        "ListHITs returned a HIT twice",
    )

    found = None
    for hit in hits:
        page = client.list_assignments_for_hit(
            HITId=hit["HITId"], AssignmentStatuses=["Submitted"], MaxResults=1
        )
        if page["Assignments"]:
            found = (hit, page["Assignments"][0])
            break
    check(found, "no Submitted assignment in any HIT")
    hit, assignment = found
    assignment_id = assignment["AssignmentId"]
    check(assignment["AssignmentStatus"] == "Submitted", f"listed as {assignment}")

    before = funds(client)
    client.approve_assignment(AssignmentId=assignment_id, RequesterFeedback=FEEDBACK)
    approved = client.get_assignment(AssignmentId=assignment_id)["Assignment"]
    check(
        approved["AssignmentStatus"] == "Approved",
        f"status after approval is {approved['AssignmentStatus']}",
    )
    check(approved.get("RequesterFeedback") == FEEDBACK, "the feedback was not stored")
    check(
        isinstance(approved.get("ApprovalTime"), datetime.datetime),
        "ApprovalTime is missing or not a timestamp",
    )

    after = funds(client)
    cost = approval_cost_cents(hit["Reward"], hit["MaxAssignments"])
    check(
        before - after == cost,
        f"balance went from {before} to {after}; expected a debit of {cost} cents",
    )

    try:
        client.approve_assignment(AssignmentId=assignment_id)
        fail("approving twice succeeded")
    except client.exceptions.RequestError as err:
        check(STATE_ERROR in str(err), f"unexpected refusal: {err}")
    check(
        funds(client) == after,
        "the refused approval moved money",
    )

    print(
        f"boto3 smoke test passed: {len(hits)} HITs listed; approved {assignment_id} "
        f"for {cost} cents (funds {before} -> {after} cents)"
    )


if __name__ == "__main__":
    main()
