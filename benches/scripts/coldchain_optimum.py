"""Exact optimum, or a proven lower bound, of a Li & Lim instance under the cold-chain rule.

The rule is the one `freshroute bench vrp --max-ride-factor F --fleet-factor K` applies:
every shipment's ride, from the pickup's service start to the delivery's service start,
is at most max(s_p + F * t(p, d), e_d - l_p); the fleet is K times the instance's; the
objective is total Euclidean distance; a vehicle may wait anywhere.

Model: two-index arc variables over the arcs that windows and ride limits allow, service
start times with big-M links, and a route label per stop (a route takes the index of its
first stop; pickup and delivery share a label) so that both stops of a shipment ride the
same vehicle. HiGHS solves it; the printed bound is a lower bound on any plan's distance.

Usage (HiGHS from PyPI: `pip install highspy`):
    python3 benches/scripts/coldchain_optimum.py INSTANCE.txt [--time-limit S]
Prints one CSV line: instance,status,best_found,lower_bound,seconds.
"""

import argparse
import math
import pathlib
import time

import highspy


def read(path):
    rows = [line.split() for line in open(path) if line.strip()]
    vehicles = int(rows[0][0])
    sites = [[float(v) for v in r] for r in rows[1:]]
    return vehicles, sites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("instance")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--max-ride-factor", type=float, default=2.0)
    ap.add_argument("--fleet-factor", type=float, default=2.0)
    args = ap.parse_args()
    vehicles, sites = read(args.instance)
    n = len(sites) - 1
    end = n + 1  # the depot again, as the routes' end

    def site(i):
        return sites[0] if i == end else sites[i]

    def dist(a, b):
        return math.hypot(site(a)[1] - site(b)[1], site(a)[2] - site(b)[2])

    def ready(i):
        return site(i)[4]

    def due(i):
        return site(i)[5]

    def service(i):
        return 0.0 if i in (0, end) else site(i)[6]

    delivery_of = {i: int(s[8]) for i, s in enumerate(sites) if i > 0 and s[8] > 0}
    pickup_of = {d: p for p, d in delivery_of.items()}
    limit = {
        p: max(service(p) + args.max_ride_factor * dist(p, d), ready(d) - due(p))
        for p, d in delivery_of.items()
    }

    def arc_allowed(i, j):
        if i == j or (i == 0 and j == end) or ready(i) + service(i) + dist(i, j) > due(j) + 1e-9:
            return False
        if (i == 0 and j in pickup_of) or (i in delivery_of and j == end):
            return False  # a route starts with a pickup and ends with a delivery
        if i == delivery_of.get(j):
            return False  # a delivery before its own pickup
        if i in delivery_of and j != delivery_of[i]:
            d = delivery_of[i]  # the ride from i passes through j
            if service(i) + dist(i, j) + service(j) + dist(j, d) > limit[i] + 1e-9:
                return False
        if j in pickup_of and i != pickup_of[j]:
            p = pickup_of[j]  # the ride to j passes through i
            if service(p) + dist(p, i) + service(i) + dist(i, j) > limit[p] + 1e-9:
                return False
        return True

    arcs = [(i, j) for i in range(0, n + 1) for j in range(1, end + 1) if arc_allowed(i, j)]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", args.time_limit)
    h.setOptionValue("mip_rel_gap", 1e-9)
    x = {a: h.addIntegral(lb=0, ub=1, obj=dist(*a)) for a in arcs}
    start = {i: h.addVariable(lb=ready(i), ub=due(i)) for i in range(1, n + 1)}
    label = {i: h.addVariable(lb=1, ub=n) for i in range(1, n + 1)}
    for i in range(1, n + 1):
        h.addConstr(sum(x[a] for a in arcs if a[0] == i) == 1)
        h.addConstr(sum(x[a] for a in arcs if a[1] == i) == 1)
    h.addConstr(sum(x[a] for a in arcs if a[0] == 0) <= round(vehicles * args.fleet_factor))
    for (i, j), v in x.items():
        if i == 0:
            h.addConstr(label[j] - n * v >= j - n)  # a route's label is its first stop
            h.addConstr(label[j] + (n - j) * v <= n)
            h.addConstr(start[j] - (dist(0, j) - ready(j)) * v >= ready(j))
        elif j == end:
            h.addConstr(start[i] + (service(i) + dist(i, 0) - due(0) + due(i)) * v <= due(i))
        else:
            step = service(i) + dist(i, j)
            big = due(i) + step - ready(j)
            h.addConstr(start[j] - start[i] - big * v >= step - big)
            h.addConstr(label[j] - label[i] + n * v <= n)
            h.addConstr(label[i] - label[j] + n * v <= n)
    for p, d in delivery_of.items():
        h.addConstr(label[p] == label[d])
        h.addConstr(start[d] - start[p] <= limit[p])
        h.addConstr(start[d] - start[p] >= service(p) + dist(p, d))
    began = time.monotonic()
    h.minimize()
    info = h.getInfo()
    status = "optimal" if h.getModelStatus() == highspy.HighsModelStatus.kOptimal else "time_limit"
    best = info.objective_function_value if info.primal_solution_status else float("nan")
    print(
        f"{pathlib.Path(args.instance).stem},{status},{best:.2f},{info.mip_dual_bound:.2f},"
        f"{time.monotonic() - began:.1f}"
    )


if __name__ == "__main__":
    main()
