//! Keeps this page's cart in step with the other tabs, the other devices and
//! the server, and safe offline: the edge of `crosscart_core::sync`.
//!
//! Each page load is a replica with a fresh random id. Edits become operations
//! applied here at once, saved in `localStorage` (merged with what other tabs
//! saved), posted to the other tabs on a `BroadcastChannel` and sent to the
//! server until it confirms them (retrying with back-off, and at once when the
//! browser comes back online). One tab per browser — elected with a Web Lock —
//! follows the server's Server-Sent Events and relays them to the others;
//! every tab re-reads the cart on `pageshow` and when it becomes visible.
//! Changes that arrive from elsewhere emit `cc-cart-sync` on `document`.

use crate::{config, events, js, store, transport::execute, with_adapter};
use crosscart_core::cart::{price_lines, Cart};
use crosscart_core::json::{self, FromJson, JsonError, ObjectWriter, ToJson, Value};
use crosscart_core::protocol::ProtocolError;
use crosscart_core::sync::replica::{Edit, Effect, Replica, Snapshot};
use crosscart_core::sync::{LineKey, Op, OpId, RejectedOp, ReplicatedLine};
use std::cell::{Cell, RefCell};
use crosscart_core::sorted::SortedSet;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

struct Session {
    cart_id: String,
    replica: Replica,
    server_cart: Cart,
    cursor: u64,
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
    static EVENTS: RefCell<Option<web_sys::EventSource>> = const { RefCell::new(None) };
    static TIMER: Cell<Option<i32>> = const { Cell::new(None) };
    static LEADER: Cell<bool> = const { Cell::new(false) };
    static WIRED: Cell<bool> = const { Cell::new(false) };
    /// Ops the server refused, with why, for [`settle`].
    static REJECTED: RefCell<Vec<RejectedOp>> = const { RefCell::new(Vec::new()) };
    /// Ops whose element is waiting in [`settle`] (it reports their refusal itself).
    static WAITING: RefCell<SortedSet<OpId>> = const { RefCell::new(SortedSet::new()) };
}

fn now() -> i64 {
    js_sys::Date::now() as i64
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    if let Some(c) = crypto {
        let _ = c.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ops_key(cart_id: &str) -> String {
    format!("crosscart:ops:{}:{cart_id}", config::get().api_base)
}


fn stored_snapshot(cart_id: &str) -> Option<Snapshot> {
    let raw = config::local_storage()?.get_item(&ops_key(cart_id)).ok()??;
    json::from_slice(raw.as_bytes()).ok()
}

/// Saves this replica's ops merged with what other tabs saved meanwhile.
fn persist(s: &Session) {
    let Some(st) = config::local_storage() else { return };
    let mut snap = s.replica.snapshot();
    if let Some(old) = stored_snapshot(&s.cart_id) {
        for op in old.ops {
            if !snap.ops.iter().any(|o| o.id == op.id) {
                snap.ops.push(op);
            }
        }
        for id in old.confirmed {
            if !snap.confirmed.contains(&id) {
                snap.confirmed.push(id);
            }
        }
    }
    // Other tabs' ids stay theirs: only the ops are shared.
    snap.next_seq = 0;
    let _ = st.set_item(&ops_key(&s.cart_id), &snap.to_json());
    let _ = st.set_item(&store::cache_key(), &s.server_cart.to_json());
}

/// Between this SDK's own tabs, so the shape is free: `{"ops": {...}}`,
/// `{"server": {...}}` or `{"closed": {...}}`.
enum Message {
    /// Ops made or learnt in a tab.
    Ops { cart_id: String, ops: Vec<Op> },
    /// What the leader heard from the server.
    Server { cart_id: String, ops: Vec<Op>, cursor: u64, cart: Cart },
    /// The cart was checked out (or is gone).
    Closed { cart_id: String },
}

impl ToJson for Message {
    fn write_json(&self, out: &mut String) {
        let mut outer = ObjectWriter::new(out);
        let mut inner = String::new();
        let name = {
            let mut o = ObjectWriter::new(&mut inner);
            let name = match self {
                Message::Ops { cart_id, ops } => {
                    o.field("cart_id", cart_id).field("ops", ops);
                    "ops"
                }
                Message::Server { cart_id, ops, cursor, cart } => {
                    o.field("cart_id", cart_id).field("ops", ops).field("cursor", cursor).field("cart", cart);
                    "server"
                }
                Message::Closed { cart_id } => {
                    o.field("cart_id", cart_id);
                    "closed"
                }
            };
            o.end();
            name
        };
        outer.field(name, &Raw(&inner));
        outer.end();
    }
}

impl FromJson for Message {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = v.fields("a tab message")?;
        if let Some(m) = o.value("ops") {
            let m = m.fields("ops")?;
            Ok(Message::Ops { cart_id: m.req("cart_id")?, ops: m.req("ops")? })
        } else if let Some(m) = o.value("server") {
            let m = m.fields("server")?;
            Ok(Message::Server { cart_id: m.req("cart_id")?, ops: m.req("ops")?, cursor: m.req("cursor")?, cart: m.req("cart")? })
        } else if let Some(m) = o.value("closed") {
            Ok(Message::Closed { cart_id: m.fields("closed")?.req("cart_id")? })
        } else {
            Err(JsonError::invalid("unknown tab message"))
        }
    }
}

/// Already written JSON.
struct Raw<'a>(&'a str);

