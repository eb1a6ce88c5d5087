#!/usr/bin/env bash
# The AWS Encryption SDK CLI (envelope encryption with a KMS keyring) against a running Trent
# (TRENT_ENDPOINT), found through AWS_ENDPOINT_URL_KMS as any SDK finds it. Exits non-zero on the
# first failure.
set -euo pipefail
export AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL_KMS="$TRENT_ENDPOINT"
fail() { echo "encryption sdk cli: $*" >&2; exit 1; }

key_arn=$(aws kms create-key --description esdk --query KeyMetadata.Arn --output text)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'envelope-encrypted secret' > "$tmp/plain"
aws-encryption-cli --encrypt --input "$tmp/plain" --output "$tmp/plain.enc" \
  --wrapping-keys "key=$key_arn" --encryption-context purpose=esdk \
  --commitment-policy require-encrypt-require-decrypt --metadata-output "$tmp/encrypt.json"
grep -q '"provider_id": "YXdzLWttcw=="' "$tmp/encrypt.json" || fail "no aws-kms data key in the header"
aws-encryption-cli --decrypt --input "$tmp/plain.enc" --output "$tmp/plain.dec" \
  --wrapping-keys "key=$key_arn" --encryption-context purpose=esdk \
  --commitment-policy require-encrypt-require-decrypt --metadata-output /dev/null
cmp -s "$tmp/plain" "$tmp/plain.dec" || fail "decrypt returned other bytes"
# A required context the message does not carry must not decrypt (the CLI reports it and removes
# the output, with exit status 0).
aws-encryption-cli --decrypt --input "$tmp/plain.enc" --output "$tmp/wrong.dec" \
  --wrapping-keys "key=$key_arn" --encryption-context purpose=other \
  --commitment-policy require-encrypt-require-decrypt --metadata-output /dev/null 2> /dev/null || true
[ ! -e "$tmp/wrong.dec" ] || fail "decrypted with the wrong encryption context"
# A keyring naming another Trent key finds no data key it can unwrap.
other_arn=$(aws kms create-key --description esdk-other --query KeyMetadata.Arn --output text)
aws-encryption-cli --decrypt --input "$tmp/plain.enc" --output "$tmp/other.dec" \
  --wrapping-keys "key=$other_arn" \
  --commitment-policy require-encrypt-require-decrypt --metadata-output /dev/null 2> /dev/null || true
[ ! -e "$tmp/other.dec" ] || fail "decrypted with a key the message was not encrypted under"
echo "encryption sdk cli: ok"
