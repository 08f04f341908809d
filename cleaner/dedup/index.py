"""An in-memory index of signatures that answers "which earlier documents
does this one duplicate?".

LSH alone is approximate in both directions; its candidates are only a cheap
shortlist. Every candidate is verified by the estimated Jaccard similarity of
the two signatures before anyone is told it is a duplicate.
"""

from __future__ import annotations

import hashlib

from datasketch import LeanMinHash, MinHashLSH

#: (false positive, false negative) weights for datasketch's choice of LSH
#: bands. Candidates are verified, so a false positive costs one comparison of
#: two signatures, while a false negative loses a duplicate for good. With the
#: default (0.5, 0.5) and 0.8/128 perms, datasketch picks 9 bands of 13 rows and
#: misses 60% of pairs at J=0.8 and 31% at J=0.85; these weights pick 16 bands
#: of 8, which shortlist 95% of pairs at J=0.8 and 99.4% at J=0.85, while pairs
#: at J=0.5 become candidates 6% of the time and at J=0.3 0.1%.
LSH_WEIGHTS = (0.05, 0.95)

#: LSH banding used when datasketch's optimiser wants a single band (it does
#: at threshold 1.0, and at 0.99 with 16 perms) and so refuses. Two bands of
#: half the signature each catch every identical signature; the extra false
#: positives this admits are removed by verification.
FALLBACK_BANDS = 2


def _new_lsh(threshold: float, num_perm: int) -> MinHashLSH:
    """Build an LSH index tuned for recall at threshold, falling back to fixed bands.

    The caller has already validated threshold and num_perm, so the only
    ValueError datasketch can raise here is its "fewer than 2 bands" one.
    """
    try:
        return MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
    except ValueError:
        rows = num_perm // FALLBACK_BANDS
        return MinHashLSH(num_perm=num_perm, params=(FALLBACK_BANDS, rows))


def _fingerprint(sig: LeanMinHash) -> bytes:
    """A short exact key of a signature's hash values (16 bytes instead of 512;
    a collision needs two different signatures to agree on a 128-bit digest)."""
    return hashlib.blake2b(sig.hashvalues.tobytes(), digest_size=16).digest()


class SignatureIndex:
    """Distinct signatures numbered in insertion order, with verified lookup.

    Keys in the LSH are insertion numbers rather than document ids: integers
    hash the same in every process (strings do not), and sorting them gives
    answers in insertion order whatever order the LSH returns its set in.

    A signature identical to one already held is not stored again; callers ask
    `identical` first and point the copy at the first holder. Exact copies are
    the bulk of web duplicates (mirrors, error pages, consent walls), and
    without this every copy would sit in the same LSH buckets, making each
    lookup verify all earlier copies: quadratic in the number of copies.

    Args:
        threshold: Minimum estimated Jaccard similarity of a verified match.
        num_perm: Permutations of the signatures this index will hold.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = _new_lsh(threshold, num_perm)
        self._signatures: list[LeanMinHash] = []
        self._by_fingerprint: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def signature(self, position: int) -> LeanMinHash:
        """Return the signature inserted at position."""
        return self._signatures[position]

    def identical(self, sig: LeanMinHash) -> int | None:
        """Return the position of a held signature equal to sig, if any."""
        return self._by_fingerprint.get(_fingerprint(sig))

    def candidates(self, sig: LeanMinHash) -> list[int]:
        """Return the unverified LSH shortlist for sig, in insertion order."""
        return sorted(self._lsh.query(sig))

    def matches(self, sig: LeanMinHash) -> list[tuple[int, float]]:
        """Return (position, estimated similarity) of every held signature at
        or above the threshold, in insertion order."""
        found = []
        for position in self.candidates(sig):
            similarity = sig.jaccard(self._signatures[position])
            if similarity >= self.threshold:
                found.append((position, similarity))
        return found

    def insert(self, sig: LeanMinHash) -> int:
        """Hold a signature; return its position.

        Raises:
            ValueError: If an identical signature is already held (ask
                `identical` first).
        """
        fingerprint = _fingerprint(sig)
        if fingerprint in self._by_fingerprint:
            raise ValueError("an identical signature is already held")
        position = len(self._signatures)
        self._lsh.insert(position, sig, check_duplication=False)
        self._signatures.append(sig)
        self._by_fingerprint[fingerprint] = position
        return position


__all__ = ["FALLBACK_BANDS", "LSH_WEIGHTS", "SignatureIndex"]