impl ToJson for Raw<'_> {
    fn write_json(&self, out: &mut String) {
        out.push_str(self.0);
    }
}

fn post(msg: &Message) {
    CHANNEL.with(|c| {
        if let Some(ch) = c.borrow().as_ref() {
            let _ = ch.post_message(&JsValue::from_str(&msg.to_json()));
        }
    });
}

/// The cart with this replica's quantities: the server's lines, each line
/// this replica has operations for at the quantity they add up to (lines it
/// knows nothing of yet stay as the server priced them), re-priced by the
/// same `price_lines` the server uses while a change is on its way. Returns
/// it with the number of units in lines the server has not priced yet
/// (added offline).
fn overlay(server: &Cart, lines: &[ReplicatedLine], touched: &SortedSet<LineKey>) -> (Cart, u64) {
    let mut cart = server.clone();
    let mut changed = false;
    cart.lines.retain_mut(|l| {
        let key = LineKey::new(&l.variant_id, &l.fulfillment);
        if !touched.contains(&key) {
            return true;
        }
        match lines.iter().find(|r| r.key == key) {
            Some(r) => {
                changed |= r.quantity != l.quantity;
                l.quantity = r.quantity;
                true
            }
            None => {
                changed = true;
                false
            }
        }
    });
    let unpriced: u64 = lines.iter().filter(|r| !server.lines.iter().any(|l| r.key == LineKey::new(&l.variant_id, &l.fulfillment))).map(|r| u64::from(r.quantity)).sum();
    if changed {
        // The shop's bundle percent, as the server applied it.
        let percent = server.lines.iter().find_map(|l| l.discount.filter(|_| l.line_total.amount > 0).map(|d| (d.amount * 100 + l.line_total.amount / 2) / l.line_total.amount)).unwrap_or(0);
        if let Ok(mut t) = price_lines(cart.currency, &mut cart.lines, percent.clamp(0, 90) as u8) {
            // Codes are the server's to price: its amounts stand until it answers.
            let codes = || server.discounts.iter().filter(|d| d.kind == crosscart_core::cart::DiscountKind::Code);
            let off: i64 = codes().map(|d| d.amount.amount).sum();
            if off > 0 && off <= t.total.amount {
                t.discounts.extend(codes().cloned());
                t.discount = Some(crosscart_core::Money::new(t.discount.map_or(0, |d| d.amount) + off, cart.currency));
                t.total.amount -= off;
            }
            // Delivery by the shop's rule, on what the discounts left.
            if let Some(rule) = &server.shipping_rule {
                let _ = rule.apply(&mut t, &cart.lines);
            }
            cart.set_totals(t);
        }
    }
    (cart, unpriced)
}

