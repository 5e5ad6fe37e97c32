"""Model evaluation: which summary, embedding and writer models serve node B and the budget best.

Plain functions over the store and the model backends; ``defs/evaluate`` turns each candidate
into a partition and each result into materialisation metadata.
"""
