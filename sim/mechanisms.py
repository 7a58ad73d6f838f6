"""The mechanisms the source documents describe, each in one class named after it.

Every mechanism has the same three hooks, called by the model:

* ``setup(model)`` once, after the actors, relations and programmes exist;
* ``on_year(model, year)`` at the start of every year, before the choices; it sets
  rather than accumulates (``model.join_bonus`` is cleared by the model every year;
  a milestone acts only in its own year);
* ``after_choices(model, year)`` after the year's moves are known.

A model may hold several worlds side by side (one per seed, see
:class:`sim.model.SpaceRaceModel`); a mechanism acts on all of them at once, through
``model.all_worlds(actors)`` and ``model.relations.directed_all(a, b)``, and draws each
world's random numbers from that world's generator (``model.rngs``).

Mechanisms act mostly through the model's modifier arrays (``blocked``,
``security_discount``, ``rivalry_discount``, ``rho_extra``, ``pair_bonus``,
``join_bonus``, ``eligible``, ``programme_open``, ``members``, ``pace``), so the
yearly arithmetic stays vectorised; the security spiral sets racing spending, and
milestones change prestige, capability, partnership bonuses and programme
attractiveness (once, in their year). Source files are in ``shared/seeds/``; the
document numbers below are their prefixes (000 ... 004).
"""

from __future__ import annotations

import numpy as np

from sim._jit import njit
from sim.config import PROGRAMMES

ARTEMIS, ILRS, ISS, TIANGONG = (PROGRAMMES.index(p) for p in PROGRAMMES)


class Mechanism:
    name = ""

    def setup(self, model) -> None:
        pass

    def on_year(self, model, year: int) -> None:
        pass

    def after_choices(self, model, year: int) -> None:
        pass


def richardson_step(racing, reaction, fatigue, grievance, rivals, dt=1.0):
    """One Euler step of Richardson's arms-race equations, for all actors at once.

    ``ds_i/dt = k_i * sum_j W_ij s_j - a_i s_i + g_i``. For two rivals the spending
    runs away when ``k_1 k_2 > a_1 a_2`` and settles at a finite level otherwise
    (Richardson, *Arms and Insecurity*, 1960). ``rivals`` is W, either a dense matrix
    or a callable ``rivals(s) -> W @ s`` (the model passes a sparse product).
    """
    pressure = rivals(racing) if callable(rivals) else np.asarray(rivals) @ racing
    return _richardson(racing, reaction, fatigue, grievance, pressure, dt)


@njit
def _richardson(racing, reaction, fatigue, grievance, pressure, dt):
    return racing + dt * (reaction * pressure - fatigue * racing + grievance)


class SecuritySpiral(Mechanism):
    """The security spiral: one side's expansion makes the other react.

    002: "the mere expansion of its space ambitions has already induced the US to react,
    triggering mutually-reinforcing behaviour that may lead to confrontation"; 002: "a
    self-propelling mechanism that will lead to confrontation if nothing is done".
    Racing spending follows :func:`richardson_step` over rival pairs (rivalry at or
    above ``rival_threshold``; rivalry already carries the world's threat perception);
    the reaction is scaled by each actor's pace (see :class:`LongGame`); the grievance term grows with the
    share of rival relations on which the actor competed this year. Spending is kept
    in ``[0, racing_cap * budget]`` (a state cannot spend more than its budget allows).
    """

    name = "security_spiral"

    def __init__(self, cfg: dict, racing_cap: float):
        self.threshold = float(cfg["rival_threshold"])
        self.grievance = float(cfg["grievance"])
        self.cap = racing_cap

    def after_choices(self, model, year):
        rel, act = model.relations, model.actors
        act.racing = _spiral_year(rel.src, rel.dst, model.rivalry, self.threshold,
                                  model.last_actions, act.racing, act.budget, act.reaction,
                                  model.pace, act.fatigue, self.grievance, self.cap)


@njit
def _spiral_year(src, dst, rivalry, threshold, actions, racing, budget, reaction, pace, fatigue,
                 grievance, cap):
    """This year's racing spending: one :func:`richardson_step` with the rivals' pressure,
    the actor's pace, and a grievance of ``grievance * budget * share of rival relations
    competed on``, kept in ``[0, cap * budget]``."""
    pressure, share = _rival_pressure(src, dst, rivalry, threshold, actions, racing, len(racing))
    out = np.empty(len(racing))
    for v in range(len(racing)):
        s = _richardson(racing[v], reaction[v] * pace[v], fatigue[v],
                        grievance * budget[v] * share[v], pressure[v], 1.0)
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