fn publish(s: &Session) {
    let touched: SortedSet<LineKey> = s.replica.ops().map(|o| o.change.line()).collect();
    let (cart, unpriced) = overlay(&s.server_cart, &s.replica.lines(), &touched);
    store::publish(Some(cart), unpriced, s.replica.unconfirmed());
}

fn emit_sync(source: &str) {
    struct Detail<'a> {
        source: &'a str,
        cart: Option<Cart>,
    }
    impl ToJson for Detail<'_> {
        fn write_json(&self, out: &mut String) {
            ObjectWriter::new(out).field("source", self.source).field("cart", &self.cart).end();
        }
    }
    let cart = store::with_state(|s| s.cart.clone());
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        events::emit(&doc, events::CART_SYNC, &Detail { source, cart }, false);
    }
}

/// Runs the effects of a replica input.
fn run(effects: Vec<Effect>) {
    for e in effects {
        match e {
            Effect::Persist => SESSION.with(|s| s.borrow().as_ref().map(persist)).unwrap_or(()),
            Effect::Changed => SESSION.with(|s| s.borrow().as_ref().map(publish)).unwrap_or(()),
            Effect::Broadcast(ops) => {
                if let Some(cart_id) = current_id() {
                    post(&Message::Ops { cart_id, ops });
                }
            }
            Effect::Send(ops) => send(ops),
        }
    }
    schedule_retry();
}

fn current_id() -> Option<String> {
    SESSION.with(|s| s.borrow().as_ref().map(|s| s.cart_id.clone()))
}

/// Applies `f` to the session's replica and runs what it asks for.
fn with_replica(f: impl FnOnce(&mut Replica) -> Vec<Effect>) {
    let effects = SESSION.with(|s| s.borrow_mut().as_mut().map(|s| f(&mut s.replica)));
    if let Some(e) = effects {
        run(e);
    }
}

fn send(ops: Vec<Op>) {
    let Some(cart_id) = current_id() else { return };
    crate::js::spawn(async move {
        let result = async { execute(with_adapter!(push_ops(&cart_id, &ops))?).await }.await;
        if current_id().as_deref() != Some(cart_id.as_str()) {
            return; // the page moved on to another cart
        }
        match result {
            Ok(answer) => {
                let rejected: Vec<_> = answer.rejected.iter().map(|r| r.id.clone()).collect();
                REJECTED.with(|m| m.borrow_mut().extend(answer.rejected.iter().cloned()));
                SESSION.with(|s| {
                    if let Some(s) = s.borrow_mut().as_mut() {
                        s.server_cart = answer.cart.clone();
                        s.cursor = s.cursor.max(answer.cursor);
                    }
                });
                with_replica(|r| {
                    let mut e = r.answered(&answer.acked, &rejected, now());
                    e.push(Effect::Changed);
                    e
                });
                // Refusals nobody waits for (e.g. made offline) are reported here.
                if let Some(first) = answer.rejected.iter().find(|r| !WAITING.with(|w| w.borrow().contains(&r.id)))
                    && let Some(doc) = web_sys::window().and_then(|w| w.document())
                {
                    events::error(&doc, "sync", &first.code, &first.message);
                }
            }
            Err(ProtocolError::Api { status: 404 | 410, .. }) => closed(&cart_id),
            Err(e) if e.is_transient() => with_replica(|r| r.send_failed(now())),
            Err(e) => {
                // Refused as a whole (should not happen with valid ops): drop them, say so.
                let ids: Vec<_> = ops.iter().map(|o| o.id.clone()).collect();
                with_replica(|r| r.reject(&ids, now()));
                if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                    events::error(&doc, "sync", e.code(), &crate::elements::describe(&e));
                }
            }
        }
    });
}

