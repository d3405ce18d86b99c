//! `crosscart promo create|list` as a merchant runs them: the real binary on
//! a real shop file, then the code at work through the real server.

use std::process::{Command, Output, Stdio};

fn crosscart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosscart")).args(args).stdin(Stdio::null()).output().expect("run crosscart")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn codes_are_created_checked_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let db = db.to_str().unwrap();
    let missing = crosscart(&["promo", "list", "--database", db]);
    assert!(text(&missing).1.contains("no database at"), "{:?}", text(&missing));
    crosscart_server::Db::open(std::path::Path::new(db)).unwrap();
    let empty = crosscart(&["promo", "list", "--database", db]);
    assert!(text(&empty).0.contains("(no codes yet"), "{:?}", text(&empty));

    // Each mistake is refused with the reason, and nothing is saved.
    for (args, reason) in [
        (vec!["bad code", "--percent", "10"], "a code is 1 to 40"),
        (vec!["X", "--percent", "0"], "a percentage is 1 to 100"),
        (vec!["X", "--percent", "101"], "a percentage is 1 to 100"),
        (vec!["X", "--amount", "-5"], ""),
        (vec!["X", "--percent", "10", "--amount", "5"], "cannot be used with"),
        (vec!["X"], "required"),
        (vec!["X", "--percent", "10", "--starts", "2026-12-24T00:00:00Z", "--ends", "2026-12-01T00:00:00Z"], "the end must come after the start"),
        (vec!["X", "--percent", "10", "--starts", "next week"], "write it like 2026-12-24T00:00:00Z"),
        (vec!["X", "--percent", "10", "--limit", "0"], "a usage limit is at least 1"),
        (vec!["X", "--amount", "5", "--currency", "EURO"], "--currency"),
    ] {
        let mut all = vec!["promo", "create", "--database", db];
        all.extend(&args);
        let o = crosscart(&all);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(text(&o).1.contains(reason), "{args:?}: {:?}", text(&o));
    }
    assert!(text(&crosscart(&["promo", "list", "--database", db])).0.contains("(no codes yet"));

    let ok = crosscart(&["promo", "create", "--database", db, "summer-25", "--amount", "25.00", "--min-subtotal", "100", "--starts", "2026-06-01T00:00:00Z", "--ends", "2026-09-01T00:00:00Z", "--limit", "500", "--per-customer", "1"]);
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert_eq!(text(&ok).0.trim(), "SUMMER-25 saved");
    let ok = crosscart(&["promo", "create", "--database", db, "TENOFF", "--percent", "10", "--combinable"]);
    assert!(ok.status.success(), "{:?}", text(&ok));

    let table = text(&crosscart(&["promo", "list", "--database", db])).0;
    let summer = table.lines().find(|l| l.starts_with("SUMMER-25")).unwrap_or_else(|| panic!("{table}"));
    for part in ["25.00 EUR", "100.00 EUR", "2026-06-01T00:00:00Z", "2026-09-01T00:00:00Z", "500", " no"] {
        assert!(summer.contains(part), "{part} missing: {summer}");
    }
    assert!(table.lines().any(|l| l.starts_with("TENOFF") && l.contains("10 %") && l.trim_end().ends_with("yes")), "{table}");
    let json: serde_json::Value = serde_json::from_str(&text(&crosscart(&["promo", "list", "--database", db, "--json"])).0).unwrap();
    let summer = json.as_array().unwrap().iter().find(|r| r["promotion"]["code"] == "SUMMER-25").unwrap();
    assert_eq!(summer["promotion"]["value"], serde_json::json!({"amount": {"amount": 2500, "currency": "EUR"}}));
    assert_eq!(summer["promotion"]["per_customer_limit"], 1);
    assert_eq!(summer["uses"], 0);
}

/// `crosscart shipping set|show|off`: the rule a free-shipping bar shows.
#[test]
fn the_shipping_rule_is_set_checked_shown_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shop.db");
    let db = db.to_str().unwrap();
    crosscart_server::Db::open(std::path::Path::new(db)).unwrap();
    assert!(text(&crosscart(&["shipping", "show", "--database", db])).0.starts_with("no shipping rule"));
    for (args, reason) in [
        (vec!["--rate=-1", "--free-over", "50"], "out of range"),
        (vec!["--rate", "4.90", "--free-over", "99999999999999"], "out of range"),
        (vec!["--rate", "4.999", "--free-over", "50"], "--rate 4.999"),
        (vec!["--rate", "abc", "--free-over", "50"], "--rate abc"),
        (vec!["--rate", "4.90"], "required"),
        (vec!["--rate", "4.90", "--free-over", "50", "--currency", "XX"], "--currency"),
    ] {
        let mut all = vec!["shipping", "set", "--database", db];
        all.extend(&args);
        let o = crosscart(&all);
        assert!(!o.status.success(), "{args:?} was accepted");
        assert!(text(&o).1.contains(reason), "{args:?}: {:?}", text(&o));
    }
    assert!(text(&crosscart(&["shipping", "show", "--database", db])).0.starts_with("no shipping rule"));
    let ok = crosscart(&["shipping", "set", "--database", db, "--rate", "500", "--free-over", "5000", "--currency", "jpy"]);
    assert!(ok.status.success(), "{:?}", text(&ok));
    assert_eq!(text(&ok).0.trim(), "delivery 500 JPY, free from 5000 JPY");
    let ok = crosscart(&["shipping", "set", "--database", db, "--rate", "4.9", "--free-over", "50"]);
    assert_eq!(text(&ok).0.trim(), "delivery 4.90 EUR, free from 50.00 EUR");
    assert_eq!(text(&crosscart(&["shipping", "show", "--database", db])).0.trim(), "delivery 4.90 EUR, free from 50.00 EUR");
    assert!(text(&crosscart(&["shipping", "off", "--database", db])).0.starts_with("no shipping rule"));
    assert!(text(&crosscart(&["shipping", "show", "--database", db])).0.starts_with("no shipping rule"));
}
