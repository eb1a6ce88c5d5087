#!/usr/bin/env bash
# The symmetric lifecycle through the AWS CLI against a running Trent (TRENT_ENDPOINT).
# Run by tests/cli_and_boto3.rs; exits non-zero on the first failure.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
kms() { aws --endpoint-url "$TRENT_ENDPOINT" kms "$@"; }
fail() { echo "aws cli lifecycle: $*" >&2; exit 1; }

key_id=$(kms create-key --description cli --query KeyMetadata.KeyId --output text)
kms create-alias --alias-name alias/cli --target-key-id "$key_id"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'cli secret' > "$tmp/plain"
kms encrypt --key-id alias/cli --plaintext "fileb://$tmp/plain" --encryption-context purpose=cli \
  --query CiphertextBlob --output text | base64 -d > "$tmp/blob"
kms decrypt --ciphertext-blob "fileb://$tmp/blob" --encryption-context purpose=cli \
  --query Plaintext --output text | base64 -d > "$tmp/out"
cmp -s "$tmp/plain" "$tmp/out" || fail "decrypt returned other bytes"
if kms decrypt --ciphertext-blob "fileb://$tmp/blob" 2> "$tmp/err"; then fail "decrypt without context succeeded"; fi
grep -q InvalidCiphertextException "$tmp/err" || fail "expected InvalidCiphertextException: $(cat "$tmp/err")"
[ "$(kms list-aliases --key-id "$key_id" --query 'Aliases[0].AliasName' --output text)" = alias/cli ] || fail "alias not listed"
kms tag-resource --key-id "$key_id" --tags TagKey=env,TagValue=test
[ "$(kms list-resource-tags --key-id "$key_id" --query 'Tags[0].TagValue' --output text)" = test ] || fail "tag not listed"
kms schedule-key-deletion --key-id "$key_id" --pending-window-in-days 7 > /dev/null
[ "$(kms describe-key --key-id "$key_id" --query KeyMetadata.KeyState --output text)" = PendingDeletion ] || fail "not pending deletion"
kms cancel-key-deletion --key-id "$key_id" > /dev/null
[ "$(kms list-keys --query 'length(Keys)' --output text)" -ge 1 ] || fail "list-keys empty"
echo "aws cli lifecycle: ok"
