//! The page's one cart, shared by every element on the page.
//!
//! The cart lives on the server; this keeps the last copy the server sent in
//! a signal (first from the copy saved in `localStorage`, so it renders at
//! once), remembers the cart id in `localStorage`, and funnels every edit
//! through the commerce adapter so prices come from the API. Once a cart
//! exists, plain quantity edits are replicated operations (`crate::sync`):
//! applied here at once, shared with the other tabs, and sent to the server
//! until it confirms them, also across offline periods.

use crate::{config, transport::execute, with_adapter};
use crosscart_core::protocol::{CommerceAdapter as _, NewLine, ProtocolError};
use crosscart_core::sync::replica::Edit;
use crosscart_core::sync::OpId;
use crosscart_core::{Cart, Fulfillment};
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status {
    /// Nothing asked yet.
    #[default]
    Idle,
    Loading,
    Ready,
    /// The cart could not be loaded; the message is for people.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CartState {
    pub cart: Option<Cart>,
    pub status: Status,
    /// Edits in flight.
    pub busy: u32,
    /// Units in lines added while offline, not priced by the server yet.
    pub unpriced: u64,
    /// Changes the server has not confirmed yet.
    pub pending: usize,
    /// Quantities asked for on a backend without operations and not
    /// confirmed yet, by line id: shown at once, sent coalesced.
    pub wanted: Vec<(String, u32)>,
}

impl CartState {
    pub fn item_count(&self) -> u64 {
        self.cart.as_ref().map_or(0, |c| c.lines.iter().map(|l| u64::from(self.quantity_of(l))).sum()) + self.unpriced
    }

    /// The quantity asked for on this line, if a change is on its way.
    pub fn wanted(&self, line_id: &str) -> Option<u32> {
        self.wanted.iter().find(|(id, _)| id == line_id).map(|w| w.1)
    }

    /// The line's quantity as the customer sees it: asked for, or confirmed.
    pub fn quantity_of(&self, line: &crosscart_core::CartLine) -> u32 {
        self.wanted(&line.id).unwrap_or(line.quantity)
    }
}

pub type Listener = Rc<dyn Fn()>;

thread_local! {
    static STATE: RefCell<CartState> = RefCell::new(CartState::default());
    static LISTENERS: RefCell<Vec<(u32, Listener)>> = const { RefCell::new(Vec::new()) };
    static NEXT_LISTENER: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
    /// Cart writes from this page run one at a time, so two quick adds on a
    /// page without a cart create one cart, not two (losing the first).
    static WRITES: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

fn write_lock() -> Rc<futures::lock::Mutex<()>> {
    WRITES.with(|w| w.clone())
}

/// A copy of the page's cart state.
pub fn state() -> CartState {
    STATE.with(|s| s.borrow().clone())
}

/// Reads the state without copying it.
pub fn with_state<R>(f: impl FnOnce(&CartState) -> R) -> R {
    STATE.with(|s| f(&s.borrow()))
}

/// Changes the state and tells every subscriber (if anything changed).
fn update(f: impl FnOnce(&mut CartState)) {
    let changed = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let before = s.clone();
        f(&mut s);
        *s != before
    });
    if changed {
        let listeners: Vec<Listener> = LISTENERS.with(|l| l.borrow().iter().map(|(_, f)| f.clone()).collect());
        for f in listeners {
            f();
        }
    }
}

/// Calls a listener after every change, until dropped.
pub struct Subscription {
    id: u32,
    list: &'static std::thread::LocalKey<RefCell<Vec<(u32, Listener)>>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let id = self.id;
        self.list.with(|l| l.borrow_mut().retain(|(i, _)| *i != id));
    }
}

pub fn subscribe(f: impl Fn() + 'static) -> Subscription {
    subscribe_with(&LISTENERS, f)
}

