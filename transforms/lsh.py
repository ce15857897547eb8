"""LSH: band the MinHash signatures, bucket them, and find and verify the candidate pairs.

Signatures travel as raw bytes (:func:`signature_array` views them). :class:`BandBatches`
computes the band keys of a bundle's signatures together (numpy) and batches them per
partition of the bucket space (one element per partition and bundle, not one per band);
:func:`partition_buckets` regroups them into buckets; :func:`bucket_pairs` /
:func:`candidate_pairs` expand a bucket into candidate pairs (an oversized bucket, shared
boilerplate, pairs each member with its smallest id only);
:class:`ExactVerify` keeps the pairs whose exact shingle Jaccard reaches the threshold. Used
by :class:`transforms.dedup.DedupDecisions`.
"""
from collections import defaultdict

import apache_beam as beam
import numpy as np

from transforms.minhash import Signer, exact_jaccard
from transforms.streams import as_streams, in_global_window, stream_label


def signature_dtype(dedup):
    """The numpy dtype (as a string, e.g. '<u4') of the signatures of the ``dedup`` settings.

    Signatures travel between stages as their raw bytes (``ndarray.tobytes``): Beam encodes
    bytes as they are, whereas a numpy array is pickled and unpickled at every shuffle.
    """
    return Signer.from_settings(dedup).empty.dtype.str


def signature_array(raw, dtype):
    """The signature array of raw signature bytes (read-only, no copy)."""
    return np.frombuffer(raw, dtype=dtype)


def band_keys(id_info, bands, band_bytes, with_signature=True):
    """Yield ``(band key, member)`` for each LSH band of one signature: the definition that
    :class:`BandBatches` computes for many signatures at once (:func:`band_key_block`; the
    tests compare the two). The signature is raw bytes (see
    :func:`signature_dtype`; a band is ``band_bytes`` of it: rows x the value size): the key
    is the band number (2 bytes) followed by the band's hash values, one flat ``bytes``;
    ``member`` is ``(id, signature)``, or just the id when ``with_signature`` is false (exact
    verification does not need the estimate, and 25 copies of a 512-byte signature per
    document are the largest shuffle of the stage)."""
    doc_id, info = id_info
    raw = info["sig"]
    if raw is None:
        return
    member = (doc_id, raw) if with_signature else doc_id
    for b in range(bands):
        yield b.to_bytes(2, "big") + raw[b * band_bytes:(b + 1) * band_bytes], member


def band_key_block(raws, bands, band_bytes):
    """The band keys of many signatures at once: ``(keys, docs)`` where ``keys`` is a uint8
    array with one row per (document, band), each row the key :func:`band_keys` gives (band
    number in 2 big-endian bytes, then the band's bytes), and ``docs`` the row's document index
    in ``raws`` (a list of raw signature bytes of equal length).

    >>> keys, docs = band_key_block([bytes(range(8)), bytes(range(8, 16))], 2, 4)
    >>> [bytes(k) for k in keys[:2]], docs.tolist()
    ([b'\\x00\\x00\\x00\\x01\\x02\\x03', b'\\x00\\x01\\x04\\x05\\x06\\x07'], [0, 0, 1, 1])
    """
    n = len(raws)
    sigs = np.frombuffer(b"".join(raws), dtype=np.uint8).reshape(n, -1)[:, :bands * band_bytes]
    keys = np.empty((n, bands, 2 + band_bytes), dtype=np.uint8)
    band_numbers = np.arange(bands, dtype=">u2").view(np.uint8).reshape(bands, 2)
    keys[:, :, :2] = band_numbers
    keys[:, :, 2:] = sigs.reshape(n, bands, band_bytes)
    return keys.reshape(n * bands, 2 + band_bytes), np.repeat(np.arange(n), bands)


def block_partitions(keys, partitions):
    """The partition of every row of a key block (uint8 rows): its last 4 bytes (part of a
    MinHash value, so uniform), little-endian, modulo ``partitions`` (int64 array).

    >>> block_partitions(np.array([[0, 1, 7, 0, 0, 0]], dtype=np.uint8), 4).tolist()
    [3]
    """
    tail = np.ascontiguousarray(keys[:, -4:]).view("<u4").ravel()
    return tail.astype(np.int64) % partitions


class BandBatches(beam.DoFn):
    """(rep_id, info) -> (partition, (key bytes, members)): the band keys of up to
    ``FLUSH_DOCS`` documents of a bundle, computed together (:func:`band_key_block`) and
    batched by partition (:func:`block_partitions`), so the bucket grouping shuffles a few
    thousand elements instead of ``bands`` per document (Beam's cost is per element). ``key bytes``
    holds the partition's keys back to back (each ``2 + band_bytes`` long), ``members`` the
    member of each key in the same order (the id, or ``(id, signature)`` with
    ``with_signature``); :func:`partition_buckets` regroups them into buckets."""

    FLUSH_DOCS = 10_000

    def __init__(self, bands, band_bytes, with_signature, partitions):
        self.bands, self.band_bytes, self.with_signature = bands, band_bytes, with_signature
        self.partitions = partitions

    def start_bundle(self):
        self.members, self.raws = [], []

    def process(self, id_info):
        doc_id, info = id_info
        raw = info["sig"]
        if raw is None:
            return
        self.members.append((doc_id, raw) if self.with_signature else doc_id)
        self.raws.append(raw)
        if len(self.raws) >= self.FLUSH_DOCS:
            yield from self._flush()

    def finish_bundle(self):
        for batch in self._flush():
            yield in_global_window(batch)

    def _flush(self):
        members, raws = self.members, self.raws
        self.members, self.raws = [], []
        if not raws:
            return []
        keys, docs = band_key_block(raws, self.bands, self.band_bytes)
        parts = block_partitions(keys, self.partitions)
        order = np.argsort(parts, kind="stable")
        parts, keys, docs = parts[order], keys[order], docs[order].tolist()
        starts = np.flatnonzero(np.r_[True, parts[1:] != parts[:-1]]).tolist() + [len(parts)]
        return [(int(parts[a]), (keys[a:b].tobytes(), [members[i] for i in docs[a:b]]))
                for a, b in zip(starts, starts[1:])]


