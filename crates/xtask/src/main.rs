//! `cargo xtask`: Crosscart's one entry point for building, testing and the demo.
//!
//!   cargo xtask build   WASM release build → wasm-bindgen → wasm-opt -Oz → www/dist, with a size table
//!   cargo xtask demo    build, then serve the demo shop on http://127.0.0.1:8080
//!   cargo xtask test    install what is missing, then run every suite (the peer backends last)
//!   cargo xtask test --peers   only the adapters against a real Medusa (PostgreSQL + Redis)
//!   cargo xtask bench fbt [DATASET]   miner vs mlxtend and efficient-apriori, browser lookups
//!   cargo xtask bench stock           nearest-k over 10,000 stores (native, WASM) and reservation throughput
//!   cargo xtask bench sync            cross-tab and cross-device propagation, op throughput
//!   cargo xtask fuzz [TARGET] [--time SECS]   coverage-guided fuzzing (libFuzzer) of every parser of outside input
//!   cargo xtask setup   only install the tools
//!
//! Tools it installs when missing: the wasm32 target, wasm-bindgen-cli at the
//! version Cargo.lock pins, npm packages (binaryen's wasm-opt, playwright-core),
//! and Debian's chromium + chromium-driver. It never uses a `wasm-opt` from
//! PATH: Debian's binaryen breaks wasm-bindgen output at run time.

mod build;
mod peers;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
use build::WASM_FEATURES;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("xtask lives in crates/xtask").to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed with {status}")) }
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

// ------------------------------------------------------------------ tools

fn pinned_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|l| l.strip_suffix('"')) {
                return Ok(v.to_owned());
            }
    }
    Err("Cargo.lock does not pin wasm-bindgen".into())
}

fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn ensure_wasm_bindgen() -> Result {
    let want = pinned_wasm_bindgen()?;
    let have = output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = output(Command::new("wasm-bindgen-test-runner").arg("--version")).is_some();
    if have == format!("wasm-bindgen {want}") && runner {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {want} (found: {have:?}); this takes a few minutes once");
    // No --locked: the CLI's own lockfile does not build on current toolchains.
    run(Command::new(cargo()).args(["install", "wasm-bindgen-cli", "--version", &want]))
}

fn ensure_npm(dir: &Path) -> Result {
    npm_install(dir, false)
}

/// `npm ci` (or `npm install`: a lock file made on one platform can lack other
/// platforms' optional packages, which `npm ci` refuses) when `node_modules`
/// is older than `package.json`.
fn npm_install(dir: &Path, never_ci: bool) -> Result {
    let stamp = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(dir.join("package.json"))) {
        (Ok(s), Ok(p)) => s.modified().ok() >= p.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    let sub = if lock.exists() && !never_ci { "ci" } else { "install" };
    run(Command::new("npm").args([sub, "--no-audit", "--no-fund"]).current_dir(dir))
}

fn wasm_opt() -> Result<PathBuf> {
    ensure_npm(&root().join("www"))?;
    let path = root().join("www/node_modules/.bin/wasm-opt");
    output(Command::new(&path).arg("--version")).ok_or_else(|| format!("{} does not run", path.display()))?;
    Ok(path)
}

fn ensure_chromium() -> Result {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    eprintln!("installing Debian's chromium and chromium-driver");
    run(Command::new("apt-get").arg("update"))?;
    // The image deletes .debs after each dpkg call, so a large install can stop half-way: retry.
    let mut last = Ok(());
    for _ in 0..3 {
        last = run(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]).env("DEBIAN_FRONTEND", "noninteractive"));
        if last.is_ok() && Path::new(CHROMEDRIVER).exists() {
            return Ok(());
        }
    }
    last
}

/// A throwaway virtual environment with the reference miner (mlxtend), and
/// the real datasets a PyPI package ships, both under `target/` (never in git).
fn ensure_reference() -> Result<(PathBuf, PathBuf)> {
    let dir = root().join("target/reference");
    let python = dir.join("venv/bin/python");
    if output(Command::new(&python).args(["-c", "import mlxtend, pandas"])).is_none() {
        run(Command::new("python3").args(["-m", "venv"]).arg(dir.join("venv")))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "mlxtend==0.23.4"]))?;
    }
    for (file, spec) in [("rule_mining_algs-0.1.1-py3-none-any.whl", "rule-mining-algs==0.1.1"), ("PyARMViz-0.1.4-py2.py3-none-any.whl", "PyARMViz==0.1.4")] {
        if !dir.join("data").join(file).exists() {
            run(Command::new(&python)
                .args(["-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", spec, "-d"])
                .arg(dir.join("data")))?;
        }
    }
    Ok((python, dir.join("data/rule_mining_algs-0.1.1-py3-none-any.whl")))
}

