"""The stage library: every pipeline (`dedup.pipelines`) and engine (`dedup.engine`) is made of
these steps, each a pure function over a batch (or a chunk of one) with its parameters taken from
one section of `DedupConfig`, so that an engine can run it in one process, in forked workers or
over Spark partitions and get the same values:

- prepare (`dedup.stages.prepare`): normalise, strip furniture, split sentences, tokens
  (`dedup.text.prepare` over a batch, with the run's `TextCache`);
- sketch (`dedup.stages.sketch`): MinHash signatures of each document at the copy grain (word
  shingles) and the story grain (distinctive TF-IDF terms), and the copy level's bulk sketch of raw
  texts; `CandidateConfig`, `CopyLevelConfig`;
- candidates (`dedup.stages.candidates`): LSH banding within one set and across two sets;
  `CandidateConfig`;
- tfidf: `dedup.score.DocumentSpace` (vocabulary columns, background weights) and
  `dedup.score.batch_tfidf` (hashed columns), with their cosines; `ScoreConfig`;
- relate (`dedup.stages.relate`): the one relation judgement (`dedup.align.relate`) over many
  pairs, the pairs the cosine settles taken in bulk, and the paraphrase diff of one pair;
  `ScoreConfig`, `RelationConfig`;
- group (`dedup.stages.group`): stories, copy groups, canonical articles, each member's relation,
  output order; `GroupConfig`.
"""
