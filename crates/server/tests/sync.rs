//! The replicated cart over HTTP on loopback against a real SQLite file:
//! idempotent, durable operations, REST edits as server operations, and
//! Server-Sent Events pushing changes to a second device.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn add_op(replica: &str, seq: u64, lamport: u64, variant: &str, quantity: u32) -> Value {
    json!({"id": {"replica": replica, "seq": seq}, "lamport": lamport, "at": 0, "change": {"type": "add", "variant_id": variant, "quantity": quantity}})
}

fn set_op(replica: &str, seq: u64, lamport: u64, variant: &str, quantity: u32, seen: Value) -> Value {
    json!({"id": {"replica": replica, "seq": seq}, "lamport": lamport, "change": {"type": "set", "variant_id": variant, "quantity": quantity, "seen": {"contiguous": seen}}})
}

async fn post_ops(s: &Server, cart: &str, ops: Value) -> (StatusCode, Value) {
    let (status, body) = post(&s.url(&format!("/v1/carts/{cart}/ops")), json!({ "ops": ops })).await;
    if status == StatusCode::OK {
        assert_schema("OpsAnswer", &body);
    }
    (status, body)
}

#[tokio::test]
async fn operations_are_idempotent_and_survive_a_restart() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let first = json!([add_op("phone", 1, 1, "v-nova-12-1", 2)]);
    let (status, a) = post_ops(&s, &id, first.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["acked"], json!([{"replica": "phone", "seq": 1}]));
    assert_eq!(quantity(&a["cart"], "v-nova-12-1"), 2);
    // The same op again (a retry after a lost answer): nothing changes.
    let (_, b) = post_ops(&s, &id, first).await;
    assert_eq!(b["acked"], a["acked"], "acknowledged again, so the replica stops sending it");
    assert_eq!(quantity(&b["cart"], "v-nova-12-1"), 2);
    assert_eq!(b["cart"]["version"], a["cart"]["version"], "no change, no new version");
    // The laptop, not having seen the phone's add, adds one too; then the phone sets 5 having seen both.
    let (_, c) = post_ops(&s, &id, json!([add_op("laptop", 1, 1, "v-nova-12-1", 1)])).await;
    assert_eq!(quantity(&c["cart"], "v-nova-12-1"), 3);
    let (_, d) = post_ops(&s, &id, json!([set_op("phone", 2, 2, "v-nova-12-1", 5, json!({"phone": 1, "laptop": 1}))])).await;
    assert_eq!(quantity(&d["cart"], "v-nova-12-1"), 5);
    drop(s);

    let s = Server::start(&path).await;
    let (status, cart) = get(&s.url(&format!("/v1/carts/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quantity(&cart, "v-nova-12-1"), 5, "acknowledged ops survive a restart");
    let (_, page) = get(&s.url(&format!("/v1/carts/{id}/ops?since=0"))).await;
    assert_schema("OpsPage", &page);
    assert_eq!((page["ops"].as_array().unwrap().len(), page["cursor"].as_u64()), (3, Some(3)));
    let (_, later) = get(&s.url(&format!("/v1/carts/{id}/ops?since=2"))).await;
    assert_eq!(later["ops"][0]["id"], json!({"replica": "phone", "seq": 2}));
}

#[tokio::test]
async fn rest_edits_are_server_operations_that_merge_with_replicas() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let (_, cart) = post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-boot-laces-1", "quantity": 1})).await;
    let line = cart["lines"][0]["id"].as_str().unwrap().to_owned();
    // A replica that never saw that add sets the line to 2: add wins, 3 in all.
    let (_, a) = post_ops(&s, &id, json!([set_op("tab", 1, 1, "v-boot-laces-1", 2, json!({}))])).await;
    assert_eq!(quantity(&a["cart"], "v-boot-laces-1"), 3);
    assert_eq!(a["cart"]["lines"][0]["id"], line, "the line keeps its id");
    // A REST quantity change has seen everything: it is the quantity.
    let (status, cart) = send(reqwest::Method::PATCH, &s.url(&format!("/v1/carts/{id}/lines/{line}")), Some(json!({"quantity": 4})), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quantity(&cart, "v-boot-laces-1"), 4);
    let (_, page) = get(&s.url(&format!("/v1/carts/{id}/ops"))).await;
    let replicas: Vec<&str> = page["ops"].as_array().unwrap().iter().map(|o| o["id"]["replica"].as_str().unwrap()).collect();
    assert_eq!(replicas, ["server", "tab", "server"]);
}

#[tokio::test]
async fn bad_operations_are_refused_one_by_one_and_nothing_is_lost() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let batch = json!([
        add_op("r1", 1, 1, "v-does-not-exist", 1),
        add_op("r1", 2, 2, "v-nova-12-1", 1),
        add_op("server", 9, 3, "v-nova-12-1", 1),
        {"id": {"replica": "r1", "seq": 3}, "lamport": 3, "change": {"type": "add", "variant_id": "v-nova-12-1", "quantity": 1000}},
        {"id": {"replica": "r1", "seq": 4}, "lamport": 4, "change": {"type": "add", "variant_id": "v-nova-12-1", "quantity": 1, "fulfillment": {"type": "pickup", "store_id": "atlantis"}}},
    ]);
    let (status, a) = post_ops(&s, &id, batch).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["acked"], json!([{"replica": "r1", "seq": 2}]));
    let codes: Vec<&str> = a["rejected"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["unknown_variant", "reserved_replica", "invalid_op", "unknown_store"]);
    assert_eq!(quantity(&a["cart"], "v-nova-12-1"), 1);
    // Malformed bodies, empty and oversized batches, unknown carts.
    let (status, err) = post(&s.url(&format!("/v1/carts/{id}/ops")), json!({"ops": [{"id": "x"}]})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    let (status, _) = post(&s.url(&format!("/v1/carts/{id}/ops")), json!({"ops": []})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(&s.url("/v1/carts/nope/ops"), json!({"ops": [add_op("r1", 5, 5, "v-nova-12-1", 1)]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, err) = get(&s.url(&format!("/v1/carts/{id}/ops?since=-1"))).await;
    assert_eq!((status, error_code(&err)), (StatusCode::BAD_REQUEST, "bad_cursor"));
    // A checked-out cart takes no more operations.
    post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@example.com"})).await;
    let (status, err) = post(&s.url(&format!("/v1/carts/{id}/ops")), json!({"ops": [add_op("r1", 5, 5, "v-nova-12-1", 1)]})).await;
    assert_eq!((status, error_code(&err)), (StatusCode::GONE, "cart_closed"));
}

#[tokio::test]
async fn pickup_beyond_the_stores_stock_is_corrected_by_the_server() {
    let (_d, path) = temp_db();
    let s = Server::with_store_stock(&path, &[("lviv", "v-nova-12-1", 2)]).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let op = json!({"id": {"replica": "r1", "seq": 1}, "lamport": 1, "change": {"type": "add", "variant_id": "v-nova-12-1", "quantity": 5, "fulfillment": {"type": "pickup", "store_id": "lviv"}}});
    let (status, a) = post_ops(&s, &id, json!([op])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["acked"].as_array().unwrap().len(), 1, "kept: the replica must not resend it forever");
    assert_eq!(quantity(&a["cart"], "v-nova-12-1"), 2, "what the store has, held for this cart");
    assert!(a["cart"]["lines"][0]["reserved_until"].is_i64());
    let (_, page) = get(&s.url(&format!("/v1/carts/{id}/ops"))).await;
    let last = page["ops"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["id"]["replica"].as_str(), last["change"]["type"].as_str(), last["change"]["quantity"].as_u64()), (Some("server"), Some("set"), Some(2)));
}

/// Reads Server-Sent Events from a streaming response until `want` events arrived.
async fn read_events(resp: &mut reqwest::Response, want: usize, timeout: Duration) -> Vec<(String, String, Value)> {
    let mut buf = String::new();
    let mut events = Vec::new();
    let deadline = Instant::now() + timeout;
    while events.len() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, resp.chunk()).await.expect("an event in time").unwrap().expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (mut name, mut id, mut data) = (String::new(), String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().into();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().into();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if !name.is_empty() {
                events.push((name, id, serde_json::from_str(&data).unwrap_or(Value::Null)));
            }
        }
    }
    events
}

