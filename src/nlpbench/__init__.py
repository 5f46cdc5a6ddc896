"""nlpbench: recurrent vs transformer architectures for text generation and classification."""

__version__ = "0.1.0"
