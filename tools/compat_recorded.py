"""Trent's answers compared with AWS KMS's *recorded* answers.

Source of truth: LocalStack's AWS-validated snapshot file
`tests/aws/services/kms/test_kms.snapshot.json` (the stored version, commit 0d4768330f49, recorded
2023-04 to 2024-04) and the calls in `tests/aws/services/kms/test_kms.py` that produced each entry.
Every check below names its entry as `<test id> :: <snapshot key>`, makes the same call the test
made, and compares HTTP status, error code, message text, the members of the parsed response (the
`message` member botocore adds for modelled errors included) and enum values, after putting our
values in the snapshot's placeholders (`<partition>`, `<region>`, account `111111111111`,
`<key-id:1>`, `<key-arn>`).

Members AWS added after these recordings (KeyMetadata.CurrentKeyMaterialId, KeyMaterialId on
Decrypt/GenerateDataKey*, KEY_AGREEMENT and the ML-DSA/Ed25519 key specs in enum lists) are
reported as NOTE lines, not mismatches.

`--asymmetric` adds the recorded entries for asymmetric and HMAC keys (Sign/Verify, GenerateMac/
VerifyMac, RSA encryption limits, key-usage errors, GenerateDataKeyPair*).

`--extended` adds checks whose expectation is *not* a snapshot entry of the stored version: the
assertions of AWS-validated tests in test_kms.py, and texts our digest (kms-api.md) marks as
recorded. Their mismatches are tagged UNVERIFIED-TRUTH but still fail the run.

Usage: TRENT_ENDPOINT=http://127.0.0.1:4599 python3 compat_recorded.py [--asymmetric] [--extended]
Assumes a fresh `trent serve --dev` (account 000000000000, access key test/test, us-east-1).
The different-region entries need the secondary region served
(`--region us-east-1,ap-southeast-1`); otherwise they are reported as SKIP.
Prints one line per mismatch and exits 1 if there was any.
"""
import base64
import datetime
import json
import os
import re
import sys
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ["TRENT_ENDPOINT"]
ACCOUNT = os.environ.get("TRENT_ACCOUNT_ID", "000000000000")
REGION = os.environ.get("TRENT_REGION", "us-east-1")
# The snapshot of test_get_key_in_different_region was recorded with ap-southeast-1 as the
# secondary region.
SECONDARY = os.environ.get("TRENT_SECONDARY_REGION", "ap-southeast-1")
ACCESS_KEY = os.environ.get("AWS_ACCESS_KEY_ID", "test")
SECRET_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "test")
EXTENDED = "--extended" in sys.argv[1:]
ASYMMETRIC = "--asymmetric" in sys.argv[1:]

SNAP = "tests/aws/services/kms/test_kms.py"

# Members and enum values that did not exist when the snapshot was recorded.
POST_RECORDING_MEMBERS = {"CurrentKeyMaterialId", "KeyMaterialId"}
POST_RECORDING_ENUM_VALUES = {
    "keySpec": {"ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87"},
    "keyUsage": {"KEY_AGREEMENT"},
}

mismatches = []
checks = [0]
notes = []
skips = []
tier = ["RECORDED"]  # "RECORDED" or "UNVERIFIED-TRUTH" (extended checks)


def mismatch(ref, what, expected, got):
    prefix = "MISMATCH" if tier[0] == "RECORDED" else "MISMATCH(UNVERIFIED-TRUTH)"
    line = f"{prefix} [{ref}] {what}: expected {expected!r}, got {got!r}"
    mismatches.append(line)
    print(line, flush=True)


def note(ref, what):
    line = f"NOTE [{ref}] {what}"
    notes.append(line)
    print(line, flush=True)


def skip(ref, why):
    line = f"SKIP [{ref}] {why}"
    skips.append(line)
    print(line, flush=True)


# --- clients ---------------------------------------------------------------------------------

LAST_RAW = {}


def _capture(http_response, **_kwargs):
    LAST_RAW["status"] = http_response.status_code
    LAST_RAW["body"] = http_response.content


def make_client(service="kms", region=REGION, validate=True):
    client = boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}),
    )
    client.meta.events.register(f"after-call.{service}", _capture)
    return client


kms = make_client()
kms_novalidate = make_client(validate=False)


def short_uid():
    return str(uuid.uuid4())[0:8]


def arn_of(key_id, region=REGION):
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


# --- comparison ------------------------------------------------------------------------------


class _Sentinel:
    def __init__(self, name, test):
        self.name, self.test = name, test

    def __repr__(self):
        return self.name


DATETIME = _Sentinel("<datetime>", lambda v: isinstance(v, datetime.datetime))
NONEMPTY_BYTES = _Sentinel("<bytes>", lambda v: isinstance(v, bytes) and len(v) > 0)
KEY_ARN_RE = re.compile(
    rf"arn:aws:kms:{re.escape(REGION)}:{ACCOUNT}:key/"
    r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}"
)


def template(text):
    """A recorded message with `<key-arn>` (LocalStack's key-ARN regex transformer) in it."""
    parts = text.split("<key-arn>")
    pattern = KEY_ARN_RE.pattern.join(re.escape(p) for p in parts)
    return _Sentinel(repr(text), lambda v: isinstance(v, str) and re.fullmatch(pattern, v))


def compare(ref, expected, actual, path="$"):
    if path == "$":
        checks[0] += 1
    if isinstance(expected, _Sentinel):
        if not expected.test(actual):
            mismatch(ref, path, expected, actual)
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            mismatch(ref, path, "an object", actual)
            return
        for key in expected:
            if key not in actual:
                mismatch(ref, f"{path}.{key} missing", expected[key], "<absent>")
            else:
                compare(ref, expected[key], actual[key], f"{path}.{key}")
        for key in actual:
            if key in expected:
                continue
            if key in POST_RECORDING_MEMBERS:
                note(ref, f"{path}.{key} present (added by AWS after the recording; keep)")
            else:
                mismatch(ref, f"{path}.{key} not in the recording", "<absent>", actual[key])
        return
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            mismatch(ref, path, expected, actual)
            return
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(ref, e, a, f"{path}[{i}]")
        return
    if expected != actual or type(expected) is not type(actual):
        mismatch(ref, path, expected, actual)


def call(client, op, **kwargs):
    """(response, None) on success, (None, error response) on a ClientError."""
    LAST_RAW.clear()
    try:
        return getattr(client, op)(**kwargs), None
    except ClientError as err:
        return None, err.response


def strip_meta(response):
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    out["HTTPStatusCode"] = response["ResponseMetadata"]["HTTPStatusCode"]
    return out


def recorded_error(code, message, modelled_message):
    """The snapshot's error entry: `Error.Message` is "" when AWS sent no message; the top-level
    `message` member is there only when AWS sent one for a modelled exception."""
    expected = {"Error": {"Code": code, "Message": message}, "HTTPStatusCode": 400}
    if modelled_message:
        expected["message"] = message
    return expected