/// Adds `f` to a listener list; the subscription removes it when dropped.
pub fn subscribe_with(list: &'static std::thread::LocalKey<RefCell<Vec<(u32, Listener)>>>, f: impl Fn() + 'static) -> Subscription {
    let id = NEXT_LISTENER.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    list.with(|l| l.borrow_mut().push((id, Rc::new(f))));
    Subscription { id, list }
}

fn stored_cart_id() -> Option<String> {
    config::local_storage()?.get_item(&config::cart_key()).ok()?.filter(|s| !s.is_empty())
}

/// The cart this device last used for a customer, for backends that cannot
/// list a customer's carts.
fn customer_cart_key(email: &str) -> String {
    format!("crosscart:customer-cart:{}:{}", config::get().api_base, email.trim().to_ascii_lowercase())
}

fn remembered_customer_cart(email: &str) -> Option<String> {
    config::local_storage()?.get_item(&customer_cart_key(email)).ok()?.filter(|s| !s.is_empty())
}

fn remember_customer_cart(email: &str, id: Option<&str>) {
    if let (Some(s), Some(id)) = (config::local_storage(), id) {
        let _ = s.set_item(&customer_cart_key(email), id);
    }
}

fn remember(id: Option<&str>) {
    if let Some(s) = config::local_storage() {
        let _ = match id {
            Some(id) => s.set_item(&config::cart_key(), id),
            None => s.remove_item(&config::cart_key()),
        };
    }
}

/// The cart is gone server-side (unknown id, or checked out).
fn cart_is_gone(e: &ProtocolError) -> bool {
    matches!(e, ProtocolError::Api { status: 404 | 410, .. })
}

