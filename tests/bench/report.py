#!/usr/bin/env python3
"""Turns the benchmark's samples (build/bench/samples.tsv) into the tables
it prints, docs/PERFORMANCE.md-ready Markdown, a CSV and the plot's data.
Medians with min and max over interleaved runs; every ratio pairs a run
with the native run of the same round."""
import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
CLOCK_ROWS = ["clock_gettime", "gettimeofday", "time"]
NET_ROWS = ["socketpair", "tcp", "file"]
CALL_ROWS = CLOCK_ROWS + NET_ROWS
INSTR_ONLY_ROWS = ["sendfile", "splice", "mmsg", "copy_file_range", "poll",
                   "epoll_wait", "select"]
SERVERS = {"redis": "redis-server, redis-benchmark -c 50 GET",
           "nginx": "nginx, one worker, wrk -c 50",
           "node": "node http server, wrk -c 50",
           "asyncio": "python asyncio http server, wrk -c 50"}
RATE_ROWS = ["tcp_bulk", "redis_set", "redis_get"]
CLOCK_VARIANTS = ["native", "idle", "attached", "zero", "libfaketime"]
NET_VARIANTS = ["native", "idle", "attached", "zero", "libfiu", "trickle"]
RATE_VARIANTS = ["native", "idle", "attached", "zero", "socat"]
TRAP_ROWS = ["socketpair", "tcp", "file", "go_http"]
TRAP_VARIANTS = ["native", "attached", "trap_idle", "trap_attached"]

MEASUREMENTS = {
    "clock_gettime": ("clock_gettime(CLOCK_REALTIME)", "ns/call"),
    "gettimeofday": ("gettimeofday", "ns/call"),
    "time": ("time", "ns/call"),
    "socketpair": ("64 B send/recv round trip, socketpair", "ns/round trip"),
    "tcp": ("64 B send/recv round trip, loopback TCP", "ns/round trip"),
    "file": ("64 B write+read, regular file, recv rule armed", "ns/round trip"),
    "tcp_bulk": ("loopback TCP bulk transfer, both ends on one CPU", "MB/s"),
    "redis_set": ("redis-benchmark SET, 50 clients", "requests/s"),
    "redis_get": ("redis-benchmark GET, 50 clients", "requests/s"),
    "go_http": ("Go net/http client, sequential GETs of 100 B, kept-alive", "requests/s"),
    "sendfile": ("64 B sendfile into a socketpair + recv", "ns/round trip"),
    "splice": ("64 B send + splice socket to pipe + read", "ns/round trip"),
    "mmsg": ("one 64 B datagram, sendmmsg + recvmmsg", "ns/round trip"),
    "copy_file_range": ("64 B copy_file_range, file to file", "ns/call"),
    "poll": ("poll of one readable socket, timeout 0", "ns/call"),
    "epoll_wait": ("epoll_wait on a set with one readable socket, timeout 0", "ns/call"),
    "select": ("select of one readable socket, timeout 0", "ns/call"),
}


def variant_label(variant, row):
    clock = row in CLOCK_ROWS
    return {
        "native": "native",
        "idle": "shim idle",
        "attached": "shim attached, no match",
        "zero": "shim clock_skew 0 s" if clock else "shim latency 0 ms",
        "libfaketime": "libfaketime +1d",
        "libfiu": "libfiu (fiu-run -x)",
        "trickle": "trickle (10 GB/s cap)",
        "socat": "native via socat hop",
        "trap_idle": "run --trap, nothing armed",
        "trap_attached": "run --trap, attached, no match",
    }[variant]


def load(out):
    """Samples as {(section, row, variant): {round: [values]}}, and the
    command of each (section, row, variant)."""
    samples = defaultdict(lambda: defaultdict(list))
    commands = {}
    with open(out / "samples.tsv") as f:
        for line in f:
            section, row, variant, rnd, value, command = line.rstrip("\n").split("\t")
            try:
                samples[section, row, variant][int(rnd)].append(float(value))
            except ValueError:
                continue  # a tool printed something that is not a number
            commands[section, row, variant] = command
    return samples, commands


