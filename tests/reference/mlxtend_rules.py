"""Rule-for-rule equality of `crosscart rules` with mlxtend (fpgrowth +
association_rules) on real public data that a PyPI package ships.

usage: python mlxtend_rules.py CROSSCART_BIN WHEEL_WITH_DATASETS WORK_DIR [PYARMVIZ_WHEEL]

Prints TAP (`ok N - ...`, `# pass N`, `# fail N`) and exits 1 on any mismatch.
Datasets come from the `rule-mining-algs` wheel (algs/datasets/): the
"store_data" market baskets (7,501 baskets) and the UCI mushroom table
(8,124 rows, dense, long itemsets); and, when its wheel is given, UCI Online
Retail grouped per customer from `PyARMViz` (4,372 long baskets). Nothing
here is committed data.
"""
import csv
import io
import json
import math
import subprocess
import sys
import time
import zipfile

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

REL = 1e-9


def load_retail(wheel):
    import tarfile
    z = zipfile.ZipFile(wheel)
    t = tarfile.open(fileobj=io.BytesIO(z.read("PyARMViz/datasets/Online_Retail_Grouped.tar.xz")))
    text = t.extractfile(t.getmembers()[0]).read().decode("utf-8", "replace")
    return [[i.strip() for i in line.split(",") if i.strip()] for line in text.splitlines() if line.strip()]


def load(wheel):
    z = zipfile.ZipFile(wheel)
    store = [[i.strip() for i in line.split(",") if i.strip()]
             for line in z.read("algs/datasets/store_data.csv").decode().splitlines() if line.strip()]
    mushroom = [[f"{col}={val}" for col, val in enumerate(line.split(",")) if val != "?"]
                for line in z.read("algs/datasets/agaricus-lepiota.data").decode().splitlines() if line.strip()]
    return {"store_data": store, "mushroom": mushroom}


def write_inputs(name, baskets, work):
    """The same baskets as integer ids in all three formats."""
    ids = {item: i + 1 for i, item in enumerate(sorted({i for b in baskets for i in b}))}
    enc = [[ids[i] for i in b] for b in baskets]
    paths = {}
    with open(f"{work}/{name}.dat", "w") as f:
        for b in enc:
            f.write(" ".join(map(str, b)) + "\n")
    paths["fimi"] = f"{work}/{name}.dat"
    with open(f"{work}/{name}.csv", "w") as f:
        f.write("order_id,item_id\n")
        for o, b in enumerate(enc):
            for i in b:
                f.write(f"o{o},{i}\n")
    paths["csv"] = f"{work}/{name}.csv"
    with open(f"{work}/{name}.jsonl", "w") as f:
        for o, b in enumerate(enc):
            f.write(json.dumps({"order_id": o, "items": b}) + "\n")
    paths["jsonl"] = f"{work}/{name}.jsonl"
    return enc, paths


def reference(enc, min_support, max_len):
    te = TransactionEncoder()
    df = pd.DataFrame(te.fit(enc).transform(enc), columns=te.columns_)
    t = time.perf_counter()
    freq = fpgrowth(df, min_support=min_support, use_colnames=True, max_len=max_len)
    if len(freq) == 0:
        return {}, time.perf_counter() - t
    rules = association_rules(freq, num_itemsets=len(df), metric="confidence", min_threshold=0.0)
    elapsed = time.perf_counter() - t
    out = {}
    for r in rules.itertuples(index=False):
        key = (frozenset(int(x) for x in r.antecedents), frozenset(int(x) for x in r.consequents))
        out[key] = (r.support, r.confidence, r.lift, r.leverage, r.conviction)
    return out, elapsed


def ours(binary, path, fmt, min_support, max_len):
    cmd = [binary, "rules", path, "--format", fmt, "--min-support", repr(min_support)]
    if max_len:
        cmd += ["--max-len", str(max_len)]
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - t
    rows = list(csv.reader(io.StringIO(p.stdout)))
    assert rows[0] == ["antecedent", "consequent", "support", "confidence", "lift", "leverage", "conviction"], rows[0]
    out, order = {}, []
    for a, c, *nums in rows[1:]:
        aa, cc = [int(x) for x in a.split(" ")], [int(x) for x in c.split(" ")]
        assert aa == sorted(aa) and cc == sorted(cc), f"sides not in ascending order: {a!r} -> {c!r}"
        order.append((aa, cc))
        out[(frozenset(aa), frozenset(cc))] = tuple(float(x) for x in nums)
    assert order == sorted(order), "rows are not sorted"
    return out, elapsed


def close(x, y):
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= REL * max(abs(x), abs(y)) or abs(x - y) <= 1e-15


def compare(want, got):
    problems = []
    if set(want) != set(got):
        missing, extra = set(want) - set(got), set(got) - set(want)
        problems.append(f"{len(missing)} rules missing (e.g. {sorted(map(sorted, next(iter(missing), ())))}), {len(extra)} extra")
    names = ["support", "confidence", "lift", "leverage", "conviction"]
    for key in set(want) & set(got):
        for n, x, y in zip(names, want[key], got[key]):
            if not close(x, y):
                problems.append(f"{n} of {sorted(key[0])} -> {sorted(key[1])}: mlxtend {x!r}, crosscart {y!r}")
                break
        if len(problems) > 5:
            break
    return problems


def main():
    binary, wheel, work = sys.argv[1:4]
    data = load(wheel)
    if len(sys.argv) > 4:
        data["online_retail"] = load_retail(sys.argv[4])
    cases = [
        ("store_data", 0.005, None, "fimi"),
        ("store_data", 0.01, None, "csv"),
        ("store_data", 0.02, None, "jsonl"),
        ("store_data", 0.003, 2, "fimi"),
        ("mushroom", 0.5, None, "fimi"),
        ("mushroom", 0.35, 3, "csv"),
    ]
    if "online_retail" in data:
        cases += [("online_retail", 0.06, None, "jsonl"), ("online_retail", 0.04, 2, "fimi")]
    inputs = {name: write_inputs(name, baskets, work) for name, baskets in data.items()}
    passed = failed = 0
    for n, (name, ms, max_len, fmt) in enumerate(cases, 1):
        enc, paths = inputs[name]
        want, t_ref = reference(enc, ms, max_len)
        got, t_ours = ours(binary, paths[fmt], fmt, ms, max_len)
        problems = compare(want, got)
        what = f"{name} ({len(enc)} baskets, {fmt}) min_support={ms} max_len={max_len}: {len(want)} rules; mlxtend {t_ref:.2f}s, crosscart {t_ours:.2f}s (whole command)"
        if problems or not want:
            failed += 1
            print(f"not ok {n} - {what}")
            for p in problems or ["mlxtend found no rules: the case tests nothing"]:
                print(f"  # {p}")
        else:
            passed += 1
            print(f"ok {n} - {what}")
    print(f"1..{len(cases)}")
    print(f"# pass {passed}")
    print(f"# fail {failed}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