/// The replicated cart's engine (`crate::sync`), in the `sync` chunk: loaded
/// the first time a cart is followed, so a page whose visitor has no cart
/// never downloads it. Until it is here, edits go through plain REST calls
/// (which the server records as operations all the same).
pub trait Engine {
    /// Follows `cart` (or refreshes its server copy) and shows it.
    fn attach(&self, cart: &Cart);
    /// Stops following (checked out, forgotten).
    fn detach(&self);
    /// Whether edits go through operations (a cart is followed).
    fn active(&self) -> bool;
    /// The customer's edit in this tab, as an operation.
    fn edit(&self, edit: Edit) -> Result<OpId, ProtocolError>;
    /// Waits until the server confirmed or refused the operation.
    fn settle(&self, id: OpId, timeout_ms: i64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ProtocolError>>>>;
    /// Learns the operations the server recorded for a REST edit.
    fn catch_up(&self);
}

thread_local! {
    static ENGINE: std::cell::Cell<Option<&'static dyn Engine>> = const { std::cell::Cell::new(None) };
    static ENGINE_LOADING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Until this page has a cart: hears another tab start one.
    static WATCH: RefCell<Option<(web_sys::BroadcastChannel, wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>)>> = const { RefCell::new(None) };
    static WATCH_WIRED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// This page, in its own announcements (it hears them too).
    static PAGE: String = format!("{:x}", (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64);
    /// Carts this page let go (checked out, forgotten): never adopted again.
    static LEFT: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Remembers that this page let its cart go.
fn let_go() {
    if let Some(id) = with_state(|s| s.cart.as_ref().map(|c| c.id.clone())) {
        LEFT.with(|l| l.borrow_mut().push(id));
    }
}

fn engine() -> Option<&'static dyn Engine> {
    ENGINE.with(std::cell::Cell::get)
}

/// Loads the engine (once; a failed load is tried again with the next cart),
/// then hands it the cart on screen.
fn load_engine() {
    if ENGINE_LOADING.with(|l| l.replace(true)) {
        return;
    }
    crate::js::spawn(async {
        let loaded = crate::chunks::sync_engine().await;
        ENGINE_LOADING.with(|l| l.set(false));
        if let Ok(e) = loaded {
            ENGINE.with(|c| c.set(Some(e)));
            if let Some(cart) = with_state(|s| s.cart.clone()).filter(|c| stored_cart_id().as_deref() == Some(c.id.as_str())) {
                e.attach(&cart);
            }
        }
    });
}

/// Whether edits go through the replicated cart's operations.
fn live() -> Option<&'static dyn Engine> {
    engine().filter(|e| e.active())
}

fn set_cart(cart: Option<Cart>) {
    remember(cart.as_ref().map(|c| c.id.as_str()));
    match &cart {
        Some(c) if with_adapter!(capabilities()).live_sync => match engine() {
            Some(e) => e.attach(c),
            None => {
                publish(Some(c.clone()), 0, 0);
                load_engine();
            }
        },
        Some(c) => publish(Some(c.clone()), 0, 0),
        None => {
            let_go();
            if let Some(e) = engine() {
                e.detach();
            }
            publish(None, 0, 0);
            watch_for_cart();
        }
    }
}

/// The tabs' channel name (the engine's is the same).
pub fn channel_name() -> String {
    format!("crosscart:{}", config::get().api_base)
}

/// While this page has no cart, listens for another tab starting one (its
/// first message on the tabs' channel names it) and takes it up at once.
fn watch_for_cart() {
    if WATCH.with(|w| w.borrow().is_some()) {
        return;
    }
    let Ok(channel) = web_sys::BroadcastChannel::new(&channel_name()) else { return };
    let on_message = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|ev: web_sys::MessageEvent| {
        // Tabs share localStorage, so the starting tab has already stored
        // the id: what matters is whether this page shows a cart yet.
        if with_state(|s| s.cart.is_some()) {
            return; // the engine follows the cart now
        }
        let Some(text) = ev.data().as_string() else { return };
        let Ok(msg) = crosscart_core::json::parse(text.as_bytes()) else { return };
        // `{"started": {"cart_id": …, "page": …}}` from another page, for a
        // cart this page never let go (a late message about a checked-out
        // cart must not bring it back).
        let Some(started) = msg.get("started") else { return };
        if started.get("page").and_then(|p| p.as_str()).is_some_and(|p| PAGE.with(|me| me == p)) {
            return;
        }
        if let Some(id) = started.get("cart_id").and_then(|v| v.as_str()) {
            if !LEFT.with(|l| l.borrow().iter().any(|x| x == id)) {
                adopt(id);
            }
        }
    });
    channel.set_onmessage(Some(wasm_bindgen::JsCast::unchecked_ref(on_message.as_ref())));
    WATCH.with(|w| *w.borrow_mut() = Some((channel, on_message)));
    // Kept in the back/forward cache, the page must not hold the channel (a
    // message would evict it). Back, it takes up a cart another tab started
    // meanwhile (tabs share the stored id), or watches again.
    if !WATCH_WIRED.with(|w| w.replace(true))
        && let Some(window) = web_sys::window()
    {
        let hide = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
            if persisted(&ev)
                && let Some((channel, _)) = WATCH.with(|w| w.borrow_mut().take())
            {
                channel.close();
            }
        });
        let show = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(|ev: web_sys::Event| {
            if !persisted(&ev) || with_state(|s| s.cart.is_some()) {
                return;
            }
            match stored_cart_id() {
                Some(id) if !LEFT.with(|l| l.borrow().contains(&id)) => adopt(&id),
                _ => watch_for_cart(),
            }
        });
        let _ = window.add_event_listener_with_callback("pagehide", wasm_bindgen::JsCast::unchecked_ref(hide.as_ref()));
        let _ = window.add_event_listener_with_callback("pageshow", wasm_bindgen::JsCast::unchecked_ref(show.as_ref()));
        hide.forget();
        show.forget();
    }
}

