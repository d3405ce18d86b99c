//! Regression tests for the adversarial findings (issue 14), over HTTP on
//! loopback against a real SQLite file. Each failed on the main branch
//! before its fix.

mod common;

use common::*;
use crosscart_server::Db;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn pickup_op(seq: u64, lamport: Value, quantity: u32) -> Value {
    json!({"id": {"replica": "attacker", "seq": seq}, "lamport": lamport, "change": {"type": "add", "variant_id": "v-nova-12-1", "quantity": quantity, "fulfillment": {"type": "pickup", "store_id": "lviv"}}})
}

fn held(cart: &Value) -> u64 {
    cart["lines"].as_array().unwrap().iter().filter(|l| l["variant_id"] == "v-nova-12-1").map(|l| l["quantity"].as_u64().unwrap()).sum()
}

/// High: an op with lamport 2^64 - 1 made the server's correction wrap, so
/// a line kept more units than its hold (and a debug server panicked and
/// answered 500 to everything after). Absurd and far-future clocks are
/// refused; the hold and the line agree; the server stays healthy.
#[tokio::test]
async fn an_op_from_the_far_future_cannot_outrun_the_servers_correction() {
    let (_d, path) = temp_db();
    let s = Server::with_store_stock(&path, &[("lviv", "v-nova-12-1", 2)]).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let ops = s.url(&format!("/v1/carts/{cart}/ops"));
    for (seq, lamport) in [(1, json!(u64::MAX)), (2, json!((1u64 << 53) - 1)), (3, json!(1u64 << 40))] {
        let (status, answer) = post(&ops, json!({ "ops": [pickup_op(seq, lamport.clone(), 14)] })).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["rejected"][0]["code"], "invalid_op", "lamport {lamport}: {answer}");
        assert_eq!(held(&answer["cart"]), 0);
    }
    // An honest op is corrected to what the store has, and stays corrected.
    let (_, answer) = post(&ops, json!({ "ops": [pickup_op(4, json!(5), 14)] })).await;
    assert_eq!(held(&answer["cart"]), 2, "{answer}");
    let (_, answer) = post(&ops, json!({ "ops": [pickup_op(5, json!(1000), 14)] })).await;
    assert_eq!(held(&answer["cart"]), 2, "{answer}");
    let (status, stock) = get(&s.url("/v1/variants/v-nova-12-1/stock")).await;
    assert_eq!(status, StatusCode::OK);
    let lviv = stock["stock"].as_array().unwrap().iter().find(|x| x["store_id"] == "lviv").cloned().unwrap_or_default();
    assert_eq!(lviv["quantity"].as_u64(), Some(0), "both units held for this cart, none beyond: {stock}");
    // Anything else still works.
    let (status, _) = get(&s.url("/health")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(&s.url(&format!("/v1/carts/{cart}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    assert_eq!(status, StatusCode::OK);
}

/// High: any panic inside a database call poisoned the connection's lock,
/// and every later request (`/health` too) answered 500 until a restart.
#[tokio::test]
async fn a_panic_in_a_database_call_fails_only_that_call() {
    let (_d, path) = temp_db();
    let db = Db::open(&path).unwrap();
    let failed: Result<(), _> = db
        .run(|c| {
            let tx = crosscart_server::db::write_tx(c)?;
            tx.execute("CREATE TABLE scratch (x INTEGER)", [])?;
            panic!("a bug in a handler");
        })
        .await;
    assert_eq!(failed.unwrap_err().status, StatusCode::INTERNAL_SERVER_ERROR);
    // The lock is usable, and the half-done transaction was rolled back.
    let tables: i64 = db.run(|c| Ok(c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name = 'scratch'", [], |r| r.get(0))?)).await.unwrap();
    assert_eq!(tables, 0);
}

async fn sign_in_status(s: &Server, email: &str, password: &str) -> (StatusCode, Value) {
    post(&s.url("/v1/sessions"), json!({"email": email, "password": password})).await
}

/// High: wrong-password sign-ins ran Argon2 inside the one database lock,
/// so a flood of guesses stalled every request. Now hashing runs outside
/// it, on a small pool with a short queue (the rest are told to retry), so
/// the catalog answers while the flood is still being hashed.
#[tokio::test]
async fn a_flood_of_wrong_passwords_does_not_stall_the_shop() {
    let (_d, path) = temp_db();
    let s = std::sync::Arc::new(Server::start(&path).await);
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let flood: Vec<_> = (0..200)
        .map(|i| {
            let (s, answered) = (s.clone(), answered.clone());
            tokio::spawn(async move {
                let status = sign_in_status(&s, &format!("guess{i}@example.com"), "wrong password").await.0;
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                status
            })
        })
        .collect();
    // Once the first guess is answered, hashing is under way: the catalog must answer now.
    while answered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let (status, _) = get(&s.url("/v1/products")).await;
    assert_eq!(status, StatusCode::OK);
    let pending_after_catalog = 200 - answered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(pending_after_catalog > 0, "the catalog answered while guesses were still being hashed");
    let mut statuses = Vec::new();
    for f in flood {
        statuses.push(f.await.unwrap());
    }
    assert!(statuses.iter().all(|s| [StatusCode::UNAUTHORIZED, StatusCode::SERVICE_UNAVAILABLE].contains(s)), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::SERVICE_UNAVAILABLE), "guesses that find the queue full for a second are refused: {statuses:?}");
}

/// Medium: no sign-in rate limit. After ten wrong passwords for one e-mail,
/// even the right one is refused for a while; other e-mails are unaffected.
#[tokio::test]
async fn wrong_passwords_lock_that_e_mail_for_a_while() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let (status, _) = post(&s.url("/v1/customers"), json!({"email": "ana@example.com", "password": "correct horse battery", "name": "Ana"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = post(&s.url("/v1/customers"), json!({"email": "bo@example.com", "password": "correct horse battery", "name": "Bo"})).await;
    assert_eq!(status, StatusCode::CREATED);
    for _ in 0..10 {
        assert_eq!(sign_in_status(&s, "ana@example.com", "wrong password").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = sign_in_status(&s, "ANA@example.com ", "correct horse battery").await;
    assert_eq!((status, error_code(&body)), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"), "{body}");
    assert_eq!(sign_in_status(&s, "bo@example.com", "correct horse battery").await.0, StatusCode::OK);
}

/// Medium (L10): any lines a client tagged with one bundle tag got the
/// bundle discount. Now a line joins a bundle only if this shop's orders
/// pair its product with one already in it; the real pair still earns it.
#[tokio::test]
async fn a_bundle_discount_needs_a_mined_pair() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    // What the shop's orders pair with the laptop (waits for the first model).
    let (status, recs) = get(&s.url("/v1/recommendations?products=p-aero-14&limit=20")).await;
    assert_eq!(status, StatusCode::OK, "{recs}");
    let paired: Vec<String> = recs["recommendations"].as_array().unwrap().iter().map(|r| r["product"]["id"].as_str().unwrap().to_owned()).collect();
    assert!(!paired.contains(&"p-usb-c-cable-2m".to_owned()), "the attack needs an unpaired product: {paired:?}");
    let partner = recs["recommendations"][0]["product"]["variants"][0]["id"].as_str().unwrap().to_owned();

    let add = |cart: String, variant: String, quantity: u32, tag: &'static str| {
        let url = s.url(&format!("/v1/carts/{cart}/lines"));
        async move { post(&url, json!({"variant_id": variant, "quantity": quantity, "bundle": tag})).await }
    };
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    add(cart.clone(), "v-aero-14-2".into(), 5, "any").await;
    let (status, answer) = add(cart.clone(), "v-usb-c-cable-2m-1".into(), 1, "any").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["discount"].is_null(), "no discount for a pair the orders never made: {answer}");
    assert_eq!(answer["total"], answer["subtotal"]);

    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    add(cart.clone(), "v-aero-14-2".into(), 1, "real").await;
    let (_, answer) = add(cart, partner, 1, "real").await;
    assert!(answer["discount"]["amount"].as_i64().unwrap_or(0) > 0, "a mined pair keeps its bundle discount: {answer}");
}

/// Medium (L18): one anonymous cart could hold a product's whole click &
/// collect stock for the hold time. A cart holds at most 10 units (all its
/// pickup lines together); the rest stays free for other shoppers.
#[tokio::test]
async fn one_cart_cannot_hold_all_the_pickup_stock() {
    let (_d, path) = temp_db();
    let s = Server::with_store_stock(&path, &[("lviv", "v-nova-12-1", 30), ("kyiv", "v-nova-12-1", 30)]).await;
    let hoarder = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let add = |cart: &str, store: &str, quantity: u32| {
        let url = s.url(&format!("/v1/carts/{cart}/lines"));
        let body = json!({"variant_id": "v-nova-12-1", "quantity": quantity, "fulfillment": {"type": "pickup", "store_id": store}});
        async move { post(&url, body).await }
    };
    let (status, answer) = add(&hoarder, "lviv", 30).await;
    assert_eq!((status, error_code(&answer)), (StatusCode::CONFLICT, "insufficient_stock"), "{answer}");
    assert_eq!(answer["error"]["available"], 10, "{answer}");
    assert_eq!(add(&hoarder, "lviv", 6).await.0, StatusCode::OK);
    let (status, answer) = add(&hoarder, "kyiv", 5).await;
    assert_eq!(status, StatusCode::CONFLICT, "the cap counts every store: {answer}");
    assert_eq!(add(&hoarder, "kyiv", 4).await.0, StatusCode::OK);
    // Through operations too: the server corrects the line to what the cap allows.
    let op = json!({"id": {"replica": "r1", "seq": 1}, "lamport": 1, "change": {"type": "add", "variant_id": "v-nova-12-1", "quantity": 20, "fulfillment": {"type": "pickup", "store_id": "lviv"}}});
    let (_, answer) = post(&s.url(&format!("/v1/carts/{hoarder}/ops")), json!({"ops": [op]})).await;
    assert_eq!(held(&answer["cart"]), 10, "{answer}");
    // Another shopper still finds stock.
    let other = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    assert_eq!(add(&other, "lviv", 10).await.0, StatusCode::OK);
}

/// Low findings, each a one-line fix: a cursor beyond i64 no longer wraps
/// to "every op" (I6), control characters in an e-mail are refused (I7),
/// API answers say `nosniff` (X4).
#[tokio::test]
async fn low_findings_stay_fixed() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post(&s.url(&format!("/v1/carts/{cart}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    let (status, page) = get(&s.url(&format!("/v1/carts/{cart}/ops?since=9223372036854775808"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["ops"].as_array().map(Vec::len), Some(0), "{page}");
    let (status, body) = post(&s.url("/v1/orders"), json!({"cart_id": cart, "email": "a\u{0}b@example.com"})).await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_email"));
    let res = reqwest::get(s.url("/v1/products")).await.unwrap();
    assert_eq!(res.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"));
}

/// Medium (V7): the op log of a cart was unbounded and re-read on every
/// edit (231 ms per add at 40,000 ops). Past `COMPACT_AT` operations the log
/// is folded into a snapshot: the server keeps a bounded number of rows, the
/// cart is what every operation adds up to — here and on a device holding
/// every one of them — and a retry of a folded op is still acknowledged.
#[tokio::test]
async fn a_long_op_log_is_folded_into_a_snapshot() {
    use crosscart_core::sync::{materialize, Op};
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let ops_url = s.url(&format!("/v1/carts/{cart}/ops"));
    // Two devices: one adds pouches and cards, the other now and then sets
    // the pouches to 2 having seen everything sent so far and what the
    // server pushed (its snapshots).
    let mut sent: Vec<Value> = Vec::new();
    let mut last_answer = Value::Null;
    let mut server_seen = 0;
    let mut cursor = 0;
    for batch in 0..25u64 {
        let mut ops = Vec::new();
        for i in 1..=100u64 {
            let n = batch * 100 + i;
            let op = if n % 10 == 0 {
                let seen = json!({"contiguous": {"phone": n - n / 10, "laptop": n / 10 - 1, "server": server_seen}});
                json!({"id": {"replica": "laptop", "seq": n / 10}, "lamport": 2 * n, "change": {"type": "set", "variant_id": "v-lens-pouch-1", "quantity": 2, "seen": seen}})
            } else {
                let variant = if n % 2 == 0 { "v-lens-pouch-1" } else { "v-sd-card-pro-1" };
                json!({"id": {"replica": "phone", "seq": n - n / 10}, "lamport": 2 * n, "change": {"type": "add", "variant_id": variant, "quantity": 1}})
            };
            ops.push(op);
        }
        let (status, answer) = post(&ops_url, json!({ "ops": ops.clone() })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["acked"].as_array().unwrap().len(), 100, "batch {batch}: {answer}");
        sent.extend(ops);
        last_answer = answer;
        // What the server pushed meanwhile.
        let (_, page) = get(&s.url(&format!("/v1/carts/{cart}/ops?since={cursor}"))).await;
        cursor = page["cursor"].as_u64().unwrap();
        for op in page["ops"].as_array().unwrap() {
            if op["id"]["replica"] == "server" {
                server_seen = server_seen.max(op["id"]["seq"].as_u64().unwrap());
            }
        }
    }
    let rows: i64 = rusqlite::Connection::open(&path).unwrap().query_row("SELECT count(*) FROM cart_ops WHERE cart_id = ?1", [&cart], |r| r.get(0)).unwrap();
    assert!(rows < crosscart_server::db::COMPACT_AT as i64 + 10, "{rows} rows kept for 2,500 operations");
    // What the server holds now, and a device that holds everything besides.
    let (_, page) = get(&s.url(&format!("/v1/carts/{cart}/ops?since=0"))).await;
    let live: Vec<Op> = serde_json::from_value(page["ops"].clone()).unwrap();
    let all: Vec<Op> = serde_json::from_value::<Vec<Op>>(Value::Array(sent.clone())).unwrap().into_iter().chain(live.iter().cloned()).collect();
    let expect = |ops: &[Op], variant: &str| materialize(ops).iter().filter(|l| l.key.variant_id == variant).map(|l| u64::from(l.quantity)).sum::<u64>();
    for variant in ["v-lens-pouch-1", "v-sd-card-pro-1"] {
        assert_eq!(quantity(&last_answer["cart"], variant), expect(&live, variant), "{variant} on the server");
        assert_eq!(expect(&all, variant), expect(&live, variant), "{variant} on a device holding every op");
    }
    // Pouches: the laptop's last Set (the very last op) made them 2; cards: every add.
    assert_eq!(quantity(&last_answer["cart"], "v-lens-pouch-1"), 2);
    assert_eq!(quantity(&last_answer["cart"], "v-sd-card-pro-1"), 999, "1,125 adds, clamped at the line maximum");
    // A retry of a folded op is acknowledged and changes nothing.
    let (_, answer) = post(&ops_url, json!({ "ops": [sent[6].clone()] })).await;
    assert_eq!(answer["acked"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["cart"]["lines"], last_answer["cart"]["lines"]);
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": cart, "email": "long@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
}

/// A Set made before the fold, by a device that had not seen it, would win
/// its line here but count the folded adds on devices that hold them: it is
/// refused as `stale`. One that saw the snapshot is kept.
#[tokio::test]
async fn a_set_that_missed_the_snapshot_is_refused() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let ops_url = s.url(&format!("/v1/carts/{cart}/ops"));
    let add = |seq: u64| json!({"id": {"replica": "grow", "seq": seq}, "lamport": seq, "change": {"type": "add", "variant_id": "v-lens-pouch-1", "quantity": 1}});
    for batch in 0..3u64 {
        let ops: Vec<Value> = (1..=100).map(|i| add(batch * 100 + i)).collect();
        post(&ops_url, json!({ "ops": ops })).await;
    }
    let (_, page) = get(&s.url(&format!("/v1/carts/{cart}/ops?since=0"))).await;
    let snapshot = page["ops"].as_array().unwrap().iter().find(|o| o["id"]["replica"] == "server").cloned().expect("a snapshot op");
    let set = |seq: u64, seen: Value| json!({"id": {"replica": "offline", "seq": seq}, "lamport": 100_000, "change": {"type": "set", "variant_id": "v-lens-pouch-1", "quantity": 1, "seen": seen}});
    let (_, answer) = post(&ops_url, json!({ "ops": [set(1, json!({"contiguous": {"grow": 5}}))] })).await;
    assert_eq!(answer["rejected"][0]["code"], "stale", "{answer}");
    assert_eq!(quantity(&answer["cart"], "v-lens-pouch-1"), 300);
    let (_, answer) = post(&ops_url, json!({ "ops": [set(2, json!({"contiguous": {}, "extra": [snapshot["id"]]}))] })).await;
    assert_eq!(answer["acked"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(quantity(&answer["cart"], "v-lens-pouch-1"), 1, "it saw the snapshot, so every folded add");
}

/// A log too fragmented to fold (every op out of order) stays bounded:
/// beyond `MAX_LIVE_OPS`, edits are refused with a clear reason, nothing kept
/// is lost, and the cart can still be checked out.
#[tokio::test]
async fn a_fragmented_op_log_is_bounded() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let ops_url = s.url(&format!("/v1/carts/{cart}/ops"));
    let add = |seq: u64| json!({"id": {"replica": "holes", "seq": 2 * seq}, "lamport": seq, "change": {"type": "add", "variant_id": "v-lens-pouch-1", "quantity": 1}});
    let mut refused = None;
    for batch in 0..40u64 {
        let ops: Vec<Value> = (1..=100).map(|i| add(batch * 100 + i)).collect();
        let (status, answer) = post(&ops_url, json!({ "ops": ops })).await;
        assert_eq!(status, StatusCode::OK);
        if let Some(r) = answer["rejected"].as_array().and_then(|r| r.first()) {
            refused = Some((batch, r["code"].clone()));
            break;
        }
    }
    let (batch, code) = refused.expect("a fragmented log is refused at some point");
    assert_eq!(code, "cart_full");
    assert!(batch < 30, "refused only at batch {batch}");
    let rows: i64 = rusqlite::Connection::open(&path).unwrap().query_row("SELECT count(*) FROM cart_ops WHERE cart_id = ?1", [&cart], |r| r.get(0)).unwrap();
    assert!(rows as u64 <= crosscart_server::db::MAX_LIVE_OPS + 10, "{rows} rows");
    let (status, order) = post(&s.url("/v1/orders"), json!({"cart_id": cart, "email": "full@example.com"})).await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
}

/// Medium (V3): a connection that sends half a request was held forever
/// (300 of them exhausted the file descriptors). Headers must arrive within
/// `HEADER_READ_TIMEOUT`; the server closes the connection after that, and
/// serves everyone else meanwhile.
#[tokio::test]
async fn a_half_sent_request_is_dropped_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut c = tokio::net::TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET /v1/prod").await.unwrap();
        slow.push(c);
    }
    let (status, _) = get(&s.url("/v1/products")).await;
    assert_eq!(status, StatusCode::OK, "others are served while half-sent requests wait");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let closed = tokio::time::timeout(crosscart_server::HEADER_READ_TIMEOUT * 2, slow[0].read(&mut buf)).await;
    assert!(closed.is_ok(), "the connection was still open after twice the header timeout");
    assert!(started.elapsed() >= crosscart_server::HEADER_READ_TIMEOUT / 2);
}

/// Low (V9): one client made 5,000 carts in 15 s. New carts are limited per
/// client address (60 a minute by default, `--carts-per-minute`); the
/// 61st is refused with 429 in the API's error shape, and everything else,
/// the carts already made included, keeps working.
#[tokio::test]
async fn one_client_cannot_flood_the_shop_with_carts() {
    let (_d, path) = temp_db();
    let s = Server::start_configured(&path, |_| Ok(()), crosscart_server::Config::api(crosscart_core::Currency::EUR)).await;
    let mut last = String::new();
    for _ in 0..crosscart_server::Config::CARTS_PER_MINUTE {
        last = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    }
    let (status, body) = post(&s.url("/v1/carts"), json!({})).await;
    assert_eq!((status, error_code(&body)), (StatusCode::TOO_MANY_REQUESTS, "too_many_carts"), "{body}");
    let (status, cart) = post(&s.url(&format!("/v1/carts/{last}/lines")), json!({"variant_id": "v-nova-12-1", "quantity": 1})).await;
    assert_eq!(status, StatusCode::OK, "{cart}");
    let (status, _) = get(&s.url("/v1/products")).await;
    assert_eq!(status, StatusCode::OK);
}

/// Low (L7): an op id sent again with other content was acknowledged while
/// the cart kept the first. A retry of the same op is acknowledged; the same
/// id with other content is refused as `id_reused`, so the client learns it
/// was not kept.
#[tokio::test]
async fn an_op_id_reused_with_other_content_is_refused() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let cart = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let ops = s.url(&format!("/v1/carts/{cart}/ops"));
    let op = |variant: &str, quantity: u32| json!({"id": {"replica": "rep", "seq": 1}, "lamport": 1, "change": {"type": "add", "variant_id": variant, "quantity": quantity}});
    let (_, first) = post(&ops, json!({"ops": [op("v-nova-12-1", 1)]})).await;
    assert_eq!(first["acked"].as_array().map(Vec::len), Some(1), "{first}");
    let (_, retry) = post(&ops, json!({"ops": [op("v-nova-12-1", 1)]})).await;
    assert_eq!((retry["acked"].as_array().map(Vec::len), retry["rejected"].as_array().map(Vec::len)), (Some(1), Some(0)), "{retry}");
    let (_, reused) = post(&ops, json!({"ops": [op("v-trail-boots-1", 50)]})).await;
    assert_eq!(reused["rejected"][0]["code"], "id_reused", "{reused}");
    assert_eq!(reused["acked"].as_array().map(Vec::len), Some(0), "{reused}");
    assert_eq!(quantity(&reused["cart"], "v-nova-12-1"), 1);
    assert_eq!(quantity(&reused["cart"], "v-trail-boots-1"), 0);
}

/// Low (I11): an oversized body on an endpoint whose body is optional was
/// refused as `text/plain`; every refusal is the API's JSON error.
#[tokio::test]
async fn an_oversized_optional_body_gets_a_json_error() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let big = vec![b' '; crosscart_server::MAX_BODY_BYTES + 1];
    for url in [s.url("/v1/carts"), s.url("/v1/orders/o-1/offer/accept")] {
        let res = reqwest::Client::new().post(&url).header("content-type", "application/json").body(big.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{url}");
        let body: Value = res.json().await.expect("a JSON error");
        assert_eq!(error_code(&body), "body_too_large", "{url}: {body}");
        assert_schema("Error", &body);
    }
}
