"""Group verified duplicate pairs into clusters.

Documents are numbered by input position, and the root of a cluster is its
smallest member, so the same pairs always give the same clusters, whatever
order they were found in.
"""

from __future__ import annotations


class UnionFind:
    """Disjoint sets over the integers 0..size-1 (grown one at a time by `add`).

    The root of a set is always its smallest member, which makes roots (and so
    cluster order) independent of the order unions happen in. Path compression
    keeps `find` near constant time on the long chains a crawl of syndicated
    copies produces.

    Example:
        >>> uf = UnionFind(4)
        >>> uf.union(3, 1)
        1
        >>> uf.groups()
        [[0], [1, 3], [2]]
    """

    def __init__(self, size: int = 0) -> None:
        if size < 0:
            raise ValueError(f"size must be non-negative, got {size}")
        self._parent = list(range(size))

    def __len__(self) -> int:
        return len(self._parent)

    def add(self) -> int:
        """Add a new singleton set, numbered next; return its number.

        Lets a streaming batch grow the structure without knowing its size.
        """
        self._parent.append(len(self._parent))
        return len(self._parent) - 1

    def find(self, item: int) -> int:
        """Return the root (smallest member) of item's set."""
        root = item
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[item] != root:  # path compression
            self._parent[item], item = root, self._parent[item]
        return root

    def union(self, a: int, b: int) -> int:
        """Merge the sets of a and b; return the root of the merged set."""
        root_a, root_b = self.find(a), self.find(b)
        root, child = min(root_a, root_b), max(root_a, root_b)
        self._parent[child] = root
        return root

    def groups(self) -> list[list[int]]:
        """Return every set (singletons too), members ascending, sets ordered by
        their smallest member."""
        by_root: dict[int, list[int]] = {}
        for item in range(len(self._parent)):
            by_root.setdefault(self.find(item), []).append(item)
        return list(by_root.values())


__all__ = ["UnionFind"]
