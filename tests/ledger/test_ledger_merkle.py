"""RFC 6962 Merkle roots and inclusion proofs."""

from __future__ import annotations

import hashlib

import pytest

from clearance.ledger import (
    EMPTY_ROOT,
    MerkleAccumulator,
    inclusion_proof,
    merkle_root,
    verify_inclusion,
)

# The certificate-transparency reference test vectors (RFC 6962 trees over these leaf inputs).
CT_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path) from the same suite.
CT_PROOFS = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _reference_root(leaves: list[str]) -> bytes:
    """RFC 6962 section 2.1, written as the recursion the RFC gives."""
    if not leaves:
        return _sha(b"")
    if len(leaves) == 1:
        return _sha(b"\x00" + bytes.fromhex(leaves[0]))
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return _sha(b"\x01" + _reference_root(leaves[:split]) + _reference_root(leaves[split:]))


def _entry_hashes(count: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(count)]


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_root_matches_rfc6962_test_vectors(size: int) -> None:
    assert merkle_root(CT_LEAVES[:size]) == CT_ROOTS[size]


def test_empty_tree_root_is_sha256_of_empty_string() -> None:
    assert merkle_root([]) == EMPTY_ROOT == hashlib.sha256(b"").hexdigest()


def test_three_leaf_root_computed_by_hand() -> None:
    a, b, c = _entry_hashes(3)
    leaf = [_sha(b"\x00" + bytes.fromhex(h)) for h in (a, b, c)]
    by_hand = _sha(b"\x01" + _sha(b"\x01" + leaf[0] + leaf[1]) + leaf[2])
    assert merkle_root([a, b, c]) == by_hand.hex()


def test_streaming_root_equals_the_rfc_recursion_at_every_size() -> None:
    leaves = _entry_hashes(70)
    accumulator = MerkleAccumulator()
    assert accumulator.root() == _reference_root([]).hex()
    for size, leaf in enumerate(leaves, start=1):
        accumulator.add(leaf)
        assert accumulator.size == size
        assert accumulator.root() == _reference_root(leaves[:size]).hex(), size


def test_extend_equals_adding_one_at_a_time() -> None:
    leaves = _entry_hashes(37)
    one_by_one, batched = MerkleAccumulator(), MerkleAccumulator()
    for leaf in leaves:
        one_by_one.add(leaf)
    batched.extend(leaves[:10])
    batched.extend(leaves[10:])
    assert batched.root() == one_by_one.root()
    assert batched.size == 37


def test_bad_leaf_is_refused_and_leaves_the_accumulator_as_it_was() -> None:
    accumulator = MerkleAccumulator()
    with pytest.raises(ValueError, match="not hex-encoded"):
        accumulator.extend(["ab", "zz"])
    assert accumulator.size == 1
    assert accumulator.root() == merkle_root(["ab"])


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_inclusion_proof_matches_rfc6962_test_vectors(
    index: int, size: int, path: list[str]
) -> None:
    assert inclusion_proof(index, CT_LEAVES[:size]) == path
    assert verify_inclusion(index, size, CT_LEAVES[index], path, CT_ROOTS[size])


def test_every_leaf_of_every_small_tree_proves_its_inclusion() -> None:
    for size in range(1, 20):
        leaves = _entry_hashes(size)
        root = merkle_root(leaves)
        for index in range(size):
            proof = inclusion_proof(index, leaves)
            assert verify_inclusion(index, size, leaves[index], proof, root), (index, size)


def _flip_hex(value: str, position: int) -> str:
    flipped = "0" if value[position] != "0" else "1"
    return value[:position] + flipped + value[position + 1 :]


def test_tampered_proofs_fail() -> None:
    leaves = _entry_hashes(11)
    root = merkle_root(leaves)
    index = 6
    proof = inclusion_proof(index, leaves)
    for position in range(len(proof)):
        bad = [*proof]
        bad[position] = _flip_hex(bad[position], 10)
        assert not verify_inclusion(index, 11, leaves[index], bad, root)
    assert not verify_inclusion(index, 11, leaves[index], proof[:-1], root)
    assert not verify_inclusion(index, 11, leaves[index], [*proof, proof[0]], root)
    assert not verify_inclusion(index + 1, 11, leaves[index], proof, root)
    # A wrong size that changes the tree's shape breaks the proof (one with the same shape
    # cannot: the size only picks the path, and the root is what binds).
    assert not verify_inclusion(index, 7, leaves[index], proof, root)
    assert not verify_inclusion(index, 32, leaves[index], proof, root)
    assert not verify_inclusion(index, 11, leaves[index + 1], proof, root)
    assert not verify_inclusion(index, 11, leaves[index], proof, _flip_hex(root, 0))
    assert not verify_inclusion(11, 11, leaves[index], proof, root)


def test_malformed_proof_hex_is_an_error_not_a_silent_false() -> None:
    leaves = _entry_hashes(4)
    with pytest.raises(ValueError, match=r"proof\[0\]"):
        verify_inclusion(0, 4, leaves[0], ["xyz"], merkle_root(leaves))


def test_proof_for_a_leaf_outside_the_tree_is_refused() -> None:
    with pytest.raises(IndexError, match="outside a tree of 3 leaves"):
        inclusion_proof(3, _entry_hashes(3))


@pytest.mark.parametrize("size", [1, 2, 3, 5, 63, 64, 65, 127, 200, 257])
def test_inclusion_prover_gives_the_reference_proofs(size: int) -> None:
    from clearance.ledger import InclusionProver

    leaves = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(size)]
    prover = InclusionProver(leaves)
    root = merkle_root(leaves)
    for index in range(size):
        proof = prover.proof(index)
        assert proof == inclusion_proof(index, leaves)
        assert verify_inclusion(index, size, leaves[index], proof, root)
    with pytest.raises(IndexError):
        prover.proof(size)
