"""Custom Rasa NLU components: normaliser, ledger-aware jieba tokenizer, ledger entity ruler
(spaCy), and the deterministic safety detector."""
