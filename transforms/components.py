"""Connected components inside the Beam graph: alternating large-star / small-star rounds.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014). Each round is
two GroupByKeys over the current edge set (both steps take neighbour *sets*, so repeated
edges need no extra de-duplication between rounds); the number of rounds is fixed when the graph is
built (``max_rounds``). Connectivity is preserved by every step, so when the final edge set
is a forest of depth-one stars (no node is both a leaf and a centre, no leaf has two
centres) each star is exactly one component and its centre is the smallest node. That
check runs in the graph too and its count of violations is reported: a non-zero count
means "not converged" and the run fails loudly instead of returning partial clusters
(``fail_if_not_converged`` raises inside the job; the CLI also checks the count).
``rounds_to_converge`` replays the same steps in plain Python to tell how many rounds a
graph needs (a 10,000-node path with ids in path order needs 14).
"""
from collections import defaultdict

import apache_beam as beam


def large_star(node_neighbors):
    """Large-star step for one node: link every larger neighbour to the smallest of N(u) ∪ {u}.

    >>> sorted(large_star((2, [1, 3, 4])))
    [(3, 1), (4, 1)]
    """
    node, neighbors = node_neighbors
    neighbors = set(neighbors)
    smallest = min(neighbors | {node})
    return [(v, smallest) for v in neighbors if v > node]


def small_star(node_neighbors):
    """Small-star step for one node, given its neighbours not larger than itself.

    >>> sorted(small_star((4, [2, 3])))
    [(3, 2), (4, 2)]
    """
    node, smaller = node_neighbors
    group = set(smaller) | {node}
    smallest = min(group)
    return [(v, smallest) for v in group if v != smallest]


def _both_directions(edge):
    u, v = edge
    return [(u, v), (v, u)]


def _towards_smaller(edge):
    u, v = edge
    return (u, v) if v <= u else (v, u)


def _large_star_towards_smaller(node_neighbors):
    """large_star, each new edge oriented (larger, smaller) for the small-star grouping."""
    return [_towards_smaller(edge) for edge in large_star(node_neighbors)]


def _small_star_both_directions(node_smaller):
    """small_star, each new edge in both directions for the next round's large-star grouping."""
    return [pair for edge in small_star(node_smaller) for pair in _both_directions(edge)]


def star_violations(node_roles):
    """Count how a node breaks the star-forest shape: 1 if it is a leaf with >1 centre or both roles."""
    _, roles = node_roles
    roles = list(roles)
    centres = {r for kind, r in roles if kind == "leaf"}
    is_centre = any(kind == "centre" for kind, _ in roles)
    return 1 if (len(centres) > 1 or (centres and is_centre)) else 0


def star_round(edges):
    """One large-star + small-star round over a set of edges, in plain Python (a reference).

    Returns the new edge set; the same functions as the Beam rounds are used.

    >>> sorted(star_round({(1, 2), (2, 3)}))
    [(2, 1), (3, 1)]
    """
    neighbors = defaultdict(set)
    for u, v in edges:
        neighbors[u].add(v)
        neighbors[v].add(u)
    smaller = defaultdict(set)
    for node, nbrs in neighbors.items():
        for u, v in large_star((node, nbrs)):
            a, b = _towards_smaller((u, v))
            smaller[a].add(b)
    out = set()
    for node, nbrs in smaller.items():
        out.update(small_star((node, nbrs)))
    return out


def rounds_to_converge(edges, max_rounds=200):
    """Number of rounds the Beam transform needs for ``edges`` (a star forest after that many
    rounds), found by running :func:`star_round` in plain Python; None if > ``max_rounds``.

    >>> rounds_to_converge([(1, 2), (2, 3), (3, 4)])
    2
    """
    current = {(u, v) for u, v in edges if u != v}
    for i in range(max_rounds + 1):
        if is_star_forest(current):
            return i
        current = star_round(current)
    return None


def is_star_forest(edges):
    """True when every edge joins a centre to a leaf, no leaf has two centres and no node is both.

    >>> is_star_forest({(2, 1), (3, 1)}), is_star_forest({(2, 1), (3, 2)})
    (True, False)
    """
    centre_of = defaultdict(set)
    centres = set()
    for u, v in edges:
        leaf, centre = (u, v) if v < u else (v, u)
        centre_of[leaf].add(centre)
        centres.add(centre)
    return all(len(c) == 1 and leaf not in centres for leaf, c in centre_of.items())


def check_converged(violations, max_rounds):
    """Pass ``violations`` through when 0; raise RuntimeError (fails the job loudly) otherwise."""
    if violations:
        raise RuntimeError(
            f"connected components did not converge in dedup.max_cc_rounds={max_rounds} rounds "
            f"({violations} nodes unresolved): the clusters would be partial; raise "
            f"dedup.max_cc_rounds and re-run")
    return violations


class ConnectedComponents(beam.PTransform):
    """PCollection[(u, v)] edges -> (labels, violations).

    ``labels``: PCollection[(node, component_min)] for every node on an edge (nodes without
    edges are singletons and are not listed). ``violations``: PCollection with one int, 0
    when the rounds converged. With ``fail_if_not_converged`` a non-zero count raises
    RuntimeError inside the job, so no partial clusters are ever written.
    """

    def __init__(self, max_rounds=30, fail_if_not_converged=False):
        super().__init__()
        self.max_rounds = max_rounds
        self.fail = fail_if_not_converged

    def expand(self, edges):
        current = edges | "DropSelfLoops" >> beam.Filter(lambda e: e[0] != e[1])
        # each step's emit is fused into the step before it (two ParDos per round, not four:
        # fewer transforms to build, translate and set up per bundle; same elements)
        for i in range(self.max_rounds):
            if i == 0:
                current = current | "LargeStarEmit0" >> beam.FlatMap(_both_directions)
            last = i == self.max_rounds - 1
            current = (current
                       | f"LargeStarGroup{i}" >> beam.GroupByKey()
                       | f"LargeStar{i}" >> beam.FlatMap(_large_star_towards_smaller)
                       | f"SmallStarGroup{i}" >> beam.GroupByKey()
                       | f"SmallStar{i}" >> beam.FlatMap(small_star if last else _small_star_both_directions))
        current = current | "DistinctEdges" >> beam.Distinct()
        labels = current | "LeafLabels" >> beam.Map(lambda e: (e[0], e[1]) if e[1] < e[0] else (e[1], e[0]))
        centres = (current
                   | "CentreOf" >> beam.Map(lambda e: min(e))
                   | "DistinctCentres" >> beam.Distinct())
        roles = ((labels | "LeafRole" >> beam.Map(lambda kv: (kv[0], ("leaf", kv[1]))),
                  centres | "CentreRole" >> beam.Map(lambda c: (c, ("centre", c))))
                 | "AllRoles" >> beam.Flatten()
                 | "RolesByNode" >> beam.GroupByKey())
        violations = (roles
                      | "Violations" >> beam.Map(star_violations)
                      | "CountViolations" >> beam.CombineGlobally(sum))
        if self.fail:
            violations = violations | "CheckConverged" >> beam.Map(check_converged, self.max_rounds)
        node_labels = ((labels, centres | "CentreSelf" >> beam.Map(lambda c: (c, c)))
                       | "AllLabels" >> beam.Flatten()
                       | "OneLabel" >> beam.CombinePerKey(min))
        return node_labels, violations
