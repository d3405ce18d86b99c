//! `crosscart report offers`, `crosscart offer-group` and the offer settings
//! of `crosscart serve`, as a merchant runs them: the real binary on a real file.

use std::process::{Command, Output, Stdio};

fn crosscart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosscart")).args(args).stdin(Stdio::null()).output().expect("run crosscart")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn report_and_groups_on_a_shop_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let db = db.to_str().unwrap();
    // A report never creates a database.
    let missing = crosscart(&["report", "offers", "--database", db]);
    assert!(!missing.status.success());
    assert!(text(&missing).1.contains("no database at"), "{:?}", text(&missing));

    // A bad experiment file is refused before serving, with the reason.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"id":"x","holdout_bp":1000,"arms":[{"name":"greedy","weight":1,"percent_off":95,"window_ms":900000}]}"#).unwrap();
    let refused = crosscart(&["serve", "--addr", "127.0.0.1:0", "--database", db, "--offer-experiment", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(text(&refused).1.contains("95 % off is more than 90 %"), "{:?}", text(&refused));

    // The refused serve still created the (empty) database: the report says there is nothing yet.
    let empty = crosscart(&["report", "offers", "--database", db]);
    assert!(empty.status.success(), "{:?}", text(&empty));
    assert!(text(&empty).0.contains("(no offers yet)"), "{:?}", text(&empty));
    let json = crosscart(&["report", "offers", "--database", db, "--json", "--window", "24h"]);
    assert_eq!(text(&json).0.trim(), "[]");
    let bad_window = crosscart(&["report", "offers", "--database", db, "--window", "soon"]);
    assert!(!bad_window.status.success());

    // Groups: stable for an address however it is written, and from the default experiment.
    let groups = crosscart(&["offer-group", "--database", db, "ada@example.com", " ADA@Example.com "]);
    let (out, err) = text(&groups);
    assert!(groups.status.success(), "{err}");
    let names: Vec<&str> = out.lines().map(|l| l.rsplit('\t').next().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert_eq!(names[0], names[1]);
    assert!(["holdout", "discount-10", "no-discount"].contains(&names[0]), "{out}");
}