/// Whether a `pagehide`/`pageshow` event is the page going into or coming
/// back from the back/forward cache.
pub fn persisted(ev: &web_sys::Event) -> bool {
    js_sys::Reflect::get(ev, &"persisted".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Tells the other tabs this page started a cart.
fn announce(cart_id: &str) {
    let page = PAGE.with(Clone::clone);
    let msg = crosscart_core::json!({ "started": { "cart_id": cart_id, "page": page } });
    if let Ok(channel) = web_sys::BroadcastChannel::new(&channel_name()) {
        let _ = channel.post_message(&wasm_bindgen::JsValue::from_str(&crosscart_core::json::ToJson::to_json(&msg)));
        channel.close();
    }
}

/// Shows `cart` (with this replica's quantities) on every element.
pub fn publish(cart: Option<Cart>, unpriced: u64, pending: usize) {
    update(|s| {
        // A wish for a line that is gone (removed elsewhere) is moot.
        s.wanted.retain(|(id, _)| cart.as_ref().is_some_and(|c| c.line(id).is_some()));
        s.cart = cart;
        s.unpriced = unpriced;
        s.pending = pending;
        s.status = Status::Ready;
    });
}

/// The cart was checked out or forgotten elsewhere: start afresh.
pub fn cart_gone() {
    set_cart(None);
}

/// Another tab started a cart while this one had none: use it too.
pub fn adopt(cart_id: &str) {
    if stored_cart_id().is_none() || stored_cart_id().as_deref() == Some(cart_id) {
        if let Some(s) = config::local_storage() {
            let _ = s.set_item(&config::cart_key(), cart_id);
        }
        reload();
    }
}

/// localStorage key of the last cart the server priced, per API.
pub fn cache_key() -> String {
    format!("crosscart:cartcache:{}", config::get().api_base)
}

/// The last cart the server priced, for an instant first render.
fn cached_cart(cart_id: &str) -> Option<Cart> {
    let raw = config::local_storage()?.get_item(&cache_key()).ok()??;
    crosscart_core::json::from_slice::<Cart>(raw.as_bytes()).ok().filter(|c| c.id == cart_id)
}

/// Loads the remembered cart once; later calls do nothing until [`reload`].
/// The copy saved by the last visit is shown at once, then refreshed.
pub fn ensure_loaded() {
    if with_state(|s| s.status == Status::Idle) {
        match stored_cart_id() {
            Some(id) => {
                if let Some(cached) = cached_cart(&id) {
                    set_cart(Some(cached));
                }
            }
            None => watch_for_cart(),
        }
        reload();
    }
}

/// Fetches the remembered cart again (after an error, or on request).
pub fn reload() {
    update(|s| {
        if s.cart.is_none() {
            s.status = Status::Loading;
        }
    });
    crate::js::spawn(async {
        let _ = fetch_current().await;
    });
}

/// The current cart from the server, or None if there is none yet.
pub async fn fetch_current() -> Result<Option<Cart>, ProtocolError> {
    // A signed-in customer's cart follows them: on a new device, ask for it.
    if stored_cart_id().is_none()
        && config::session_token().is_some()
        && let Ok(me) = execute(with_adapter!(me())?).await
    {
        remember(me.cart_id.or_else(|| remembered_customer_cart(&me.customer.email)).as_deref());
    }
    let Some(id) = stored_cart_id() else {
        set_cart(None);
        return Ok(None);
    };
    match execute(with_adapter!(get_cart(&id))?).await {
        Ok(cart) => {
            set_cart(Some(cart.clone()));
            Ok(Some(cart))
        }
        Err(e) if cart_is_gone(&e) => {
            set_cart(None);
            Ok(None)
        }
        Err(e) => {
            update(|s| s.status = Status::Failed(e.to_string()));
            Err(e)
        }
    }
}

struct Busy;
impl Busy {
    fn start() -> Busy {
        update(|s| s.busy += 1);
        Busy
    }
}
impl Drop for Busy {
    fn drop(&mut self) {
        update(|s| s.busy = s.busy.saturating_sub(1));
    }
}

/// Records (or, with `None`, drops) the quantity asked for on a line.
fn want(line_id: &str, quantity: Option<u32>) {
    update(|s| {
        s.wanted.retain(|(id, _)| id != line_id);
        if let Some(q) = quantity {
            s.wanted.push((line_id.to_owned(), q));
        }
    });
}

/// How long a quantity change waits for the next press before it is sent:
/// rapid presses on + and − become one absolute update.
const COALESCE_MS: i32 = 250;

async fn create_cart() -> Result<Cart, ProtocolError> {
    let cart = execute(with_adapter!(create_cart(config::get().currency))?).await?;
    remember(Some(&cart.id));
    announce(&cart.id);
    Ok(cart)
}

/// Adds a variant; creates the cart on first use, and a fresh one if the
/// remembered cart was checked out or forgotten by the server.
pub async fn add(variant_id: &str, quantity: u32, fulfillment: Fulfillment, bundle: Option<String>) -> Result<Cart, ProtocolError> {
    // A plain add to a followed cart is an operation: instant, shared with the
    // other tabs, and kept until the server has it (also offline). Bundles
    // and pickups need the server's answer first (discount, reservation).
    if bundle.is_none() && fulfillment == Fulfillment::Delivery
        && let Some(e) = live()
    {
        let op = e.edit(Edit::Add { variant_id: variant_id.to_owned(), fulfillment, quantity })?;
        e.settle(op, 5000).await?;
        return current();
    }
    add_line(NewLine { variant_id: variant_id.to_owned(), quantity, fulfillment, bundle, allow_transfer: false }).await
}

fn current() -> Result<Cart, ProtocolError> {
    with_state(|s| s.cart.clone()).ok_or_else(|| ProtocolError::InvalidRequest("there is no cart".into()))
}

/// [`add`] with every option of a new line (e.g. a pickup by transfer).
pub async fn add_line(line: NewLine) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let id = match stored_cart_id() {
        Some(id) => id,
        None => create_cart().await?.id,
    };
    let cart = match execute(with_adapter!(add_line(&id, &line))?).await {
        Err(e) if cart_is_gone(&e) => {
            let fresh = create_cart().await?;
            execute(with_adapter!(add_line(&fresh.id, &line))?).await?
        }
        // Some backends add what they have (Vendure): show their cart as it is now.
        Err(e @ ProtocolError::InsufficientStock { .. }) => {
            let _ = fetch_current().await;
            return Err(e);
        }
        other => other?,
    };
    set_cart(Some(cart.clone()));
    // The server recorded this as its own operation: let the replica learn it.
    if let Some(e) = live() {
        e.catch_up();
    }
    Ok(cart)
}

/// A quantity change.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// "+": on a followed cart an `Add` of one, so presses on two devices
    /// both count; otherwise one more than shown.
    OneMore,
    /// This many (0 removes).
    Exactly(u32),
}