#[tokio::test]
async fn a_second_device_is_pushed_every_change() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    post_ops(&s, &id, json!([add_op("phone", 1, 1, "v-nova-12-1", 1)])).await;
    // The laptop follows the cart: first the backlog, then each change as it commits.
    let mut laptop = reqwest::Client::new().get(s.url(&format!("/v1/carts/{id}/events"))).send().await.unwrap();
    assert_eq!(laptop.status(), StatusCode::OK);
    assert!(laptop.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let backlog = read_events(&mut laptop, 1, Duration::from_secs(5)).await;
    assert_eq!((backlog[0].0.as_str(), backlog[0].1.as_str()), ("ops", "1"));
    assert_schema("Cart", &backlog[0].2["cart"]);

    let started = Instant::now();
    post_ops(&s, &id, json!([add_op("phone", 2, 2, "v-boot-laces-1", 2)])).await;
    let pushed = read_events(&mut laptop, 1, Duration::from_secs(5)).await;
    let latency = started.elapsed();
    assert_eq!(pushed[0].1, "2");
    assert_eq!(pushed[0].2["ops"][0]["id"], json!({"replica": "phone", "seq": 2}));
    assert_eq!(quantity(&pushed[0].2["cart"], "v-boot-laces-1"), 2);
    assert!(latency < Duration::from_secs(2), "pushed, not polled: {latency:?}");
    // A REST edit is pushed too; resuming with Last-Event-ID skips what was seen.
    post(&s.url(&format!("/v1/carts/{id}/lines")), json!({"variant_id": "v-boot-laces-1", "quantity": 1})).await;
    assert_eq!(read_events(&mut laptop, 1, Duration::from_secs(5)).await[0].1, "3");
    let mut resumed = reqwest::Client::new().get(s.url(&format!("/v1/carts/{id}/events"))).header("last-event-id", "2").send().await.unwrap();
    let again = read_events(&mut resumed, 1, Duration::from_secs(5)).await;
    assert_eq!(again[0].1, "3", "only what came after event 2");
    // Checkout ends the stream.
    post(&s.url("/v1/orders"), json!({"cart_id": id, "email": "a@example.com"})).await;
    assert_eq!(read_events(&mut laptop, 1, Duration::from_secs(5)).await[0].0, "closed");
    let (status, _) = get(&s.url("/v1/carts/nope/events")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Issue 14 (V2): each follower of a cart re-read the cart and its ops after
/// every commit, so 1,000 followers turned one edit into 1,000 reads under
/// the database lock. Now a cart has at most 50 followers (the 51st is told
/// why), and every one of them gets each change, read once and shared.
#[tokio::test]
async fn followers_of_one_cart_are_capped_and_all_get_each_change() {
    let (_d, path) = temp_db();
    let s = Server::start(&path).await;
    let id = new_cart(&s).await["id"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    let mut followers = Vec::new();
    for _ in 0..50 {
        let resp = client.get(s.url(&format!("/v1/carts/{id}/events"))).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        followers.push(resp);
    }
    let extra = client.get(s.url(&format!("/v1/carts/{id}/events"))).send().await.unwrap();
    assert_eq!(extra.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = extra.json().await.unwrap();
    assert_eq!(error_code(&body), "too_many_followers");
    for round in 1..=3u64 {
        post_ops(&s, &id, json!([add_op("phone", round, round, "v-nova-12-1", 1)])).await;
        for f in &mut followers {
            let got = read_events(f, 1, Duration::from_secs(10)).await;
            assert_eq!((got[0].0.as_str(), got[0].1.clone()), ("ops", round.to_string()));
            assert_eq!(quantity(&got[0].2["cart"], "v-nova-12-1"), round);
        }
    }
    // A follower that leaves gives its place back (noticed at the next change pushed to it).
    followers.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    for seq in 4.. {
        post_ops(&s, &id, json!([add_op("phone", seq, seq, "v-nova-12-1", 1)])).await;
        let back = client.get(s.url(&format!("/v1/carts/{id}/events"))).send().await.unwrap();
        if back.status() == StatusCode::OK {
            break;
        }
        assert_eq!(back.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(Instant::now() < deadline, "the place of a follower that left never came back");
    }
}
