"""Streams: several PCollections that go into one grouping as they are.

Beam's in-process runner (the FnApiRunner behind the DirectRunner) materializes every
Flatten of two or more PCollections: each element is encoded, buffered and decoded once
more. Where records only need to be grouped (``CoGroupByKey`` takes each stream as one more
input), they can travel as a tuple of PCollections instead: the rejected records of every
stage on their way to the ``rejected`` shards, the shingle fingerprints on their way to the
exact verification, the per-bundle stats. A transform that accepts streams takes a
PCollection or a tuple of them. (Every stage of the pipeline itself takes one PCollection of
documents and gives one: ``pipeline.assembly``.)
"""
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import WindowedValue


def as_streams(pcolls):
    """A PCollection, or a tuple / list of them, as a tuple of PCollections."""
    return tuple(pcolls) if isinstance(pcolls, (tuple, list)) else (pcolls,)


def stream_label(label, i):
    """Label (or tag) of what belongs to stream ``i``: ``label`` for the first, then
    ``label2``, ``label3``, ... (so a single stream keeps the labels it always had).

    >>> stream_label("Sign", 0), stream_label("Sign", 1)
    ('Sign', 'Sign2')
    """
    return label if i == 0 else f"{label}{i + 1}"


def each_stream(streams, label, make_transform):
    """Apply ``make_transform()`` to every stream (labels from :func:`stream_label`); a tuple
    of the results, in stream order."""
    return tuple(stream | stream_label(label, i) >> make_transform()
                 for i, stream in enumerate(as_streams(streams)))


def in_global_window(value):
    """``value`` as an element a DoFn's ``finish_bundle`` may yield (Beam needs it windowed
    there): in the global window, at its end."""
    return WindowedValue(value, GlobalWindow().max_timestamp(), (GlobalWindow(),))