fn schedule_retry() {
    let due = SESSION.with(|s| s.borrow().as_ref().and_then(|s| s.replica.retry_at()));
    let Some(window) = web_sys::window() else { return };
    if let Some(t) = TIMER.with(Cell::take) {
        window.clear_timeout_with_handle(t);
    }
    if let Some(at) = due {
        let cb = Closure::once_into_js(move || {
            TIMER.with(|t| t.set(None));
            with_replica(|r| r.tick(now()));
        });
        let wait = (at - now()).clamp(0, 60_000) as i32;
        if let Ok(handle) = window.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), wait) {
            TIMER.with(|t| t.set(Some(handle)));
        }
    }
}

fn closed(cart_id: &str) {
    if current_id().as_deref() == Some(cart_id) {
        post(&Message::Closed { cart_id: cart_id.to_owned() });
        store::cart_gone();
    }
}

/// Ops and a cart the server sent (its answer, its push, or a refresh).
fn from_server(cart_id: &str, ops: Vec<Op>, cursor: u64, cart: Option<Cart>, relay: bool) {
    let known = SESSION.with(|s| {
        let mut b = s.borrow_mut();
        let Some(s) = b.as_mut().filter(|s| s.cart_id == cart_id) else { return false };
        if let Some(c) = &cart
            && c.version >= s.server_cart.version
        {
            s.server_cart = c.clone();
        }
        s.cursor = s.cursor.max(cursor);
        true
    });
    if !known {
        return;
    }
    if relay && let Some(c) = &cart {
        post(&Message::Server { cart_id: cart_id.to_owned(), ops: ops.clone(), cursor, cart: c.clone() });
    }
    let before = store::with_state(|s| s.cart.clone());
    with_replica(|r| {
        let mut e = r.receive(ops, true, now());
        e.push(Effect::Changed);
        e
    });
    if store::with_state(|s| s.cart.clone()) != before {
        emit_sync("server");
    }
}

/// Starts following `cart` (or refreshes its server copy).
pub fn attach(cart: &Cart) {
    wire_once();
    let same = SESSION.with(|s| {
        let mut b = s.borrow_mut();
        match b.as_mut() {
            Some(s) if s.cart_id == cart.id => {
                if cart.version >= s.server_cart.version {
                    s.server_cart = cart.clone();
                }
                true
            }
            _ => false,
        }
    });
    if !same {
        let mut snap = stored_snapshot(&cart.id).unwrap_or_default();
        snap.replica = random_id();
        snap.next_seq = 1;
        let mut replica = Replica::restore(snap);
        let online = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
        let _ = replica.set_online(online, now());
        SESSION.with(|s| *s.borrow_mut() = Some(Session { cart_id: cart.id.clone(), replica, server_cart: cart.clone(), cursor: 0 }));
        follow();
        // Learn what the server has; anything other tabs left unconfirmed goes out now.
        catch_up();
        with_replica(|r| r.tick(now()));
    }
    SESSION.with(|s| s.borrow().as_ref().map(publish));
}

/// Stops following (checked out, forgotten).
pub fn detach() {
    SESSION.with(|s| *s.borrow_mut() = None);
    EVENTS.with(|e| {
        if let Some(es) = e.borrow_mut().take() {
            es.close();
        }
    });
}

/// Whether edits go through operations (a cart is being followed).
pub fn active() -> bool {
    current_id().is_some() && with_adapter!(capabilities()).live_sync
}

/// The customer's edit in this tab; returns the operation's id.
pub fn edit(edit: Edit) -> Result<OpId, ProtocolError> {
    let result = SESSION.with(|s| s.borrow_mut().as_mut().map(|s| s.replica.edit(edit, now())));
    match result {
        Some(Ok(effects)) => {
            let id = effects.iter().find_map(|e| if let Effect::Broadcast(ops) = e { ops.first().map(|o| o.id.clone()) } else { None });
            run(effects);
            id.ok_or_else(|| ProtocolError::InvalidRequest("the edit made no operation".into()))
        }
        Some(Err(e)) => Err(ProtocolError::InvalidRequest(e.to_string())),
        None => Err(ProtocolError::InvalidRequest("there is no cart".into())),
    }
}