/// Changes a line's quantity. On a followed cart this is an operation that
/// has seen everything this tab knows (see `crosscart_core::sync`).
/// Otherwise the quantity shows at once and is sent after [`COALESCE_MS`]
/// without a newer change to the same line (and after any write in flight),
/// so rapid presses make one request with the last quantity; a call
/// overtaken by a newer one resolves with the cart as it stands. If another
/// tab or device changed the cart meanwhile (version conflict), the same
/// quantity is applied to the fresh cart once. A refused change drops only
/// that line's wish: the line shows the backend's quantity again.
pub async fn set_quantity(line_id: &str, change: Change) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let line = current()?.line(line_id).cloned().ok_or_else(|| ProtocolError::InvalidRequest("no such line in the cart".into()))?;
    if let Some(e) = live() {
        let (variant_id, fulfillment) = (line.variant_id, line.fulfillment);
        let op = e.edit(match change {
            Change::OneMore => Edit::Add { variant_id, fulfillment, quantity: 1 },
            Change::Exactly(quantity) => Edit::Set { variant_id, fulfillment, quantity },
        })?;
        e.settle(op, 5000).await?;
        return current();
    }
    let quantity = match change {
        Change::OneMore => with_state(|s| s.quantity_of(&line)) + 1,
        Change::Exactly(q) => q,
    };
    want(line_id, Some(quantity));
    crate::js::sleep_ms(COALESCE_MS).await;
    let lock = write_lock();
    let _writing = lock.lock().await;
    let still_wanted = || with_state(|s| s.wanted(line_id) == Some(quantity));
    let mut retried = false;
    let result = loop {
        if !still_wanted() {
            return current();
        }
        let cart = current()?;
        // Back to what the shop already has (an undone remove): nothing to send.
        if cart.line(line_id).is_some_and(|l| l.quantity == quantity) {
            break Ok(cart);
        }
        let call = if quantity == 0 {
            with_adapter!(remove_line(&cart.id, line_id, Some(cart.version)))
        } else {
            with_adapter!(update_line(&cart.id, line_id, quantity, Some(cart.version)))
        };
        match execute(call?).await {
            Err(ProtocolError::Api { code, .. }) if code == "version_conflict" && !retried => {
                retried = true;
                if let Err(e) = fetch_current().await {
                    break Err(e);
                }
            }
            other => break other,
        }
    };
    if let Ok(cart) = &result {
        set_cart(Some(cart.clone()));
    }
    // Done with this wish, either way (a newer one stays).
    if still_wanted() {
        want(line_id, None);
    }
    if let Err(e) = &result
        && (cart_is_gone(e) || matches!(e, ProtocolError::InsufficientStock { .. }))
    {
        // Gone, or a backend that set what it had instead (Vendure): show its cart.
        let _ = fetch_current().await;
    }
    result
}

