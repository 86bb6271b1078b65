"""The compiled hot path.  Every module here is a Cython extension type
(``.pxd`` contract, ``.pyx`` code, ``.pyi`` typed surface); it imports nothing
of ours outside this package."""
