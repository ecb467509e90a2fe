"""Editing: change or remove one value in a layer file, byte-exact and atomically.

The loader knows where every value stands; an edit replaces that span of the file's
bytes and nothing else, then re-reads the file to prove only the intended path changed.
"""