const BENCH_USAGE: &str = "usage: cargo xtask bench fbt [DATASET] | cargo xtask bench size [--no-medusa] | cargo xtask bench abuse | cargo xtask bench stock | cargo xtask bench sync";

fn bench(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("fbt") => bench_fbt(&args[1..]),
        Some("size") => bench_size(&args[1..]),
        Some("abuse") => bench_abuse(),
        Some("stock") => bench_stock(),
        Some("sync") => bench_sync(),
        _ => Err(BENCH_USAGE.into()),
    }
}

/// `cargo xtask bench stock`: nearest-k over 10,000 stores natively (k-d tree
/// against a brute-force scan) and in the browser (WASM against a JS scan),
/// then the reference server's reservation throughput against plain adds.
fn bench_stock() -> Result {
    prepare_browser_bench()?;
    let work = std::env::temp_dir().join(format!("crosscart-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let stores = work.join("stores.json");
    let result = (|| {
        run(Command::new(cargo()).args(["run", "--quiet", "--release", "-p", "crosscart-core", "--example", "stores_bench", "--"]).arg(&stores).current_dir(root()))?;
        let server = start_test_server(&release_bin())?;
        bench_script("bench-store-lookup.mjs", &server, &[&stores])?;
        bench_script("bench-reservations.mjs", &server, &[])
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// The peers' npm packages `bench size` measures beside ours, pinned.
const PEER_SDKS: &[&str] = &["@commercelayer/drop-in.js@2.27.0", "@nosto/web-components@11.6.0", "@shopify/buy-button-js@3.0.6", "lighthouse@13"];

/// `cargo xtask bench size [--no-medusa]`: what a cart page and a page with
/// every element download (brotli, from the release server), for the
/// reference backend and a real Medusa, beside the peers' SDKs measured in
/// the same run; then Lighthouse on the demo pages. Fails over budget.
fn bench_size(args: &[String]) -> Result {
    let with_medusa = match args {
        [] => true,
        [flag] if flag == "--no-medusa" => false,
        _ => return Err(BENCH_USAGE.into()),
    };
    prepare_browser_bench()?;
    let peers_dir = root().join("target/bench-peers");
    if !peers_dir.join("node_modules/.bin/lighthouse").exists() {
        std::fs::create_dir_all(&peers_dir).map_err(|e| e.to_string())?;
        std::fs::write(peers_dir.join("package.json"), "{\"private\": true}\n").map_err(|e| e.to_string())?;
        run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save"]).args(PEER_SDKS).current_dir(&peers_dir))?;
    }
    let server = start_test_server(&release_bin())?;
    let medusa = if with_medusa { Some(peers::start_medusa(r"/^http:\/\/127\.0\.0\.1:\d+$/")?) } else { None };
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/e2e/bench-size.mjs")).arg(&server.base).current_dir(root().join("tests/e2e")).env("CHROMIUM", CHROMIUM).env("CROSSCART_PEER_SDKS", peers_dir.join("node_modules"));
    if let Some(m) = &medusa {
        cmd.env("CROSSCART_MEDUSA", &m.seed);
    }
    let sizes = run(&mut cmd);
    drop(medusa);
    let lighthouse = run(Command::new("node")
        .arg(root().join("tests/e2e/bench-lighthouse.mjs"))
        .arg(&server.base)
        .current_dir(root().join("tests/e2e"))
        .env("CHROMIUM", CHROMIUM)
        .env("LIGHTHOUSE", peers_dir.join("node_modules/.bin/lighthouse")));
    sizes.and(lighthouse)
}

/// `cargo xtask bench abuse`: the availability attacks of issue 14 (sign-in
/// flood, SSE fan-out, slow headers, a long op log) against the release
/// server, each with the catalog's latency against the same run's baseline
/// and the server's memory.
fn bench_abuse() -> Result {
    run(Command::new(cargo()).args(["build", "--release", "-p", "crosscart"]).current_dir(root()))?;
    run(Command::new("node").arg(root().join("tests/e2e/bench-abuse.mjs")).arg(release_bin()).current_dir(root().join("tests/e2e")))
}

/// `cargo xtask bench sync`: cross-tab propagation in Chromium, cross-device
/// propagation with 1,000 carts followed over SSE, and op throughput against
/// REST adds, all against the release server.
fn bench_sync() -> Result {
    prepare_browser_bench()?;
    let server = start_test_server(&release_bin())?;
    bench_script("bench-sync.mjs", &server, &[])
}

/// `cargo xtask simulate offers [CUSTOMERS]`: generated customers through the
/// real offer flow of the release server, then `crosscart report offers`.
fn simulate(args: &[String]) -> Result {
    let usage = "usage: cargo xtask simulate offers [CUSTOMERS]";
    if args.first().map(String::as_str) != Some("offers") {
        return Err(usage.into());
    }
    let customers = args.get(1).map_or(Ok(3000), |n| n.parse::<u32>().map_err(|_| usage.to_owned()))?;
    run(Command::new(cargo()).args(["build", "--release", "-p", "crosscart"]).current_dir(root()))?;
    let server = start_test_server(&release_bin())?;
    run(Command::new("node").arg(root().join("tests/e2e/sim-offers.mjs")).arg(&server.base).arg(customers.to_string()).current_dir(root().join("tests/e2e")))?;
    run(Command::new(release_bin()).args(["report", "offers", "--database"]).arg(server._data.join("shop.db")))
}

/// What a benchmark in Chromium against the release server needs.
fn prepare_browser_bench() -> Result {
    ensure_npm(&root().join("tests/e2e"))?;
    ensure_chromium()?;
    run(Command::new(cargo()).args(["build", "--release", "-p", "crosscart"]).current_dir(root()))?;
    build()
}

fn release_bin() -> PathBuf {
    root().join("target/release/crosscart")
}

/// Runs `tests/e2e/<script> BASE_URL [args]` with Debian's Chromium.
fn bench_script(script: &str, server: &Server, args: &[&Path]) -> Result {
    run(Command::new("node").arg(root().join("tests/e2e").join(script)).arg(&server.base).args(args).current_dir(root().join("tests/e2e")).env("CHROMIUM", CHROMIUM))
}

/// `cargo xtask bench fbt [DATASET]`: our miner against mlxtend and
/// efficient-apriori on the same data in one run, then browser-side lookups.
fn bench_fbt(args: &[String]) -> Result {
    let dataset = args.first().map(|d| std::fs::canonicalize(d).map_err(|e| format!("{d}: {e}"))).transpose()?;
    let (python, store_wheel) = ensure_reference()?;
    if output(Command::new(&python).args(["-c", "import efficient_apriori"])).is_none() {
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "efficient-apriori==2.0.6"]))?;
    }
    let retail_wheel = root().join("target/reference/data/PyARMViz-0.1.4-py2.py3-none-any.whl");
    prepare_browser_bench()?;
    let release = release_bin();
    let work = std::env::temp_dir().join(format!("crosscart-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let result = (|| {
        let mut cmd = Command::new(&python);
        cmd.arg(root().join("tests/bench/fbt_bench.py")).arg(&release).arg(&work).arg(&retail_wheel).arg(&store_wheel).env("PYTHONWARNINGS", "ignore");
        if let Some(d) = &dataset {
            cmd.arg(d);
        }
        run(&mut cmd)?;
        let server = start_test_server(&release)?;
        bench_script("bench-model-lookup.mjs", &server, &[&work.join("lookup.ccfbt")])
    })();
    let _ = std::fs::remove_dir_all(&work);
    result
}

// ------------------------------------------------------------------ fuzz

/// Coverage instrumentation for libFuzzer, as cargo-fuzz passes it, but on
/// the stable toolchain: sanitizer coverage is a stable LLVM pass. No
/// AddressSanitizer (nightly only; the code is safe Rust), but overflow
/// checks and debug assertions stay on.
const FUZZ_RUSTFLAGS: &str = "-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks";

/// Seconds each target runs inside `cargo xtask test`.
const FUZZ_TEST_SECS: u64 = 5;

fn host_triple() -> Result<String> {
    output(Command::new("rustc").arg("-vV"))
        .and_then(|v| v.lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned)))
        .ok_or_else(|| "rustc -vV names no host".into())
}

