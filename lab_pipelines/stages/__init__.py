"""The pipeline's stages as plain functions over a range of documents.

Each stage reads its inputs from the store, skips what its fingerprints say is current, calls
the model only for the rest and writes its results back; the Dagster assets only wire them up.
"""