def expect_error(ref, client, op, code, message, modelled_message, **kwargs):
    response, error = call(client, op, **kwargs)
    if error is None:
        mismatch(ref, f"{op} outcome", f"{code} error", "success")
        return None
    compare(ref, recorded_error(code, message, modelled_message), strip_meta(error))
    return error


def expect_ok(ref, client, op, **kwargs):
    response, error = call(client, op, **kwargs)
    if error is not None:
        mismatch(
            ref,
            f"{op} outcome",
            "success",
            f"{error['Error']['Code']}: {error['Error'].get('Message')}",
        )
        return None
    return response


def compare_enum_message(ref, field, value, recorded_members, actual_message):
    """`1 validation error detected: Value 'V' at 'field' failed to satisfy constraint: Member must
    satisfy enum value set: [..]`. AWS's order is its own; the recorded members must keep their
    recorded relative order, and the only extra members allowed are ones AWS added later."""
    head = (
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )
    if not isinstance(actual_message, str) or not actual_message.startswith(head) or not actual_message.endswith("]"):
        mismatch(ref, "Error.Message", head + ", ".join(recorded_members) + "]", actual_message)
        return
    members = actual_message[len(head):-1].split(", ")
    missing = [m for m in recorded_members if m not in members]
    if missing:
        mismatch(ref, f"enum set for '{field}' lacks", missing, members)
    extra = [m for m in members if m not in recorded_members]
    allowed = POST_RECORDING_ENUM_VALUES.get(field, set())
    unexpected = [m for m in extra if m not in allowed]
    if unexpected:
        mismatch(ref, f"enum set for '{field}' has members AWS did not list", [], unexpected)
    if extra and not unexpected:
        note(ref, f"enum set for '{field}' adds {extra} (added by AWS after the recording)")
    order = [m for m in members if m in recorded_members]
    if not missing and order != list(recorded_members):
        mismatch(ref, f"enum set order for '{field}'", list(recorded_members), order)


def key_metadata(key_id, description, region=REGION):
    """KeyMetadata of a symmetric AWS_KMS customer key as recorded (test_create_key)."""
    return {
        "AWSAccountId": ACCOUNT,
        "Arn": arn_of(key_id, region),
        "CreationDate": DATETIME,
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "Description": description,
        "Enabled": True,
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "KeyId": key_id,
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyState": "Enabled",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "MultiRegion": False,
        "Origin": "AWS_KMS",
    }


def all_key_ids(client):
    """_get_all_key_ids of the test: ListKeys paginated with Marker/NextMarker."""
    ids, marker = set(), None
    while True:
        kwargs = {"Marker": marker} if marker else {}
        response = client.list_keys(**kwargs)
        ids.update(k["KeyId"] for k in response["Keys"])
        if "NextMarker" not in response:
            return ids
        marker = response["NextMarker"]


def new_key(**kwargs):
    return kms.create_key(**kwargs)["KeyMetadata"]


# --- recorded entries ------------------------------------------------------------------------


def test_generate_random():
    for n in (12, 44, 91, 1, 1024):
        ref = f"{SNAP}::TestKMS::test_generate_random[{n}] :: result_length"
        response = expect_ok(ref, kms, "generate_random", NumberOfBytes=n)
        if response is not None:
            compare(ref, {"Plaintext": NONEMPTY_BYTES, "HTTPStatusCode": 200}, strip_meta(response))
            compare(ref, n, len(response["Plaintext"]), "$.len(Plaintext)")


def test_generate_random_invalid_number_of_bytes():
    cases = {
        None: "NumberOfBytes is required.",
        0: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1",
        1025: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy "
        "constraint: Member must have value less than or equal to 1024",
    }
    for n, message in cases.items():
        ref = f"{SNAP}::TestKMS::test_generate_random_invalid_number_of_bytes[{n}] :: generate-random-exc"
        expect_error(ref, kms_novalidate, "generate_random", "ValidationException", message, False,
                     NumberOfBytes=n)


