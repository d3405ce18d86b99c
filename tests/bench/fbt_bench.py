"""`cargo xtask bench fbt [DATASET]`: our miner against mlxtend's fpgrowth and
efficient-apriori on the same data, in the same run.

usage: python fbt_bench.py CROSSCART_RELEASE_BIN WORK_DIR RETAIL_WHEEL STORE_WHEEL [DATASET]

Each contender runs as its own process on the same FIMI file; wall time and
peak memory (the child's own VmHWM) cover the whole process: reading the file,
mining and producing the rules. mlxtend and efficient-apriori also report
their mining time alone. Datasets: the user's DATASET if given; otherwise
UCI Online Retail grouped per customer (PyARMViz 0.1.4), the store_data
baskets (rule-mining-algs 0.1.1), and a synthetic 100,000-basket set
(labelled as such) for the size the targets name. Prints a table; a model
for 20,000 items is written to WORK_DIR/lookup.ccfbt for the browser bench.
"""
import io
import os
import random
import subprocess
import sys
import tarfile
import time
import zipfile

PY = sys.executable

MLXTEND = r'''
import sys, time
import pandas as pd
from mlxtend.preprocessing import TransactionEncoder
from mlxtend.frequent_patterns import fpgrowth, association_rules
path, ms, max_len = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]) or None
tx = [l.split() for l in open(path) if l.strip()]
te = TransactionEncoder()
df = pd.DataFrame(te.fit(tx).transform(tx), columns=te.columns_)
t = time.perf_counter()
freq = fpgrowth(df, min_support=ms, max_len=max_len)
rules = association_rules(freq, num_itemsets=len(df), metric="confidence", min_threshold=0.0) if len(freq) else []
print(f"{time.perf_counter() - t:.4f} {len(rules)}")
'''

APRIORI = r'''
import sys, time
from efficient_apriori import apriori
path, ms, max_len = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]) or 64
tx = [tuple(l.split()) for l in open(path) if l.strip()]
t = time.perf_counter()
_, rules = apriori(tx, min_support=ms, min_confidence=0.0, max_length=max_len)
print(f"{time.perf_counter() - t:.4f} {len(rules)}")
'''


TIMEOUT = 300


