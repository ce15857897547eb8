"""Connected components in Beam equal a plain union-find on adversarial graphs."""
import random

import apache_beam as beam
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipeline.config import load_config
from transforms.components import ConnectedComponents, rounds_to_converge, star_round

MAX_ROUNDS = load_config()["dedup"]["max_cc_rounds"]


def union_find_labels(edges):
    """{node: smallest node of its component} by a plain union-find."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges:
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return {x: find(x) for x in list(parent)}


def graphs():
    """Adversarial graphs, each with its own id prefix so they can share one pipeline."""
    rng = random.Random(42)
    out = {}
    out["path10k"] = [(f"p{i:05d}", f"p{i + 1:05d}") for i in range(9999)]  # ids in path order
    perm = list(range(3000))
    rng.shuffle(perm)
    out["shuffled_path"] = [(f"q{perm[i]:04d}", f"q{perm[i + 1]:04d}") for i in range(2999)]
    out["star_big_centre"] = [("s9999", f"s{i:04d}") for i in range(3000)]  # centre is the LARGEST id
    out["star_small_centre"] = [("t0000", f"t{i:04d}") for i in range(1, 3000)]
    cliques = []
    for c in range(300):
        members = [f"c{c:03d}_{k}" for k in range(6)]
        cliques += [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
    cliques += [(f"c{c:03d}_5", f"c{c + 1:03d}_0") for c in range(0, 299, 3)]  # chain some cliques
    out["cliques"] = cliques
    out["random"] = [(f"r{rng.randrange(4000):04d}", f"r{rng.randrange(4000):04d}") for _ in range(3500)]
    out["random"] += [("r0001", "r0001"), ("r0002", "r0003"), ("r0003", "r0002")]  # self loop, repeats
    return out


def test_reference_rounds_equal_union_find():
    """The plain-Python replay of the Beam steps converges to union-find; print the rounds used."""
    for name, edges in graphs().items():
        rounds = rounds_to_converge(edges)
        current = {e for e in edges if e[0] != e[1]}
        for _ in range(rounds):
            current = star_round(current)
        labels = {}
        for u, v in current:
            leaf, centre = (u, v) if v < u else (v, u)
            labels[leaf], labels[centre] = centre, centre
        assert labels == union_find_labels([e for e in edges if e[0] != e[1]]), name
        print(f"{name}: {len({e for e in edges})} edges, converged in {rounds} rounds")
        assert rounds <= MAX_ROUNDS, f"{name} needs {rounds} rounds > default max_cc_rounds {MAX_ROUNDS}"


@pytest.mark.slow
def test_beam_components_equal_union_find_on_adversarial_graphs():
    all_edges = [e for edges in graphs().values() for e in edges]
    expected = sorted(union_find_labels([e for e in all_edges if e[0] != e[1]]).items())
    with TestPipeline(runner=FnApiRunner()) as p:
        labels, violations = (p | beam.Create(all_edges) | ConnectedComponents(MAX_ROUNDS, True))
        assert_that(labels, equal_to(expected), label="LabelsEqualUnionFind")
        assert_that(violations, equal_to([0]), label="Converged")


def test_not_converged_is_reported_and_fails_loudly():
    path = [(f"n{i:04d}", f"n{i + 1:04d}") for i in range(999)]
    assert rounds_to_converge(path) > 2
    with TestPipeline(runner=FnApiRunner()) as p:
        _, violations = p | beam.Create(path) | ConnectedComponents(2)
        assert_that(violations, lambda got: _assert_positive(got))
    with pytest.raises(Exception, match="did not converge in dedup.max_cc_rounds=2"):
        with TestPipeline(runner=FnApiRunner()) as p:
            _ = p | beam.Create(path) | ConnectedComponents(2, fail_if_not_converged=True)


def _assert_positive(got):
    assert len(got) == 1 and got[0] > 0, got
