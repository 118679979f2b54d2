"""PyTorch reference for ops/gather_index (weight sharing's codebook lookup)."""


def gather_by_index(t, a):
    # Advanced indexing: its backward accumulates each codebook entry's members' gradients.
    return {"y": t["codebook"][t["indices"].long()]}


OPS = {"gather_by_index": gather_by_index}