/// The operations after this page's cursor for `cart_id`.
async fn missed(cart_id: &str) -> Result<crosscart_core::sync::OpsPage, ProtocolError> {
    let cursor = SESSION.with(|s| s.borrow().as_ref().map_or(0, |s| s.cursor));
    execute(with_adapter!(ops_since(cart_id, cursor))?).await
}

/// Fetches the operations this replica has not seen (after a REST edit made
/// a server operation, or when starting).
pub fn catch_up() {
    let Some(cart_id) = current_id() else { return };
    crate::js::spawn(async move {
        match missed(&cart_id).await {
            Ok(p) => from_server(&cart_id, p.ops, p.cursor, None, false),
            Err(ProtocolError::Api { status: 404 | 410, .. }) => closed(&cart_id),
            Err(_) => {}
        }
    });
}

/// Waits until the server has confirmed or refused `id` (up to `timeout_ms`).
/// A refusal is an error the element can show; offline or slow, the edit
/// stays queued and this returns `Ok` (it will be sent when possible).
pub async fn settle(id: &OpId, timeout_ms: i64) -> Result<(), ProtocolError> {
    WAITING.with(|w| w.borrow_mut().insert(id.clone()));
    let result = wait_for_verdict(id, timeout_ms).await;
    WAITING.with(|w| w.borrow_mut().remove(id));
    result
}

async fn wait_for_verdict(id: &OpId, timeout_ms: i64) -> Result<(), ProtocolError> {
    let start = now();
    loop {
        if let Some(r) = REJECTED.with(|m| {
            let mut m = m.borrow_mut();
            let at = m.iter().position(|r| r.id == *id)?;
            Some(m.swap_remove(at))
        }) {
            return Err(ProtocolError::Api { status: 422, code: r.code, message: r.message });
        }
        let Some(confirmed) = SESSION.with(|s| s.borrow().as_ref().map(|s| s.replica.is_confirmed(id))) else {
            return Err(ProtocolError::Api { status: 410, code: "cart_closed".into(), message: "this cart has been checked out; start a new one".into() });
        };
        let online = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
        if confirmed || !online || now() - start > timeout_ms {
            return Ok(());
        }
        js::sleep_ms(20).await;
    }
}

/// Reads what the server has now (after a Back navigation, or when the tab
/// becomes visible again): missed ops and the priced cart.
pub fn refresh() {
    let Some(cart_id) = current_id() else { return };
    crate::js::spawn(async move {
        let page = missed(&cart_id).await;
        let cart = async { execute(with_adapter!(get_cart(&cart_id))?).await }.await;
        match (page, cart) {
            (Ok(p), Ok(c)) => from_server(&cart_id, p.ops, p.cursor, Some(c), false),
            (Err(e), _) | (_, Err(e)) if matches!(e, ProtocolError::Api { status: 404 | 410, .. }) => closed(&cart_id),
            _ => {}
        }
        with_replica(|r| r.tick(now()));
    });
}

/// The leader tab follows the server's pushes for the current cart.
fn follow() {
    if !LEADER.with(Cell::get) {
        return;
    }
    EVENTS.with(|e| {
        if let Some(es) = e.borrow_mut().take() {
            es.close();
        }
    });
    let Some(cart_id) = current_id() else { return };
    let cursor = SESSION.with(|s| s.borrow().as_ref().map_or(0, |s| s.cursor));
    let Some(url) = with_adapter!(events_url(&cart_id, cursor)) else { return };
    let Ok(es) = web_sys::EventSource::new(&url) else { return };
    let id = cart_id.clone();
    let on_ops = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let cursor = ev.last_event_id().parse::<u64>().unwrap_or(0);
        if let Some(p) = ev.data().as_string().and_then(|d| json::from_slice::<crosscart_core::sync::Pushed>(d.as_bytes()).ok()) {
            from_server(&id, p.ops, cursor, Some(p.cart), true);
        }
    });
    let _ = es.add_event_listener_with_callback("ops", on_ops.as_ref().unchecked_ref());
    on_ops.forget();
    let id = cart_id.clone();
    let on_closed = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| closed(&id));
    let _ = es.add_event_listener_with_callback("closed", on_closed.as_ref().unchecked_ref());
    on_closed.forget();
    EVENTS.with(|e| *e.borrow_mut() = Some(es));
}

