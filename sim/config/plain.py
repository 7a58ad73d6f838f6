"""A config as a plain, resolved dict (what the model and the sweep read)."""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf


def to_plain(config) -> dict:
    """A resolved plain-dict copy of a config (fast to read in the hot path)."""
    if isinstance(config, DictConfig):
        return {key: OmegaConf.to_container(value, resolve=True)
                if OmegaConf.is_config(value) else value
                for key, value in config.items_ex(resolve=True) if key != "hydra"}
    return config