class WolfAmendment(Mechanism):
    """No bilateral US–China cooperation; multilateral allowed; China barred from the ISS.

    003: "the Wolf Amendment prohibits NASA from using federal funds to engage in direct,
    bilateral cooperation with the Chinese government"; 003: "it only restricts
    bilateral, not multilateral, cooperation"; 000: "the U.S. in 2011 passed a law
    barring China from joining the ISS". In force from ``enacted`` until ``repeal_year``
    (null: never repealed). While in force the US's move toward China is forced to
    *compete*; shared programme membership (multilateral) is not affected.
    """

    name = "wolf_amendment"

    def __init__(self, cfg: dict, us: int, china: int):
        self.enacted = int(cfg["enacted"])
        self.repeal = cfg["repeal_year"]
        self.us, self.china = us, china

    def in_force(self, year: int) -> bool:
        return self.enacted <= year and (self.repeal is None or year < self.repeal)

    def setup(self, model):
        self.edges = model.relations.directed_all(self.us, self.china)
        self.china_all = model.all_worlds([self.china])
        self.on_year(model, model.start_year)   # the documented start already has the ban

    def on_year(self, model, year):
        force = self.in_force(year)
        model.blocked[self.edges] = force
        model.eligible[ISS, self.china_all] = not force and model.programme_open[ISS]


class RussiaIssExit(Mechanism):
    """Russia leaves the ISS and turns to China.

    002: "With Russia's decision to leave the ISS consortium in 2025, we may, however,
    also see cosmonauts shaking hands with taikonauts at the Chinese station"; 003:
    "Russia turned to the U.S. in 1993 ... And now I think they are turning to China to
    do much the same." From ``year`` Russia is out of the ISS for good and gains
    ``ilrs_affinity`` toward the ILRS.
    """

    name = "russia_iss_exit"

    def __init__(self, cfg: dict, russia: int):
        self.year = cfg["year"]
        self.affinity = float(cfg["ilrs_affinity"])
        self.russia = russia

    def setup(self, model):
        self.russia_all = model.all_worlds([self.russia])

    def on_year(self, model, year):
        if self.year is not None and year >= self.year:
            russia = self.russia_all
            model.members[ISS, russia] = False          # the exit itself: out for good
            model.eligible[ISS, russia] = False
            model.join_bonus[ILRS, russia] += self.affinity


class JuniorPartner(Mechanism):
    """Russia's discomfort as the weaker partner of China.

    003: "Russia seems to be the weaker of the partners in any Russia-China space
    relationship ... And Russia doesn't handle being the weaker partner well". Russia's
    relative-gains weight toward China rises by ``discomfort * max(0, c_China / c_Russia - 1)``
    and, by the same amount, its wish to stay in the China-led ILRS falls.
    """

    name = "junior_partner"

    def __init__(self, cfg: dict, russia: int, china: int):
        self.discomfort = float(cfg["discomfort"])
        self.russia, self.china = russia, china

    def setup(self, model):
        rel = model.relations
        edges = [r.directed(self.russia, self.china) for r in rel.parts]   # per world
        self.with_edge = np.array([k is not None for k in edges])
        self.edges = np.array([rel.to_union(b, k) for b, k in enumerate(edges) if k is not None],
                              dtype=np.int64)
        self.russia_all = model.all_worlds([self.russia])
        self.china_all = model.all_worlds([self.china])

    def on_year(self, model, year):
        c = model.actors.capability
        gap = np.maximum(0.0, c[self.china_all] / np.maximum(c[self.russia_all], 1e-9) - 1.0)
        unease = self.discomfort * gap
        model.rho_extra[self.edges] = unease[self.with_edge]
        model.join_bonus[ILRS, self.russia_all] -= unease


class IssRetirement(Mechanism):
    """The ISS retires, leaving Tiangong as the only station.

    000: "with the ISS retiring after 2030, unless private U.S. companies like SpaceX
    and Tesla replace it with their own stations, the Tiangong will be the only space
    station orbiting Earth." From ``year`` on (null: never) the ISS has no members; the
    default 2031 keeps it flying through 2030.
    """

    name = "iss_retirement"

    def __init__(self, cfg: dict):
        self.year = cfg["year"]

    def on_year(self, model, year):
        # once closed, nobody is eligible, so nobody can rejoin: act only the first time
        if self.year is not None and year >= self.year and model.programme_open[ISS]:
            model.programme_open[ISS] = False
            model.members[ISS] = False
            model.eligible[ISS] = False


