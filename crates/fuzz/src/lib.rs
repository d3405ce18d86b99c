//! Fuzz targets for every parser of outside input, as plain functions of
//! bytes. Each is a libFuzzer binary (`fuzz_targets/`, built and run by
//! `cargo xtask fuzz`), and the tests replay the seeds and every crash ever
//! found (`regressions/<target>/`) through the same function.
//!
//! A target fails by panicking: a parser that panics, overflows (the fuzz
//! build checks overflow), or answers something its own contract forbids.

#![forbid(unsafe_code)]

use crosscart_core::protocol::any::{self, Backend};
use crosscart_core::protocol::{Call, CommerceAdapter, HttpRequest, HttpResponse, NewLine, ProductQuery, ProtocolError};

/// Every target, by the name its binary, corpus and regressions use.
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("adapter_reference", adapter_reference),
    ("adapter_medusa", adapter_medusa),
    ("adapter_shopify", adapter_shopify),
    ("adapter_woocommerce", adapter_woocommerce),
    ("adapter_vendure", adapter_vendure),
    ("model_file", model_file),
    ("orders_csv", orders_csv),
    ("orders_fimi", orders_fimi),
    ("orders_jsonl", orders_jsonl),
    ("gazetteer", gazetteer),
    ("ops_body", ops_body),
    ("catalog_import", catalog_import),
    ("server_requests", server_requests),
];

// ------------------------------------------------------------------ adapters

/// Statuses an adapter input can pick (the second byte): success, the errors
/// backends really send, and whatever else.
const STATUSES: [u16; 8] = [200, 201, 204, 400, 404, 409, 429, 500];

/// An input for [`adapter`]: call `call` answered with `status` and `body`.
pub fn adapter_input(call: u8, status_index: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![call, status_index];
    v.extend_from_slice(body);
    v
}

/// A call with its answer type erased: the request, and its parser (whose
/// result is dropped).
pub type ErasedCall = (HttpRequest, Box<dyn FnOnce(&HttpResponse)>);

fn erase<T: 'static>(call: Result<Call<T>, ProtocolError>) -> Option<ErasedCall> {
    let (request, parse) = call.ok()?.into_parts();
    Some((request, Box::new(move |r: &HttpResponse| drop(parse(r)))))
}

/// The adapter for `api` as a page configures it, signed in.
pub fn configured_adapter(api: &str) -> Box<dyn CommerceAdapter> {
    let backend = Backend { api, base_url: "http://127.0.0.1:9", publishable_key: "pk", region_id: "reg_1", stores_url: "http://127.0.0.1:9/stores.json" };
    any::adapter(&backend, Some("token".into()))
}

/// Every call an adapter can make, by name (`None`: the backend lacks it).
pub fn every_call(a: &dyn CommerceAdapter) -> Vec<(&'static str, Option<ErasedCall>)> {
    let line = NewLine { variant_id: "v-1".into(), quantity: 2, fulfillment: Default::default(), bundle: None, allow_transfer: false };
    let checkout = crosscart_core::protocol::CheckoutRequest { cart_id: "cart-1".into(), email: "a@b.c".into(), name: String::new(), channel: Default::default() };
    let search = ProductQuery { category: Some("cameras".into()), search: Some("pro".into()), ids: vec!["p-1".into()] };
    vec![
        ("list_products", erase(a.list_products(&ProductQuery::default()))),
        ("list_products_filtered", erase(a.list_products(&search))),
        ("get_product", erase(a.get_product("p-1"))),
        ("create_cart", erase(a.create_cart(None))),
        ("get_cart", erase(a.get_cart("cart-1"))),
        ("add_line", erase(a.add_line("cart-1", &line))),
        ("update_line", erase(a.update_line("cart-1", "line-1", 3, Some(1)))),
        ("update_line_to_zero", erase(a.update_line("cart-1", "line-1", 0, None))),
        ("remove_line", erase(a.remove_line("cart-1", "line-1", None))),
        ("checkout", erase(a.checkout(&checkout))),
        ("get_order", erase(a.get_order("o-1", "k"))),
        ("list_stores", erase(a.list_stores())),
        ("variant_stock", erase(a.variant_stock("v-1"))),
        ("recommendations", erase(a.recommendations(&["p-1".into()], &[], 4))),
        ("sign_up", erase(a.sign_up("a@b.c", "password1", "A", Some("cart-1")))),
        ("sign_in", erase(a.sign_in("a@b.c", "password1", Some("cart-1")))),
        ("sign_out", a.sign_out().ok().flatten().and_then(|c| erase(Ok(c)))),
        ("me", erase(a.me())),
        ("create_handoff", erase(a.create_handoff("cart-1"))),
        ("claim_handoff", erase(a.claim_handoff("K7Q4MX", "web"))),
        ("push_ops", erase(a.push_ops("cart-1", &[]))),
        ("ops_since", erase(a.ops_since("cart-1", 3))),
        ("order_offer", erase(a.order_offer("o-1", Some("k"), &["p-1".into()]))),
        ("my_offer", erase(a.my_offer())),
        ("accept_offer", erase(a.accept_offer("o-1", Some("k"), &[]))),
        ("recommendation_model", erase(a.recommendation_model())),
        ("attach_cart", erase(a.attach_cart("cart-1"))),
        ("create_customer", erase(a.create_customer("a@b.c", "A"))),
        ("record_viewed", erase(a.record_viewed("p-1"))),
        ("apply_code", erase(a.apply_code("cart-1", "TENOFF", &["FIVE".into()]))),
        ("remove_code", erase(a.remove_code("cart-1", "TENOFF", &["TENOFF".into(), "FIVE".into()]))),
        ("set_note", erase(a.set_note("cart-1", "Leave it at the door"))),
    ]
}