/// Every fuzz target's name, from the fuzz crate's binaries.
fn fuzz_targets() -> Result<Vec<String>> {
    let dir = root().join("crates/fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok()?.strip_suffix(".rs").map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// What one target's run found.
struct FuzzRun {
    target: String,
    runs: u64,
    secs: f64,
    crash: Option<String>,
}

/// `cargo xtask fuzz [TARGET] [--time SECS]`: builds the instrumented
/// targets, seeds them (fixtures, real files and every past crash), and runs
/// each for SECS seconds (60 by default), keeping what they learn in
/// `target/fuzz/corpus/`. A crash leaves its input in
/// `target/fuzz/artifacts/<target>/`; fixed, it belongs in
/// `crates/fuzz/regressions/<target>/`, which the tests replay.
fn fuzz(args: &[String]) -> Result {
    let usage = "usage: cargo xtask fuzz [TARGET] [--time SECS]";
    let (mut only, mut secs) = (None, 60);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--time" => secs = it.next().and_then(|s| s.parse().ok()).ok_or(usage)?,
            t if !t.starts_with('-') && only.is_none() => only = Some(t.to_owned()),
            _ => return Err(usage.into()),
        }
    }
    let runs = fuzz_run(only.as_deref(), secs)?;
    print_fuzz_table(&runs);
    let crashed: Vec<&str> = runs.iter().filter(|r| r.crash.is_some()).map(|r| r.target.as_str()).collect();
    if crashed.is_empty() { Ok(()) } else { Err(format!("crashes in {}", crashed.join(", "))) }
}

