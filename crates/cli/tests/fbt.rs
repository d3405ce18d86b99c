//! `crosscart rules` and `crosscart mine` as a user runs them.

use std::process::{Command, Output};

fn crosscart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crosscart")).args(args).output().expect("run crosscart")
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

#[test]
fn rules_prints_the_documented_csv() {
    let dir = tempfile::tempdir().unwrap();
    // The textbook baskets with integer ids (10 = diaper, 9 = beer): numeric order puts 9 before 10.
    let input = write(&dir, "t.dat", "1 2\n1 10 9 5\n2 10 9 6\n1 2 10 9\n1 2 10 6\n");
    let out = crosscart(&["rules", &input, "--min-support", "0.6"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = "antecedent,consequent,support,confidence,lift,leverage,conviction
1,2,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
1,10,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
2,1,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
2,10,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
9,10,0.6,1,1.25,0.12,inf
10,1,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
10,2,0.6,0.7499999999999999,0.9374999999999998,-0.04000000000000015,0.7999999999999995
10,9,0.6,0.7499999999999999,1.2499999999999998,0.12,1.5999999999999994
";
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);

    let out = crosscart(&["rules", &input, "--min-support", "0.4", "--min-confidence", "1"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().skip(1).all(|l| l.split(',').nth(3) == Some("1")), "{text}");
    assert!(text.contains("\n1 9,10,0.4,1,1.25,") && text.contains("\n2 6,10,"), "multi-item sides are space-joined in numeric order: {text}");

    // Same baskets as CSV and JSONL: the same rules.
    let csv = write(&dir, "t.csv", "order_id,item_id\na,1\na,2\nb,1\nb,10\nb,9\nb,5\nc,2\nc,10\nc,9\nc,6\nd,1\nd,2\nd,10\nd,9\ne,1\ne,2\ne,10\ne,6\n");
    assert_eq!(crosscart(&["rules", &csv, "--min-support", "0.6"]).stdout, expected.as_bytes());
    let jsonl = write(&dir, "t.jsonl", "{\"order_id\":1,\"items\":[1,2]}\n{\"order_id\":2,\"items\":[1,10,9,5]}\n{\"order_id\":3,\"items\":[2,10,9,6]}\n{\"order_id\":4,\"items\":[1,2,10,9]}\n{\"order_id\":5,\"items\":[1,2,10,6]}\n");
    assert_eq!(crosscart(&["rules", &jsonl, "--min-support", "0.6"]).stdout, expected.as_bytes());
}

#[test]
fn bad_input_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str, args: &[&str], needle: &str| {
        let input = write(&dir, name, text);
        let mut all = vec!["rules", input.as_str(), "--min-support", "0.1"];
        all.extend_from_slice(args);
        let out = crosscart(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name} was accepted");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: nothing is printed on error");
    };
    check("bad.dat", "1 2\n3 oops 4\n", &[], "line 2:");
    check("bad.csv", "order_id,item_id\n1,2\n1,2,3\n", &[], "line 3:");
    check("bad.jsonl", "{\"order_id\":1,\"items\":[1]}\nnot json\n", &[], "line 2:");
    check("empty.dat", "", &[], "no baskets");
    check("header-only.csv", "order_id,item_id\n", &[], "no baskets");
    check("ok.dat", "1 2\n", &["--min-confidence", "2"], "--min-confidence");
    let out = crosscart(&["rules", "/nonexistent/orders.csv", "--min-support", "0.1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/orders.csv"));
}

#[test]
fn mine_writes_a_model_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for _ in 0..40 {
        text.push_str("camera card\n");
    }
    for _ in 0..15 {
        text.push_str("camera tripod\n");
    }
    for _ in 0..300 {
        text.push_str("socks\n");
    }
    let input = write(&dir, "orders.txt", &text.replace("camera", "1").replace("card", "2").replace("tripod", "3").replace("socks", "4"));
    let model = dir.path().join("m.ccfbt");
    let out = crosscart(&["mine", &input, "--out", model.to_str().unwrap(), "--top-k", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(summary.contains("mined 355 baskets with 4 distinct items"), "{summary}");
    assert!(summary.contains("bytes per item"), "{summary}");
    let bytes = std::fs::read(&model).unwrap();
    let m = crosscart_core::fbt::Model::load(&bytes).unwrap();
    let names: Vec<&str> = m.complements("1").iter().map(|c| c.item).collect();
    assert_eq!(names, ["2", "3"]);
    assert!(m.complements("4").is_empty());

    // With --max-len 3 the model also keeps bundles of three.
    let triples = write(&dir, "triples.txt", &"1 2 3\n".repeat(20));
    let out = crosscart(&["mine", &triples, "--out", model.to_str().unwrap(), "--max-len", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bundles of 3 to 3 items: 1"));
    let bytes = std::fs::read(&model).unwrap();
    let m = crosscart_core::fbt::Model::load(&bytes).unwrap();
    assert_eq!(m.bundles("2"), vec![(vec!["1", "2", "3"], 20)]);

    let out = crosscart(&["mine", &input, "--out", model.to_str().unwrap(), "--max-len", "9"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-len must be 2 to 8"));
}