def test_create_key():
    ref = f"{SNAP}::TestKMS::test_create_key :: describe-key"
    before = all_key_ids(kms)
    key_id = new_key(Description="test key 123", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    if key_id in before:
        mismatch(ref, "new key id already listed before CreateKey", "absent", key_id)
    if key_id not in all_key_ids(kms):
        mismatch(ref, "ListKeys after CreateKey", f"contains {key_id}", "absent")
    response = expect_ok(ref, kms, "describe_key", KeyId=key_id)
    if response is not None:
        compare(ref, key_metadata(key_id, "test key 123"), response["KeyMetadata"], "$.KeyMetadata")


def test_non_multi_region_key():
    test = "test_non_multi_region_keys_should_not_have_multi_region_properties"
    ref = f"{SNAP}::TestKMS::{test} :: {test}"
    response = expect_ok(ref, kms, "create_key", MultiRegion=False,
                         Description="test non multi region key")
    if response is not None:
        key = response["KeyMetadata"]
        if key["KeyId"].startswith("mrk-"):
            mismatch(ref, "KeyId prefix", "not mrk-", key["KeyId"])
        compare(ref, key_metadata(key["KeyId"], "test non multi region key"), key, "$.KeyMetadata")


def test_get_key_in_different_region():
    test = f"{SNAP}::TestKMS::test_get_key_in_different_region"
    other = make_client(region=SECONDARY)
    created, error = call(other, "create_key", Description="test key 123")
    if error is not None:
        skip(test, f"region {SECONDARY} not served by this Trent ({error['Error']['Code']}: "
                   f"{error['Error'].get('Message')}); start it with --region {REGION},{SECONDARY}")
        return
    key_id, key_arn = created["KeyMetadata"]["KeyId"], created["KeyMetadata"]["Arn"]
    message = f"Key '{arn_of(key_id, REGION)}' does not exist"
    expect_error(f"{test} :: describe-key-diff-region-with-id", kms, "describe_key",
                 "NotFoundException", message, True, KeyId=key_id)
    expect_error(f"{test} :: describe-key-diff-region-with-arn", kms, "describe_key",
                 "NotFoundException", f"Invalid arn {SECONDARY}", True, KeyId=key_arn)
    for entry, ident in (("describe-key-same-specific-region-with-id", key_id),
                         ("describe-key-same-specific-region-with-arn", key_arn)):
        ref = f"{test} :: {entry}"
        response = expect_ok(ref, other, "describe_key", KeyId=ident)
        if response is not None:
            compare(ref, {"KeyMetadata": key_metadata(key_id, "test key 123", SECONDARY),
                          "HTTPStatusCode": 200}, strip_meta(response))


def test_get_key_does_not_exist():
    test = f"{SNAP}::TestKMS::test_get_key_does_not_exist"
    key = new_key(Description="test key 123")
    fake = "134f2428-cec1-4b25-a1ae-9048164dba47"
    fake_arn = key["Arn"].replace(key["KeyId"], fake)
    expect_error(f"{test} :: describe-nonexistent-key-with-id", kms, "describe_key",
                 "NotFoundException", template("Key '<key-arn>' does not exist"), True, KeyId=fake)
    expect_error(f"{test} :: describe-nonexistent-with-arn", kms, "describe_key",
                 "NotFoundException", template("Key '<key-arn>' does not exist"), True,
                 KeyId=fake_arn)
    mrk = "mrk-d3b95762d3b95762d3b95762d3b95762"
    expect_error(f"{test} :: describe-key-with-valid-id-mrk", kms, "describe_key",
                 "NotFoundException", f"Key '{arn_of(mrk)}' does not exist", True, KeyId=mrk)


def test_get_key_invalid_uuid():
    test = f"{SNAP}::TestKMS::test_get_key_invalid_uuid"
    for entry, value in (("describe-key-with-invalid-uuid", "fake-key-id"),
                         ("describe-key-with-invalid-uuid-2", "134f2428cec14b25a1ae9048164dba47"),
                         ("describe-key-with-invalid-uuid-mrk", "mrk-fake-key-id")):
        expect_error(f"{test} :: {entry}", kms, "describe_key", "NotFoundException",
                     f"Invalid keyId '{value}'", True, KeyId=value)


def test_create_alias():
    ref = f"{SNAP}::TestKMS::test_create_alias :: create_alias"
    key_id = new_key()["KeyId"]
    expect_error(ref, kms, "create_alias", "ValidationException",
                 'Alias must start with the prefix "alias/". Please see '
                 "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
                 False, AliasName=short_uid(), TargetKeyId=key_id)


def test_plaintext_size_for_encrypt():
    ref = f"{SNAP}::TestKMS::test_plaintext_size_for_encrypt :: invalid-plaintext-size-encrypt"
    key_id = new_key()["KeyId"]
    message = b"test message 123 !%$@ 1234567890"
    expect_error(ref, kms, "encrypt", "ValidationException",
                 "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                 "Member must have length less than or equal to 4096",
                 False, KeyId=key_id, Plaintext=base64.b64encode(message * 100))


def test_encrypt_decrypt_encryption_context():
    test = f"{SNAP}::TestKMS::test_encrypt_decrypt_encryption_context"
    key_id = new_key()["KeyId"]
    message = b"test message 123 !%$@ 1234567890"
    context = {"context-key": "context-value"}
    ref = f"{test} :: encrypt_response"
    encrypted = expect_ok(ref, kms, "encrypt", KeyId=key_id, Plaintext=base64.b64encode(message),
                          EncryptionAlgorithm="SYMMETRIC_DEFAULT", EncryptionContext=context)
    if encrypted is None:
        return
    # The recording replaced the KeyId value as a whole (<key-id:1>): Encrypt and Decrypt answer
    # the same form; the ARN, as GenerateDataKey's recording (resource-name transform) shows.
    compare(ref, {"CiphertextBlob": NONEMPTY_BYTES, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
                  "KeyId": arn_of(key_id), "HTTPStatusCode": 200}, strip_meta(encrypted))
    ref = f"{test} :: decrypt_response_with_encryption_context"
    decrypted = expect_ok(ref, kms, "decrypt", KeyId=key_id,
                          CiphertextBlob=encrypted["CiphertextBlob"],
                          EncryptionAlgorithm="SYMMETRIC_DEFAULT", EncryptionContext=context)
    if decrypted is not None:
        compare(ref, {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "KeyId": encrypted["KeyId"],
                      "Plaintext": base64.b64encode(message), "HTTPStatusCode": 200},
                strip_meta(decrypted))
    expect_error(f"{test} :: decrypt_response_without_encryption_context", kms, "decrypt",
                 "InvalidCiphertextException", "", False, KeyId=key_id,
                 CiphertextBlob=encrypted["CiphertextBlob"], EncryptionAlgorithm="SYMMETRIC_DEFAULT")


def test_generate_data_keys():
    test = f"{SNAP}::TestKMSGenerateKeys"
    key_id = new_key()["KeyId"]
    ref = f"{test}::test_generate_data_key :: generate-data-key-result"
    result = expect_ok(ref, kms, "generate_data_key", KeyId=key_id, KeySpec="AES_256")
    if result is not None:
        compare(ref, {"CiphertextBlob": NONEMPTY_BYTES, "KeyId": arn_of(key_id),
                      "Plaintext": NONEMPTY_BYTES, "HTTPStatusCode": 200}, strip_meta(result))
        decrypted = expect_ok(ref, kms, "decrypt", CiphertextBlob=result["CiphertextBlob"],
                              KeyId=key_id)
        if decrypted is not None and decrypted["Plaintext"] != result["Plaintext"]:
            mismatch(ref, "Decrypt(CiphertextBlob).Plaintext", "the data key", "another value")
    ref = f"{test}::test_generate_data_key_without_plaintext :: generate-data-key-without-plaintext"
    result = expect_ok(ref, kms, "generate_data_key_without_plaintext", KeyId=key_id,
                       KeySpec="AES_256")
    if result is not None:
        compare(ref, {"CiphertextBlob": NONEMPTY_BYTES, "KeyId": arn_of(key_id),
                      "HTTPStatusCode": 200}, strip_meta(result))
    context = {"context-key": "context-value"}
    for op in ("generate_data_key", "generate_data_key_without_plaintext"):
        ref = f"{test}::test_encryption_context_{op} :: decrypt-without-encryption-context"
        result = expect_ok(ref, kms, op, KeyId=key_id, KeySpec="AES_256",
                           EncryptionContext=context)
        if result is not None:
            expect_error(ref, kms, "decrypt", "InvalidCiphertextException", "", False,
                         CiphertextBlob=result["CiphertextBlob"], KeyId=key_id)


def test_get_parameters_for_import():
    # The test's first half (an EXTERNAL-origin ECC key) has no snapshot entry; the recorded entry
    # is GetParametersForImport on an AWS_KMS-origin symmetric key.
    ref = f"{SNAP}::TestKMS::test_get_parameters_for_import :: response-error"
    key_id = new_key()["KeyId"]
    expect_error(ref, kms, "get_parameters_for_import", "UnsupportedOperationException",
                 template("<key-arn> origin is AWS_KMS which is not valid for this operation."),
                 True, KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                 WrappingKeySpec="RSA_4096")


def test_create_key_enum_validation():
    test = f"{SNAP}::TestKMS::test_hmac_create_key_invalid_operations"
    ref = f"{test} :: create-hmac-key-invalid-spec"
    response, error = call(kms, "create_key", Description="test invalid HMAC spec",
                           KeySpec="HMAC_random")
    if error is None:
        mismatch(ref, "create_key outcome", "ValidationException", "success")
    else:
        compare(ref, {"Code": "ValidationException"}, {"Code": error["Error"]["Code"]}, "$.Error")
        compare(ref, 400, error["ResponseMetadata"]["HTTPStatusCode"], "$.HTTPStatusCode")
        if "message" in error:
            mismatch(ref, "$.message", "<absent>", error["message"])
        compare_enum_message(ref, "keySpec", "HMAC_random",
                             ["RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521",
                              "HMAC_384", "RSA_3072", "ECC_SECG_P256K1", "RSA_4096",
                              "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512"],
                             error["Error"].get("Message"))
    ref = f"{test} :: create-hmac-key-invalid-key-usage"
    response, error = call(kms, "create_key", Description="test invalid HMAC spec",
                           KeySpec="HMAC_256", KeyUsage="RANDOM")
    if error is None:
        mismatch(ref, "create_key outcome", "ValidationException", "success")
    else:
        compare(ref, {"Code": "ValidationException"}, {"Code": error["Error"]["Code"]}, "$.Error")
        compare(ref, 400, error["ResponseMetadata"]["HTTPStatusCode"], "$.HTTPStatusCode")
        if "message" in error:
            mismatch(ref, "$.message", "<absent>", error["message"])
        compare_enum_message(ref, "keyUsage", "RANDOM",
                             ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"],
                             error["Error"].get("Message"))


RECORDED = [
    test_generate_random,
    test_generate_random_invalid_number_of_bytes,
    test_create_key,
    test_non_multi_region_key,
    test_get_key_in_different_region,
    test_get_key_does_not_exist,
    test_get_key_invalid_uuid,
    test_create_alias,
    test_plaintext_size_for_encrypt,
    test_encrypt_decrypt_encryption_context,
    test_generate_data_keys,
    test_get_parameters_for_import,
    test_create_key_enum_validation,
]


# --- recorded entries for asymmetric and HMAC keys (--asymmetric) ----------------------------


def asym_sign_verify():
    import hashlib

    recorded = [("RSA_2048", "RSASSA_PSS_SHA_256"), ("RSA_2048", "RSASSA_PSS_SHA_384"),
                ("RSA_2048", "RSASSA_PSS_SHA_512"), ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_256"),
                ("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512"), ("ECC_NIST_P256", "ECDSA_SHA_256"),
                ("ECC_SECG_P256K1", "ECDSA_SHA_256"), ("ECC_NIST_P384", "ECDSA_SHA_384")]
    plaintext = b"test message !%$@ 1234567890"
    for spec, algorithm in recorded:
        test = f"{SNAP}::TestKMS::test_sign_verify[{spec}-{algorithm}]"
        key_id = new_key(KeyUsage="SIGN_VERIFY", KeySpec=spec)["KeyId"]
        kwargs = {"KeyId": key_id, "SigningAlgorithm": algorithm}
        bad_signature = kms.sign(MessageType="RAW", Message="bad", **kwargs)["Signature"]
        ref = f"{test} :: signature"
        signature = expect_ok(ref, kms, "sign", MessageType="RAW", Message=plaintext, **kwargs)
        if signature is None:
            continue
        compare(ref, {"KeyId": arn_of(key_id), "Signature": NONEMPTY_BYTES,
                      "SigningAlgorithm": algorithm, "HTTPStatusCode": 200}, strip_meta(signature))
        ref = f"{test} :: verification"
        verification = expect_ok(ref, kms, "verify", MessageType="RAW",
                                 Signature=signature["Signature"], Message=plaintext, **kwargs)
        if verification is not None:
            compare(ref, {"KeyId": signature["KeyId"], "SignatureValid": True,
                          "SigningAlgorithm": algorithm, "HTTPStatusCode": 200},
                    strip_meta(verification))
        expect_error(f"{test} :: bad-digest", kms, "sign", "ValidationException",
                     f"Digest is invalid length for algorithm {algorithm}.", False,
                     MessageType="DIGEST", Message=plaintext, **kwargs)
        expect_error(f"{test} :: bad-signature", kms, "verify", "KMSInvalidSignatureException", "",
                     False, MessageType="RAW", Signature=bad_signature, Message=plaintext, **kwargs)


def hmac_metadata(key_id):
    return {
        "AWSAccountId": ACCOUNT, "Arn": arn_of(key_id), "CreationDate": DATETIME,
        "CustomerMasterKeySpec": "HMAC_256", "Description": "test key", "Enabled": True,
        "KeyId": key_id, "KeyManager": "CUSTOMER", "KeySpec": "HMAC_256", "KeyState": "Enabled",
        "KeyUsage": "GENERATE_VERIFY_MAC", "MacAlgorithms": ["HMAC_SHA_256"], "MultiRegion": False,
        "Origin": "AWS_KMS",
    }


def asym_hmac():
    test = f"{SNAP}::TestKMS::test_hmac_create_key"
    before = all_key_ids(kms)
    ref = f"{test} :: create-hmac-key"
    created = expect_ok(ref, kms, "create_key", Description="test key", KeySpec="HMAC_256",
                        KeyUsage="GENERATE_VERIFY_MAC")
    if created is not None:
        key_id = created["KeyMetadata"]["KeyId"]
        compare(ref, hmac_metadata(key_id), created["KeyMetadata"], "$.KeyMetadata")
        if key_id in before or key_id not in all_key_ids(kms):
            mismatch(ref, "ListKeys", "lists the new HMAC key", "does not")
        ref = f"{test} :: describe-key"
        described = expect_ok(ref, kms, "describe_key", KeyId=key_id)
        if described is not None:
            compare(ref, hmac_metadata(key_id), described["KeyMetadata"], "$.KeyMetadata")

    ref = f"{SNAP}::TestKMS::test_hmac_create_key_invalid_operations :: create-hmac-key-without-key-usage"
    expect_error(ref, kms, "create_key", "ValidationException",
                 "You must specify a KeyUsage value for all KMS keys except for symmetric "
                 "encryption keys.", False, Description="test HMAC key without key usage",
                 KeySpec="HMAC_256")

    mac_enum = ("1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
                "constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, "
                "HMAC_SHA_224, HMAC_SHA_512]")
    message = "some important message"
    for spec, algorithm in (("HMAC_224", "HMAC_SHA_224"), ("HMAC_256", "HMAC_SHA_256"),
                            ("HMAC_384", "HMAC_SHA_384"), ("HMAC_512", "HMAC_SHA_512")):
        test = f"{SNAP}::TestKMS::test_generate_and_verify_mac[{spec}-{algorithm}]"
        key_id = new_key(Description="test hmac key", KeySpec=spec,
                         KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
        ref = f"{test} :: generate-mac"
        mac = expect_ok(ref, kms, "generate_mac", KeyId=key_id, Message=message, MacAlgorithm=algorithm)
        if mac is None:
            continue
        compare(ref, {"KeyId": arn_of(key_id), "Mac": NONEMPTY_BYTES, "MacAlgorithm": algorithm,
                      "HTTPStatusCode": 200}, strip_meta(mac))
        ref = f"{test} :: verify-mac"
        verified = expect_ok(ref, kms, "verify_mac", KeyId=key_id, Message=message,
                             MacAlgorithm=algorithm, Mac=mac["Mac"])
        if verified is not None:
            compare(ref, {"KeyId": mac["KeyId"], "MacAlgorithm": algorithm, "MacValid": True,
                          "HTTPStatusCode": 200}, strip_meta(verified))
        expect_error(f"{test} :: generate-mac-invalid-key-id", kms, "generate_mac",
                     "NotFoundException", "Invalid keyId 'key_id'", True, KeyId="key_id",
                     Message=message, MacAlgorithm=algorithm)
        expect_error(f"{test} :: verify-mac-invalid-key-id", kms, "verify_mac",
                     "NotFoundException", "Invalid keyId 'key_id'", True, KeyId="key_id",
                     Message=message, MacAlgorithm=algorithm, Mac=mac["Mac"])

    key_id = new_key(Description="test hmac key", KeySpec="HMAC_224",
                     KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    expect_error(f"{SNAP}::TestKMS::test_invalid_generate_mac[HMAC_224-HMAC_SHA_256] :: generate-mac",
                 kms, "generate_mac", "InvalidKeyUsageException",
                 "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.", True,
                 KeyId=key_id, Message=message, MacAlgorithm="HMAC_SHA_256")
    key_id = new_key(Description="test hmac key", KeySpec="HMAC_256",
                     KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    expect_error(f"{SNAP}::TestKMS::test_invalid_generate_mac[HMAC_256-INVALID] :: generate-mac",
                 kms, "generate_mac", "ValidationException", mac_enum, False,
                 KeyId=key_id, Message=message, MacAlgorithm="INVALID")

    for algorithm, verify_msg, code, text, modelled in (
        ("HMAC_SHA_256", "some different important message", "KMSInvalidMacException", "", False),
        ("HMAC_SHA_512", message, "InvalidKeyUsageException",
         "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.", True),
        ("INVALID", message, "ValidationException", mac_enum, False),
    ):
        test = f"{SNAP}::TestKMS::test_invalid_verify_mac[HMAC_256-{algorithm}-{verify_msg}]"
        key_id = new_key(Description="test hmac key", KeySpec="HMAC_256",
                         KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
        ref = f"{test} :: generate-mac"
        mac = expect_ok(ref, kms, "generate_mac", KeyId=key_id, Message=message,
                        MacAlgorithm="HMAC_SHA_256")
        if mac is None:
            continue
        compare(ref, {"KeyId": arn_of(key_id), "Mac": NONEMPTY_BYTES,
                      "MacAlgorithm": "HMAC_SHA_256", "HTTPStatusCode": 200}, strip_meta(mac))
        expect_error(f"{test} :: verify-mac", kms, "verify_mac", code, text, modelled,
                     KeyId=key_id, Message=verify_msg, MacAlgorithm=algorithm, Mac=mac["Mac"])


def asym_errors_and_limits():
    test = f"{SNAP}::TestKMS::test_error_messaging_for_invalid_keys"
    hmac_key = new_key(Description="test key hmac", KeySpec="HMAC_224",
                       KeyUsage="GENERATE_VERIFY_MAC")["KeyId"]
    symmetric = new_key(Description="test key encrypt decrypt")["KeyId"]
    rsa_sign = new_key(Description="test key sign verify", KeyUsage="SIGN_VERIFY",
                       KeySpec="RSA_2048")["KeyId"]
    expect_error(f"{test} :: generate-mac-invalid-key-id", kms, "generate_mac",
                 "InvalidKeyUsageException",
                 template("<key-arn> key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac."),
                 True, KeyId=symmetric, Message="some important message", MacAlgorithm="HMAC_SHA_224")
    expect_error(f"{test} :: sign-invalid-key-id", kms, "sign", "InvalidKeyUsageException",
                 template("<key-arn> key usage is GENERATE_VERIFY_MAC which is not valid for Sign."),
                 True, KeyId=hmac_key, SigningAlgorithm="RSASSA_PSS_SHA_256", MessageType="RAW",
                 Message="test message 123!@#")
    expect_error(f"{test} :: verify-invalid-key-id", kms, "verify", "InvalidKeyUsageException",
                 template("<key-arn> key usage is ENCRYPT_DECRYPT which is not valid for Verify."),
                 True, MessageType="RAW", Signature=b"random text", Message="test message",
                 KeyId=symmetric, SigningAlgorithm="ECDSA_SHA_256")
    expect_error(f"{test} :: encrypt-invalid-key-id", kms, "encrypt", "InvalidKeyUsageException",
                 template("<key-arn> key usage is SIGN_VERIFY which is not valid for Encrypt."),
                 True, Plaintext="test message 123!@#", KeyId=rsa_sign)
    blob = kms.encrypt(Plaintext="test message 123!@#", KeyId=symmetric)["CiphertextBlob"]
    expect_error(f"{test} :: decrypt-invalid-key-id", kms, "decrypt", "IncorrectKeyException",
                 "The key ID in the request does not identify a CMK that can perform this operation.",
                 True, CiphertextBlob=blob, KeyId=hmac_key)

    limits = {("RSA_2048", "RSAES_OAEP_SHA_1"): 214, ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
              ("RSA_3072", "RSAES_OAEP_SHA_1"): 342, ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
              ("RSA_4096", "RSAES_OAEP_SHA_1"): 470, ("RSA_4096", "RSAES_OAEP_SHA_256"): 446}
    message = b"more than 500 bytes and less than 4096 bytes" * 20
    for (spec, algorithm), limit in limits.items():
        ref = (f"{SNAP}::TestKMS::test_encrypt_validate_plaintext_size_per_key_type"
               f"[{spec}-{algorithm}] :: generate-random-exc")
        key_id = new_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec=spec)["KeyId"]
        expect_error(ref, kms, "encrypt", "ValidationException",
                     f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than "
                     f"{limit} bytes.", False, KeyId=key_id, Plaintext=base64.b64encode(message),
                     EncryptionAlgorithm=algorithm)


def asym_data_key_pairs():
    test = f"{SNAP}::TestKMSGenerateKeys"
    key_id = new_key()["KeyId"]
    ref = f"{test}::test_generate_data_key_pair_without_plaintext :: generate-data-key-pair-without-plaintext"
    result = expect_ok(ref, kms, "generate_data_key_pair_without_plaintext", KeyId=key_id,
                       KeyPairSpec="RSA_2048")
    if result is not None:
        compare(ref, {"KeyId": arn_of(key_id), "KeyPairSpec": "RSA_2048",
                      "PrivateKeyCiphertextBlob": NONEMPTY_BYTES, "PublicKey": NONEMPTY_BYTES,
                      "HTTPStatusCode": 200}, strip_meta(result))
    ref = f"{test}::test_generate_data_key_pair :: generate-data-key-pair"
    result = expect_ok(ref, kms, "generate_data_key_pair", KeyId=key_id, KeyPairSpec="RSA_2048")
    if result is not None:
        compare(ref, {"KeyId": arn_of(key_id), "KeyPairSpec": "RSA_2048",
                      "PrivateKeyCiphertextBlob": NONEMPTY_BYTES, "PrivateKeyPlaintext": NONEMPTY_BYTES,
                      "PublicKey": NONEMPTY_BYTES, "HTTPStatusCode": 200}, strip_meta(result))
        decrypted = expect_ok(ref, kms, "decrypt", CiphertextBlob=result["PrivateKeyCiphertextBlob"],
                              KeyId=key_id)
        if decrypted is not None and decrypted["Plaintext"] != result["PrivateKeyPlaintext"]:
            mismatch(ref, "Decrypt(PrivateKeyCiphertextBlob)", "PrivateKeyPlaintext", "another value")
    context = {"context-key": "context-value"}
    for op in ("generate_data_key_pair", "generate_data_key_pair_without_plaintext"):
        ref = f"{test}::test_encryption_context_{op} :: decrypt-without-encryption-context"
        result = expect_ok(ref, kms, op, KeyId=key_id, KeyPairSpec="RSA_2048",
                           EncryptionContext=context)
        if result is not None:
            expect_error(ref, kms, "decrypt", "InvalidCiphertextException", "", False,
                         CiphertextBlob=result["PrivateKeyCiphertextBlob"], KeyId=key_id)


ASYMMETRIC_RECORDED = [asym_sign_verify, asym_hmac, asym_errors_and_limits, asym_data_key_pairs]


# --- extended: AWS-validated test assertions and digest claims (not snapshot entries) ---------


def check(ref, what, expected, got):
    checks[0] += 1
    if expected != got:
        mismatch(ref, what, expected, got)


def ext_key_states():
    ref = f"{SNAP}::TestKMS::test_schedule_and_cancel_key_deletion (assertions)"
    key_id = new_key()["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    check(ref, "Enabled after ScheduleKeyDeletion", False, meta["Enabled"])
    check(ref, "KeyState after ScheduleKeyDeletion", "PendingDeletion", meta["KeyState"])
    check(ref, "DeletionDate present", True, isinstance(meta.get("DeletionDate"), datetime.datetime))
    kms.cancel_key_deletion(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    check(ref, "Enabled after CancelKeyDeletion", False, meta["Enabled"])
    check(ref, "KeyState after CancelKeyDeletion", "Disabled", meta["KeyState"])
    check(ref, "DeletionDate after CancelKeyDeletion", None, meta.get("DeletionDate"))

    ref = f"{SNAP}::TestKMS::test_disable_and_enable_key (assertions)"
    key_id = new_key()["KeyId"]
    kms.disable_key(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    check(ref, "after DisableKey", (False, "Disabled"), (meta["Enabled"], meta["KeyState"]))
    kms.enable_key(KeyId=key_id)
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    check(ref, "after EnableKey", (True, "Enabled"), (meta["Enabled"], meta["KeyState"]))

    ref = f"{SNAP}::TestKMS::test_update_key_description (assertions)"
    key_id = new_key(Description="old_description")["KeyId"]
    result = kms.update_key_description(KeyId=key_id, Description="new_description")
    check(ref, "UpdateKeyDescription output members", [], [k for k in result if k != "ResponseMetadata"])
    check(ref, "Description", "new_description",
          kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"])

    ref = f"{SNAP}::TestKMS::test_cant_use_disabled_or_deleted_keys (assertions; messages: digest)"
    key_id = new_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    kms.disable_key(KeyId=key_id)
    expect_error(ref, kms, "generate_data_key", "DisabledException", f"{arn_of(key_id)} is disabled.",
                 True, KeyId=key_id, KeySpec="AES_256")
    kms.schedule_key_deletion(KeyId=key_id)
    expect_error(ref, kms, "generate_data_key", "KMSInvalidStateException",
                 f"{arn_of(key_id)} is pending deletion.", True, KeyId=key_id, KeySpec="AES_256")

    ref = f"{SNAP}::TestKMS::test_cant_delete_deleted_key (assertions; message: digest)"
    key_id = new_key()["KeyId"]
    kms.schedule_key_deletion(KeyId=key_id)
    expect_error(ref, kms, "schedule_key_deletion", "KMSInvalidStateException",
                 f"{arn_of(key_id)} is pending deletion.", True, KeyId=key_id)

    ref = f"{SNAP}::TestKMS::test_list_keys (assertions)"
    key = new_key()
    found = None
    for page in kms.get_paginator("list_keys").paginate():
        for entry in page["Keys"]:
            if entry["KeyId"] == key["KeyId"]:
                found = entry
    check(ref, "ListKeys entry", {"KeyId": key["KeyId"], "KeyArn": key["Arn"]}, found)


def ext_grants():
    user_arn = make_client("sts").get_caller_identity()["Arn"]
    ref = f"{SNAP}::TestKMS::test_create_grant_with_invalid_key / test_list_grants_with_invalid_key (assertions; message: digest)"
    expect_error(ref, kms, "create_grant", "NotFoundException", "Invalid keyId 'invalid'", True,
                 KeyId="invalid", GranteePrincipal=user_arn, Operations=["Decrypt", "Encrypt"])
    expect_error(ref, kms, "list_grants", "NotFoundException", "Invalid keyId 'invalid'", True,
                 KeyId="invalid")

    ref = f"{SNAP}::TestKMS::test_create_grant_with_valid_key (assertions)"
    key_id = new_key()["KeyId"]
    before = len(kms.list_grants(KeyId=key_id)["Grants"])
    grant = kms.create_grant(KeyId=key_id, GranteePrincipal=user_arn,
                             Operations=["Decrypt", "Encrypt"])
    check(ref, "CreateGrant output members", ["GrantId", "GrantToken"],
          sorted(k for k in grant if k != "ResponseMetadata"))
    check(ref, "ListGrants count", before + 1, len(kms.list_grants(KeyId=key_id)["Grants"]))

    ref = f"{SNAP}::TestKMS::test_create_grant_with_same_name_two_keys (assertions)"
    first, second = new_key()["KeyId"], new_key()["KeyId"]
    for key_id in (first, second):
        kms.create_grant(KeyId=key_id, GranteePrincipal=user_arn, Name="TestGrantName",
                         Operations=["Decrypt", "DescribeKey"])
    for key_id in (first, second):
        check(ref, "grants per key", 1, len(kms.list_grants(KeyId=key_id)["Grants"]))

    for test, retire in (
        ("test_revoke_grant", lambda k, g: kms.revoke_grant(KeyId=k, GrantId=g["GrantId"])),
        ("test_retire_grant_with_grant_token", lambda k, g: kms.retire_grant(GrantToken=g["GrantToken"])),
        ("test_retire_grant_with_grant_id_and_key_id",
         lambda k, g: kms.retire_grant(GrantId=g["GrantId"], KeyId=k)),
    ):
        ref = f"{SNAP}::TestKMS::{test} (assertions)"
        key_id = new_key()["KeyId"]
        grant = kms.create_grant(KeyId=key_id, GranteePrincipal=user_arn,
                                 Operations=["Decrypt", "Encrypt"])
        before = len(kms.list_grants(KeyId=key_id)["Grants"])
        try:
            retire(key_id, grant)
        except ClientError as err:
            mismatch(ref, "call outcome", "success", err.response["Error"])
            continue
        check(ref, "ListGrants count", before - 1, len(kms.list_grants(KeyId=key_id)["Grants"]))


def ext_aliases():
    def get_alias(name, key_id=None):
        for page in kms.get_paginator("list_aliases").paginate(**({"KeyId": key_id} if key_id else {})):
            for alias in page["Aliases"]:
                if alias["AliasName"] == name:
                    return alias
        return None

    ref = f"{SNAP}::TestKMS::test_list_aliases_of_key (assertions)"
    aliased, other = new_key()["KeyId"], new_key()["KeyId"]
    name = f"alias/{short_uid()}"
    kms.create_alias(AliasName=name, TargetKeyId=aliased)
    check(ref, "alias listed for its key", True, get_alias(name, aliased) is not None)
    check(ref, "alias listed for another key", False, get_alias(name, other) is not None)

    ref = f"{SNAP}::TestKMS::test_create_list_delete_alias (assertions)"
    name = f"alias/{short_uid()}"
    kms.create_alias(AliasName=name, TargetKeyId=new_key()["KeyId"])
    check(ref, "alias listed", True, get_alias(name) is not None)
    kms.delete_alias(AliasName=name)
    check(ref, "alias listed after DeleteAlias", False, get_alias(name) is not None)

    ref = f"{SNAP}::TestKMS::test_update_alias (assertions)"
    name, old, new = f"alias/{short_uid()}", new_key()["KeyId"], new_key()["KeyId"]
    kms.create_alias(AliasName=name, TargetKeyId=old)
    check(ref, "TargetKeyId", old, (get_alias(name, old) or {}).get("TargetKeyId"))
    kms.update_alias(AliasName=name, TargetKeyId=new)
    check(ref, "TargetKeyId after UpdateAlias", new, (get_alias(name, new) or {}).get("TargetKeyId"))

    ref = f"{SNAP}::TestKMS::test_all_types_of_key_id_can_be_used_for_encryption (assertions)"
    key = new_key()
    name = f"alias/{short_uid()}"
    kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    alias_arn = (get_alias(name, key["KeyId"]) or {}).get("AliasArn")
    check(ref, "AliasArn", f"arn:aws:kms:{REGION}:{ACCOUNT}:{name}", alias_arn)
    for ident in (key["Arn"], key["KeyId"], alias_arn, name):
        expect_ok(f"{ref} KeyId={ident}", kms, "encrypt", KeyId=ident, Plaintext="encrypt-me")


def ext_rotation_and_policies():
    ref = f"{SNAP}::TestKMS::test_key_rotation_status (assertions; disabled shape: digest)"
    key_id = new_key()["KeyId"]
    status = kms.get_key_rotation_status(KeyId=key_id)
    check(ref, "default status members", {"KeyId": arn_of(key_id), "KeyRotationEnabled": False},
          {k: v for k, v in status.items() if k != "ResponseMetadata"})
    kms.enable_key_rotation(KeyId=key_id)
    check(ref, "KeyRotationEnabled after enable", True,
          kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
    kms.disable_key_rotation(KeyId=key_id)
    status = kms.get_key_rotation_status(KeyId=key_id)
    check(ref, "status members after disable", {"KeyId": arn_of(key_id), "KeyRotationEnabled": False},
          {k: v for k, v in status.items() if k != "ResponseMetadata"})

    for days in (90, 180):
        ref = f"{SNAP}::TestKMS::test_key_enable_rotation_status[{days}] (assertions)"
        key_id = new_key()["KeyId"]
        kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=days)
        status = kms.get_key_rotation_status(KeyId=key_id)
        check(ref, "members", ["KeyId", "KeyRotationEnabled", "NextRotationDate", "RotationPeriodInDays"],
              sorted(k for k in status if k != "ResponseMetadata"))
        check(ref, "RotationPeriodInDays", days, status.get("RotationPeriodInDays"))

    ref = f"{SNAP}::TestKMS::test_rotate_on_demand_returns_arn_for_key_id (assertions)"
    key = new_key(KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")
    response = kms.rotate_key_on_demand(KeyId=key["KeyId"])
    check(ref, "RotateKeyOnDemand output", {"KeyId": key["Arn"]},
          {k: v for k, v in response.items() if k != "ResponseMetadata"})

    ref = f"{SNAP}::TestKMS::test_key_rotations_encryption_decryption (code: digest)"
    key_id = new_key()["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.rotate_key_on_demand(KeyId=key_id)
    check(ref, "decrypt after rotation", b"x", kms.decrypt(KeyId=key_id, CiphertextBlob=blob)["Plaintext"])
    expect_error(ref, kms, "decrypt", "InvalidCiphertextException", "", False, KeyId=key_id,
                 CiphertextBlob=blob + b"bad_data", EncryptionAlgorithm="SYMMETRIC_DEFAULT")

    ref = f"{SNAP}::TestKMS::test_rotate_key_on_demand_raises_error_given_key_that_does_not_exist (message: digest)"
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    expect_error(ref, kms, "rotate_key_on_demand", "NotFoundException",
                 f"Key '{arn_of(missing)}' does not exist", True, KeyId=missing)

    ref = f"{SNAP}::TestKMS::test_key_rotations_limits (message: digest; limit 25 per digest §10)"
    key_id = new_key()["KeyId"]
    done = 0
    for _ in range(40):
        _, error = call(kms, "rotate_key_on_demand", KeyId=key_id)
        if error is not None:
            break
        done += 1
    check(ref, "on-demand rotations allowed", 25, done)
    if error is not None:
        compare(ref, recorded_error(
            "LimitExceededException",
            "The on-demand rotations limit has been reached for the given keyId. No more "
            f"on-demand rotations can be performed for this key: {arn_of(key_id)}", True),
            strip_meta(error))

    ref = f"{SNAP}::TestKMS::test_get_put_list_key_policies (assertions)"
    base = {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {"Sid": "This is the default key policy", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "This is some additional stuff to look special", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:ListAliases",
             "Resource": "*"},
        ],
    }
    policy_one = json.dumps(base)
    base["Statement"][1]["Action"] = "kms:ListGrants"
    policy_two = json.dumps(base)
    key_id = new_key(Policy=policy_one)["KeyId"]
    listed = kms.list_key_policies(KeyId=key_id)
    check(ref, "ListKeyPolicies", (["default"], False), (listed.get("PolicyNames"), listed.get("Truncated")))
    got = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    check(ref, "GetKeyPolicy after CreateKey(Policy)", policy_one, json.dumps(json.loads(got)))
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy_two)
    got = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    check(ref, "GetKeyPolicy after PutKeyPolicy", policy_two, json.dumps(json.loads(got)))


def ext_tags():
    def tags(key_id):
        return [(t["TagKey"], t["TagValue"]) for t in kms.list_resource_tags(KeyId=key_id)["Tags"]]

    def create_tags(**kwargs):
        return [{"TagKey": k, "TagValue": v} for k, v in kwargs.items()]

    ref = f"{SNAP}::TestKMS::test_tag_existing_key_and_untag (ordering: digest)"
    key_id = new_key(Description="test key 123", KeyUsage="ENCRYPT_DECRYPT")["KeyId"]
    kms.tag_resource(KeyId=key_id, Tags=create_tags(tag1="value1", tag2="value2"))
    check(ref, "tags", [("tag1", "value1"), ("tag2", "value2")], tags(key_id))
    kms.untag_resource(KeyId=key_id, TagKeys=["tag1", "tag2"])
    check(ref, "tags after untag", [], tags(key_id))

    ref = f"{SNAP}::TestKMS::test_untag_key_partially / test_update_and_add_tags_on_tagged_key (ordering: digest)"
    key_id = new_key(Tags=create_tags(tag1="value1", tag2="value2", tag3="value3"))["KeyId"]
    kms.tag_resource(KeyId=key_id, Tags=create_tags(tag4="value4", tag2="updated_value2", tag5="value5"))
    check(ref, "tags after update", [("tag1", "value1"), ("tag2", "updated_value2"), ("tag3", "value3"),
                                     ("tag4", "value4"), ("tag5", "value5")], tags(key_id))
    kms.untag_resource(KeyId=key_id, TagKeys=["tag2"])
    check(ref, "tags after partial untag", [("tag1", "value1"), ("tag3", "value3"), ("tag4", "value4"),
                                            ("tag5", "value5")], tags(key_id))

    key_id = new_key()["KeyId"]
    for test, call_kwargs, op, text in (
        ("test_tag_key_with_duplicate_tag_keys_raises_error",
         {"KeyId": key_id, "Tags": [{"TagKey": "tag1", "TagValue": "value1"},
                                    {"TagKey": "tag1", "TagValue": "another-value1"}]},
         "tag_resource", "Duplicate tag keys"),
        ("test_create_key_with_too_many_tags_raises_error",
         {"Tags": create_tags(**{f"key{i}": f"value{i}" for i in range(51)})},
         "create_key", "Too many tags"),
        ("test_create_key_with_invalid_tag_key[lowercase_prefix]",
         {"Tags": create_tags(**{"aws:key1": "value1"})}, "create_key",
         "Tags beginning with aws: are reserved"),
        ("test_create_key_with_invalid_tag_key[uppercase_prefix]",
         {"Tags": create_tags(**{"AWS:key1": "value1"})}, "create_key",
         "Tags beginning with aws: are reserved"),
        ("test_tag_existing_key_with_invalid_tag_key",
         {"KeyId": key_id, "Tags": create_tags(**{"aws:key1": "value1"})}, "tag_resource",
         "Tags beginning with aws: are reserved"),
    ):
        ref = f"{SNAP}::TestKMS::{test} (message: digest, exact wording not quoted there)"
        _, error = call(kms, op, **call_kwargs)
        if error is None:
            mismatch(ref, f"{op} outcome", "TagException", "success")
            continue
        check(ref, "Error.Code", "TagException", error["Error"]["Code"])
        if text not in error["Error"].get("Message", ""):
            mismatch(ref, "Error.Message contains", text, error["Error"].get("Message"))


def ext_crypto():
    ref = f"{SNAP}::TestKMS::test_re_encrypt[SYMMETRIC_DEFAULT-SYMMETRIC_DEFAULT] (assertions; members: model)"
    message = b"test message 123 !%$@ 1234567890"
    source, destination = new_key()["KeyId"], new_key()["KeyId"]
    blob = kms.encrypt(KeyId=source, Plaintext=base64.b64encode(message),
                       EncryptionAlgorithm="SYMMETRIC_DEFAULT")["CiphertextBlob"]
    result = expect_ok(ref, kms, "re_encrypt", SourceKeyId=source, DestinationKeyId=destination,
                       CiphertextBlob=blob, SourceEncryptionAlgorithm="SYMMETRIC_DEFAULT",
                       DestinationEncryptionAlgorithm="SYMMETRIC_DEFAULT")
    if result is not None:
        check(ref, "ReEncrypt KeyId/SourceKeyId", (arn_of(destination), arn_of(source)),
              (result.get("KeyId"), result.get("SourceKeyId")))
        check(ref, "decrypt with destination", base64.b64encode(message),
              kms.decrypt(KeyId=destination, CiphertextBlob=result["CiphertextBlob"])["Plaintext"])

    ref = "digest §1.4 IncorrectKeyException (recorded with an HMAC key as KeyId)"
    expect_error(ref, kms, "decrypt", "IncorrectKeyException",
                 "The key ID in the request does not identify a CMK that can perform this operation.",
                 True, CiphertextBlob=blob, KeyId=destination)

    ref = "digest §1.4 DryRunOperationException"
    expect_error(ref, kms, "encrypt", "DryRunOperationException",
                 "The request would have succeeded, but the DryRun option is set.", True,
                 KeyId=source, Plaintext=b"x", DryRun=True)
    ref = f"{SNAP}::TestKMSGenerateKeys::test_generate_data_key_pair_dry_run (message: digest)"
    expect_error(ref, kms, "generate_data_key_pair", "DryRunOperationException",
                 "The request would have succeeded, but the DryRun option is set.", True,
                 KeyId=source, KeyPairSpec="RSA_2048", DryRun=True)


EXTENDED_CHECKS = [ext_key_states, ext_grants, ext_aliases, ext_rotation_and_policies, ext_tags,
                   ext_crypto]


def main():
    for test in RECORDED:
        try:
            test()
        except Exception as err:  # a crash in one check must not hide the others
            mismatch(test.__name__, "check crashed", "no exception", f"{type(err).__name__}: {err}")
    if ASYMMETRIC:
        for test in ASYMMETRIC_RECORDED:
            try:
                test()
            except Exception as err:
                mismatch(test.__name__, "check crashed", "no exception", f"{type(err).__name__}: {err}")
    if EXTENDED:
        tier[0] = "UNVERIFIED-TRUTH"
        for test in EXTENDED_CHECKS:
            try:
                test()
            except Exception as err:
                mismatch(test.__name__, "check crashed", "no exception", f"{type(err).__name__}: {err}")
    print(f"{checks[0]} comparisons: {len(mismatches)} mismatch(es), {len(notes)} note(s), "
          f"{len(skips)} skipped", flush=True)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
