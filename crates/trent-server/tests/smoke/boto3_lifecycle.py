"""The symmetric lifecycle through boto3 against a running Trent (TRENT_ENDPOINT).

Run by tests/cli_and_boto3.rs; exits non-zero on the first failed expectation.
"""
import os
import sys

import boto3
from botocore.exceptions import ClientError

endpoint = os.environ["TRENT_ENDPOINT"]
kms = boto3.client(
    "kms",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
    aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
)


def expect_error(code, call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as err:
        got = err.response["Error"]["Code"]
        assert got == code, f"expected {code}, got {got}: {err}"
        return err.response["Error"].get("Message", "")
    raise AssertionError(f"expected {code}, the call succeeded")


key = kms.create_key(Description="boto3")["KeyMetadata"]
key_id, arn = key["KeyId"], key["Arn"]
assert key["KeyState"] == "Enabled" and key["KeySpec"] == "SYMMETRIC_DEFAULT"

blob = kms.encrypt(KeyId=key_id, Plaintext=b"hello", EncryptionContext={"a": "b"})["CiphertextBlob"]
out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})
assert out["Plaintext"] == b"hello" and out["KeyId"] == arn
expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob)

dk = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
assert len(dk["Plaintext"]) == 32
assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]

kms.create_alias(AliasName="alias/boto3", TargetKeyId=key_id)
aliases = kms.get_paginator("list_aliases").paginate().build_full_result()["Aliases"]
assert any(a["AliasName"] == "alias/boto3" and a["TargetKeyId"] == key_id for a in aliases)

kms.enable_key_rotation(KeyId=key_id)
assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
kms.rotate_key_on_demand(KeyId=key_id)
assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"})["Plaintext"] == b"hello"

policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
assert '"Version" : "2012-10-17"' in policy

msg = expect_error("NotFoundException", kms.describe_key, KeyId="fake-key-id")
assert msg == "Invalid keyId 'fake-key-id'", msg
kms.disable_key(KeyId=key_id)
msg = expect_error("DisabledException", kms.encrypt, KeyId=key_id, Plaintext=b"x")
assert msg == f"{arn} is disabled.", msg

deletion = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
assert deletion["KeyState"] == "PendingDeletion" and deletion["KeyId"] == arn
kms.cancel_key_deletion(KeyId=key_id)
assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"

keys = kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 1}).build_full_result()["Keys"]
assert any(k["KeyId"] == key_id for k in keys)
print("boto3 lifecycle: ok")
sys.exit(0)
