"""Hand-built worlds for the camp and index tests.

``world(...)`` relates pairs as the model does (sim/world/actors.py ``build_relations``): the
space powers relate to everyone, the named actors to each other, a generated state
(``state_...``) only to the space powers. Unless a related pair is listed, both sides
compete every year (share 0 of cooperation: rivalry 1). ``ties`` are pairs that cooperate
mutually in a share of the years; ``one_way`` are moves of one side only.
"""

from __future__ import annotations

import numpy as np

from sim.outcome.snapshot import WorldSnapshot

PROGRAMMES = ("artemis", "ilrs", "iss", "tiangong")
SIDES = (1, -1, 1, -1)

#: The documents' named actors with the model's 2021 capability and alignment
#: (configs/actors/documented.yaml), and a few generated states.
NAMED = {
    "US": (1.0, 1.0), "China": (0.6, -1.0), "Russia": (0.45, -0.6), "ESA": (0.5, 0.5),
    "Japan": (0.3, 0.8), "Canada": (0.12, 0.7), "UK": (0.08, 0.9), "Australia": (0.03, 0.9),
    "Iran": (0.02, -0.6), "India": (0.2, 0.3),
    "state_001": (0.005, 0.1), "state_002": (0.005, -0.2), "state_003": (0.005, 0.0),
}


def world(names=None, ties=(), one_way=(), programmes=None, capability=None, alignment=None,
          racing=None, space_powers=("US", "China", "Russia", "ESA"), west="US",
          east="China", related=None) -> WorldSnapshot:
    names = list(names or NAMED)
    n = len(names)
    at = {name: k for k, name in enumerate(names)}
    cap = np.array([NAMED.get(a, (0.01, 0.0))[0] for a in names]) if capability is None \
        else np.asarray(capability, float)
    align = np.array([NAMED.get(a, (0.01, 0.0))[1] for a in names]) if alignment is None \
        else np.asarray(alignment, float)
    coop = np.zeros((n, n))
    mutual = np.zeros((n, n))
    for a, b, share in ties:
        coop[at[a], at[b]] = coop[at[b], at[a]] = share
        mutual[at[a], at[b]] = mutual[at[b], at[a]] = share
    for a, b, share in one_way:
        coop[at[a], at[b]] = share
    members = np.zeros((len(PROGRAMMES), n), dtype=bool)
    for p, who in (programmes or {}).items():
        for a in who:
            members[PROGRAMMES.index(p), at[a]] = True
    racing = np.zeros(n) if racing is None else np.asarray(racing, float)
    if related is None:
        power = np.isin(names, space_powers)
        named = ~np.char.startswith(np.array(names), "state_")
        related = power[:, None] | power[None, :] | (named[:, None] & named[None, :])
    return WorldSnapshot.from_matrix(
        names, coop, related=related, mutual_matrix=mutual, capability=cap, alignment=align,
        members=members, programme_names=PROGRAMMES, programme_side=SIDES, racing=racing,
        racing_max=np.ones(n), space_powers=space_powers, west=west, east=east)


def status_quo_2021(**changes) -> WorldSnapshot:
    """The documents' 2021: Artemis (003's signatories among our actors, with ESA and Canada
    in it as the face checks assume), the ILRS (China and Russia, 002), the US and its
    friends cooperating, ESA and Canada also cooperating with China (000: ESA-China data
    exchange since 2004; 002: Europe and Canada can "engage more closely with China"),
    China and Russia cooperating (002, 003). Keyword arguments replace ``ties`` or
    ``programmes``."""
    ties = [("US", a, 1.0) for a in ("Japan", "Canada", "UK", "Australia", "ESA")]
    ties += [("Japan", "UK", 1.0), ("Japan", "Australia", 1.0), ("UK", "Australia", 1.0),
             ("ESA", "Canada", 1.0), ("ESA", "Japan", 1.0),
             ("ESA", "China", 1.0), ("Canada", "China", 1.0), ("China", "Russia", 1.0)]
    programmes = {"artemis": ["US", "Japan", "Canada", "UK", "Australia", "ESA"],
                  "ilrs": ["China", "Russia"]}
    kw = {"ties": ties, "programmes": programmes}
    kw.update(changes)
    return world(**kw)