fn print_fuzz_table(runs: &[FuzzRun]) {
    println!("\n{:<22} {:>12} {:>8} {:>10}  crash", "fuzz target", "inputs run", "seconds", "per second");
    for r in runs {
        println!("{:<22} {:>12} {:>8.0} {:>10.0}  {}", r.target, r.runs, r.secs, r.runs as f64 / r.secs.max(0.001), r.crash.as_deref().unwrap_or("none"));
    }
    let total: f64 = runs.iter().map(|r| r.secs).sum();
    println!("{} targets, {:.1} minutes in all, {} crashed", runs.len(), total / 60.0, runs.iter().filter(|r| r.crash.is_some()).count());
}

fn fuzz_run(only: Option<&str>, secs: u64) -> Result<Vec<FuzzRun>> {
    let root = root();
    let targets: Vec<String> = fuzz_targets()?.into_iter().filter(|t| only.is_none_or(|o| o == t)).collect();
    if targets.is_empty() {
        return Err(format!("no fuzz target {:?}; there are: {}", only.unwrap_or_default(), fuzz_targets()?.join(", ")));
    }
    let triple = host_triple()?;
    let dir = root.join("target/fuzz");
    // Its own target directory under target/: the instrumented build would
    // otherwise throw away the ordinary one's artifacts and back.
    let mut build = Command::new(cargo());
    build.args(["build", "--release", "-p", "crosscart-fuzz", "--features", "libfuzzer", "--target", &triple, "--target-dir"]).arg(dir.join("build"));
    for target in &targets {
        build.args(["--bin", target]);
    }
    run(build
        .env("RUSTFLAGS", FUZZ_RUSTFLAGS)
        .current_dir(&root))?;
    run(Command::new(cargo()).args(["run", "--quiet", "-p", "crosscart-fuzz", "--bin", "fuzz-seeds", "--"]).arg(dir.join("seeds")).current_dir(&root))?;
    let mut runs = Vec::new();
    for target in targets {
        let corpus = dir.join("corpus").join(&target);
        let artifacts = dir.join("artifacts").join(&target);
        std::fs::create_dir_all(&corpus).and_then(|()| std::fs::create_dir_all(&artifacts)).map_err(|e| e.to_string())?;
        let regressions = root.join("crates/fuzz/regressions").join(&target);
        let mut cmd = Command::new(dir.join("build").join(&triple).join("release").join(&target));
        cmd.arg(format!("-max_total_time={secs}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1", "-max_len=65536"])
            .arg(&corpus)
            .arg(dir.join("seeds").join(&target));
        if regressions.is_dir() {
            cmd.arg(&regressions);
        }
        eprintln!("$ {cmd:?}");
        let started = Instant::now();
        let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output().map_err(|e| format!("{target}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let stat = |key: &str| log.lines().find_map(|l| l.strip_prefix(key)?.trim().parse::<u64>().ok()).unwrap_or(0);
        let crash = (!out.status.success()).then(|| {
            let file = log.lines().find_map(|l| l.split("Test unit written to ").nth(1)).unwrap_or("(no input written)").to_owned();
            let why = log.lines().find(|l| l.contains("panicked at") || l.contains("ERROR: libFuzzer")).unwrap_or("").trim().to_owned();
            eprintln!("{log}");
            format!("{file} {why}")
        });
        runs.push(FuzzRun { target, runs: stat("stat::number_of_executed_units:"), secs: started.elapsed().as_secs_f64(), crash });
    }
    Ok(runs)
}

fn setup() -> Result {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    wasm_opt()?;
    ensure_npm(&root().join("tests/e2e"))?;
    ensure_reference()?;
    ensure_chromium()
}

// ------------------------------------------------------------------ build

fn build() -> Result {
    build_only(None)
}

/// `cargo xtask build [--only crosscart,medusa]`: the SDK for every backend, or some.
fn build_only(only: Option<Vec<String>>) -> Result {
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    let wasm_opt = wasm_opt()?;
    let root = root();
    build::build_all(&root, &wasm_opt, only.as_deref())?;
    print_breakdown(&wasm_opt, &root.join("target/sdk-build/crosscart/split/main.wasm"))
}

/// Where the main module's bytes go, per crate: the same optimisation as
/// the shipped file, but keeping function names (`-g`) so each body can be
/// attributed.
fn print_breakdown(wasm_opt: &Path, wasm: &Path) -> Result {
    let tmp = std::env::temp_dir().join(format!("crosscart-sizes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let quiet = |c: &mut Command| c.stdout(Stdio::null()).stderr(Stdio::null()).status().map(|s| s.success()).unwrap_or(false);
    let named = tmp.join("named.wasm");
    let ok = quiet(Command::new("wasm-bindgen").args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--keep-debug", "--out-dir"]).arg(&tmp).arg(wasm))
        && quiet(Command::new(wasm_opt).args(["-Oz", "-g"]).args(WASM_FEATURES).arg("-o").arg(&named).arg(tmp.join("main_bg.wasm")));
    if !ok {
        eprintln!("(size breakdown skipped: could not produce a named build)");
        return Ok(());
    }
    let bytes = std::fs::read(&named).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&tmp);
    let rows = crate_breakdown(&bytes).map_err(|e| format!("size breakdown: {e}"))?;
    let total: usize = rows.iter().map(|r| r.1).sum();
    println!("{:<52} {:>11} {:>7}", "main module (crosscart backend) by crate, raw after -Oz", "bytes", "share");
    for (name, n) in rows.iter().take(14) {
        println!("{name:<52} {:>11} {:>6.1}%", kib(*n), 100.0 * *n as f64 / total.max(1) as f64);
    }
    let rest: usize = rows.iter().skip(14).map(|r| r.1).sum();
    println!("{:<52} {:>11} {:>6.1}%\n", "(the rest)", kib(rest), 100.0 * rest as f64 / total.max(1) as f64);
    Ok(())
}

/// The crate a (demangled) function name belongs to: its first path segment,
/// looking through `<&mut T as Trait>` and `<impl ...>` wrappers.
fn crate_of(name: &str) -> String {
    if name.contains(" shim") {
        return "(wasm-bindgen export shims)".to_owned();
    }
    // `<F as tachys::...>` or `<f64 as core::fmt::Display>`: the trait's crate.
    if let Some((ty, tr)) = name.strip_prefix('<').and_then(|n| n.split_once(" as "))
        && !ty.contains("::") {
            return crate_of(tr);
        }
    let trimmed = name.trim_start_matches(['<', '&', ' ']).trim_start_matches("mut ").trim_start_matches("dyn ");
    let end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
    let first = &trimmed[..end];
    let rest = &trimmed[end..];
    if !first.is_empty() && (rest.starts_with("::") || rest.starts_with('[')) { first.to_owned() } else { "(unnamed or glue)".to_owned() }
}

fn crate_breakdown(bytes: &[u8]) -> std::result::Result<Vec<(String, usize)>, wasmparser::BinaryReaderError> {
    use wasmparser::{KnownCustom, Name, Parser, Payload};
    let mut imported = 0u32;
    let mut bodies: Vec<usize> = Vec::new();
    let mut names: std::collections::HashMap<u32, String> = std::collections::HashMap::new();
    let mut data = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::ImportSection(s) => {
                for imp in s.into_imports() {
                    if matches!(imp?.ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => { let r = body.range(); bodies.push((r.end - r.start) as usize) },
            Payload::DataSection(s) => {
                for d in s {
                    data += d?.data.len();
                }
            }
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(reader) = c.as_known() {
                    for sub in reader {
                        if let Name::Function(map) = sub? {
                            for naming in map {
                                let n = naming?;
                                names.insert(n.index, n.name.to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut by_crate: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, size) in bodies.iter().enumerate() {
        let key = names.get(&(imported + i as u32)).map_or_else(|| "(unnamed or glue)".to_owned(), |n| crate_of(n));
        *by_crate.entry(key).or_default() += size;
    }
    *by_crate.entry("(data: strings, tables, CSS)".to_owned()).or_default() += data;
    let mut rows: Vec<(String, usize)> = by_crate.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(rows)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() { files_under(&p, out) } else { out.push(p) }
        }
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut &data[..], &mut out, &params);
    out
}

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

// ------------------------------------------------------------------ server

/// A `crosscart serve` child process, killed when dropped.
struct Server {
    child: Child,
    base: String,
    _data: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._data);
    }
}

fn build_cli() -> Result<PathBuf> {
    run(Command::new(cargo()).args(["build", "-p", "crosscart"]).current_dir(root()))?;
    Ok(root().join("target/debug/crosscart"))
}

/// A backend that accepts connections and never answers (for the request
/// timeout test), on loopback, for the rest of the run.
fn silent_server() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream); // kept open, never written to
        }
    });
    Ok(format!("http://{addr}"))
}

fn start_test_server(bin: &Path) -> Result<Server> {
    let data = std::env::temp_dir().join(format!("crosscart-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let mut child = Command::new(bin)
        // The suites and benchmarks make hundreds of carts a minute from loopback.
        .args(["serve", "--addr", "127.0.0.1:0", "--demo", "--carts-per-minute", "1000000"])
        .arg("--database").arg(data.join("shop.db"))
        .arg("--catalog").arg(root().join("tests/fixtures/hostile-catalog.json"))
        .arg("--www").arg(root().join("www"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start server: {e}"))?;
    let mut first = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    reader.read_line(&mut first).map_err(|e| e.to_string())?;
    // Keep draining so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
    });
    let base = first.trim().strip_prefix("crosscart listening on ").ok_or_else(|| format!("server said {first:?}"))?.to_owned();
    eprintln!("test server at {base}");
    Ok(Server { child, base, _data: data })
}

fn demo() -> Result {
    build()?;
    let bin = build_cli()?;
    let data = root().join(".data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    eprintln!("\nCrosscart demo shop: http://127.0.0.1:8080/  (ctrl-c to stop)\n");
    run(Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:8080", "--demo"])
        .arg("--database").arg(data.join("demo.db"))
        .arg("--www").arg(root().join("www")))
}

// ------------------------------------------------------------------ tests

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    suites: Vec<(String, u64, u64, f64)>,
}

/// Runs a suite, echoing its output, and counts what its runner reports.
fn suite(tally: &mut Tally, name: &str, cmd: &mut Command) -> Result {
    eprintln!("\n=== {name}\n$ {cmd:?}");
    let started = Instant::now();
    let mut child = cmd.stdout(Stdio::piped()).spawn().map_err(|e| format!("{name}: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("test result: ") {
                let num = |key: &str| rest.split(';').find_map(|p| p.trim().strip_suffix(key)?.trim().rsplit(' ').next()?.parse::<u64>().ok()).unwrap_or(0);
                passed += num(" passed");
                failed += num(" failed");
            } else if let Some(n) = t.strip_prefix("# pass ").or_else(|| t.strip_prefix("ℹ pass ")) {
                passed += n.trim().parse::<u64>().unwrap_or(0);
            } else if let Some(n) = t.strip_prefix("# fail ").or_else(|| t.strip_prefix("ℹ fail ")) {
                failed += n.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    tally.passed += passed;
    tally.failed += failed;
    tally.suites.push((name.to_owned(), passed, failed, secs));
    if !status.success() {
        return Err(format!("{name} failed ({status})"));
    }
    if passed == 0 {
        return Err(format!("{name} ran no test"));
    }
    Ok(())
}

/// The adapters against real peer backends (Medusa 2.21 on PostgreSQL and
/// Redis): natively, and the elements in Chromium.
fn peer_suites(tally: &mut Tally) -> Result {
    let started = Instant::now();
    let medusa = peers::start_medusa(r"/^http:\/\/127\.0\.0\.1:\d+$/")?;
    let result = suite(
        tally,
        "peers: Medusa 2.21 adapter over HTTP (native)",
        Command::new(cargo()).args(["test", "-p", "crosscart-server", "--test", "peer_medusa", "--", "--ignored"]).current_dir(root()).env("CROSSCART_MEDUSA", &medusa.seed),
    )
    .and_then(|()| {
        suite(
            tally,
            "peers: Medusa 2.21 with the elements in Chromium",
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "--test-reporter=tap", "peer-medusa.peer.mjs"])
                .current_dir(root().join("tests/e2e"))
                .env("CROSSCART_MEDUSA", &medusa.seed)
                .env("CHROMIUM", CHROMIUM),
        )
    })
    .and_then(|()| {
        // A Medusa page loads only the Medusa build, within the same budgets.
        let server = start_test_server(&build_cli()?)?;
        suite(
            tally,
            "size budgets: what a page downloads, reference and Medusa",
            Command::new("node").arg("bench-size.mjs").arg(&server.base).current_dir(root().join("tests/e2e")).env("CHROMIUM", CHROMIUM).env("CROSSCART_MEDUSA", &medusa.seed),
        )
    });
    drop(medusa);
    eprintln!("Medusa suites: {:.0} s wall time, setup and teardown included", started.elapsed().as_secs_f64());
    result.and_then(|()| vendure_suites(tally))
}

/// The Vendure adapter against a real Vendure 3.7.3 on PostgreSQL, and every
/// GraphQL document the Vendure and Shopify adapters send against the
/// official schemas (Vendure's introspected from it, Shopify's 2025-07).
fn vendure_suites(tally: &mut Tally) -> Result {
    let started = Instant::now();
    let shopify = peers::shopify_schema()?;
    let vendure = peers::start_vendure()?;
    let result = suite(
        tally,
        "peers: Vendure 3.7.3 adapter over HTTP (native)",
        Command::new(cargo()).args(["test", "-p", "crosscart-server", "--test", "peer_vendure", "--", "--ignored"]).current_dir(root()).env("CROSSCART_VENDURE", &vendure.seed),
    )
    .and_then(|()| {
        suite(
            tally,
            "peers: Vendure 3.7.3 with the elements in Chromium",
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "--test-reporter=tap", "peer-vendure.peer.mjs"])
                .current_dir(root().join("tests/e2e"))
                .env("CROSSCART_VENDURE", &vendure.seed)
                .env("CHROMIUM", CHROMIUM),
        )
    })
    .and_then(|()| {
        let documents = Command::new(cargo()).args(["run", "--quiet", "-p", "crosscart-fuzz", "--bin", "graphql-documents"]).current_dir(root()).output().map_err(|e| e.to_string())?;
        if !documents.status.success() {
            return Err(format!("graphql-documents failed: {}", String::from_utf8_lossy(&documents.stderr)));
        }
        let path = std::env::temp_dir().join(format!("crosscart-graphql-{}.jsonl", std::process::id()));
        std::fs::write(&path, &documents.stdout).map_err(|e| e.to_string())?;
        let file = std::fs::File::open(&path).map_err(|e| e.to_string())?;
        let checked = suite(
            tally,
            "schemas: every Vendure and Shopify query against the official schema",
            Command::new("node")
                .arg("src/graphql-validate.js")
                .arg(&vendure.seed)
                .arg(&shopify)
                .stdin(file)
                .current_dir(root().join("tests/peers/vendure")),
        );
        let _ = std::fs::remove_file(&path);
        checked
    });
    drop(vendure);
    eprintln!("Vendure suites: {:.0} s wall time, setup and teardown included", started.elapsed().as_secs_f64());
    result
}

/// A short coverage-guided run of every fuzz target (the seeds, past
/// crashes, and what earlier runs on this machine learnt).
fn fuzz_suite(tally: &mut Tally) -> Result {
    let name = format!("fuzz: every target {FUZZ_TEST_SECS} s under libFuzzer");
    eprintln!("\n=== {name}");
    let started = Instant::now();
    let runs = fuzz_run(None, FUZZ_TEST_SECS)?;
    print_fuzz_table(&runs);
    let failed = runs.iter().filter(|r| r.crash.is_some()).count() as u64;
    let passed = runs.len() as u64 - failed;
    tally.passed += passed;
    tally.failed += failed;
    tally.suites.push((name.clone(), passed, failed, started.elapsed().as_secs_f64()));
    if failed > 0 { Err(format!("{name}: {failed} target(s) crashed")) } else { Ok(()) }
}

/// `cargo xtask test --peers`: only the peer-backend suites.
fn test_peers() -> Result {
    setup()?;
    ensure_npm(&root().join("tests/e2e"))?;
    ensure_chromium()?;
    build()?;
    let mut tally = Tally::default();
    let result = peer_suites(&mut tally);
    println!("\nsuite summary:");
    for (name, p, f, s) in &tally.suites {
        println!("  {name:<60} {p:>4} passed {f:>3} failed {s:>7.1}s");
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    result
}

fn test() -> Result {
    if std::env::args().nth(2).as_deref() == Some("--peers") {
        return test_peers();
    }
    let started = Instant::now();
    setup()?;
    let root = root();
    let mut tally = Tally::default();
    let result = (|| {
        suite(&mut tally, "native: core, server (HTTP on loopback, SQLite), cli", Command::new(cargo()).args(["test", "--workspace", "--exclude", "crosscart-web"]).current_dir(&root))?;
        fuzz_suite(&mut tally)?;
        let bin = build_cli()?;
        let (python, wheel) = ensure_reference()?;
        let work = std::env::temp_dir().join(format!("crosscart-reference-{}", std::process::id()));
        std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
        let reference = suite(
            &mut tally,
            "reference: crosscart rules = mlxtend on real datasets",
            Command::new(&python)
                .arg(root.join("tests/reference/mlxtend_rules.py"))
                .arg(&bin)
                .arg(&wheel)
                .arg(&work)
                .arg(root.join("target/reference/data/PyARMViz-0.1.4-py2.py3-none-any.whl"))
                .env("PYTHONWARNINGS", "ignore"),
        );
        let _ = std::fs::remove_dir_all(&work);
        reference?;
        build()?;
        let server = start_test_server(&bin)?;
        let silent = silent_server()?;
        suite(
            &mut tally,
            "browser: wasm-bindgen-test elements in headless Chromium",
            Command::new(cargo())
                .args(["test", "-p", "crosscart-web", "--target", WASM_TARGET])
                .current_dir(root.join("crates/web"))
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
                .env("CHROMEDRIVER", CHROMEDRIVER)
                .env_remove("GECKODRIVER")
                .env_remove("SAFARIDRIVER")
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
                .env("CROSSCART_TEST_API", &server.base)
                .env("CROSSCART_SILENT_API", &silent),
        )?;
        suite(
            &mut tally,
            "end-to-end: Playwright + Chromium against the real server",
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
                .args(e2e_files(&root.join("tests/e2e"))?)
                .current_dir(root.join("tests/e2e"))
                .env("CROSSCART_BASE_URL", &server.base)
                .env("CROSSCART_BIN", &bin)
                .env("CHROMIUM", CHROMIUM),
        )?;
        suite(
            &mut tally,
            "size budgets: what a page downloads, reference backend",
            Command::new("node").arg("bench-size.mjs").arg(&server.base).current_dir(root.join("tests/e2e")).env("CHROMIUM", CHROMIUM),
        )?;
        drop(server);
        peer_suites(&mut tally)
    })();
    println!("\nsuite summary:");
    for (name, p, f, s) in &tally.suites {
        println!("  {name:<60} {p:>4} passed {f:>3} failed {s:>7.1}s");
    }
    println!("  total wall time {:.1}s", started.elapsed().as_secs_f64());
    println!("{} passed, {} failed", tally.passed, tally.failed);
    result
}

fn e2e_files(dir: &Path) -> Result<Vec<String>> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".test.mjs"))
        .collect();
    files.sort();
    Ok(files)
}

fn main() -> ExitCode {
    let cmd = std::env::args().nth(1).unwrap_or_default();
    let result = match cmd.as_str() {
        "build" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            match args.as_slice() {
                [] => build(),
                [flag, list] if flag == "--only" => build_only(Some(list.split(',').map(str::to_owned).collect())),
                _ => Err("usage: cargo xtask build [--only crosscart,medusa,...]".into()),
            }
        }
        "demo" => demo(),
        "test" => test(),
        "setup" => setup(),
        "fuzz" => fuzz(&std::env::args().skip(2).collect::<Vec<_>>()),
        "bench" => bench(&std::env::args().skip(2).collect::<Vec<_>>()),
        "simulate" => simulate(&std::env::args().skip(2).collect::<Vec<_>>()),
        _ => Err("usage: cargo xtask <build|demo|test|bench fbt [DATASET]|bench size [--no-medusa]|bench abuse|bench stock|bench sync|fuzz [TARGET] [--time SECS]|simulate offers [CUSTOMERS]|setup>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
