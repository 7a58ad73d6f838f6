"""Realised moves: a trembling hand flips chosen moves, blocked moves become compete, each
relation gets its payoff."""

from __future__ import annotations

import numpy as np

from sim._jit import njit


@njit
def _realise_worlds(actions, flips, noise, blocked, rev, R, S, T, P, n_pairs):
    """:func:`_realise` for each world (the leading axis of every array but ``rev``),
    each world's results written straight into its rows."""
    B, m = actions.shape
    theirs = np.empty((B, m), dtype=np.bool_)
    payoff = np.empty((B, m))
    mutual = np.empty((B, n_pairs), dtype=np.bool_)
    for b in range(B):
        _realise(actions[b], flips[b], noise, blocked[b], rev, R[b], S[b], T[b], P[b], n_pairs,
                 theirs[b], payoff[b], mutual[b])
    return theirs, payoff, mutual


@njit
def _realise(actions, flips, noise, blocked, rev, R, S, T, P, n_pairs, theirs, payoff, mutual):
    """Apply the trembling hand (flip a move when its uniform draw is below ``noise``)
    and the bans (blocked moves become *compete*), in place on ``actions``; write the
    counterparts' moves (``theirs``), each relation's realised payoff (``payoff``) and
    each pair's mutual cooperation (``mutual``)."""
    n = len(actions)
    for k in range(n):
        if noise > 0 and flips[k] < noise:
            actions[k] = not actions[k]
        if blocked[k]:
            actions[k] = False
    for k in range(n):
        theirs[k] = actions[rev[k]]
        if actions[k]:
            payoff[k] = R[k] if theirs[k] else S[k]
        else:
            payoff[k] = T[k] if theirs[k] else P[k]
    for k in range(n_pairs):
        mutual[k] = actions[k] and theirs[k]
