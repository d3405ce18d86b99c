//! Architecture invariant: crosscart-core does no I/O and knows nothing of the
//! browser or of an async runtime. This fails if such a crate enters its
//! dependency tree on any target.

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "wasm-bindgen", "web-sys", "js-sys", "gloo", "leptos", "tokio", "async-std", "reqwest", "hyper",
    "rusqlite", "sqlx", "getrandom", "rand", "chrono", "time",
];

#[test]
fn core_dependency_tree_is_pure() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-p", "crosscart-core", "--edges", "normal,build", "--target", "all", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.contains(&"serde"), "cargo tree output looks wrong:\n{tree}");
    let bad: Vec<&&str> = names.iter().filter(|n| FORBIDDEN.contains(n) || n.starts_with("gloo")).collect();
    assert!(bad.is_empty(), "crosscart-core must stay pure, found {bad:?} in:\n{tree}");
}
