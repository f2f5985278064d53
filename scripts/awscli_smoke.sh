#!/usr/bin/env bash
# The AWS CLI against a running `mturk-review serve --demo`: list the HITs, approve one Submitted
# demo assignment with feedback, check its status, its feedback and the balance it cost.
#
# Starts nothing and submits nothing. Usage:
#
#     mturk-review serve --demo &                  # prints: listening on http://127.0.0.1:8780
#     bash scripts/awscli_smoke.sh http://127.0.0.1:8780
#
# Exits 0 when every check passes, 1 with the failed check on stderr otherwise.
set -euo pipefail

url=${1:?usage: awscli_smoke.sh ENDPOINT_URL}
feedback="Approved by the AWS CLI smoke test. Thanks!"

# Dummy credentials and no profile files: the local server accepts any signature.
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""

fail() {
    echo "AWS CLI smoke test FAILED: $*" >&2
    exit 1
}

mturk() {
    aws mturk "$@" --endpoint-url "$url" --output text
}

# Money "12.34" as cents.
cents() {
    awk -v m="$1" 'BEGIN { printf "%d", m * 100 + 0.5 }'
}

# Available plus on hold, in cents: approvals are paid from what publishing held.
funds() {
    local available on_hold
    read -r available on_hold < <(mturk get-account-balance --query '[AvailableBalance, OnHoldBalance]')
    echo $(($(cents "$available") + $(cents "$on_hold")))
}

# The CLI follows NextToken itself; text output gives one page per line.
hits=$(mturk list-hits --query 'HITs[].HITId' | tr '\t' '\n' | sed '/^$/d')
[ -n "$hits" ] || fail "list-hits returned no HITs; was the server started with --demo?"
count=$(echo "$hits" | wc -l)
[ "$(echo "$hits" | sort -u | wc -l)" -eq "$count" ] || fail "list-hits returned a HIT twice"

hit="" assignment=""
for id in $hits; do
    found=$(mturk list-assignments-for-hit --hit-id "$id" --assignment-statuses Submitted \
        --max-results 1 --no-paginate --query 'Assignments[0].AssignmentId')
    if [ "$found" != "None" ]; then
        hit=$id assignment=$found
        break
    fi
done
[ -n "$assignment" ] || fail "no Submitted assignment in any HIT"

read -r reward max_assignments < <(mturk get-hit --hit-id "$hit" --query 'HIT.[Reward, MaxAssignments]')
before=$(funds)
mturk approve-assignment --assignment-id "$assignment" --requester-feedback "$feedback" >/dev/null
IFS=$'\t' read -r status stored < <(mturk get-assignment --assignment-id "$assignment" \
    --query 'Assignment.[AssignmentStatus, RequesterFeedback]')
[ "$status" = "Approved" ] || fail "status after approval is $status"
[ "$stored" = "$feedback" ] || fail "the feedback was not stored: $stored"
after=$(funds)

reward_cents=$(cents "$reward")
percent=20
[ "$max_assignments" -ge 10 ] && percent=40
fee=$(((reward_cents * percent + 50) / 100))
[ "$reward_cents" -gt 0 ] && [ "$fee" -lt 1 ] && fee=1
cost=$((reward_cents + fee))
debit=$((before - after))
[ "$debit" -eq "$cost" ] || fail "balance went from $before to $after; expected a debit of $cost cents"

if refusal=$(mturk approve-assignment --assignment-id "$assignment" 2>&1); then
    fail "approving twice succeeded"
fi
case $refusal in
*"RequestError"*"This operation can be called with a status of: Submitted"*) ;;
*) fail "unexpected refusal: $refusal" ;;
esac

echo "AWS CLI smoke test passed: $count HITs listed; approved $assignment for $cost cents (funds $before -> $after cents)"
