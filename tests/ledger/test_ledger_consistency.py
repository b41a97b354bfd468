"""RFC 6962 consistency proofs: every prefix of every tree proves consistent, and a changed
leaf, a wrong size or a forged proof does not."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from clearance.ledger import consistency_proof, merkle_root, verify_consistency


def _leaves(n: int, salt: str = "") -> list[str]:
    return [hashlib.sha256(f"{salt}{i}".encode()).hexdigest() for i in range(n)]


@given(st.integers(1, 70), st.data())
def test_every_prefix_is_proved_consistent(new_size: int, data: st.DataObject) -> None:
    old_size = data.draw(st.integers(0, new_size))
    leaves = _leaves(new_size)
    proof = consistency_proof(old_size, leaves)
    old_root, new_root = merkle_root(leaves[:old_size]), merkle_root(leaves)
    assert verify_consistency(old_size, new_size, old_root, new_root, proof)


@given(st.integers(2, 70), st.data())
def test_a_rewritten_prefix_is_not_consistent(new_size: int, data: st.DataObject) -> None:
    old_size = data.draw(st.integers(1, new_size - 1))
    changed = data.draw(st.integers(0, old_size - 1))
    leaves = _leaves(new_size)
    forged = list(leaves)
    forged[changed] = hashlib.sha256(b"forged").hexdigest()
    old_root = merkle_root(leaves[:old_size])
    proof = consistency_proof(old_size, forged)
    assert not verify_consistency(old_size, new_size, old_root, merkle_root(forged), proof)


def test_a_wrong_size_or_proof_is_refused() -> None:
    leaves = _leaves(11)
    proof = consistency_proof(6, leaves)
    old_root, new_root = merkle_root(leaves[:6]), merkle_root(leaves)
    assert not verify_consistency(7, 11, old_root, new_root, proof)
    assert not verify_consistency(6, 11, old_root, new_root, proof[:-1])
    assert not verify_consistency(12, 11, old_root, new_root, proof)
    assert not verify_consistency(11, 11, old_root, new_root, [])