/// Applies a discount code (or, with `remove`, takes it out) once every
/// change made here reached the shop, so the code is priced on what the
/// customer sees.
pub async fn change_code(code: &str, remove: bool) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let id = stored_cart_id().ok_or_else(|| ProtocolError::InvalidRequest("there is no cart".into()))?;
    settled().await?;
    let held = with_state(|s| s.cart.as_ref().map(|c| c.codes.clone())).unwrap_or_default();
    let call = if remove { with_adapter!(remove_code(&id, code, &held)) } else { with_adapter!(apply_code(&id, code, &held)) };
    let cart = match execute(call?).await {
        Ok(cart) => cart,
        Err(e) => {
            // A backend that keeps a code it will not apply (Shopify): take it out again.
            if !remove
                && e.code().starts_with("code_")
                && let Ok(Some(now)) = fetch_current().await
                && let Some(kept) = now.codes.iter().find(|c| c.eq_ignore_ascii_case(code.trim()))
                && let Ok(call) = with_adapter!(remove_code(&id, kept, &now.codes))
                && let Ok(cart) = execute(call).await
            {
                set_cart(Some(cart));
            }
            return Err(e);
        }
    };
    set_cart(Some(cart.clone()));
    if let Some(e) = live() {
        e.catch_up();
    }
    Ok(cart)
}

/// Saves the customer's note on the cart (empty clears it).
pub async fn set_note(note: &str) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let id = stored_cart_id().ok_or_else(|| ProtocolError::InvalidRequest("there is no cart".into()))?;
    let cart = execute(with_adapter!(set_note(&id, note))?).await?;
    set_cart(Some(cart.clone()));
    if let Some(e) = live() {
        e.catch_up();
    }
    Ok(cart)
}

/// Checks the cart out (demo checkout) and forgets it: the next add starts a new cart.
pub async fn checkout(email: &str, name: &str) -> Result<crosscart_core::Order, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let id = stored_cart_id().ok_or_else(|| ProtocolError::InvalidRequest("there is no cart to check out".into()))?;
    // Changes still on their way would be missing from the order.
    settled().await?;
    let req = crosscart_core::protocol::CheckoutRequest { cart_id: id, email: email.to_owned(), name: name.to_owned(), channel: Default::default() };
    let order = execute(with_adapter!(checkout(&req))?).await?;
    set_cart(None);
    Ok(order)
}

/// Waits (up to 5 s) until the server has every change made here, so an order
/// or another device sees all of them.
async fn settled() -> Result<(), ProtocolError> {
    for _ in 0..100 {
        if with_state(|s| s.pending == 0) {
            return Ok(());
        }
        crate::js::sleep_ms(50).await;
    }
    Err(ProtocolError::Network("some cart changes have not reached the shop yet; check your connection and try again".into()))
}

