"""Measured outcomes: the outcome rule, indices, camps, the world snapshot, the ternary view."""
