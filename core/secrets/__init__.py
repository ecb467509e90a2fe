"""Secrets: what counts as one, sops-compatible encryption, and the age keys' store.

`policy` decides what a secret-looking key is, how an ``ENC[...]`` value is recognised
and how secrets are masked; the sops format and the keystore live beside it.
"""
