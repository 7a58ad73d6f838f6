"""The security spiral: one side's expansion makes the other react (Richardson)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.mechanisms.base import Mechanism
from sim.config.params import nonneg, prob


@dataclass
class SecuritySpiralConfig:
    rival_threshold: float = prob(doc="rivalry at or above which a pair feeds the spiral",
                                  source="assumption")
    grievance: float = nonneg(hi=10.0, unit="share of budget / yr",
                              doc="racing pressure from competing with rivals (x budget x share "
                                  "of rival relations competed on)")


class SecuritySpiral(Mechanism):
    """The security spiral: one side's expansion makes the other react.

    002: "the mere expansion of its space ambitions has already induced the US to react,
    triggering mutually-reinforcing behaviour that may lead to confrontation"; 002: "a
    self-propelling mechanism that will lead to confrontation if nothing is done".

    Causal pathway: rivalry (from the stage game, carrying the world's threat
    perception) at or above ``rival_threshold`` makes a rival's racing spending felt;
    each actor's racing spending follows one Euler step of Richardson's equations
    ``s' = s + k * pace * sum_j W_ij s_j - a s + g`` (Richardson, *Arms and Insecurity*,
    1960: runaway when ``k_1 k_2 > a_1 a_2``), with ``W_ij`` the rivalry, ``k`` the actor's
    reaction slowed by its pace (:mod:`~sim.mechanisms.long_game`), ``a`` its fatigue and
    ``g = grievance * budget * share of its rival relations it competed on this year``;
    spending stays in ``[0, racing_cap * budget]``. Writes: ``model.actors.racing``.
    """

    name = "security_spiral"
    Config = SecuritySpiralConfig

    @classmethod
    def from_config(cls, section, cfg):
        return cls(section, float(cfg["dynamics"]["racing_cap"]))

    def __init__(self, cfg: dict, racing_cap: float):
        self.threshold = float(cfg["rival_threshold"])
        self.grievance = float(cfg["grievance"])
        self.cap = racing_cap

    def after_choices(self, model, year, played):
        rel, act = model.relations, model.actors
        act.racing = _spiral_worlds(rel.src, rel.dst, played.rivalry, self.threshold,
                                 played.actions, act.racing, act.budget, act.reaction,
                                 model.pace, act.fatigue, self.grievance, self.cap)


@njit
def _spiral_worlds(src, dst, rivalry, threshold, actions, racing, budget, reaction, pace,
                   fatigue, grievance, cap):
    """:func:`spiral_year` for each world (the leading axis of every array but
    ``src``, ``dst``)."""
    out = np.empty(racing.shape)
    for b in range(racing.shape[0]):
        out[b] = spiral_year(src, dst, rivalry[b], threshold, actions[b], racing[b], budget[b],
                             reaction[b], pace[b], fatigue[b], grievance, cap)
    return out


@njit
def spiral_year(src, dst, rivalry, threshold, actions, racing, budget, reaction, pace, fatigue,
                grievance, cap):
    """This year's racing spending of every actor (see :class:`SecuritySpiral`)."""
    pressure, share = _rival_pressure(src, dst, rivalry, threshold, actions, racing, len(racing))
    out = np.empty(len(racing))
    for v in range(len(racing)):
        k, g = reaction[v] * pace[v], grievance * budget[v] * share[v]
        s = racing[v] + (k * pressure[v] - fatigue[v] * racing[v] + g)
        out[v] = min(max(s, 0.0), cap * budget[v])
    return out


@njit
def _rival_pressure(src, dst, rivalry, threshold, actions, racing, n):
    """Rivals' racing spending felt by each actor (sum over its rival relations of
    rivalry x the rival's spending, i.e. W @ s with W_ij = rivalry at or above the
    threshold), and each actor's share of rival relations on which it competed."""
    pressure = np.zeros(n)
    n_rival, competed, share = np.zeros(n), np.zeros(n), np.zeros(n)
    for k in range(len(src)):
        if rivalry[k] >= threshold:
            pressure[src[k]] += rivalry[k] * racing[dst[k]]
            n_rival[src[k]] += 1.0
            if not actions[k]:
                competed[src[k]] += 1.0
    for v in range(n):
        if n_rival[v] > 0:
            share[v] = competed[v] / n_rival[v]
    return pressure, share
