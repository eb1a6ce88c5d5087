#!/usr/bin/env python3
"""Independent reference implementation of the Trent v1 ciphertext format (DESIGN.md §4).

Used once to produce the frozen vectors in frozen_v1.rs from the written specification, with
pyca/cryptography instead of aws-lc-rs, so that the vectors check the Rust code against the
spec rather than against itself. Not run by CI. Run: python3 frozen_v1_reference.py
"""
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def canonical(context):
    out = b""
    for key, value in sorted((k.encode(), v.encode()) for k, v in context.items()):
        out += struct.pack(">I", len(key)) + key + struct.pack(">I", len(value)) + value
    return out


def encrypt(key, key_id, material_version, nonce, context, plaintext):
    header = bytes([1]) + key_id + struct.pack(">I", material_version) + nonce
    assert len(header) == 53
    okm = HKDF(hashes.SHA256(), 44, salt=nonce, info=b"trent/v1/encrypt" + header).derive(key)
    return header + AESGCM(okm[:32]).encrypt(okm[32:], plaintext, header + canonical(context))


KEY_A = bytes.fromhex("412733cc3375a22c75a9f99332be1b95dbd01ca3c7f69f38e24938d8494adf8f")
KEY_B = bytes.fromhex("e19998f5333cd0039ae0d076c1a0adff3180675925c4dad9edbcb7c3e5144227")
KEY_ID_A = bytes.fromhex("1234abcd12ab34cd56ef1234567890ab")
KEY_ID_B = bytes.fromhex("ff00ee11dd22cc33bb44aa5599668877")

VECTORS = [
    ("EMPTY_CONTEXT", KEY_A, KEY_ID_A, 1,
     "9e516bfd9ef2a54c9a67f7feb25cd00585bc6beac34588cf8eaca2b74e0f084b",
     {}, b"Hello, Trent!"),
    ("TWO_PAIRS", KEY_A, KEY_ID_A, 7,
     "0d16313476399b92ce16b3c4bbfb1828cd596fd79ac5ec41b7b015ef821ae0e6",
     {"tenant": "acme", "purpose": "test"}, bytes(range(32))),
    ("LARGE", KEY_A, KEY_ID_A, 2,
     "beb9f782e248547ede4c4fbb8a6ef93a42d9d3df8c555edc215d5f0f26e4dbee",
     {"Department": "Finance"}, bytes(i % 251 for i in range(4096))),
    ("NON_ASCII", KEY_B, KEY_ID_B, 0xFFFFFFFE,
     "1fc45e4a31cc52ac40631fa88f4197c64fc4de84bdaad47b1623fa8c94496b53",
     {"Zürich": "ü", "ключ": "значение", "🔑": "Ω", "A": "", "\uffff": "\U00010000"},
     "nul \0 and ünïcödé".encode()),
]

for name, key, key_id, version, nonce, context, plaintext in VECTORS:
    blob = encrypt(key, key_id, version, bytes.fromhex(nonce), context, plaintext)
    print(name, "canonical", canonical(context).hex())
    print(name, "blob", blob.hex())
