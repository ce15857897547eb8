"""LSH: band the MinHash signatures, bucket them, and find and verify the candidate pairs.

Signatures travel as raw bytes (:func:`signature_array` views them). :class:`BandBatches`
batches each signature's band keys per partition of the bucket space (one element per
partition and bundle, not one per band); :func:`partition_buckets` regroups them into
buckets; :func:`bucket_pairs` / :func:`candidate_pairs` expand a bucket into candidate pairs
(an oversized bucket, shared boilerplate, pairs each member with its smallest id only);
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
    """Yield ``(band key, member)`` for each LSH band of one signature (raw bytes, see
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


def bucket_partition(key, partitions):
    """The partition of an LSH band key: its last 4 bytes (part of a MinHash value, so
    uniform) modulo ``partitions``.

    >>> bucket_partition(b"\\x00\\x01" + (7).to_bytes(4, "little"), 4)
    3
    """
    return int.from_bytes(key[-4:], "little") % partitions


class BandBatches(beam.DoFn):
    """(rep_id, info) -> (partition, [(band key, member), ...]): the band keys of up to
    ``FLUSH_DOCS`` documents of a bundle are batched by :func:`bucket_partition`, so the bucket
    grouping shuffles a few thousand lists instead of ``bands`` elements per document (Beam's
    cost is per element), and the buffer stays small (~4.5 KB a document)."""

    FLUSH_DOCS = 10_000

    def __init__(self, bands, band_bytes, with_signature, partitions):
        self.bands, self.band_bytes, self.with_signature = bands, band_bytes, with_signature
        self.partitions = partitions

    def start_bundle(self):
        self.batches, self.docs = defaultdict(list), 0

    def process(self, id_info):
        for key, member in band_keys(id_info, self.bands, self.band_bytes, self.with_signature):
            self.batches[bucket_partition(key, self.partitions)].append((key, member))
        self.docs += 1
        if self.docs >= self.FLUSH_DOCS:
            yield from self._flush()

    def finish_bundle(self):
        for batch in self._flush():
            yield in_global_window(batch)

    def _flush(self):
        batches = self.batches
        self.batches, self.docs = defaultdict(list), 0
        return [(part, batches[part]) for part in sorted(batches)]


def partition_buckets(partition_batches):
    """(partition, [[(band key, member), ...], ...]) -> (band key, [member, ...]) for every
    bucket of the partition with two members or more (a bucket of one proposes no pair).

    >>> sorted(partition_buckets((0, [[(b"k", "a"), (b"j", "c")], [(b"k", "b")]])))
    [(b'k', ['a', 'b'])]
    """
    _, batches = partition_batches
    buckets = defaultdict(list)
    for batch in batches:
        for key, member in batch:
            buckets[key].append(member)
    for key, members in buckets.items():
        if len(members) > 1:
            yield key, members


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
