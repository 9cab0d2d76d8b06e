#!/usr/bin/env python3
"""taskip benchmarks: taskip beside what users would pick instead, run
side by side on this machine, reported as medians and ratios of one run.

    python3 bench/bench.py [--smoke] [--out FILE] [--only 1,3]

`make bench` runs the full profile and writes bench/RESULTS.md; `make
bench-smoke` (run by `make test`) runs every row with tiny counts, checks
that each produced its figures, and writes nothing in the tree.

Servers: Debian's nginx on 127.0.0.1 with TLS and keep-alive, serving a
fixed JSON body (bench/contact.json, the emulator's first page of
contacts) for the throughput rows; build/taskip-mock --latency-ms for the
latency rows. Everything runs from the source tree (build/ must be
built); temporary files live in one temporary directory, removed at exit.
"""
import argparse
import datetime
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
BUILD = os.path.join(ROOT, "build")
BBIN = os.path.join(BUILD, "bench")
KEY = "bench-key-not-a-secret"
API = "/api/public-v1"
# Debian's python3 with python3-requests, not whatever python3 is first
# on PATH (pyenv and virtualenvs have their own requests, or none).
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"

PROFILES = {
    "full": {
        "rounds": 5,
        # row 1: timed requests per run, per client
        "seq": {"floor": 3000, "taskip": 3000, "taskip_raw": 3000,
                "requests": 600, "luasec": 150, "curl": 60},
        "seq_warmup": 30,
        # row 2
        "par_total": 256, "par_conc": 32, "par_latency": 20,
        # row 3
        "many": 1000, "many_calls": 5, "many_sleep": 0.5,
        # row 4
        "hf_runs": 30, "hf_warmup": 3, "hf_pair_runs": 10, "hf_pair_rounds": 20,
        # row 5
        "step_rounds": 5, "step_latency": 200,
    },
    "smoke": {
        "rounds": 1,
        "seq": {"floor": 5, "taskip": 5, "taskip_raw": 5, "requests": 5,
                "luasec": 2, "curl": 2},
        "seq_warmup": 1,
        "par_total": 16, "par_conc": 4, "par_latency": 5,
        "many": 20, "many_calls": 2, "many_sleep": 0.05,
        "hf_runs": 2, "hf_warmup": 0, "hf_pair_runs": 2, "hf_pair_rounds": 2,
        # the full latency: a shorter one lets the first answers come
        # back before all 100 requests are started on a busy machine
        "step_rounds": 1, "step_latency": 200,
    },
}

CHILDREN = []


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, what, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"bench: {what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"bench: {what} did not listen on port {port}")


def start(argv, **kw):
    proc = subprocess.Popen(argv, **kw)
    CHILDREN.append(proc)
    return proc


def stop_all():
    for proc in reversed(CHILDREN):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    CHILDREN.clear()


def run(argv, env, what, timeout=600):
    """Runs a client; returns its stdout (fails the bench on an error)."""
    p = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=timeout, check=False)
    if p.returncode != 0:
        raise SystemExit(f"bench: {what} failed ({p.returncode}):\n"
                         f"{p.stderr.strip()[-2000:]}")
    return p.stdout


def run_json(argv, env, what):
    return json.loads(run(argv, env, what).strip().splitlines()[-1])


# {==================================================== servers

