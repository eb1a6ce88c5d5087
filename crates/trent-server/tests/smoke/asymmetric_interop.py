"""Asymmetric and HMAC keys through boto3, checked with independent libraries.

Signatures made by Trent must verify with Python `cryptography` (and the `openssl` CLI for
RSA-PSS and ECDSA); OAEP ciphertexts made with the public key outside Trent must decrypt in
Trent; ECDH secrets must equal `cryptography`'s; HMACs must equal Python's `hmac`. Run by
tests/asymmetric.rs against a fresh `trent serve --dev` (TRENT_ENDPOINT). Exits non-zero on the
first failure.
"""
import hashlib
import hmac
import os
import subprocess
import tempfile

import boto3
import botocore
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

kms = boto3.client(
    "kms",
    endpoint_url=os.environ["TRENT_ENDPOINT"],
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)


def error(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as err:
        return err.response["Error"]["Code"], err.response["Error"].get("Message", "")
    raise AssertionError(f"{call.__name__} succeeded")


def create(spec, usage):
    meta = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert meta["KeySpec"] == spec and meta["KeyUsage"] == usage, meta
    return meta


HASHES = {"SHA_256": hashes.SHA256(), "SHA_384": hashes.SHA384(), "SHA_512": hashes.SHA512()}
HASHLIB = {"SHA_256": hashlib.sha256, "SHA_384": hashlib.sha384, "SHA_512": hashlib.sha512}
message = b"interoperable message"

# --- signatures -------------------------------------------------------------------------------
for spec in ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
             "ECC_NIST_EDWARDS25519", "ML_DSA_44"]:
    meta = create(spec, "SIGN_VERIFY")
    key_id = meta["KeyId"]
    public = kms.get_public_key(KeyId=key_id)
    assert public["KeySpec"] == spec and public["SigningAlgorithms"] == meta["SigningAlgorithms"]
    der = public["PublicKey"]
    for algorithm in meta["SigningAlgorithms"]:
        if algorithm == "ED25519_PH_SHA_512":
            # Ed25519ph takes a SHA-512 digest (MessageType DIGEST); neither OpenSSL 3.0 nor
            # `cryptography` offers Ed25519ph, so Trent's own Verify checks it (the crypto layer
            # has the RFC 8032 vector).
            digest = hashlib.sha512(message).digest()
            signature = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST",
                                 SigningAlgorithm=algorithm)["Signature"]
            assert kms.verify(KeyId=key_id, Message=digest, MessageType="DIGEST", Signature=signature,
                              SigningAlgorithm=algorithm)["SignatureValid"]
            code, _ = error(kms.sign, KeyId=key_id, Message=message, SigningAlgorithm=algorithm)
            assert code == "ValidationException", code
            continue
        signature = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm)["Signature"]
        assert kms.verify(KeyId=key_id, Message=message, Signature=signature,
                          SigningAlgorithm=algorithm)["SignatureValid"]
        code, _ = error(kms.verify, KeyId=key_id, Message=message + b"!", Signature=signature,
                        SigningAlgorithm=algorithm)
        assert code == "KMSInvalidSignatureException", code
        if spec.startswith("ML_DSA"):
            continue  # Trent's Verify above; trent-crypto's interop tests check ML-DSA with Python.
        pub = serialization.load_der_public_key(der)
        if algorithm.startswith("RSASSA_PSS"):
            h = HASHES[algorithm[-7:]]
            pub.verify(signature, message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h)
        elif algorithm.startswith("RSASSA_PKCS1"):
            pub.verify(signature, message, padding.PKCS1v15(), HASHES[algorithm[-7:]])
        elif algorithm.startswith("ECDSA"):
            h = HASHES[algorithm[-7:]]
            pub.verify(signature, message, ec.ECDSA(h))
            # DIGEST: sign a digest computed outside; verify as a prehashed signature.
            digest = HASHLIB[algorithm[-7:]](message).digest()
            by_digest = kms.sign(KeyId=key_id, Message=digest, MessageType="DIGEST",
                                 SigningAlgorithm=algorithm)["Signature"]
            pub.verify(by_digest, digest, ec.ECDSA(utils.Prehashed(h)))
            code, msg = error(kms.sign, KeyId=key_id, Message=digest[:-1], MessageType="DIGEST",
                              SigningAlgorithm=algorithm)
            assert (code, msg) == ("ValidationException",
                                   f"Digest is invalid length for algorithm {algorithm}."), (code, msg)
        elif algorithm == "ED25519_SHA_512":
            pub.verify(signature, message)
    # The openssl CLI verifies too (RSA-PSS with salt = digest length, and ECDSA).
    if spec in ("RSA_2048", "ECC_NIST_P256"):
        algorithm = "RSASSA_PSS_SHA_256" if spec == "RSA_2048" else "ECDSA_SHA_256"
        signature = kms.sign(KeyId=key_id, Message=message, SigningAlgorithm=algorithm)["Signature"]
        with tempfile.TemporaryDirectory() as tmp:
            paths = {name: os.path.join(tmp, name) for name in ("pub.der", "msg", "sig")}
            for name, data in (("pub.der", der), ("msg", message), ("sig", signature)):
                with open(paths[name], "wb") as f:
                    f.write(data)
            command = ["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify", paths["pub.der"],
                       "-signature", paths["sig"]]
            if spec == "RSA_2048":
                command += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]
            out = subprocess.run(command + [paths["msg"]], capture_output=True, text=True)
            assert out.returncode == 0 and "Verified OK" in out.stdout, out

    # Wrong algorithm for the spec and wrong usage.
    code, _ = error(kms.sign, KeyId=key_id, Message=message, SigningAlgorithm="HMAC_SHA_256"
                    if False else "RSASSA_PSS_SHA_256" if not spec.startswith("RSA") else "ECDSA_SHA_256")
    assert code == "InvalidKeyUsageException", code
    code, msg = error(kms.encrypt, KeyId=key_id, Plaintext=b"x")
    assert code == "InvalidKeyUsageException" and "which is not valid for Encrypt." in msg, msg

