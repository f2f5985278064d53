#!/usr/bin/env bash
# The AWS CLI signing with a real access key against `mturk-review serve` on a database with
# accounts: the credentials block `mturk-review accounts add` prints, pasted into a credentials
# file, works with --profile; a wrong secret and an unknown key are refused with AWS's errors.
#
# Usage: bash scripts/awscli_signatures.sh URL PROFILE CREDENTIALS_FILE
# where CREDENTIALS_FILE holds the block for PROFILE. Exits 0 when every check passes, 1 with
# the failed check on stderr otherwise.
set -euo pipefail

url=${1:?usage: awscli_signatures.sh URL PROFILE CREDENTIALS_FILE}
profile=${2:?}
credentials=${3:?}

export AWS_CONFIG_FILE=/dev/null AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

fail() {
    echo "AWS CLI signature test FAILED: $*" >&2
    exit 1
}

hits=$(AWS_SHARED_CREDENTIALS_FILE=$credentials \
    aws mturk list-hits --profile "$profile" --endpoint-url "$url" --output json \
    --query 'length(HITs)') || fail "list-hits with --profile $profile failed"
[ "$hits" -ge 1 ] || fail "list-hits with --profile $profile listed $hits HITs"
echo "ok: list-hits with --profile $profile lists $hits HIT(s)"

key_id=$(sed -n 's/^aws_access_key_id = //p' "$credentials")

# $1: what, $2: the error code expected, then the environment for the call.
refused() {
    local what=$1 code=$2 out
    shift 2
    if out=$(env AWS_SHARED_CREDENTIALS_FILE=/dev/null "$@" \
        aws mturk list-hits --endpoint-url "$url" --output text 2>&1); then
        fail "$what: the call succeeded"
    fi
    case $out in
        *"($code)"*) echo "ok: $what -> $code" ;;
        *) fail "$what: expected $code, got: $out" ;;
    esac
}

refused "a wrong secret" InvalidSignatureException \
    AWS_ACCESS_KEY_ID="$key_id" AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong
refused "an unknown key" UnrecognizedClientException \
    AWS_ACCESS_KEY_ID=AKIAAAAAAAAAAAAAAAAA AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong
echo "AWS CLI signature test passed"
