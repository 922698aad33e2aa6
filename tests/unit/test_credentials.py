"""Keys are random and stored as digests; digests and passwords compare correctly."""

from service.core import credentials


def test_new_keys_are_random_and_carry_at_least_128_bits():
    keys = {credentials.new_key("rhm") for _ in range(100)}
    assert len(keys) == 100
    sample = keys.pop()
    assert sample.startswith("rhm_")
    assert len(sample) - len("rhm_") >= 22  # 128 bits in url-safe base64


def test_digest_is_sha256_hex_and_not_the_key():
    key = credentials.new_key("rha")
    digest = credentials.key_digest(key)
    assert len(digest) == 64
    assert key not in digest
    assert credentials.key_digest(key) == digest


def test_digests_equal_compares_exactly():
    digest = credentials.key_digest("one")
    assert credentials.digests_equal(digest, credentials.key_digest("one"))
    assert not credentials.digests_equal(digest, credentials.key_digest("two"))


def test_password_hash_verifies_only_the_same_password():
    stored = credentials.hash_password("correct horse")
    assert "correct horse" not in stored
    assert credentials.verify_password("correct horse", stored)
    assert not credentials.verify_password("wrong horse", stored)
    assert not credentials.verify_password("correct horse", "garbage")
