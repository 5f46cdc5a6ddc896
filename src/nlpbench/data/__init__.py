"""Corpus preparation: text repair, the lyrics and review corpora, vocabularies."""