def partition_buckets(partition_batches):
    """(partition, [(key bytes, members), ...]) (:class:`BandBatches`) -> (band key, [member,
    ...]) for every bucket of the partition with two members or more (a bucket of one
    proposes no pair). Keys seen once are found with numpy first; only repeated ones are
    grouped in Python.

    >>> sorted(partition_buckets((0, [(b"kkjj", ["a", "c"]), (b"kk", ["b"])])))
    [(b'kk', ['a', 'b'])]
    """
    _, batches = partition_batches
    blobs, members = [], []
    for blob, batch_members in batches:
        blobs.append(blob)
        members.extend(batch_members)
    if len(members) < 2:
        return
    blob = b"".join(blobs)
    width = len(blob) // len(members)
    keys = np.frombuffer(blob, dtype=np.dtype((np.void, width)))
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    repeated = np.flatnonzero(counts[inverse.ravel()] > 1).tolist()
    buckets = defaultdict(list)
    for i in repeated:
        buckets[blob[i * width:(i + 1) * width]].append(members[i])
    yield from buckets.items()


def bucket_pairs(bucket, max_bucket_size):
    """Yield ``(id_a, id_b)`` (id_a < id_b) for the pairs of one LSH bucket of ids.

    A bucket with more than ``max_bucket_size`` members only pairs each member with its
    smallest id (linear, not quadratic) and also yields the tagged stat ``oversized_buckets``.

    >>> list(bucket_pairs(("k", ["b", "a", "c"]), 10))
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    _, members = bucket
    ids = sorted(set(members))
    oversized = len(ids) > max_bucket_size
    if oversized:
        yield beam.pvalue.TaggedOutput("stats", {"dedup": {"oversized_buckets": 1}})
    for i in range(1 if oversized else len(ids) - 1):
        for other in ids[i + 1:]:
            yield ids[i], other


def candidate_pairs(bucket, min_similarity, max_bucket_size, sig_dtype):
    """Yield ``((id_a, id_b), estimated Jaccard)`` for pairs of one LSH bucket of
    ``(id, signature bytes)`` members at or above ``min_similarity`` (id_a < id_b).

    A bucket with more than ``max_bucket_size`` members only pairs each member with its
    smallest id (linear, not quadratic) and also yields the tagged stat ``oversized_buckets``.
    """
    _, members = bucket
    members = sorted(members, key=lambda m: m[0])
    if len(members) < 2:
        return
    ids = [m[0] for m in members]
    sigs = np.stack([signature_array(m[1], sig_dtype) for m in members])
    oversized = len(members) > max_bucket_size
    if oversized:
        yield beam.pvalue.TaggedOutput("stats", {"dedup": {"oversized_buckets": 1}})
    for i in range(1 if oversized else len(ids) - 1):
        sims = (sigs[i + 1:] == sigs[i]).mean(axis=1)
        for j in np.nonzero(sims >= min_similarity)[0]:
            yield (ids[i], ids[i + 1 + j]), float(sims[j])


def _pair_ends(pair):
    """(a, b) -> (a, (a, b)) and (b, (a, b)): the pair, keyed by each of its documents."""
    return [(pair[0], pair), (pair[1], pair)]


def _prints_to_pairs(doc_joined):
    """(id, {'pair': [(a, b), ...], 'fp': [prints], 'fp2': [], ...}) -> ((a, b), prints) for
    each candidate pair (the fingerprints come in one of the 'fp' inputs, one per stream)."""
    _, joined = doc_joined
    if not joined["pair"]:
        return
    prints = next((values[0] for tag, values in joined.items() if tag != "pair" and values), None)
    if prints is None:
        return
    for pair in joined["pair"]:
        yield pair, prints


def _pair_jaccard(pair_prints, threshold):
    """((a, b), [prints_a, prints_b]) -> ((a, b), exact Jaccard) if >= threshold."""
    pair, prints = pair_prints
    prints = list(prints)
    if len(prints) == 2:
        sim = exact_jaccard(*(np.frombuffer(p, dtype=np.uint64) for p in prints))
        if sim >= threshold:
            yield pair, sim


class ExactVerify(beam.PTransform):
    """(PCollection[(a, b)], PCollection[(id, fingerprint bytes)] or a tuple of them) ->
    verified ((a, b), jaccard).

    Fingerprints are the bytes of the sorted uint64 arrays of ``Signer.sign``.

    One join moves the fingerprints: each document meets the candidate pairs it is in, then
    only candidates' fingerprints are grouped per pair.
    """

    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def expand(self, pcolls):
        pairs, prints = pcolls
        inputs = {"pair": pairs | "PairEnds" >> beam.FlatMap(_pair_ends)}
        inputs.update((stream_label("fp", i), stream)
                      for i, stream in enumerate(as_streams(prints)))
        return (inputs
                | "JoinPrints" >> beam.CoGroupByKey()
                | "PrintsToPairs" >> beam.FlatMap(_prints_to_pairs)
                | "GroupPairPrints" >> beam.GroupByKey()
                | "ExactJaccard" >> beam.FlatMap(_pair_jaccard, self.threshold))