class Nginx:
    """nginx from bench/nginx.conf.in, with a throwaway CA and cert."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "nginx")
        os.makedirs(self.dir)
        d = self.dir
        ssl = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        quiet = {"capture_output": True, "check": True}
        subprocess.run(ssl + ["-keyout", f"{d}/ca.key", "-out",
                              f"{d}/ca.pem", "-subj", "/CN=taskip bench CA",
                              "-addext", "basicConstraints=critical,CA:TRUE",
                              "-addext", "keyUsage=critical,keyCertSign"],
                       **quiet)
        subprocess.run(["openssl", "req", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes",
                        "-keyout", f"{d}/server.key", "-out",
                        f"{d}/server.csr", "-subj", "/CN=127.0.0.1"], **quiet)
        ext = f"{d}/ext.cnf"
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth\n")
        subprocess.run(["openssl", "x509", "-req", "-in", f"{d}/server.csr",
                        "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
                        "-CAcreateserial", "-days", "2", "-extfile", ext,
                        "-out", f"{d}/server.pem"], **quiet)
        shutil.copy(os.path.join(BENCH, "contact.json"), d)
        self.port = free_port()
        with open(os.path.join(BENCH, "nginx.conf.in")) as f:
            conf = f.read()
        conf = (conf.replace("@DIR@", d).replace("@PORT@", str(self.port))
                .replace("@KEY@", KEY))
        with open(f"{d}/nginx.conf", "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = start([nginx, "-p", d, "-c", f"{d}/nginx.conf",
                           "-e", f"{d}/error.log"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_port(self.port, self.proc, "nginx")
        self.base = f"https://127.0.0.1:{self.port}{API}"
        self.url = self.base + "/contact"
        self.cafile = f"{d}/ca.pem"


class Mock:
    """build/taskip-mock with a latency, a large rate budget, our key."""

    def __init__(self, tmp, latency_ms):
        out = os.path.join(tmp, f"mock-{latency_ms}.out")
        self.out = open(out, "w+")
        self.cafile = os.path.join(tmp, f"mock-{latency_ms}-ca.pem")
        self.proc = start([os.path.join(BUILD, "taskip-mock"),
                           "--latency-ms", str(latency_ms),
                           "--limit", "100000000", "--secret-key", KEY,
                           "--ca-out", self.cafile],
                          stdout=self.out, stderr=subprocess.STDOUT)
        end = time.monotonic() + 30     # generous: the machine may be busy
        self.base = None
        while time.monotonic() < end and self.base is None:
            if self.proc.poll() is not None:
                raise SystemExit("bench: taskip-mock exited")
            with open(out) as f:
                for line in f:
                    if line.startswith("TASKIP_BASE_URL="):
                        self.base = line.split("=", 1)[1].strip()
            time.sleep(0.02)
        if self.base is None:
            raise SystemExit("bench: taskip-mock did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)
        self.out.close()


def env_for(base, cafile):
    env = dict(os.environ)
    # Every client is given the bench CA explicitly; CA-bundle variables
    # would override some of them (requests prefers REQUESTS_CA_BUNDLE).
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        env.pop(name, None)
    env.update({
        "LUA_PATH": f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;",
        "LUA_CPATH": f"{BUILD}/?.so;;",
        "TASKIP_LUA_DIR": os.path.join(ROOT, "lua"),
        "TASKIP_SECRET_KEY": KEY,
        "TASKIP_BASE_URL": base,
        "TASKIP_CAFILE": cafile,
    })
    return env

# }====================================================

# {==================================================== rows


def row1(p, ngx):
    """Sequential GET + JSON decode, req/s, interleaved rounds."""
    env = env_for(ngx.base, ngx.cafile)
    url, ca = ngx.url, ngx.cafile
    w = str(p["seq_warmup"])
    lua = "lua5.4"
    clients = {
        "floor": [os.path.join(BBIN, "floor-get"), url, ca, KEY],
        "taskip": [lua, f"{BENCH}/clients/seq_taskip.lua", ngx.base, ca,
                   KEY],
        "taskip_raw": [lua, f"{BENCH}/clients/seq_taskip.lua", ngx.base,
                       ca, KEY],
        "requests": [PYTHON, f"{BENCH}/clients/seq_requests.py", url, ca,
                     KEY],
        "luasec": [lua, f"{BENCH}/clients/seq_luasec.lua", url, ca, KEY],
    }
    tail = {"taskip": ["decode"], "taskip_raw": ["raw"]}
    curl = ["curl", "-sS", "-f", "--cacert", ca, "-H",
            f"X-Secret-Key: {KEY}", "-H", "Accept: application/json",
            "-o", "/dev/null", url]
    rates = {k: [] for k in list(clients) + ["curl"]}
    ratios = {k: [] for k in rates if k != "taskip"}
    decode, cjson_us, body = [], [], 0
    for r in range(p["rounds"]):
        got = {}
        for name, argv in clients.items():
            n = p["seq"][name]
            res = run_json(argv + [str(n), w] + tail.get(name, []), env,
                           name)
            got[name] = res["n"] / res["seconds"]
            if name == "taskip":
                decode.append(res["decode_us"])
                cjson_us.append(res["cjson_us"])
                body = res["bytes"]
        n = p["seq"]["curl"]
        run(curl, env, "curl")
        t0 = time.monotonic()
        for _ in range(n):
            run(curl, env, "curl")
        got["curl"] = n / (time.monotonic() - t0)
        for k, v in got.items():
            rates[k].append(v)
        for k in ratios:
            ratios[k].append(got["taskip"] / got[k])
        log(f"row 1 round {r + 1}: " +
            ", ".join(f"{k} {v:.0f}/s" for k, v in got.items()))
    return {"rates": {k: median(v) for k, v in rates.items()},
            "ratios": {k: median(v) for k, v in ratios.items()},
            "decode_us": median(decode), "cjson_us": median(cjson_us),
            "bytes": body,
            "runs": {k: v for k, v in rates.items()}}


def row2(p, tmp):
    """TOTAL GETs at LATENCY ms: concurrency CONC vs sequential."""
    mock = Mock(tmp, p["par_latency"])
    try:
        env = env_for(mock.base, mock.cafile)
        total, conc = p["par_total"], p["par_conc"]
        pg = os.path.join(BBIN, "parallel-get")
        cold, warm, seq = [], [], []
        for r in range(p["rounds"]):
            res = run_json([pg, str(total), str(conc), "/contact/1"], env,
                           "parallel-get")
            cold.append(res["cold"])
            warm.append(res["warm"])
            res = run_json([pg, str(total), "1", "/contact/1", "1"], env,
                           "parallel-get sequential")
            seq.append(res["cold"])
            log(f"row 2 run {r + 1}: concurrent cold {res_ms(cold[-1])}, "
                f"warm {res_ms(warm[-1])}, sequential {res_ms(seq[-1])}")
    finally:
        mock.stop()
    ideal = math.ceil(total / conc) * p["par_latency"] / 1000.0
    return {"total": total, "conc": conc, "latency": p["par_latency"],
            "ideal": ideal, "cold": median(cold), "warm": median(warm),
            "sequential": median(seq),
            "cold_ratio": median(cold) / ideal,
            "warm_ratio": median(warm) / ideal,
            "seq_ratio": median(seq) / median(cold),
            "runs": {"cold": cold, "warm": warm, "sequential": seq}}


def res_ms(s):
    return f"{s * 1000:.0f} ms"


def row3(p, ngx):
    """Many sandboxed scripts at once in one host."""
    env = env_for(ngx.base, ngx.cafile)
    prog = os.path.join(BBIN, "many-scripts")
    runs = []
    for r in range(p["rounds"]):
        res = run_json([prog, str(p["many"]), str(p["many_calls"]),
                        "/contact", str(p["many_sleep"])], env,
                       "many-scripts")
        runs.append(res)
        log(f"row 3 run {r + 1}: {res}")
    out = {k: median([x[k] for x in runs]) for k in
           ("spawn_us", "idle_bytes", "peak_rss", "calls_seconds",
            "idle_step_us", "idle_step_max_us")}
    out.update({"scripts": p["many"], "calls": p["many_calls"],
                "all_completed": all(x["completed"] == x["scripts"]
                                     for x in runs),
                "max_peak_rss": max(x["peak_rss"] for x in runs),
                "max_spawn_us": max(x["spawn_us"] for x in runs),
                "runs": runs})
    return out


def row4(p, ngx, tmp):
    """One-call process, start to exit, with hyperfine."""
    env = env_for(ngx.base, ngx.cafile)
    # taskip-run as users run it: with the modules it carries compiled
    # in. TASKIP_LUA_DIR is the developer's override (a source tree's
    # modules, read and compiled at every start: ~10 M instructions).
    for name in ("TASKIP_LUA_DIR", "LUA_PATH", "LUA_CPATH"):
        env.pop(name, None)
    url, ca = ngx.url, ngx.cafile
    cmds = {
        "taskip-run": f"{BUILD}/taskip-run --quiet --base-url {ngx.base} "
                      f"--cafile {ca} {BENCH}/clients/one_call.lua",
        "floor": f"{BBIN}/floor-once {url} {ca}",
        "python3 + requests": f"{PYTHON} {BENCH}/clients/once_requests.py "
                              f"{url} {ca}",
        "curl CLI": f"curl -sS -f --cacert {ca} -H X-Secret-Key:{KEY} "
                    f"-H Accept:application/json -o /dev/null {url}",
        # where taskip-run's time goes: loading the program, then the
        # host and one sandbox without any call
        "taskip-run --version": f"{BUILD}/taskip-run --version",
        "taskip-run, no call": f"{BUILD}/taskip-run --quiet --base-url "
                               f"{ngx.base} --cafile {ca} "
                               f"{BENCH}/clients/no_call.lua",
    }
    out = os.path.join(tmp, "hyperfine.json")
    argv = ["hyperfine", "-N", "--style", "none", "--runs",
            str(p["hf_runs"]), "--warmup", str(p["hf_warmup"]),
            "--export-json", out]
    for name, cmd in cmds.items():
        argv += ["-n", name, cmd]
    run(argv, env, "hyperfine")
    with open(out) as f:
        res = json.load(f)["results"]
    med = {}
    for name, r in zip(cmds, res):
        if any(code != 0 for code in r.get("exit_codes", [0])):
            raise SystemExit(f"bench: row 4: {name} failed")
        med[name] = r["median"]
        log(f"row 4 {name}: median {r['median'] * 1000:.1f} ms "
            f"over {len(r['times'])} runs")
    ratios = {k: v / med["floor"] for k, v in med.items()}
    # taskip-run against the floor: the median of the ratios of short
    # rounds that run the two back to back, in alternating order, so
    # that the machine's load drifting during the long run above does
    # not land on one side only.
    pair, paired = [], {"taskip-run": [], "floor": []}
    for r in range(p["hf_pair_rounds"]):
        out_r = os.path.join(tmp, f"hyperfine-pair-{r}.json")
        names = ["taskip-run", "floor"] if r % 2 == 0 else ["floor", "taskip-run"]
        argv = ["hyperfine", "-N", "--style", "none", "--runs",
                str(p["hf_pair_runs"]), "--warmup", "1", "--export-json", out_r]
        for name in names:
            argv += ["-n", name, cmds[name]]
        run(argv, env, "hyperfine")
        with open(out_r) as f:
            got = {name: r_["median"] for name, r_ in zip(names, json.load(f)["results"])}
        pair.append(got["taskip-run"] / got["floor"])
        for name in names:
            paired[name].append(got[name])
    ratios["taskip-run"] = median(pair)
    # the row's two times come from the same rounds as their ratio
    for name, times in paired.items():
        med[name] = median(times)
    log(f"row 4 taskip-run / floor, per round: {[round(x, 3) for x in pair]}")
    return {"median": med, "runs": p["hf_runs"], "ratios": ratios,
            "pair_ratios": pair}


def row5(p, tmp):
    """step(0) with 100 requests in flight."""
    mock = Mock(tmp, p["step_latency"])
    try:
        env = env_for(mock.base, mock.cafile)
        out = run([os.path.join(BBIN, "step-latency"),
                   str(p["step_rounds"])], env, "step-latency")
    finally:
        mock.stop()
    runs = [json.loads(line) for line in out.strip().splitlines()]
    for i, r in enumerate(runs):
        log(f"row 5 run {i + 1}: {r}")
    res = {k: median([r[k] for r in runs]) for k in
           ("steps", "cpu_max", "cpu_p99", "wall_max", "wall_p99")}
    res["worst_cpu_max"] = max(r["cpu_max"] for r in runs)
    res["worst_wall_max"] = max(r["wall_max"] for r in runs)
    res["latency"] = p["step_latency"]
    res["runs"] = runs
    return res

# }====================================================

# {==================================================== report


def version(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    debian = "?"
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    load = os.getloadavg()
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} cores"),
        ("memory", mem),
        ("system", f"Debian {debian}, Linux {platform.release()}"),
        ("load average at start", f"{load[0]:.2f} {load[1]:.2f} "
                                  f"{load[2]:.2f}"),
        ("libcurl", version(["curl", "--version"])),
        ("nginx", version(["nginx", "-v"])),
        ("Lua", version(["lua5.4", "-v"])),
        ("Python", version([PYTHON, "-c", "import sys, requests; "
                            "print('Python', sys.version.split()[0], "
                            "'requests', requests.__version__)"])),
        ("LuaSec", version(["lua5.4", "-e", "print('LuaSec ' .. "
                            "require('ssl')._VERSION)"])),
        ("hyperfine", version(["hyperfine", "--version"])),
    ]


def verdict(ok):
    return "met" if ok else "**missed**"


def report(res, p, smoke, started, elapsed):
    lines = []
    add = lines.append
    r1, r2, r3, r4, r5 = (res.get(i) for i in (1, 2, 3, 4, 5))
    add("| # | workload | taskip | compared with | ratio | target | |")
    add("|---|---|---|---|---|---|---|")
    if r1:
        t = r1["rates"]
        q = r1["ratios"]
        add(f"| 1 | sequential GET + JSON decode to a Lua table "
            f"({r1['bytes']} B body), req/s | "
            f"{t['taskip']:.0f} | C loop, one libcurl handle (floor, no "
            f"decode): {t['floor']:.0f} | {q['floor']:.2f}× | ≥ 0.9× | "
            f"{verdict(q['floor'] >= 0.9)} |")
        add(f"| | | | Python requests.Session + r.json(): "
            f"{t['requests']:.0f} | {q['requests']:.1f}× | ≥ 10× | "
            f"{verdict(q['requests'] >= 10)} |")
        add(f"| | | | LuaSec ssl.https + cjson (new connection per call): "
            f"{t['luasec']:.0f} | {q['luasec']:.1f}× | | |")
        add(f"| | | | curl CLI per call (no decode): {t['curl']:.0f} | "
            f"{q['curl']:.1f}× | | |")
        add(f"| | | taskip raw (no decode): {t['taskip_raw']:.0f} | "
            f"floor: {t['floor']:.0f} | "
            f"{t['taskip_raw'] / t['floor']:.2f}× | (transport only) | |")
        add(f"| | per call | taskip {1e6 / t['taskip']:.0f} µs, of which "
            f"decoding the body alone {r1['decode_us']:.0f} µs "
            f"(lua-cjson {r1['cjson_us']:.0f} µs + integers "
            f"{r1['decode_us'] - r1['cjson_us']:.0f} µs); taskip raw "
            f"{1e6 / t['taskip_raw']:.0f} µs | floor "
            f"{1e6 / t['floor']:.0f} µs | | | |")
    if r2:
        add(f"| 2 | {r2['total']} GETs at {r2['latency']} ms latency, "
            f"concurrency {r2['conc']}, wall | {r2['cold'] * 1000:.0f} ms "
            f"(new host, connections opened inside) | ideal "
            f"ceil({r2['total']}/{r2['conc']})×{r2['latency']} ms = "
            f"{r2['ideal'] * 1000:.0f} ms | {r2['cold_ratio']:.2f}× | "
            f"≤ 1.3× | {verdict(r2['cold_ratio'] <= 1.3)} |")
        add(f"| | | {r2['warm'] * 1000:.0f} ms (connections kept) | ideal "
            f"{r2['ideal'] * 1000:.0f} ms | {r2['warm_ratio']:.2f}× | "
            f"≤ 1.3× | {verdict(r2['warm_ratio'] <= 1.3)} |")
        add(f"| | | | sequential (concurrency 1): "
            f"{r2['sequential'] * 1000:.0f} ms | "
            f"{r2['seq_ratio']:.1f}× faster | | |")
    if r3:
        mib = r3["peak_rss"] / 1048576
        add(f"| 3 | {r3['scripts']} sandboxed scripts at once, "
            f"{r3['calls']} calls each, one host | all completed: "
            f"{'yes' if r3['all_completed'] else '**no**'} | | | all "
            f"complete | {verdict(r3['all_completed'])} |")
        add(f"| | peak RSS | {mib:.1f} MiB | | | ≤ 200 MiB | "
            f"{verdict(r3['max_peak_rss'] <= 200 * 1048576)} |")
        add(f"| | spawn per script | {r3['spawn_us']:.0f} µs | | | "
            f"≤ 150 µs | {verdict(r3['spawn_us'] <= 150)} |")
        add(f"| | idle memory per script (RSS growth / scripts) | "
            f"{r3['idle_bytes'] / 1024:.0f} KiB | | | ≤ 100 KiB | "
            f"{verdict(r3['idle_bytes'] <= 100 * 1024)} |")
        add(f"| | the {r3['scripts'] * r3['calls']} calls, after the "
            f"sleep | {r3['calls_seconds'] * 1000:.0f} ms | | | | |")
        add(f"| | `step(h, 0)` while all {r3['scripts']} sleep | median "
            f"{r3['idle_step_us']:.1f} µs, max {r3['idle_step_max_us']:.1f} µs "
            f"| | | reported | |")
    if r4:
        m, q = r4["median"], r4["ratios"]
        add(f"| 4 | one-call script, process start to exit | taskip-run "
            f"{m['taskip-run'] * 1000:.1f} ms | C, one libcurl GET (floor): "
            f"{m['floor'] * 1000:.1f} ms | {q['taskip-run']:.2f}× | "
            f"≤ 1.15× | {verdict(q['taskip-run'] <= 1.15)} |")
        add(f"| | | | python3 + requests: "
            f"{m['python3 + requests'] * 1000:.1f} ms | "
            f"{m['python3 + requests'] / m['taskip-run']:.1f}× slower | | |")
        add(f"| | | | curl CLI: {m['curl CLI'] * 1000:.1f} ms | "
            f"{m['curl CLI'] / m['taskip-run']:.2f}× (curl/taskip) | | |")
        add(f"| | where it goes | `taskip-run --version` "
            f"{m['taskip-run --version'] * 1000:.1f} ms; a script making no "
            f"call {m['taskip-run, no call'] * 1000:.1f} ms | | | | |")
    if r5:
        add(f"| 5 | step(0) with 100 requests in flight, {r5['latency']} ms "
            f"server latency, 1 ms frames (thread CPU) | "
            f"max {r5['cpu_max']:.0f} µs, p99 {r5['cpu_p99']:.0f} µs "
            f"(worst run max {r5['worst_cpu_max']:.0f} µs) | | | max ≤ 1 ms "
            f"| {verdict(r5['worst_cpu_max'] <= 1000)} |")
        add(f"| | same steps, wall time | max {r5['wall_max']:.0f} µs, "
            f"p99 {r5['wall_p99']:.0f} µs (worst run max "
            f"{r5['worst_wall_max']:.0f} µs) | | | reported | |")
    table = "\n".join(lines)
    head = [
        "# taskip benchmark results" + (" (smoke)" if smoke else ""),
        "",
        f"Run by `make bench` ({'smoke counts' if smoke else 'full'}) on "
        f"{started.strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{elapsed:.0f} s in all. Figures are medians of "
        f"{p['rounds']} runs (row 4: taskip-run and the floor, and their "
        f"ratio, of {p['hf_pair_rounds']} interleaved rounds; the other "
        f"commands, of {p['hf_runs']} hyperfine runs each); ratios come "
        "from the same run.",
        "",
    ]
    head += [f"- **{k}**: {v}" for k, v in machine()]
    return "\n".join(head) + "\n\n" + table + "\n", table


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--out", help="write the report here")
    ap.add_argument("--notes", help="append this Markdown file's text")
    ap.add_argument("--only", help="rows to run, e.g. 1,4")
    ap.add_argument("--json", help="write the raw figures here")
    a = ap.parse_args()
    p = PROFILES["smoke" if a.smoke else "full"]
    rows = [int(x) for x in a.only.split(",")] if a.only else [1, 2, 3, 4, 5]
    for prog in ("floor-get", "floor-once", "parallel-get", "many-scripts",
                 "step-latency"):
        if not os.access(os.path.join(BBIN, prog), os.X_OK):
            raise SystemExit(f"bench: build/bench/{prog} missing: make bench")
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.monotonic()
    res = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = tempfile.mkdtemp(prefix="taskip-bench-")
    try:
        ngx = Nginx(tmp) if {1, 3, 4} & set(rows) else None
        for i in rows:
            log(f"row {i}...")
            if i == 1:
                res[1] = row1(p, ngx)
            elif i == 2:
                res[2] = row2(p, tmp)
            elif i == 3:
                res[3] = row3(p, ngx)
            elif i == 4:
                res[4] = row4(p, ngx, tmp)
            elif i == 5:
                res[5] = row5(p, tmp)
            print(f"row {i}: ok", flush=True)
    finally:
        stop_all()
        shutil.rmtree(tmp, ignore_errors=True)
    doc, table = report(res, p, a.smoke, started, time.monotonic() - t0)
    print(table)
    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            doc += "\n" + f.read()
    if a.out:
        with open(a.out, "w") as f:
            f.write(doc)
        log(f"wrote {a.out}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({str(k): v for k, v in res.items()}, f, indent=1)
    print(f"rows run: {' '.join(str(i) for i in sorted(res))}")


if __name__ == "__main__":
    main()
