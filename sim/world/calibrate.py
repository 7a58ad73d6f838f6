"""Fit the accession parameters to the observed programme record through 2022.

    python -m sim.world.calibrate                      # ABC-SMC (pyabc), writes data/calibration.json
    python -m sim.world.calibrate --record my.csv      # a user's record (add signatures, recalibrate)

What is fitted: ``programmes.revision_rate`` (the yearly hazard that a state decides:
negotiation and domestic approval take years) and ``programmes.accession_cost`` (the
friction a non-member's wish must beat to join), with uniform priors on
:data:`PRIORS`. The data: the record file (default ``data/programme_record_2020_2022.csv``,
a user input) **through 2022 only** (``load_record(through=2022)``; the 2023 holdout
file is never read here except to draw it, distinctly, on the hindcast). Summary
statistics (:func:`summaries`): the year-end counts of the Artemis Accords and the ILRS
in 2021 and 2022, and which states joined: the share of the record's 2021–22 Artemis
accessions that the model's world has made by 2022 (recall; 1 in the record).

Method: ABC-SMC (pyabc, a weighted Euclidean distance with fixed scales
:data:`SCALES`), each particle one simulated world of the default configuration from
``world.start_year`` to 2022. Cross-check: a vectorised rejection ABC over the batched
runner (every world its own parameters, :meth:`SpaceRaceModel.set_world_params`).
The result (posterior particles and weights, their summary, the cross-check, the
posterior predictive bands of the yearly counts 2021–2030, the record file's SHA-256 and
the date range used) is written atomically to ``data/calibration.json``; the default
configuration reads the posterior mean from it (``${calibrated:revision_rate}``), and the
sweep report draws its hindcast (:mod:`sim.experiments.report_world`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.io import atomic_savefig, atomic_write_json
from sim.names import PROGRAMMES
from sim.world.states import DATA_DIR, HOLDOUT_FILE, RECORD_FILE, DataError, counts_by_year, load_record
from sim.world.calibration import CALIBRATION_FILE, CalibrationError

#: the fitted parameters and their uniform priors (low, high)
#: (above an accession cost of about 1.15 no state's wish beats it and nobody joins: the
#: prior covers the range where the data say something, and a little beyond)
PRIORS = {"revision_rate": (0.01, 0.8), "accession_cost": (0.0, 1.3)}
#: the fitted years (the record's last year used); later years are out-of-sample
THROUGH = 2022
#: summary statistics and the scale each is divided by in the distance (about the
#: spread one would accept: a few signatories, one ILRS state, a third of the joiners)
SCALES = {"artemis_2021": 3.0, "artemis_2022": 4.0, "ilrs_2021": 1.0, "ilrs_2022": 1.0,
          "artemis_recall": 0.3}
PREDICT_TO = 2030
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_ART, _ILRS = PROGRAMMES.index("artemis"), PROGRAMMES.index("ilrs")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def observed(record) -> dict[str, float]:
    """The record's summary statistics (see :func:`summaries`)."""
    years = range(THROUGH - 1, THROUGH + 1)
    art = counts_by_year(record, "artemis_accords", years)
    ilrs = counts_by_year(record, "ilrs", years)
    return {"artemis_2021": float(art[THROUGH - 1]), "artemis_2022": float(art[THROUGH]),
            "ilrs_2021": float(ilrs[THROUGH - 1]), "ilrs_2022": float(ilrs[THROUGH]),
            "artemis_recall": 1.0}


def base(overrides=(), horizon: int = THROUGH, record_file=None) -> dict:
    """The default configuration run to ``horizon`` (and on a user's record file)."""
    from sim.mesa.keywords import base_config
    over = [f"world.horizon={horizon}", *overrides]
    if record_file is not None:
        over.append(f"world.rest_of_world.record_file={Path(record_file).resolve()}")
    return base_config(overrides=over)


def _joiners(record) -> set[str]:
    rows = record[(record["programme"] == "artemis_accords") & (record["year"] <= THROUGH)]
    return set(rows["iso3"])