class OpenStation(Mechanism):
    """China opens Tiangong to all UN members and courts developing states.

    004: "China has officially invited all countries in the world to join in on the
    China Space Station (CSS)"; "All countries, regardless of their size and level of
    development, can participate in the cooperation on an equal footing"; "they are
    willing to help developing countries who are interested in pursuing their own space
    programs". 002: "the symbolic decision to open up the upcoming space station to all
    interested countries, including spacefaring and developing ones". From
    ``operational_year`` every UN member may join; states below
    ``developing_capability`` get ``courting`` added to their wish to join; actors in
    ``also_eligible`` (ESA, by its astronaut agreement) may join too.
    """

    name = "open_station"

    def __init__(self, cfg: dict, also_eligible: list[int]):
        self.year = int(cfg["operational_year"])
        self.open_to_un = bool(cfg["open_to_un_members"])
        self.courting = float(cfg["courting"])
        self.developing = float(cfg["developing_capability"])
        self.also = also_eligible
        self.opened = False

    def on_year(self, model, year):
        if year < self.year or not self.open_to_un:
            return
        if not self.opened:     # eligibility, once granted, stays
            model.eligible[TIANGONG] |= model.actors.un_member
            model.eligible[TIANGONG, model.all_worlds(self.also)] = True
            self.opened = True
        model.join_bonus[TIANGONG] += self.courting * (model.actors.capability < self.developing)


class EsaChinaDataExchange(Mechanism):
    """ESA and China exchange Earth-observation data for science.

    000: "the ESA and China have been exchanging data collected from European and
    Chinese satellites to advance earth science research since 2004"; ESA "does not see
    why 'it should not work' with China as the data exchanged is not for military use but
    for science." Since ``since`` (null: never) the security cost of ESA–China
    cooperation is cut by ``security_discount``, and the pair starts out cooperating.
    """

    name = "esa_china_data_exchange"

    def __init__(self, cfg: dict, esa: int, china: int):
        self.since = cfg["since"]
        self.discount = float(cfg["security_discount"])
        self.esa, self.china = esa, china
        self._active = None

    def active(self, year: int) -> bool:
        return self.since is not None and self.since <= year

    def setup(self, model):
        rel = model.relations
        self.edges = np.concatenate([rel.directed_all(self.esa, self.china),
                                     rel.directed_all(self.china, self.esa)])
        if self.active(model.start_year):
            model.initial_pairs.append((self.esa, self.china))

    def on_year(self, model, year):
        active = self.active(year)
        if active != self._active:                      # write only when it changes
            model.security_discount[self.edges] = (1.0 - self.discount) if active else 1.0
            self._active = active


class Bridges(Mechanism):
    """Europe and Canada as bridges between the camps.

    002: "The most auspicious route is surely for Europe and Canada, America's oldest
    and closest friends, to impress upon all parties that the human exploration of
    outer space can evolve into a no-win or a win-win situation. And Europe and Canada
    can engage more closely with China in the human exploration of outer space".
    004: "The European Space Agency has already signed an agreement with China's Space
    Agency send some astronauts aboard the CSS". Relations that involve a bridge actor
    carry ``strength`` less rivalry, and bridge actors gain ``strength`` toward Tiangong.
    """

    name = "bridges"

    def __init__(self, cfg: dict, bridge_actors: list[int]):
        self.strength = float(cfg["strength"])
        self.actors = bridge_actors

    def setup(self, model):
        rel = model.relations
        self.actors_all = model.all_worlds(self.actors)
        bridge = np.zeros(model.actors.n, dtype=bool)
        bridge[self.actors_all] = True
        on_bridge = bridge[rel.src] | bridge[rel.dst]
        model.rivalry_discount[on_bridge] = self.strength

    def on_year(self, model, year):
        model.join_bonus[TIANGONG, self.actors_all] += self.strength


