#!/usr/bin/env python3
"""boto3 signing with a real access key against `mturk-review serve` on a database with
accounts: the right key works; a wrong secret, an unknown key, a body changed after signing,
a date older than 5 minutes, and a missing X-Amz-Date or Authorization each fail with AWS's
error, and none of them changes anything.

Usage (the database must hold the key, e.g. from `mturk-review accounts add NAME`, and one
Submitted assignment of that account):

    python3 scripts/boto3_signatures.py URL KEY_ID SECRET ASSIGNMENT_ID

Exits 0 when every check passes, 1 with the failed check on stderr otherwise.
"""

import datetime
import sys
from unittest import mock

import boto3
import botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError


def fail(message):
    print(f"boto3 signature test FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def client(url, key_id, secret):
    return boto3.client(
        "mturk",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        # One attempt: a refused signature must be seen, not retried away.
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def refused(what, code, call, contains=None):
    try:
        call()
    except ClientError as err:
        got = err.response["Error"]["Code"]
        message = err.response["Error"].get("Message", "")
        if got != code:
            fail(f"{what}: expected {code}, got {got}: {message}")
        if contains and contains not in message:
            fail(f"{what}: expected {contains!r} in {message!r}")
        print(f"ok: {what} -> {got}: {message}")
        return
    fail(f"{what}: the call succeeded")


def main():
    url, key_id, secret, assignment = sys.argv[1:5]
    good = client(url, key_id, secret)
    approve = dict(AssignmentId=assignment, RequesterFeedback="Thanks!")

    hits = good.list_hits()["HITs"]
    if not hits:
        fail("ListHITs with the right key lists nothing")
    print(f"ok: ListHITs with the right key lists {len(hits)} HIT(s)")

    refused(
        "a wrong secret",
        "InvalidSignatureException",
        lambda: client(url, key_id, "x" * 40).approve_assignment(**approve),
        "signature we calculated does not match",
    )
    refused(
        "an unknown key",
        "UnrecognizedClientException",
        lambda: client(url, "AKIAAAAAAAAAAAAAAAAA", secret).approve_assignment(**approve),
        "security token included in the request is invalid",
    )

    def hooked(change):
        c = client(url, key_id, secret)
        c.meta.events.register("before-send.mturk.*", change)
        return c

    def tamper(request, **_):
        request.body = request.body.replace(b"Thanks!", b"Thanks?")

    refused(
        "a body changed after signing",
        "InvalidSignatureException",
        lambda: hooked(tamper).approve_assignment(**approve),
    )

    def drop(name):
        def change(request, **_):
            del request.headers[name]

        return change

    refused(
        "no X-Amz-Date",
        "IncompleteSignatureException",
        lambda: hooked(drop("X-Amz-Date")).approve_assignment(**approve),
    )
    refused(
        "no Authorization",
        "MissingAuthenticationTokenException",
        lambda: hooked(drop("Authorization")).approve_assignment(**approve),
    )

    stale = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    stale -= datetime.timedelta(minutes=6)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=stale):
        refused(
            "a date 6 minutes old",
            "InvalidSignatureException",
            lambda: good.approve_assignment(**approve),
            "Signature expired",
        )

    status = good.get_assignment(AssignmentId=assignment)["Assignment"]
    if status["AssignmentStatus"] != "Submitted" or "RequesterFeedback" in status:
        fail(f"a refused call changed the assignment: {status}")
    print("ok: the assignment is still Submitted, without feedback")

    good.approve_assignment(**approve)
    status = good.get_assignment(AssignmentId=assignment)["Assignment"]
    if status["AssignmentStatus"] != "Approved":
        fail(f"approving with the right key did not approve: {status}")
    print("ok: approved with the right key")
    print("boto3 signature test passed")


if __name__ == "__main__":
    main()