def run(cmd, timeout=TIMEOUT):
    """Runs cmd; returns (wall s, peak MiB, stdout, ok, stderr). Killed after `timeout` s."""
    import threading
    t = time.perf_counter()
    import tempfile
    errfile = tempfile.TemporaryFile()  # a file, not a pipe: a chatty stderr cannot block the child
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    # Peak RSS from the child's own VmHWM: ru_maxrss would carry over this
    # (large) parent's RSS across fork and exec on Linux.
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            done.wait(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out = b""
    while True:
        chunk = p.stdout.read(1 << 16)
        if not chunk:
            break
        if len(out) < 1 << 20:
            out += chunk
    # Wait for exit without reaping, so /proc/<pid>/status stays readable until the end.
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    done.set()
    watcher.join()
    _, status = os.waitpid(p.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, peak[0] / 1024.0, out.decode(errors="replace"), p.returncode == 0, (errfile.seek(0), errfile.read().decode(errors="replace"))[1]


def write_fimi(path, baskets):
    with open(path, "w") as f:
        for b in baskets:
            f.write(" ".join(map(str, b)) + "\n")


def real_datasets(retail_wheel, store_wheel, work):
    z = zipfile.ZipFile(retail_wheel)
    t = tarfile.open(fileobj=io.BytesIO(z.read("PyARMViz/datasets/Online_Retail_Grouped.tar.xz")))
    text = t.extractfile(t.getmembers()[0]).read().decode("utf-8", "replace")
    retail = [[i.strip() for i in line.split(",") if i.strip()] for line in text.splitlines() if line.strip()]
    z = zipfile.ZipFile(store_wheel)
    store = [[i.strip() for i in line.split(",") if i.strip()] for line in z.read("algs/datasets/store_data.csv").decode().splitlines() if line.strip()]
    out = []
    for name, baskets in (("online-retail (UCI, per customer)", retail), ("store_data", store)):
        ids = {item: n + 1 for n, item in enumerate(sorted({i for b in baskets for i in b}))}
        path = f"{work}/{name.split()[0]}.dat"
        write_fimi(path, [sorted({ids[i] for i in b}) for b in baskets])
        out.append((name, path))
    return out


def synthetic(path, baskets, items, seed):
    """Zipf-popular items in groups of related products (labelled synthetic)."""
    rnd = random.Random(seed)
    weights = [1.0 / (r + 1) ** 0.8 for r in range(items)]
    groups = items // 10
    rows = []
    for _ in range(baskets):
        anchor = rnd.choices(range(items), weights)[0]
        g = anchor // 10
        b = {anchor}
        for _ in range(rnd.randint(0, 4)):
            b.add(g * 10 + rnd.randrange(10))
        if rnd.random() < 0.3:
            b.add(rnd.randrange(items))
        rows.append(sorted(x + 1 for x in b))
    write_fimi(path, rows)
    return path


def main():
    crosscart, work, retail_wheel, store_wheel = sys.argv[1:5]
    if len(sys.argv) > 5:
        datasets = [(os.path.basename(sys.argv[5]), sys.argv[5])]
    else:
        datasets = real_datasets(retail_wheel, store_wheel, work)
        datasets.append(("synthetic 100k baskets, 1k items", synthetic(f"{work}/synthetic100k.dat", 100_000, 1_000, 7)))
    settings = {"online-retail": (0.03, 0.06), "store_data": (0.002, 0.005), "synthetic": (0.0005, 0.002)}
    print("wall s and peak MiB: the whole process (read, mine, write rules); mine s: mining alone, as each tool reports it")
    print(f"{'dataset':38} {'mode':6} {'min_sup':>8} {'contender':18} {'rules':>8} {'wall s':>8} {'mine s':>8} {'peak MiB':>9} {'slower than ours':>26}")
    for name, path in datasets:
        n = sum(1 for line in open(path) if line.strip())
        pair_ms, full_ms = next((v for k, v in settings.items() if name.startswith(k)), (0.001, 0.005))
        for mode, ms, max_len in (("pairs", pair_ms, 2), ("full", full_ms, 0)):
            args = ["--min-support", repr(ms)] + (["--max-len", str(max_len)] if max_len else [])
            results = []
            wall, peak, out, ok, err = run([crosscart, "rules", path, "--format", "fimi", *args])
            mine_s = err.split("mine ")[1].split(" ")[0] if "mine " in err else "?"
            results.append(("crosscart", wall, mine_s, peak, max(out.count("\n") - 1, 0) if ok else None))
            for label, script in (("mlxtend fpgrowth", MLXTEND), ("efficient-apriori", APRIORI)):
                wall, peak, out, ok, _ = run([PY, "-c", script, path, repr(ms), str(max_len)])
                timed_out = not ok and wall >= TIMEOUT
                mine_s, count = (out.split() + ["?", "?"])[:2] if ok else ("timeout" if timed_out else "failed", None)
                results.append((label, wall, mine_s, peak, count))
            ours = results[0][1]
            for label, wall, mine_s, peak, count in results:
                more = ">" if mine_s == "timeout" else ""
                ratio = "1.0×" if label == "crosscart" else f"{more}{wall / ours:.0f}×"
                if label != "crosscart" and mine_s not in ("timeout", "failed", "?") and results[0][2] not in ("?", None):
                    ratio += f" (mining {float(mine_s) / max(float(results[0][2]), 1e-4):.0f}×)"
                print(f"{name[:38]:38} {mode:6} {ms:>8} {label:18} {str(count):>8} {wall:>8.3f} {str(mine_s or '-'):>8} {peak:>9.1f} {ratio:>26}", flush=True)
        print(f"{'':38} ({n} baskets)")
    # A 20,000-item model for the browser lookup bench.
    lookup = synthetic(f"{work}/lookup20k.dat", 120_000, 20_000, 11)
    wall, peak, out, ok, _ = run([crosscart, "mine", lookup, "--out", f"{work}/lookup.ccfbt", "--min-support", "0.00001", "--min-count", "3", "--top-k", "10"])
    print(out.strip())
    print(f"pairs model for 20,000 items: mined in {wall:.2f} s, peak {peak:.1f} MiB")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
