"""Part B, review classification: the task, its metrics and artifacts, baselines, the encoder."""
