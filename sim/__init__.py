"""spacerace: a game-theoretic agent-based simulation of the new space race."""

__version__ = "0.1.0"
