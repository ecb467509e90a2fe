"""Secrets: what counts as one, sops-compatible encryption, and the age keys' store.

`policy` decides what a secret-looking key is, how an ``ENC[...]`` value is recognised
and how secrets are masked; the sops format and the keystore live beside it:

- `values`: one `ENC[...]` value both ways (AES-GCM), go-yaml's typing, the MAC's bytes;
- `document` (with `records`): a sops YAML file's leaves, comments and `sops:` block,
  each with its span in the text;
- `metadata`: the `sops:` block, and the data key wrapped for age recipients;
- `rules`: what gets encrypted, and `.sops.yaml` creation rules;
- `sopsfile`: opening a file (`unlock` once, then values by key path, the MAC checked);
- `operations`, `setting`, `writing`: encrypt, decrypt, set, rotate, updatekeys, and
  the atomic write;
- `keystore`: where age identities come from.

Nothing here imports the config engine, so `confscope secrets` starts fast.
"""