/// How many calls [`adapter`] can pick from (the first byte of an input).
pub const ADAPTER_CALLS: u8 = 32;

/// One call of the adapter for `api`, answered with the input's status and
/// body (and, from bit 7 of the status byte, session token headers):
/// parsing must give a value or an error, never a panic.
fn adapter(api: &str, data: &[u8]) {
    let [call, status, body @ ..] = data else { return };
    let mut response = HttpResponse::new(STATUSES[usize::from(*status) % STATUSES.len()], body.to_vec());
    if status & 0x80 != 0 {
        response.headers = vec![("vendure-auth-token".into(), "t0k".into()), ("cart-token".into(), "c4rt".into()), ("nonce".into(), "n".into())];
    }
    let a = configured_adapter(api);
    let mut calls = every_call(a.as_ref());
    let index = usize::from(call % ADAPTER_CALLS) % calls.len();
    if let (_, Some((_, parse))) = calls.swap_remove(index) {
        parse(&response);
    }
}

pub fn adapter_reference(data: &[u8]) {
    adapter("crosscart", data)
}
pub fn adapter_medusa(data: &[u8]) {
    adapter("medusa", data)
}
pub fn adapter_shopify(data: &[u8]) {
    adapter("shopify", data)
}
pub fn adapter_woocommerce(data: &[u8]) {
    adapter("woocommerce", data)
}
pub fn adapter_vendure(data: &[u8]) {
    adapter("vendure", data)
}

// ------------------------------------------------------------------ files

/// A bought-together model file. The input's last four bytes are replaced
/// by its checksum, so mutations reach past the CRC into the structure.
pub fn model_file(data: &[u8]) {
    use crosscart_core::fbt::model::{crc32, Model};
    let mut bytes = data.to_vec();
    if bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let crc = crc32(&bytes[..body]).to_le_bytes();
        bytes[body..].copy_from_slice(&crc);
    }
    let Ok(model) = Model::load(&bytes) else { return };
    // Every lookup on a loaded model answers without panicking.
    let names: Vec<&str> = ["", "1", "p-1", "a"].into_iter().collect();
    for n in &names {
        let _ = model.item_count(n);
        let _ = model.complements(n);
        let _ = model.bundles(n);
    }
    let _ = model.recommend(&names, &[], 8);
    assert!(model.items() <= bytes.len(), "more items than bytes");
}

fn orders(data: &[u8], format: crosscart_core::fbt::Format) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(baskets) = crosscart_core::fbt::parse(text, format) else { return };
    // What was read is usable: every basket's items have names.
    for basket in baskets.iter() {
        for &item in basket {
            let _ = baskets.name(item);
        }
    }
}

pub fn orders_csv(data: &[u8]) {
    orders(data, crosscart_core::fbt::Format::Csv)
}
pub fn orders_fimi(data: &[u8]) {
    orders(data, crosscart_core::fbt::Format::Fimi)
}
pub fn orders_jsonl(data: &[u8]) {
    orders(data, crosscart_core::fbt::Format::Jsonl)
}

