"""Pipelines: each entry point of the API as a short composition of the stage library
(`dedup.stages`), run by an engine (`dedup.engine.Engine`).

- `cluster`: prepare -> sketch (both grains) -> candidates -> tfidf cosine -> relate -> group;
- `copies`: sketch raw texts (copy grain) -> candidates -> tfidf cosine -> group (the copy level);
- `diff`: prepare -> tfidf cosine -> relate, with the alignment and word changes kept;
- `pairs`: prepare each distinct text -> tfidf cosine -> relate, for pairs the caller names;
- `flag`: prepare -> sketch -> candidates across two sets (or within the batch, in time order) ->
  align each article with its candidates -> judge (what only flag does lives in `dedup.flag`).
"""
