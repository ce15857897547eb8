"""textwash stages: each module holds pure text functions plus the Beam PTransform that wraps them."""
