"""Toolgate training pipeline: data converters, the GRPO reward and helpers for LLaMA-Factory / TRL."""

__all__ = ["__version__"]
__version__ = "0.1.0"