class LongGame(Mechanism):
    """China's long game: a marathon, not a sprint, with low tolerance of failure.

    002: "it has been engaged in a marathon rather than a sprint – with no hurry to
    achieve any of the goals by a specific deadline or before other countries"; "a
    leadership that always tends to play the long game and has a low tolerance for
    failure". 002: "the pursuit of prestige is primarily targeted at shaping perceptions
    among the Chinese people, rather than the international community" (this lives in
    China's attributes: high ``prestige_domestic``, high ``future_weight``). Here: the
    actor's racing reaction is slowed to ``1 - pace_discount * (1 - failure_tolerance)``
    of its value — it does not rush to match a rival.
    """

    name = "long_game"

    def __init__(self, cfg: dict, actors: list[int]):
        self.discount = float(cfg["pace_discount"])
        self.actors = actors

    def setup(self, model):
        who = model.all_worlds(self.actors)
        tol = model.actors.failure_tolerance[who]
        model.pace[who] = 1.0 - self.discount * (1.0 - tol)


class Milestone(Mechanism):
    """An announced milestone, scheduled in config (``milestones.<name>``).

    Announced in the documents: the Artemis crewed landing (003: "landing astronauts
    back on the moon as early as 2024"), the China–Russia asteroid mission (001: "a
    robotic mission to an asteroid in 2024"), the ILRS robotic base (001: "a permanent
    research base at the moon's south pole by 2030"), the ILRS crewed phase (003: "does
    not envision human lunar landings until 2036 or later") and China's crewed Mars
    mission (001: "the first manned Mars exploration in 2033"). In its year the
    milestone succeeds with ``success_probability`` (one draw from the model's
    generator). Success: its actors gain ``prestige`` (weighted by their prestige
    weights) and ``capability_boost`` (relative), its programme gains
    ``attractiveness``, and its actors' mutual cooperation gains ``partnership_bonus``.
    Failure: prestige falls by ``prestige * (1 - failure_tolerance)`` and the programme
    loses half the attractiveness.
    """

    def __init__(self, name: str, cfg: dict, actors: list[int]):
        self.name = name
        self.year = cfg["year"]
        self.actors = np.asarray(actors, dtype=np.int64)
        self.programme = None if cfg["programme"] is None else PROGRAMMES.index(cfg["programme"])
        self.p = float(cfg["success_probability"])
        self.prestige = float(cfg["prestige"])
        self.boost = float(cfg["capability_boost"])
        self.attract = float(cfg["attractiveness"])
        self.partnership = float(cfg["partnership_bonus"])

    def on_year(self, model, year):
        if self.year is None or year != self.year:
            return
        act = model.actors
        for b, rng in enumerate(model.rngs):        # one draw per world, from its generator
            success = bool(rng.random() < self.p)
            who = self.actors + b * model.world_n
            if success:
                weight = (act.prestige_domestic[who] + act.prestige_international[who]) / 2
                act.prestige[who] += self.prestige * weight
                act.capability[who] *= 1.0 + self.boost
                change = self.attract
                if len(who) > 1:
                    r = model.relations
                    edges = r.to_union(b, r.parts[b].between(self.actors, self.actors))
                    model.pair_bonus[edges] += self.partnership
            else:
                act.prestige[who] -= self.prestige * (1.0 - act.failure_tolerance[who])
                change = -0.5 * self.attract
            if self.programme is not None:
                model._attractiveness[self.programme, b] += change
            model.event_logs[b].append((year, self.name, "success" if success else "failure"))


def build_mechanisms(cfg: dict, index: dict[str, int]) -> list[Mechanism]:
    """All mechanisms of a configuration, in the order they act each year."""
    m = cfg["mechanisms"]
    us, china, russia, esa = (index[n] for n in ("US", "China", "Russia", "ESA"))
    mechanisms: list[Mechanism] = [
        WolfAmendment(m["wolf_amendment"], us, china),
        RussiaIssExit(m["russia_iss_exit"], russia),
        JuniorPartner(m["junior_partner"], russia, china),
        IssRetirement(m["iss_retirement"]),
        OpenStation(m["open_station"], [index[a] for a in m["open_station"]["also_eligible"]]),
        EsaChinaDataExchange(m["esa_china_data_exchange"], esa, china),
        Bridges(m["bridges"], [index[a] for a in m["bridges"]["actors"]]),
        LongGame(m["long_game"], [index[a] for a in m["long_game"]["actors"]]),
    ]
    mechanisms += [Milestone(name, ms, [index[a] for a in ms["actors"]])
                   for name, ms in cfg["milestones"].items()]
    mechanisms.append(SecuritySpiral(m["security_spiral"], float(cfg["dynamics"]["racing_cap"])))
    return mechanisms