def simulate(cfg: dict, revision_rate, accession_cost, seeds, horizon: int = THROUGH):
    """Run one world per seed, world b with ``revision_rate[b]``, ``accession_cost[b]``;
    return the model (its ``world_rows`` hold the yearly tables)."""
    from sim.mesa.model import SpaceRaceModel
    m = SpaceRaceModel(cfg, seeds=list(seeds), record_actors=False)
    m.set_world_params(revision_rate=revision_rate, accession_cost=accession_cost)
    start = m.members.copy()
    m.run()
    m.start_members = start
    return m


def summaries(model, joiners: set[str]) -> np.ndarray:
    """(world, statistic) in the order of :data:`SCALES`: year-end counts 2021 and 2022
    (Artemis, ILRS), and the share of the record's Artemis accessions after the start
    (through 2022) that the world has made too."""
    from sim.mesa.columns import MODEL_COLUMNS
    rows = model.world_rows
    t1, t2 = THROUGH - 1 - model.start_year, THROUGH - model.start_year
    a = rows[:, :, MODEL_COLUMNS.index("members_artemis")]
    i = rows[:, :, MODEL_COLUMNS.index("members_ilrs")]
    start = model.start_members[0, _ART]
    in_record = np.array([c in joiners for c in model.actors.iso3]) & ~start
    new = model.members[:, _ART] & ~model.start_members[:, _ART]
    recall = (new & in_record).sum(axis=1) / max(int(in_record.sum()), 1)
    return np.column_stack([a[:, t1], a[:, t2], i[:, t1], i[:, t2], recall])


def distance(stats: np.ndarray, obs: dict) -> np.ndarray:
    o = np.array([obs[k] for k in SCALES])
    s = np.array(list(SCALES.values()))
    return np.sqrt((((stats - o) / s) ** 2).sum(axis=-1))


def rejection_abc(cfg, obs, joiners, n: int = 4000, keep: float = 0.02, seed: int = 1,
                  priors=PRIORS, batch: int = 1000) -> dict:
    """Vectorised rejection ABC: ``n`` prior draws, one world each, run side by side;
    the ``keep`` share closest to the observations is the posterior sample."""
    rng = np.random.default_rng(seed)
    theta = np.column_stack([rng.uniform(lo, hi, n) for lo, hi in priors.values()])
    d = np.empty(n)
    for b0 in range(0, n, batch):
        sl = slice(b0, min(n, b0 + batch))
        m = simulate(cfg, theta[sl, 0], theta[sl, 1], range(seed * 10**6 + b0, seed * 10**6 + sl.stop))
        d[sl] = distance(summaries(m, joiners), obs)
    k = max(2, int(round(keep * n)))
    best = np.argsort(d, kind="stable")[:k]
    return {"samples": theta[best], "weights": np.full(k, 1.0 / k), "epsilon": float(d[best[-1]]),
            "n_simulations": n}


def abc_smc(cfg, obs, joiners, population: int = 300, generations: int = 6, n_procs: int = 2,
            seed: int = 1, db_dir: str | None = None) -> dict:
    """ABC-SMC with pyabc: one simulated world per particle."""
    import logging

    import pyabc
    logging.getLogger("ABC").setLevel(logging.WARNING)
    for name in ("ABC.Sampler", "ABC.Distance", "ABC.Epsilon", "ABC.Population", "ABC.History",
                 "ABC.Transition", "ABC.Acceptor", "ABC.Adaptation", "ABC.Predictor"):
        logging.getLogger(name).setLevel(logging.WARNING)
    np.random.seed(seed)        # pyabc draws from numpy's global generator
    counter = iter(range(10**9))

    def model(par):
        s = next(counter) + seed * 10**7 + os.getpid() * 10**3
        m = simulate(cfg, [par["revision_rate"]], [par["accession_cost"]], [s])
        return dict(zip(SCALES, summaries(m, joiners)[0].tolist()))

    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in PRIORS.items()})
    dist = pyabc.PNormDistance(p=2, fixed_weights={k: 1.0 / s for k, s in SCALES.items()})
    sampler = (pyabc.sampler.MulticoreEvalParallelSampler(n_procs=n_procs) if n_procs > 1
               else pyabc.sampler.SingleCoreSampler())
    # a 30% quantile epsilon: a plain median can stall on the plateau of worlds where
    # nobody joins (all at the same distance)
    abc = pyabc.ABCSMC(model, prior, dist, population_size=population, sampler=sampler,
                       eps=pyabc.QuantileEpsilon(alpha=0.3))
    with tempfile.TemporaryDirectory(dir=db_dir) as tmp:
        abc.new("sqlite:///" + os.path.join(tmp, "abc.db"), obs)
        history = abc.run(max_nr_populations=generations, minimum_epsilon=0.3)
        df, w = history.get_distribution()
        eps = float(history.get_all_populations()["epsilon"].iloc[-1])
        n_sim = int(history.total_nr_simulations)
    samples = df[list(PRIORS)].to_numpy()
    return {"samples": samples, "weights": np.asarray(w) / np.sum(w), "epsilon": eps,
            "n_simulations": n_sim}