# --- RSA-OAEP -------------------------------------------------------------------------------
meta = create("RSA_2048", "ENCRYPT_DECRYPT")
assert meta["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], meta
key_id = meta["KeyId"]
pub = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
for algorithm, h, limit in (("RSAES_OAEP_SHA_1", hashes.SHA1(), 214), ("RSAES_OAEP_SHA_256", hashes.SHA256(), 190)):
    oaep = padding.OAEP(mgf=padding.MGF1(algorithm=h), algorithm=h, label=None)
    outside = pub.encrypt(b"made outside", oaep)
    out = kms.decrypt(KeyId=key_id, CiphertextBlob=outside, EncryptionAlgorithm=algorithm)
    assert out["Plaintext"] == b"made outside" and out["EncryptionAlgorithm"] == algorithm, out
    inside = kms.encrypt(KeyId=key_id, Plaintext=b"x" * limit, EncryptionAlgorithm=algorithm)
    assert len(inside["CiphertextBlob"]) == 256
    assert kms.decrypt(KeyId=key_id, CiphertextBlob=inside["CiphertextBlob"],
                       EncryptionAlgorithm=algorithm)["Plaintext"] == b"x" * limit
    code, msg = error(kms.encrypt, KeyId=key_id, Plaintext=b"x" * (limit + 1), EncryptionAlgorithm=algorithm)
    assert (code, msg) == ("ValidationException", f"Algorithm {algorithm} and key spec RSA_2048 "
                           f"cannot encrypt data larger than {limit} bytes."), (code, msg)
code, _ = error(kms.decrypt, KeyId=key_id, CiphertextBlob=b"\x00" * 256, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
assert code == "InvalidCiphertextException", code
code, msg = error(kms.encrypt, KeyId=key_id, Plaintext=b"x")
assert (code, msg) == ("InvalidKeyUsageException",
                       "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."), (code, msg)

# --- HMAC ------------------------------------------------------------------------------------
for spec, algorithm, fn in (("HMAC_224", "HMAC_SHA_224", hashlib.sha224), ("HMAC_256", "HMAC_SHA_256", hashlib.sha256),
                            ("HMAC_384", "HMAC_SHA_384", hashlib.sha384), ("HMAC_512", "HMAC_SHA_512", hashlib.sha512)):
    meta = create(spec, "GENERATE_VERIFY_MAC")
    assert meta["MacAlgorithms"] == [algorithm], meta
    tag = kms.generate_mac(KeyId=meta["KeyId"], Message=message, MacAlgorithm=algorithm)["Mac"]
    assert len(tag) == fn().digest_size
    assert kms.verify_mac(KeyId=meta["KeyId"], Message=message, Mac=tag, MacAlgorithm=algorithm)["MacValid"]
    code, _ = error(kms.verify_mac, KeyId=meta["KeyId"], Message=message + b"!", Mac=tag, MacAlgorithm=algorithm)
    assert code == "KMSInvalidMacException", code
other = "HMAC_SHA_256" if spec != "HMAC_256" else "HMAC_SHA_224"
code, msg = error(kms.generate_mac, KeyId=meta["KeyId"], Message=message, MacAlgorithm=other)
assert (code, msg) == ("InvalidKeyUsageException", f"Algorithm {other} is incompatible with key spec {spec}."), (code, msg)

# --- ECDH ------------------------------------------------------------------------------------
meta = create("ECC_NIST_P256", "KEY_AGREEMENT")
assert meta["KeyAgreementAlgorithms"] == ["ECDH"], meta
trent_pub = serialization.load_der_public_key(kms.get_public_key(KeyId=meta["KeyId"])["PublicKey"])
peer = ec.generate_private_key(ec.SECP256R1())
peer_der = peer.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
shared = kms.derive_shared_secret(KeyId=meta["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer_der)
assert shared["SharedSecret"] == peer.exchange(ec.ECDH(), trent_pub), "ECDH secrets differ"
wrong_curve = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
code, _ = error(kms.derive_shared_secret, KeyId=meta["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=wrong_curve)
assert code == "ValidationException", code

# --- data key pairs --------------------------------------------------------------------------
wrapping = kms.create_key()["KeyMetadata"]["KeyId"]
for spec in ("RSA_2048", "ECC_NIST_P256", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"):
    pair = kms.generate_data_key_pair(KeyId=wrapping, KeyPairSpec=spec, EncryptionContext={"use": "pair"})
    private = serialization.load_der_private_key(pair["PrivateKeyPlaintext"], password=None)
    derived = private.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert derived == pair["PublicKey"], spec
    opened = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"], EncryptionContext={"use": "pair"})
    assert opened["Plaintext"] == pair["PrivateKeyPlaintext"], spec
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=wrapping, KeyPairSpec=spec)
    assert "PrivateKeyPlaintext" not in bare and bare["KeyPairSpec"] == spec
code, msg = error(kms.generate_data_key_pair, KeyId=key_id, KeyPairSpec="RSA_2048")
assert code == "InvalidKeyUsageException", (code, msg)

# --- invalid spec/usage pairs ----------------------------------------------------------------
code, msg = error(kms.create_key, KeySpec="ECC_SECG_P256K1", KeyUsage="KEY_AGREEMENT")
assert (code, msg) == ("ValidationException", "KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_SECG_P256K1"), msg
code, _ = error(kms.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY")
assert code == "UnsupportedOperationException", code

print("asymmetric interop: ok")
