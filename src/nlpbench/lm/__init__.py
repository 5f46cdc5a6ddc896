"""Part A, language models: the recurrent LM and the LLM, their scoring, one sampler, generation metrics."""