def summarise(samples: np.ndarray, weights: np.ndarray) -> dict:
    out = {}
    for k, name in enumerate(PRIORS):
        x = samples[:, k]
        order = np.argsort(x)
        cw = np.cumsum(weights[order])
        q = {f"q{int(p * 100):02d}": float(x[order][min(np.searchsorted(cw, p), len(x) - 1)])
             for p in QUANTILES}
        mean = float(np.sum(weights * x))
        out[name] = {"mean": mean, "sd": float(np.sqrt(np.sum(weights * (x - mean) ** 2))), **q}
    return out


def predictive(cfg_long, samples, weights, draws: int = 400, seed: int = 7) -> dict:
    """Posterior predictive year-end counts per programme, ``start_year`` .. PREDICT_TO:
    ``draws`` parameter sets drawn from the posterior, one world each."""
    from sim.mesa.columns import MODEL_COLUMNS
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(samples), size=draws, p=weights)
    m = simulate(cfg_long, samples[pick, 0], samples[pick, 1],
                 range(seed * 10**6, seed * 10**6 + draws), horizon=PREDICT_TO)
    years = list(range(m.start_year, PREDICT_TO + 1))
    out = {"years": years, "quantiles": list(QUANTILES), "draws": draws}
    for p in ("artemis", "ilrs", "tiangong"):
        x = m.world_rows[:, :, MODEL_COLUMNS.index(f"members_{p}")]
        out[p] = np.quantile(x, QUANTILES, axis=0).round(2).tolist()
    return out