/// A handoff code for the current cart (after every change reached the server).
pub async fn create_handoff() -> Result<crosscart_core::protocol::HandoffCode, ProtocolError> {
    let id = stored_cart_id().ok_or_else(|| ProtocolError::InvalidRequest("there is no cart to hand off".into()))?;
    settled().await?;
    execute(with_adapter!(create_handoff(&id))?).await
}

/// Opens the cart behind a handoff code on this device (it replaces this device's cart).
pub async fn claim_handoff(code: &str) -> Result<Cart, ProtocolError> {
    let claimed = execute(with_adapter!(claim_handoff(code, "web"))?).await?;
    switch_to(&claimed.cart_id).await
}

/// Makes `cart_id` this device's cart (a claimed handoff, an accepted offer).
pub async fn switch_to(cart_id: &str) -> Result<Cart, ProtocolError> {
    if let Some(e) = engine() {
        e.detach();
    }
    remember(Some(cart_id));
    fetch_current().await?.ok_or_else(|| ProtocolError::InvalidRequest("the cart is gone".into()))
}

/// Signs in (or up, with `name`): the guest cart merges into the customer's
/// cart, which this page then follows.
pub async fn sign_in(email: &str, password: &str, sign_up: Option<&str>) -> Result<crosscart_core::protocol::CustomerSession, ProtocolError> {
    let lock = write_lock();
    let _writing = lock.lock().await;
    let guest = stored_cart_id();
    let guest_sign_in = || config::adapter_for(None).sign_in(email, password, guest.as_deref());
    let mut session = match sign_up {
        Some(name) => execute(config::adapter_for(None).sign_up(email, password, name, guest.as_deref())?).await?,
        None => execute(guest_sign_in()?).await?,
    };
    // A backend whose sign-up only makes a login (Medusa): the customer
    // record next, then a proper sign-in.
    if let (Some(name), true) = (sign_up, session.customer.id.is_empty()) {
        execute(config::adapter_for(Some(session.token.clone())).create_customer(email, name)?).await?;
        session = execute(guest_sign_in()?).await?;
    }
    config::set_session_token(Some(&session.token));
    if let Some(e) = engine() {
        e.detach();
    }
    // A backend that does not merge carts and cannot list a customer's carts
    // (Medusa): the guest cart becomes theirs, or this device resumes the
    // cart it remembers for them.
    let backend_found_cart = session.cart_id.is_some();
    if !backend_found_cart {
        session.cart_id = match &guest {
            Some(g) => match with_adapter!(attach_cart(g)) {
                Ok(call) => execute(call).await.map(|c| Some(c.id))?,
                Err(_) => None,
            },
            None => remembered_customer_cart(email),
        };
    }
    if session.customer.id.is_empty()
        && let Ok(me) = execute(with_adapter!(me())?).await {
            session.customer = me.customer;
        }
    remember(session.cart_id.as_deref());
    // Only where the device must remember it: a backend that answers the
    // customer's cart itself may use the session token as its id (Vendure),
    // which must not outlive sign-out.
    if !backend_found_cart {
        remember_customer_cart(email, session.cart_id.as_deref());
    }
    drop(_writing);
    fetch_current().await?;
    Ok(session)
}

/// Signs out: this device forgets the customer's cart (it stays theirs).
pub async fn sign_out() -> Result<(), ProtocolError> {
    // A backend with stateless tokens has nothing to call: forgetting the token signs out.
    if config::session_token().is_some()
        && let Ok(Some(call)) = with_adapter!(sign_out()) {
            let _ = execute(call).await;
        }
    config::set_session_token(None);
    forget();
    Ok(())
}

/// Drops the page's memory of its cart (for tests and for "log out").
pub fn forget() {
    let_go();
    remember(None);
    if let Some(e) = engine() {
        e.detach();
    }
    update(|s| *s = CartState::default());
}