def machine_info(out):
    info = {}
    for line in (out / "machine.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        info[key] = value
    return info


def values(rounds):
    return [v for vs in rounds.values() for v in vs]


def percentile(xs, p):
    """Nearest-rank percentile, so p99 of 50 values is their maximum."""
    xs = sorted(xs)
    rank = max(1, -(-len(xs) * p // 100))
    return xs[int(rank) - 1]


def paired_ratio(rounds, native):
    """Median over rounds of this variant's value over native's."""
    ratios = [statistics.median(vs) / statistics.median(native[r])
              for r, vs in rounds.items() if native.get(r)]
    return statistics.median(ratios) if ratios else None


def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if unit in ("MB/s", "requests/s") or abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}"


def fmt_us(ns):
    return f"{ns / 1000:,.1f} µs"


class Report:
    def __init__(self, out):
        self.samples, self.commands = load(out)
        self.info = machine_info(out)
        self.main = []      # rows of the main table
        self.csv = []       # dicts for results.csv
        self.budgets = []   # (budget, measured, met)
        self.accuracy = []  # rows of the second table
        self.eventloop = []  # rows of the event-loop table

    def budget(self, what, bound, measured, met):
        """Notes a budget for the summary; the short form for the row."""
        result = "met" if met else "**not met**"
        self.budgets.append((f"{what} {bound}", measured, result))
        return f"{bound}: {result}"

    def add(self, section, row, variant, xs, versus, budget, unit=None, show=None):
        """One row of the main table and the CSV from its samples xs; unit
        and show replace the row's usual unit and number format."""
        measurement, usual = MEASUREMENTS[row]
        unit = unit or usual
        show = show or (lambda x: fmt(x, unit))
        median, lo, hi = statistics.median(xs), min(xs), max(xs)
        command = self.commands.get((section, row, variant), "")
        self.main.append([f"{measurement} ({unit})", variant_label(variant, row),
                          show(median), show(lo), show(hi), versus, budget,
                          f"`{command}`"])
        self.csv.append({"section": section, "row": row, "variant": variant,
                         "measurement": measurement, "unit": unit,
                         "samples": len(xs), "median": median, "min": lo,
                         "max": hi, "versus_native": versus,
                         "budget": budget.replace("**", ""),
                         "command": command})

    def timed_rows(self, section, rows, variants_of):
        for row in rows:
            native = self.samples.get((section, row, "native"), {})
            for variant in variants_of(row):
                rounds = self.samples.get((section, row, variant))
                if not rounds:
                    continue
                xs = values(rounds)
                ratio = paired_ratio(rounds, native)
                versus = f"{ratio:.3f}×" if ratio is not None else "n/a"
                budget = self.timed_budget(section, row, variant, ratio)
                self.add(section, row, variant, xs, versus, budget)

    def timed_budget(self, section, row, variant, ratio):
        if ratio is None or section == "trap":
            return ""
        what = f"{MEASUREMENTS[row][0]}, {variant_label(variant, row)}"
        measured = f"{ratio:.3f}×"
        if section == "rate":
            if variant == "idle":
                return self.budget(what, "≥ 0.98×", measured, ratio >= 0.98)
            return ""
        if variant == "idle":
            return self.budget(what, "≤ 1.05×", measured, ratio <= 1.05)
        if variant == "attached" and row in CLOCK_ROWS + ["socketpair"]:
            return self.budget(what, "≤ 1.25×", measured, ratio <= 1.25)
        if variant == "zero" and row == "clock_gettime":
            peer = self.samples.get(("calls", row, "libfaketime"))
            native = self.samples.get(("calls", row, "native"), {})
            if peer:
                measured += f" (libfaketime {paired_ratio(peer, native):.3f}×)"
            return self.budget(what, "≤ 1.5×", measured, ratio <= 1.5)
        return ""

    def instruction_rows(self):
        for row in CALL_ROWS + INSTR_ONLY_ROWS:
            native = self.samples.get(("instr", row, "native"))
            for variant in (CLOCK_VARIANTS if row in CLOCK_ROWS else NET_VARIANTS):
                rounds = self.samples.get(("instr", row, variant))
                if not rounds:
                    continue
                x = values(rounds)[0]
                versus = budget = ""
                if native and variant != "native":
                    extra = x - values(native)[0]
                    versus = f"{extra:+.1f} instr"
                    if variant == "idle":
                        budget = self.budget(
                            f"{MEASUREMENTS[row][0]}, shim idle, instructions per call",
                            "≤ +5", versus, extra <= 5)
                self.add("instr", row, variant, [x], versus, budget,
                         unit="instructions/intercepted call, callgrind")

    def syscall_rows(self):
        for row, variants in [("clock_gettime", ["native", "zero", "libfaketime"]),
                              ("socketpair", ["native", "attached", "zero"])]:
            native = self.samples.get(("syscalls", row, "native"))
            for variant in variants:
                rounds = self.samples.get(("syscalls", row, variant))
                if not rounds:
                    continue
                x = values(rounds)[0]
                versus = budget = ""
                if native and variant != "native":
                    versus = f"{x - values(native)[0]:+.2f} syscalls"
                if row == "clock_gettime" and variant == "zero":
                    budget = self.budget("clock_gettime, clock_skew active, syscalls per call",
                                         "= 0", f"{x:.4f}", x < 0.01)
                self.add("syscalls", row, variant, [x], versus, budget,
                         unit="syscalls/intercepted call, strace -c",
                         show=lambda v: f"{v:.3f}")

    def spread_row(self, section, row, label, xs, note=""):
        """A row of the second table: p50, p99 and max of samples in ns."""
        p50, p99 = statistics.median(xs), percentile(xs, 99)
        command = self.commands[section, row, "zero"]
        self.accuracy.append([label, str(len(xs)), fmt_us(p50), fmt_us(p99),
                              fmt_us(max(xs)), note, f"`{command}`"])
        self.csv.append({"section": section, "row": row, "variant": "zero",
                         "measurement": label, "unit": "ns", "samples": len(xs),
                         "median": p50, "min": min(xs), "max": max(xs), "p99": p99,
                         "budget": note.replace("**", ""), "command": command})
        return p99

    def accuracy_rows(self):
        """The second table: error of injected latency, the bandwidth cap,
        the live toggle."""
        for ms in [1, 10, 100]:
            rounds = self.samples.get(("accuracy", f"latency_{ms}ms", "zero"))
            if rounds:
                self.spread_row("accuracy", f"latency_{ms}ms",
                                f"latency delay_ms={ms}: error of a send round trip",
                                values(rounds))
        for ms in [10, 100]:
            rounds = self.samples.get(("accuracy", f"epoll_{ms}ms", "zero"))
            if not rounds:
                continue
            xs = values(rounds)
            p50, p99 = statistics.median(xs), percentile(xs, 99)
            what = f"epoll client, recv latency {ms} ms, delivery error"
            note = (self.budget(what + " p50", "< 0.2 ms", fmt_us(p50), p50 < 0.2e6)
                    + "; " + self.budget(what + " p99", "< 1 ms", fmt_us(p99), p99 < 1e6))
            self.spread_row("accuracy", f"epoll_{ms}ms",
                            f"latency delay_ms={ms} on recv: error of delivery to "
                            "an epoll client (non-blocking socket)", xs, note)
        rounds = self.samples.get(("bandwidth", "recv_cap_2MiB", "zero"))
        if rounds:
            mib = values(rounds)[0] * 1e6 / 1048576
            label = "bandwidth bytes_per_s=2 MiB/s on recv: achieved rate"
            command = self.commands["bandwidth", "recv_cap_2MiB", "zero"]
            self.accuracy.append([label, "1 transfer", f"{mib:.3f} MiB/s", "", "",
                                  f"{mib / 2:.3f}× the cap", f"`{command}`"])
            self.csv.append({"section": "bandwidth", "row": "recv_cap_2MiB",
                             "variant": "zero", "measurement": label, "unit": "MiB/s",
                             "samples": 1, "median": mib, "command": command})
        rounds = self.samples.get(("toggle", "live_toggle", "zero"))
        if rounds:
            xs = values(rounds)
            p99 = percentile(xs, 99)
            budget = self.budget("live toggle delay, p99", "< 1 ms", fmt_us(p99), p99 < 1e6)
            self.spread_row("toggle", "live_toggle",
                            "live toggle: `enable` returned → first failed send", xs,
                            budget)

    def eventloop_rows(self):
        """The event-loop table: the other clients' p50 and p99 while one
        client is slowed 200 ms server side, against the same run with the
        rule disabled (free), and against the run without the rule in which
        that client sends its requests 200 ms apart (paced: the same traffic
        as under the rule, the real condition), paired by round. The budget
        is judged against paced; the ratio to free is shown beside it."""
        for server, label in SERVERS.items():
            cells, ok = [label], True
            for stat in ("p50", "p99"):
                runs = {mode: self.samples.get(("eventloop", f"{server}_{stat}", mode))
                        for mode in ("free", "paced", "slowed")}
                if not all(runs.values()):
                    ok = False
                    break
                slowed = runs["slowed"]
                to_free = paired_ratio(slowed, runs["free"])
                to_paced = paired_ratio(slowed, runs["paced"])
                cells += [f"{statistics.median(values(runs[mode])):.3f}"
                          for mode in ("free", "paced", "slowed")]
                cells.append(f"{to_free:.2f}×")
                cells.append(self.budget(
                    f"event-loop isolation, {label}, others' {stat} (to paced)",
                    "≤ 1.2×", f"{to_paced:.2f}×", to_paced <= 1.2)
                    .replace("≤ 1.2×: ", f"{to_paced:.2f}×, "))
                self.csv.append({"section": "eventloop", "row": f"{server}_{stat}",
                                 "variant": "slowed", "measurement": label,
                                 "unit": "ms", "samples": len(values(slowed)),
                                 "median": statistics.median(values(slowed)),
                                 "versus_native": to_paced,
                                 "command": self.commands["eventloop", f"{server}_{stat}",
                                                          "slowed"]})
            if not ok:
                continue
            delayed = self.samples.get(("eventloop", f"{server}_delayed", "slowed"))
            cells.append(f"{statistics.median(values(delayed)):.0f}" if delayed else "")
            cells.append(f"`{self.commands['eventloop', f'{server}_p50', 'slowed']}`")
            self.eventloop.append(cells)

    def plot_data(self, out):
        for name, rows, variants in [("clock", CLOCK_ROWS, CLOCK_VARIANTS),
                                     ("net", NET_ROWS, NET_VARIANTS)]:
            lines = [" ".join(['"call"'] + [f'"{variant_label(v, rows[0])}"'
                                            for v in variants])]
            for row in rows:
                cells = [f'"{row}"']
                for v in variants:
                    rounds = self.samples.get(("calls", row, v))
                    cells.append(f"{statistics.median(values(rounds)):.1f}" if rounds else "?")
                lines.append(" ".join(cells))
            (out / f"plot-{name}.dat").write_text("\n".join(lines) + "\n")


def table(header, rows):
    """A Markdown table, padded so that it also reads well as plain text."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
                     + [line(r) for r in rows])


def markdown(report):
    info = report.info
    quick = " — **quick mode (BENCH_QUICK=1): smoke figures, not for comparison**" \
        if info.get("quick") == "1" else ""
    calls = info.get("acc_calls", "").split()
    parts = [
        f"Measured {info.get('date', '?')} on {info.get('cpu', '?')} "
        f"({info.get('cpus', '?')} CPUs), {info.get('kernel', '?')}, "
        f"{info.get('glibc', '?')}; load average (1, 5, 15 min) {info.get('load_before', '?')} before, "
        f"{info.get('load_after', '?')} after{quick}.",
        "",
        f"Per-call rows: median, min and max over {info.get('rounds', '?')} interleaved "
        f"runs; bulk transfers ({info.get('bulk_mib', '?')} MiB each) over "
        f"{info.get('bulk_rounds', '?')}, redis ({info.get('redis_n', '?')} requests "
        f"per test) over {info.get('rate_rounds', '?')}. \"× native\" is the median "
        "of the ratios to the "
        "native run of the same round. Commands run from the repository root.",
        "",
        table(["measurement", "variant", "median", "min", "max", "× native", "budget",
               "command"], report.main),
        "",
        "Accuracy and live control"
        + (f" (latency: {', '.join(calls)} calls at 1, 10 and 100 ms; "
           "the error is the round trip's time minus the injected delay)" if calls else "")
        + ". A negative toggle delay means the running program saw the change "
        "before the `chaos-shim-ctl` process had finished exiting:",
        "",
        table(["measurement", "samples", "p50", "p99", "max", "", "command"],
              report.accuracy),
        "",
        *([f"Event-loop isolation ({info.get('eventloop', '?').split()[0]} rounds): one more "
           "client's receives delayed 200 ms on the server side (rule on `local` = the "
           "server's port and `peer` = that client's source port); the other clients' "
           "latency in ms, with the rule disabled (free), disabled while that client "
           "sends its requests 200 ms apart (paced: the same traffic without the rule), "
           "and enabled (slowed); the median of the per-round ratios of slowed to free "
           "and to paced (budget ≤ 1.2× to paced):",
           "",
           table(["server, load", "p50 free", "p50 paced", "p50 slowed", "p50 to free",
                  "p50 to paced", "p99 free", "p99 paced", "p99 slowed", "p99 to free",
                  "p99 to paced", "delayed receives", "command"],
                 report.eventloop),
           ""] if report.eventloop else []),
        "Budgets:",
        "",
        table(["budget", "measured", "result"], report.budgets),
    ]
    return "\n".join(parts) + "\n"


def write_docs(path, text):
    doc = Path(path).read_text()
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        sys.exit(f"bench: markers '{BEGIN}' and '{END}' not found in '{path}'")
    Path(path).write_text(doc[:start + len(BEGIN)] + "\n" + text + doc[end:])


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--docs"):
        sys.exit("usage: report.py OUTDIR [--docs PERFORMANCE.md]")
    out = Path(sys.argv[1])
    report = Report(out)
    report.timed_rows("calls", CALL_ROWS,
                      lambda row: CLOCK_VARIANTS if row in CLOCK_ROWS else NET_VARIANTS)
    report.timed_rows("trap", TRAP_ROWS, lambda row: TRAP_VARIANTS)
    report.timed_rows("rate", RATE_ROWS, lambda row: RATE_VARIANTS)
    report.instruction_rows()
    report.syscall_rows()
    report.accuracy_rows()
    report.eventloop_rows()
    text = markdown(report)
    print(text)
    (out / "results.md").write_text(text)
    fields = ["section", "row", "variant", "measurement", "unit", "samples", "median",
              "min", "max", "p99", "versus_native", "budget", "command"]
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(report.csv)
    report.plot_data(out)
    if len(sys.argv) == 4:
        write_docs(sys.argv[3], text)


if __name__ == "__main__":
    main()
