"""The one training loop and its distributed helpers, shared by every model."""