def calibrate(record_file=None, out: Path = CALIBRATION_FILE, method: str = "smc",
              population: int = 300, generations: int = 6, n_procs: int = 2,
              check: int = 4000, seed: int = 1, plot: bool = True) -> dict:
    t0 = time.perf_counter()
    record_path = Path(record_file) if record_file else RECORD_FILE
    record = load_record(record_path, through=THROUGH)
    if record.empty:
        raise CalibrationError(f"{record_path}: no rows through {THROUGH}; nothing to fit")
    obs, joiners = observed(record), _joiners(record)
    cfg = base(["programmes.revision_rate=0.1", "programmes.accession_cost=0.5"],
               record_file=record_file)
    fits = {}
    if method in ("smc", "both"):
        fits["abc_smc"] = abc_smc(cfg, obs, joiners, population, generations, n_procs, seed)
    if method in ("rejection", "both") or check:
        fits["rejection"] = rejection_abc(cfg, obs, joiners, n=check or 4000, seed=seed + 1)
    main = fits["abc_smc"] if "abc_smc" in fits else fits["rejection"]
    long_cfg = base(["programmes.revision_rate=0.1", "programmes.accession_cost=0.5"],
                    horizon=PREDICT_TO, record_file=record_file)
    pred = predictive(long_cfg, main["samples"], main["weights"], seed=seed + 6)
    months = record.sort_values(["year", "month"])
    result = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "record_file": str(record_path.resolve().relative_to(DATA_DIR.parent)
                           if record_path.resolve().is_relative_to(DATA_DIR.parent) else record_path),
        "record_sha256": sha256(record_path),
        "through": THROUGH,
        "date_range": [f"{months['year'].iloc[0]}-{months['month'].iloc[0]:02d}",
                       f"{months['year'].iloc[-1]}-{months['month'].iloc[-1]:02d}"],
        "method": "ABC-SMC (pyabc)" if "abc_smc" in fits else "rejection ABC",
        "priors": {k: {"uniform": list(v)} for k, v in PRIORS.items()},
        "observed": obs, "scales": SCALES,
        "parameters": summarise(main["samples"], main["weights"]),
        "epsilon": main["epsilon"], "n_simulations": main["n_simulations"],
        "cross_check": {name: {"parameters": summarise(f["samples"], f["weights"]),
                               "epsilon": f["epsilon"], "n_simulations": f["n_simulations"]}
                        for name, f in fits.items()},
        "posterior": {"names": list(PRIORS), "samples": main["samples"].round(5).tolist(),
                      "weights": main["weights"].round(8).tolist()},
        "predictive": pred,
        "observed_counts": _observed_counts(record),
        "runtime_s": None,
    }
    result["runtime_s"] = round(time.perf_counter() - t0, 1)
    atomic_write_json(out, result)
    if plot:
        from sim.experiments.report_world import hindcast_figure
        atomic_savefig(hindcast_figure(result), out.with_suffix(".png"), dpi=110)
    return result


def _observed_counts(record) -> dict:
    """Year-end counts of the fitted record and (separately) of the holdout, for the plot."""
    out = {"fitted": {}, "holdout": {}}
    for p, name in (("artemis_accords", "artemis"), ("ilrs", "ilrs")):
        out["fitted"][name] = {int(y): int(c) for y, c in counts_by_year(record, p, range(2020, THROUGH + 1)).items()}
    try:
        import pandas as pd
        holdout = load_record(HOLDOUT_FILE)
        both = pd.concat([record, holdout])
        last = int(holdout["year"].max())
        c = counts_by_year(both, "artemis_accords", range(THROUGH + 1, last + 1))
        out["holdout"]["artemis"] = {int(y): int(v) for y, v in c.items()}
    except DataError:
        pass
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.world.calibrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--record", default=None, help=f"observed record CSV (default {RECORD_FILE})")
    ap.add_argument("--out", default=str(CALIBRATION_FILE), help="where the result goes (JSON; a PNG beside it)")
    ap.add_argument("--method", choices=("smc", "rejection", "both"), default="smc")
    ap.add_argument("--population", type=int, default=300, help="ABC-SMC particles per generation")
    ap.add_argument("--generations", type=int, default=6, help="ABC-SMC generations (at most)")
    ap.add_argument("--procs", type=int, default=2, help="worker processes for ABC-SMC")
    ap.add_argument("--check", type=int, default=4000, help="rejection-ABC draws for the cross-check (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    for key in ("population", "generations", "procs"):
        if getattr(args, key) < 1:
            print(f"error: --{key}={getattr(args, key)}: must be >= 1", file=sys.stderr)
            return 2
    try:
        r = calibrate(args.record, Path(args.out), args.method, args.population, args.generations,
                      args.procs, args.check, args.seed)
    except (DataError, CalibrationError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for k, v in r["parameters"].items():
        print(f"{k}: mean {v['mean']:.3f} sd {v['sd']:.3f} (90%: {v['q05']:.3f} .. {v['q95']:.3f})")
    p = r["predictive"]
    for y in (2023, 2024, 2025):
        k = p["years"].index(y)
        a = [p["artemis"][q][k] for q in range(len(QUANTILES))]
        print(f"Artemis {y}: median {a[2]:g}, 50% {a[1]:g}-{a[3]:g}, 90% {a[0]:g}-{a[4]:g}")
    print(f"wrote {args.out} ({r['runtime_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
