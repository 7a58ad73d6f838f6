"""Agencies in camps: an agency (ESA) signs no accord (the record counts accords by state,
issue 10), so the camp rule reads its programme membership from its member states'.

Used by the camp rule (:mod:`sim.outcome.camps`), the world snapshot and the yearly roles.
"""

from __future__ import annotations

import numpy as np

from sim._jit import njit


#: the agencies whose programme membership follows their member states': agency name ->
#: the states table's column that marks its member states (data/states.csv)
AGENCIES = {"ESA": "esa_member"}

#: an agency counts as in a programme when at least this capability-weighted share of its
#: member states are (a simple majority: the same convention as ``CampRule.tie``)
AGENCY_MAJORITY = 0.5


@njit
def camp_membership_worlds(members, capability, agency_of):
    """:func:`camp_membership` for each world (``members`` (world, programme, actor),
    ``capability`` (world, actor); ``agency_of`` is every world's)."""
    out = np.empty(members.shape, dtype=np.bool_)
    for b in range(members.shape[0]):
        out[b] = camp_membership(members[b], capability[b], agency_of)
    return out


@njit
def camp_membership(members, capability, agency_of):
    """Programme membership as the camp rule reads it: a state's own; an agency's (an actor
    that other actors name in ``agency_of``, e.g. ESA) its own or, programme by programme,
    its member states' when a capability-weighted majority (:data:`AGENCY_MAJORITY`) of
    them are members. ``agency_of[v]`` is the index of the agency state ``v`` belongs to
    (-1: none). Issue 10: the record counts accords by state, and an agency signs none; so
    ESA is in the Artemis Accords' camp when most of Europe's space capability is."""
    out = members.copy()
    n_prog, n = members.shape
    total = np.zeros(n)
    inside = np.zeros((n_prog, n))
    for v in range(n):
        a = agency_of[v]
        if a >= 0:
            total[a] += capability[v]
            for p in range(n_prog):
                if members[p, v]:
                    inside[p, a] += capability[v]
    for a in range(n):
        if total[a] > 0:
            for p in range(n_prog):
                if inside[p, a] >= AGENCY_MAJORITY * total[a]:
                    out[p, a] = True
    return out


def agency_of_states(iso3, names, agency_columns: dict, members_of) -> np.ndarray:
    """``agency_of`` for :func:`camp_membership`: for each actor (by ISO code ``iso3``), the
    index in ``names`` of the agency whose member state it is (-1: none), from boolean
    columns of the states table (``{"ESA": "esa_member"}``: ESA's members are the rows
    whose ``esa_member`` is true); ``members_of(column)`` gives the ISO codes where a
    column is true (:func:`sim.world.world_states.states_where`). Agencies not in
    ``names`` are skipped."""
    out = np.full(len(iso3), -1, dtype=np.int64)
    index = {name: k for k, name in enumerate(names)}
    for agency, column in agency_columns.items():
        if agency not in index:
            continue
        codes = members_of(column)
        for v, code in enumerate(iso3):
            if code and code in codes and v != index[agency]:
                out[v] = index[agency]
    return out