/// The place-name file `<cc-store-stock>` searches.
pub fn gazetteer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(g) = crosscart_core::store::gazetteer::Gazetteer::parse(text) else { return };
    for q in ["", "a", "ber", "Zürich", "10115"] {
        let _ = g.search(q, Some("DE"), 5);
    }
}

/// `POST /v1/carts/{id}/ops` as the server reads it: every operation it
/// accepts is valid, writes back to the same operation through the browser
/// build's JSON, and materialises without panicking.
pub fn ops_body(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<crosscart_server::sync::OpsBody>(data) else { return };
    let valid: Vec<_> = body.ops.into_iter().filter(|op| op.validate().is_ok()).collect();
    for op in &valid {
        let bytes = crosscart_core::json::to_vec(op);
        let back: crosscart_core::sync::Op = crosscart_core::json::from_slice(&bytes).unwrap_or_else(|e| panic!("{op:?} does not read back: {e}"));
        assert_eq!(&back, op, "the browser build reads back another operation");
    }
    for line in crosscart_core::sync::materialize(&valid) {
        assert!((1..=crosscart_core::cart::MAX_LINE_QUANTITY).contains(&line.quantity));
    }
}

// ------------------------------------------------------------------ server

/// The server's state for [`catalog_import`] and [`server_requests`]: one
/// seeded shop per process, with a runtime to drive it.
struct Shop {
    runtime: tokio::runtime::Runtime,
    db: crosscart_server::Db,
    app: axum::Router,
    cart: String,
}

fn shop() -> &'static Shop {
    static SHOP: std::sync::OnceLock<Shop> = std::sync::OnceLock::new();
    SHOP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let db = crosscart_server::Db::open_in_memory().expect("database");
        let (app, cart) = runtime.block_on(async {
            db.run(|c| crosscart_server::seed::seed_demo(c, 1_790_000_000_000, 1)).await.expect("seed");
            let cart = db.run(|c| crosscart_server::db::create_cart(c, "fuzzcart0000", crosscart_core::Currency::EUR, 1_790_000_000_000)).await.expect("cart");
            let app = crosscart_server::router(db.clone(), &crosscart_server::Config::api(crosscart_core::Currency::EUR));
            (app, cart.id)
        });
        Shop { runtime, db, app, cart }
    })
}

/// A catalog file (`crosscart import`): imported, or refused with an error.
pub fn catalog_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_owned();
    let shop = shop();
    let _ = shop.runtime.block_on(shop.db.run(move |c| crosscart_server::seed::import_products(c, &text)));
}

