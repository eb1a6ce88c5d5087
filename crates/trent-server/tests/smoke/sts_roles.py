"""Roles and STS through boto3 and a `role_arn` profile, against a running Trent in test mode.

Run by tests/sts_and_roles.rs with TRENT_ENDPOINT, BOB_ID/BOB_SECRET/BOB_ARN (a user of another
account) and ROLE_ARN (a role of the test account that trusts Bob). Exits non-zero on failure.
"""
import os
import subprocess
import sys
import tempfile

import boto3
import botocore

endpoint = os.environ["TRENT_ENDPOINT"]
region = "us-east-1"


def client(service, key_id, secret, token=None):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as err:
        return err.response["Error"]["Code"]
    raise AssertionError("the call succeeded")


bob_sts = client("sts", os.environ["BOB_ID"], os.environ["BOB_SECRET"])
assert bob_sts.get_caller_identity()["Arn"] == os.environ["BOB_ARN"]

role_arn = os.environ["ROLE_ARN"]
session = bob_sts.assume_role(RoleArn=role_arn, RoleSessionName="nightly-job", DurationSeconds=900)
creds = session["Credentials"]
assert creds["AccessKeyId"].startswith("ASIA"), creds["AccessKeyId"]
account = role_arn.split(":")[4]
assumed_arn = f"arn:aws:sts::{account}:assumed-role/app/nightly-job"
assert session["AssumedRoleUser"]["Arn"] == assumed_arn, session

kms = client("kms", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
identity = client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
assert identity.get_caller_identity()["Arn"] == assumed_arn
key = kms.create_key(Description="made by a role session")["KeyMetadata"]
assert key["AWSAccountId"] == account, key
blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"from a role")["CiphertextBlob"]
assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"from a role"

# A session whose token was altered is not recognised.
bad = client("kms", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"][:-8] + "AAAAAAA=")
assert error_code(bad.list_keys) == "UnrecognizedClientException"

# Someone the trust policy does not name is refused, and so is a role that does not exist.
test_sts = client("sts", "test", "test")
assert error_code(lambda: test_sts.assume_role(RoleArn=role_arn, RoleSessionName="x1")) == "AccessDenied"
assert error_code(
    lambda: bob_sts.assume_role(RoleArn=role_arn.replace(":role/app", ":role/none"), RoleSessionName="x1")
) == "AccessDenied"
assert error_code(
    lambda: bob_sts.assume_role(RoleArn=role_arn, RoleSessionName="x1", DurationSeconds=7200)
) == "ValidationError"

# An SDK credential chain with a role_arn profile: botocore calls STS, then KMS, unchanged.
with tempfile.TemporaryDirectory() as home:
    config = os.path.join(home, "config")
    with open(config, "w") as f:
        f.write(
            "[profile bob]\n"
            f"aws_access_key_id = {os.environ['BOB_ID']}\n"
            f"aws_secret_access_key = {os.environ['BOB_SECRET']}\n"
            f"region = {region}\n"
            "[profile app]\n"
            f"role_arn = {role_arn}\n"
            "source_profile = bob\n"
            f"region = {region}\n"
        )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_")
    } | {
        "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none"),
        "AWS_ENDPOINT_URL": endpoint,
        # The CLI caches role sessions under ~/.aws/cli/cache; a cache from another server's
        # run would hold sessions this one never issued.
        "HOME": home,
    }
    out = subprocess.run(
        ["aws", "--profile", "app", "kms", "list-keys", "--query", "length(Keys)", "--output", "text"],
        env=env, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.strip()) >= 1, out.stdout

# Sessions end: once the server's clock passes the expiry, the same credentials are refused.
subprocess.run(
    [os.environ["TRENT_BIN"], "admin", "--endpoint", endpoint, "advance-clock", "--seconds", "901"],
    env=os.environ | {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"},
    check=True, capture_output=True,
)
assert error_code(kms.list_keys) == "ExpiredTokenException"

print("sts and roles: ok")
