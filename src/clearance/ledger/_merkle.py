"""RFC 6962 Merkle tree hashes over the ledger's entry hashes, with inclusion and consistency
proofs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()
"""The root of the empty tree (RFC 6962: the hash of the empty string)."""


def leaf_hash(leaf: str) -> bytes:
    """RFC 6962 leaf hash, SHA-256(0x00 || data), of hex-encoded leaf data (an entry's hash)."""
    return hashlib.sha256(b"\x00" + _hex_bytes(leaf, "leaf")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleAccumulator:
    """Builds an RFC 6962 root one leaf at a time, holding O(log n) hashes.

    The tree of n leaves is the perfect subtrees of n's binary digits, largest on the left, and
    RFC 6962's split at the largest power of two below n folds them right to left. So a stack of
    perfect-subtree roots, merged like a binary counter, gives the root at any size.
    """

    def __init__(self) -> None:
        # Roots of the perfect subtrees, largest first; their sizes are the set bits of _size.
        self._stack: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """How many leaves have been added."""
        return self._size

    def add(self, leaf: str) -> None:
        """Append one leaf (hex-encoded leaf data; for the ledger, an entry's hash)."""
        self.add_leaf_hash(leaf_hash(leaf))

    def extend(self, leaves: Iterable[str]) -> None:
        """Append many leaves; the same as :meth:`add` for each, in a tighter loop."""
        sha256, stack, size = hashlib.sha256, self._stack, self._size
        try:
            for leaf in leaves:
                current = sha256(b"\x00" + _hex_bytes(leaf, "leaf")).digest()
                carry = size
                while carry & 1:
                    current = sha256(b"\x01" + stack.pop() + current).digest()
                    carry >>= 1
                stack.append(current)
                size += 1
        finally:
            # A bad leaf stops the loop before it changes the stack, so the count stays true.
            self._size = size

    def add_leaf_hash(self, hashed: bytes) -> None:
        """Append one leaf whose RFC 6962 leaf hash is already computed."""
        current, carry = hashed, self._size
        while carry & 1:
            current = node_hash(self._stack.pop(), current)
            carry >>= 1
        self._stack.append(current)
        self._size += 1

    def root(self) -> str:
        """The root (hex) of the tree of the leaves added so far."""
        if not self._stack:
            return EMPTY_ROOT
        current = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            current = node_hash(left, current)
        return current.hex()


def merkle_root(leaves: Iterable[str]) -> str:
    """RFC 6962 Merkle tree hash (hex) of hex-encoded leaves, streamed in O(log n) memory."""
    accumulator = MerkleAccumulator()
    accumulator.extend(leaves)
    return accumulator.root()


def inclusion_proof(index: int, leaves: Sequence[str]) -> list[str]:
    """The RFC 6962 audit path (hex hashes) proving that ``leaves[index]`` is in the tree."""
    if not 0 <= index < len(leaves):
        raise IndexError(
            f"leaf index {index} is outside a tree of {len(leaves)} leaves; "
            f"use 0 to {len(leaves) - 1}"
        )
    hashed = [leaf_hash(leaf) for leaf in leaves]
    return [node.hex() for node in _audit_path(index, hashed, 0, len(hashed))]


class InclusionProver:
    """RFC 6962 audit paths for many leaves of one tree, each subtree's root computed once.

    :func:`inclusion_proof` hashes the whole tree for every proof; proving k leaves of an
    n-leaf tree here costs O(n + k log n). Roots of subtrees of at least ``_MEMO_SPAN`` leaves
    are kept (about 2n / _MEMO_SPAN of them); smaller ones are recomputed when asked for."""

    _MEMO_SPAN = 64

    def __init__(self, leaves: Sequence[str]) -> None:
        self._hashed = [leaf_hash(leaf) for leaf in leaves]
        self._memo: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self._hashed)

    def proof(self, index: int) -> list[str]:
        """The audit path (hex hashes) of leaf ``index``: the same as :func:`inclusion_proof`."""
        if not 0 <= index < self.size:
            raise IndexError(
                f"leaf index {index} is outside a tree of {self.size} leaves; "
                f"use 0 to {self.size - 1}"
            )
        path: list[bytes] = []
        start, end = 0, self.size
        # The recursion of _audit_path unrolled: collect siblings top-down, return bottom-up.
        while end - start > 1:
            split = _largest_power_of_two_below(end - start)
            if index < start + split:
                path.append(self._root(start + split, end))
                end = start + split
            else:
                path.append(self._root(start, start + split))
                start = start + split
        return [node.hex() for node in reversed(path)]

    def _root(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return self._hashed[start]
        if end - start < self._MEMO_SPAN:
            return _subtree_root(self._hashed, start, end)
        found = self._memo.get((start, end))
        if found is None:
            split = _largest_power_of_two_below(end - start)
            found = node_hash(self._root(start, start + split), self._root(start + split, end))
            self._memo[(start, end)] = found
        return found


def verify_inclusion(
    index: int, tree_size: int, leaf: str, proof: Sequence[str], root: str
) -> bool:
    """Whether ``proof`` shows hex leaf data ``leaf`` at ``index`` in the tree of ``root``.

    RFC 9162 section 2.1.3.2. Raises ValueError for malformed hex; returns False for a proof that
    is well formed but wrong.
    """
    if not 0 <= index < tree_size:
        return False
    path = [_hex_bytes(node, f"proof[{i}]") for i, node in enumerate(proof)]
    expected = _hex_bytes(root, "root")
    return _root_from_path(index, tree_size - 1, leaf_hash(leaf), path) == expected


def consistency_proof(old_size: int, leaves: Sequence[str]) -> list[str]:
    """The RFC 6962 consistency proof (hex hashes) that the tree of the first ``old_size``
    leaves is a prefix of the tree of all ``leaves`` (RFC 6962 section 2.1.2)."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(
            f"cannot prove size {old_size} against a tree of {len(leaves)} leaves; the old "
            "size must lie between 0 and the new size"
        )
    if old_size in (0, len(leaves)):
        return []
    hashed = [leaf_hash(leaf) for leaf in leaves]
    return [node.hex() for node in _subproof(old_size, hashed, 0, len(hashed), True)]


def verify_consistency(
    old_size: int, new_size: int, old_root: str, new_root: str, proof: Sequence[str]
) -> bool:
    """Whether ``proof`` shows the tree ``old_root`` of ``old_size`` leaves is a prefix of the
    tree ``new_root`` of ``new_size`` leaves (RFC 9162 section 2.1.4.2)."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = [_hex_bytes(node, f"proof[{i}]") for i, node in enumerate(proof)]
    first, second = _hex_bytes(old_root, "old root"), _hex_bytes(new_root, "new root")
    if old_size & (old_size - 1) == 0:  # a power of two: the old tree is a node of the new
        path = [first, *path]
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr), node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first and sr == second


def _subproof(m: int, hashed: list[bytes], start: int, end: int, complete: bool) -> list[bytes]:
    # RFC 6962 SUBPROOF(m, D[start:end], b).
    n = end - start
    if m == n:
        return [] if complete else [_subtree_root(hashed, start, end)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [
            *_subproof(m, hashed, start, start + k, complete),
            _subtree_root(hashed, start + k, end),
        ]
    return [
        *_subproof(m - k, hashed, start + k, end, False),
        _subtree_root(hashed, start, start + k),
    ]


def _root_from_path(fn: int, sn: int, current: bytes, path: list[bytes]) -> bytes | None:
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            current = node_hash(current, sibling)
        fn, sn = fn >> 1, sn >> 1
    return current if sn == 0 else None


def _audit_path(index: int, hashed: list[bytes], start: int, end: int) -> list[bytes]:
    size = end - start
    if size <= 1:
        return []
    split = _largest_power_of_two_below(size)
    if index < split:
        return [
            *_audit_path(index, hashed, start, start + split),
            _subtree_root(hashed, start + split, end),
        ]
    return [
        *_audit_path(index - split, hashed, start + split, end),
        _subtree_root(hashed, start, start + split),
    ]


def _subtree_root(hashed: list[bytes], start: int, end: int) -> bytes:
    accumulator = MerkleAccumulator()
    for position in range(start, end):
        accumulator.add_leaf_hash(hashed[position])
    return bytes.fromhex(accumulator.root())


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _hex_bytes(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{what} {value!r} is not hex-encoded bytes ({error}); pass lower-case hex such as an "
            "entry's hash"
        ) from error