fn on_message(data: &str) {
    let Ok(msg) = json::from_slice::<Message>(data.as_bytes()) else { return };
    match msg {
        Message::Ops { cart_id, ops } => {
            if current_id().as_deref() == Some(cart_id.as_str()) {
                let before = store::with_state(|s| s.cart.clone());
                with_replica(|r| r.receive(ops, false, now()));
                if store::with_state(|s| s.cart.clone()) != before {
                    emit_sync("tab");
                }
            } else if current_id().is_none() {
                // Another tab started a cart: adopt it.
                store::adopt(&cart_id);
            }
        }
        Message::Server { cart_id, ops, cursor, cart } => {
            if current_id().is_none() {
                store::adopt(&cart_id);
            }
            from_server(&cart_id, ops, cursor, Some(cart), false);
        }
        Message::Closed { cart_id } => {
            if current_id().as_deref() == Some(cart_id.as_str()) {
                store::cart_gone();
            }
        }
    }
}

/// Channel, lock and window listeners, once per page.
fn wire_once() {
    if WIRED.with(|w| w.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    let on_tab = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|ev: web_sys::MessageEvent| {
        if let Some(d) = ev.data().as_string() {
            on_message(&d);
        }
    })
    .into_js_value();
    let open = move || {
        if let Ok(ch) = web_sys::BroadcastChannel::new(&store::channel_name()) {
            ch.set_onmessage(Some(on_tab.unchecked_ref()));
            CHANNEL.with(|c| *c.borrow_mut() = Some(ch));
        }
    };
    open();
    let listen = |target: &web_sys::EventTarget, name: &str, f: Box<dyn FnMut(web_sys::Event)>| {
        let cb = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let _ = target.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        cb.forget();
    };
    let target: &web_sys::EventTarget = window.as_ref();
    listen(target, "online", Box::new(|_| with_replica(|r| r.set_online(true, now()))));
    listen(target, "offline", Box::new(|_| with_replica(|r| r.set_online(false, now()))));
    // A page kept in the back/forward cache must hold no open channel (a
    // message from another tab would evict it): closed when it may be kept,
    // opened again when it comes back, and the cart read afresh.
    listen(target, "pagehide", Box::new(|ev| {
        if store::persisted(&ev)
            && let Some(ch) = CHANNEL.with(|c| c.borrow_mut().take())
        {
            ch.close();
        }
    }));
    listen(target, "pageshow", Box::new(move |ev| {
        if store::persisted(&ev) {
            if CHANNEL.with(|c| c.borrow().is_none()) {
                open();
            }
            refresh();
        }
    }));
    if let Some(doc) = window.document() {
        let d = doc.clone();
        listen(doc.as_ref(), "visibilitychange", Box::new(move |_| {
            if d.visibility_state() == web_sys::VisibilityState::Visible {
                refresh();
            }
        }));
    }
    let on_leader = Closure::once_into_js(|| {
        LEADER.with(|l| l.set(true));
        follow();
    });
    js::leader(&format!("crosscart-follow:{}", config::get().api_base), &on_leader);
}

/// The engine the store drives (see `store::Engine`); its code is this chunk's.
pub struct Live;

impl store::Engine for Live {
    fn attach(&self, cart: &Cart) {
        attach(cart);
    }
    fn detach(&self) {
        detach();
    }
    fn active(&self) -> bool {
        active()
    }
    fn edit(&self, e: Edit) -> Result<OpId, ProtocolError> {
        edit(e)
    }
    fn settle(&self, id: OpId, timeout_ms: i64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ProtocolError>>>> {
        Box::pin(async move { settle(&id, timeout_ms).await })
    }
    fn catch_up(&self) {
        catch_up();
    }
}