/// One HTTP request to the whole application: `METHOD PATH` on the first
/// line (`{cart}` stands for a live cart), `name: value` headers up to a
/// blank line, then the body. No request may answer 500.
pub fn server_requests(data: &[u8]) {
    use tower::ServiceExt;
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let Some((method, path)) = lines.next().and_then(|l| l.split_once(' ')) else { return };
    let shop = shop();
    let path = path.replace("{cart}", &shop.cart);
    let mut request = axum::http::Request::builder().method(method).uri(path.as_str());
    for line in lines {
        if let Some((name, value)) = line.split_once(": ") {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(axum::body::Body::from(body.to_owned())) else { return };
    let response = shop.runtime.block_on(shop.app.clone().oneshot(request)).expect("the router is infallible");
    assert_ne!(response.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{method} {path} answered 500");
}

// ------------------------------------------------------------------ seeds

/// Where the repository's fixtures are.
fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read_dir_files(dir: &std::path::Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();
    paths.into_iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// Answers in the reference protocol, from the types the server writes.
fn reference_answers() -> Vec<Vec<u8>> {
    use crosscart_core::json::to_vec;
    // A real cart with a line, as the server writes it.
    server_requests(SERVER_SEEDS[6].as_bytes());
    let shop = shop();
    let id = shop.cart.clone();
    let cart = shop.runtime.block_on(shop.db.run(move |c| crosscart_server::db::load_cart(c, &id))).expect("cart");
    let products = crosscart_server::seed::products();
    let op = crosscart_core::sync::Op {
        id: crosscart_core::sync::OpId { replica: "tab-1".into(), seq: 1 },
        lamport: 1,
        at: 0,
        change: crosscart_core::sync::Change::Add { variant_id: "v-1".into(), fulfillment: Default::default(), quantity: 1 },
    };
    vec![
        to_vec(&cart),
        to_vec(&crosscart_core::protocol::reference::ProductList { products: products[..3].to_vec() }),
        to_vec(&products[0]),
        to_vec(&crosscart_core::protocol::reference::StoreList { stores: crosscart_server::seed::stores() }),
        to_vec(&crosscart_core::sync::OpsPage { ops: vec![op.clone()], cursor: 1 }),
        to_vec(&crosscart_core::sync::SyncAnswer { acked: vec![op.id.clone()], rejected: vec![], cursor: 1, cart }),
        br#"{"error":{"code":"not_found","message":"no such cart"}}"#.to_vec(),
    ]
}

/// A target's starting corpus: the fixtures and real files of its kind.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let for_every_call = |bodies: Vec<Vec<u8>>| -> Vec<Vec<u8>> {
        bodies.iter().flat_map(|b| (0..ADAPTER_CALLS).flat_map(move |call| [adapter_input(call, 0, b), adapter_input(call, 4, b)])).collect()
    };
    match target {
        "adapter_reference" => for_every_call(reference_answers()),
        "adapter_medusa" | "adapter_shopify" | "adapter_woocommerce" | "adapter_vendure" => {
            let mut bodies = read_dir_files(&fixtures().join(&target["adapter_".len()..]));
            bodies.push(crosscart_core::json::to_vec(&crosscart_core::protocol::reference::StoreList { stores: crosscart_server::seed::stores() }));
            for_every_call(bodies)
        }
        "model_file" => {
            let mut baskets = crosscart_core::fbt::Baskets::new();
            for b in [&["a", "b"][..], &["a", "b", "c"], &["b", "c"], &["a", "c"], &["p-1", "a"]] {
                baskets.push(b);
            }
            let params = crosscart_core::fbt::MineParams { min_support: 0.2, min_count: 1, max_len: 0 };
            let pairs = crosscart_core::fbt::pair_counts(&baskets, &params).expect("pairs");
            let bundles: Vec<_> = crosscart_core::fbt::frequent_itemsets(&baskets, &params).expect("itemsets").into_iter().filter(|s| s.items.len() >= 3).collect();
            vec![crosscart_core::fbt::model::build_model(&baskets, &pairs, &bundles, 4)]
        }
        "orders_csv" => vec![b"order_id,item_id\n1,a\n1,b\n2,\"a,b\"\n2,c\n".to_vec()],
        "orders_fimi" => vec![b"1 2 3\n2 3\n\n4 1\n".to_vec()],
        "orders_jsonl" => vec![b"{\"order_id\": 1, \"items\": [\"a\", \"b\"]}\n{\"order_id\": \"2\", \"items\": [\"b\", \"c\", \"b\"]}\n".to_vec()],
        "gazetteer" => {
            let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/src/gazetteer.tsv")).unwrap_or_default();
            vec![text.lines().take(60).collect::<Vec<_>>().join("\n").into_bytes()]
        }
        "ops_body" => vec![
            br#"{"ops":[{"id":{"replica":"tab-1","seq":1},"lamport":1,"at":0,"change":{"type":"add","variant_id":"v-1","quantity":2}}]}"#.to_vec(),
            br#"{"ops":[{"id":{"replica":"tab-1","seq":2},"lamport":9007199254740991,"change":{"type":"set","variant_id":"v-1","fulfillment":{"type":"pickup","store_id":"s-1"},"quantity":0,"seen":{"contiguous":{"tab-1":1},"extra":[{"replica":"b","seq":4}]}}}]}"#.to_vec(),
        ],
        "catalog_import" => vec![std::fs::read(fixtures().join("hostile-catalog.json")).unwrap_or_default()],
        "server_requests" => SERVER_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect(),
        _ => Vec::new(),
    }
}

/// One request per route, in [`server_requests`]' format.
const SERVER_SEEDS: &[&str] = &[
    "GET /v1/products?category=cameras&q=pro",
    "GET /v1/products/p-aperture-x100",
    "GET /v1/variants/v-aperture-x100/stock",
    "GET /v1/stores",
    "POST /v1/carts\ncontent-type: application/json\n\n{\"currency\":\"EUR\"}",
    "GET /v1/carts/{cart}",
    "POST /v1/carts/{cart}/lines\ncontent-type: application/json\n\n{\"variant_id\":\"v-sd-card-pro\",\"quantity\":2}",
    "POST /v1/carts/{cart}/lines\ncontent-type: application/json\n\n{\"variant_id\":\"v-aperture-x100\",\"quantity\":1,\"fulfillment\":{\"type\":\"pickup\",\"store_id\":\"s-berlin-mitte\"},\"allow_transfer\":true,\"bundle\":\"b1\"}",
    "PATCH /v1/carts/{cart}/lines/l-1\ncontent-type: application/json\nif-match: \"3\"\n\n{\"quantity\":5}",
    "DELETE /v1/carts/{cart}/lines/l-1",
    "POST /v1/carts/{cart}/ops\ncontent-type: application/json\n\n{\"ops\":[{\"id\":{\"replica\":\"tab-1\",\"seq\":1},\"lamport\":1,\"change\":{\"type\":\"add\",\"variant_id\":\"v-sd-card-pro\",\"quantity\":1}}]}",
    "GET /v1/carts/{cart}/ops?after=0",
    "POST /v1/carts/{cart}/handoff",
    "POST /v1/handoff/K7Q4MX/claim\ncontent-type: application/json\n\n{\"channel\":\"store\"}",
    "GET /v1/handoff/K7Q4MX/qr.svg",
    "POST /v1/orders\ncontent-type: application/json\n\n{\"cart_id\":\"{cart}\",\"email\":\"a@example.com\",\"name\":\"A\"}",
    "GET /v1/orders/o-1\nx-order-key: k",
    "GET /v1/orders/o-1/offer?viewed=p-1\nx-order-key: k",
    "POST /v1/orders/o-1/offer/events\ncontent-type: application/json\nx-order-key: k\n\n{\"event\":\"impression\"}",
    "POST /v1/orders/o-1/offer/accept\ncontent-type: application/json\nx-order-key: k\n\n{\"variant_ids\":[]}",
    "POST /v1/customers\ncontent-type: application/json\n\n{\"email\":\"a@example.com\",\"password\":\"correct horse\",\"name\":\"A\"}",
    "POST /v1/sessions\ncontent-type: application/json\n\n{\"email\":\"a@example.com\",\"password\":\"wrong\"}",
    "GET /v1/customers/me\nauthorization: Bearer nope",
    "POST /v1/customers/me/viewed\ncontent-type: application/json\nauthorization: Bearer nope\n\n{\"product_id\":\"p-1\"}",
    "GET /v1/recommendations?products=p-aperture-x100&limit=4",
    "GET /v1/recommendations/model",
    "GET /media/x.svg",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every target takes its seeds and every input that ever crashed it
    /// (`regressions/<target>/`, one file per crash, kept when fixed).
    #[test]
    fn seeds_and_regressions_pass() {
        let regressions = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
        for (name, run) in TARGETS {
            let seeds = seeds(name);
            assert!(!seeds.is_empty(), "{name} has no seeds");
            for input in seeds.iter().chain(read_dir_files(&regressions.join(name)).iter()) {
                run(input);
            }
        }
    }

    /// The fuzz input's call byte reaches every call of every adapter.
    #[test]
    fn every_call_is_reachable() {
        for api in ["crosscart", "medusa", "shopify", "woocommerce", "vendure"] {
            assert_eq!(every_call(configured_adapter(api).as_ref()).len(), usize::from(ADAPTER_CALLS), "{api}");
        }
    }

    /// The harness can fail: a request that answers 500 is caught.
    #[test]
    #[should_panic(expected = "answered 500")]
    fn server_target_catches_a_500() {
        // A cart whose one line's variant has a stored image that is not
        // JSON: reading it is the database's fault, answered 500.
        let shop = shop();
        shop.runtime
            .block_on(shop.db.run(|c| {
                c.execute_batch(
                    "INSERT INTO products (id, handle, title) VALUES ('p-broken', 'broken', 'Broken');
                     INSERT INTO variants (id, product_id, price_amount, currency, image) VALUES ('v-broken', 'p-broken', 100, 'EUR', 'not json');
                     INSERT INTO carts (id, currency, version, created_at, updated_at) VALUES ('brokencart00', 'EUR', 1, 0, 0);
                     INSERT INTO cart_lines (id, cart_id, variant_id, quantity, position) VALUES ('l-broken', 'brokencart00', 'v-broken', 1, 1);",
                )?;
                Ok(())
            }))
            .expect("insert");
        server_requests(b"GET /v1/carts/brokencart00");
    }
}
