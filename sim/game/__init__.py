"""The game: the stage game's payoffs, the rules (strategies), a match between two rules."""
