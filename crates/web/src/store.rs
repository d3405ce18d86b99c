//! The page's one cart, shared by every element on the page.
//!
//! The cart lives on the server; this keeps the last copy the server sent in
//! a signal, remembers the cart id in `localStorage`, and funnels every edit
//! through the commerce adapter so prices always come from the API.

use crate::{config, transport::execute};
use crosscart_core::protocol::{CommerceAdapter, NewLine, ProtocolError};
use crosscart_core::{Cart, Fulfillment};
use leptos::prelude::*;

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
}

impl CartState {
    pub fn item_count(&self) -> u64 {
        self.cart.as_ref().map_or(0, Cart::item_count)
    }
}

thread_local! {
    static STATE: RwSignal<CartState> = RwSignal::new(CartState::default());
    /// Cart writes from this page run one at a time, so two quick adds on a
    /// page without a cart create one cart, not two (losing the first).
    static WRITES: std::rc::Rc<futures::lock::Mutex<()>> = std::rc::Rc::new(futures::lock::Mutex::new(()));
}

fn write_lock() -> std::rc::Rc<futures::lock::Mutex<()>> {
    WRITES.with(|w| w.clone())
}

pub fn state() -> RwSignal<CartState> {
    STATE.with(|s| *s)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn stored_cart_id() -> Option<String> {
    storage()?.get_item(&config::cart_key()).ok()?.filter(|s| !s.is_empty())
}

fn remember(id: Option<&str>) {
    if let Some(s) = storage() {
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

fn set_cart(cart: Option<Cart>) {
    remember(cart.as_ref().map(|c| c.id.as_str()));
    state().update(|s| {
        s.cart = cart;
        s.status = Status::Ready;
    });
}

/// Loads the remembered cart once; later calls do nothing until [`reload`].
pub fn ensure_loaded() {
    if state().with_untracked(|s| s.status == Status::Idle) {
        reload();
    }
}

/// Fetches the remembered cart again (after an error, or on request).
pub fn reload() {
    state().update(|s| s.status = Status::Loading);
    leptos::task::spawn_local(async {
        let _ = fetch_current().await;
    });
}

/// The current cart from the server, or None if there is none yet.
pub async fn fetch_current() -> Result<Option<Cart>, ProtocolError> {
    let Some(id) = stored_cart_id() else {
        set_cart(None);
        return Ok(None);
    };
    match execute(config::adapter().get_cart(&id)?).await {
        Ok(cart) => {
            set_cart(Some(cart.clone()));
            Ok(Some(cart))
        }
        Err(e) if cart_is_gone(&e) => {
            set_cart(None);
            Ok(None)
        }
        Err(e) => {
            state().update(|s| s.status = Status::Failed(e.to_string()));
            Err(e)
        }
    }
}

struct Busy;
impl Busy {
    fn start() -> Busy {
        state().update(|s| s.busy += 1);
        Busy
    }
}
impl Drop for Busy {
    fn drop(&mut self) {
        state().update(|s| s.busy = s.busy.saturating_sub(1));
    }
}

async fn create_cart() -> Result<Cart, ProtocolError> {
    let cart = execute(config::adapter().create_cart(config::get().currency)?).await?;
    remember(Some(&cart.id));
    Ok(cart)
}

/// Adds a variant; creates the cart on first use, and a fresh one if the
/// remembered cart was checked out or forgotten by the server.
pub async fn add(variant_id: &str, quantity: u32, fulfillment: Fulfillment, bundle: Option<String>) -> Result<Cart, ProtocolError> {
    add_line(NewLine { variant_id: variant_id.to_owned(), quantity, fulfillment, bundle, allow_transfer: false }).await
}

/// [`add`] with every option of a new line (e.g. a pickup by transfer).
pub async fn add_line(line: NewLine) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let adapter = config::adapter();
    let id = match stored_cart_id() {
        Some(id) => id,
        None => create_cart().await?.id,
    };
    let cart = match execute(adapter.add_line(&id, &line)?).await {
        Err(e) if cart_is_gone(&e) => {
            let fresh = create_cart().await?;
            execute(adapter.add_line(&fresh.id, &line)?).await?
        }
        other => other?,
    };
    set_cart(Some(cart.clone()));
    Ok(cart)
}

/// Sets a line's quantity (0 removes). If another tab or device changed the
/// cart meanwhile (version conflict), reloads and applies the same intent
/// once more to the fresh cart.
pub async fn set_quantity(line_id: &str, quantity: u32) -> Result<Cart, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let adapter = config::adapter();
    let Some(current) = state().with_untracked(|s| s.cart.clone()) else {
        return Err(ProtocolError::InvalidRequest("there is no cart".into()));
    };
    let call = |cart: &Cart| {
        if quantity == 0 {
            adapter.remove_line(&cart.id, line_id, Some(cart.version))
        } else {
            adapter.update_line(&cart.id, line_id, quantity, Some(cart.version))
        }
    };
    let result = match execute(call(&current)?).await {
        Err(ProtocolError::Api { code, .. }) if code == "version_conflict" => {
            let fresh = execute(adapter.get_cart(&current.id)?).await?;
            set_cart(Some(fresh.clone()));
            execute(call(&fresh)?).await
        }
        other => other,
    };
    match result {
        Ok(cart) => {
            set_cart(Some(cart.clone()));
            Ok(cart)
        }
        Err(e) => {
            if cart_is_gone(&e) {
                let _ = fetch_current().await;
            }
            Err(e)
        }
    }
}

/// Checks the cart out (demo checkout) and forgets it: the next add starts a new cart.
pub async fn checkout(email: &str, name: &str) -> Result<crosscart_core::Order, ProtocolError> {
    let _busy = Busy::start();
    let lock = write_lock();
    let _writing = lock.lock().await;
    let id = stored_cart_id().ok_or_else(|| ProtocolError::InvalidRequest("there is no cart to check out".into()))?;
    let req = crosscart_core::protocol::CheckoutRequest { cart_id: id, email: email.to_owned(), name: name.to_owned(), channel: Default::default() };
    let order = execute(config::adapter().checkout(&req)?).await?;
    set_cart(None);
    Ok(order)
}

/// Drops the page's memory of its cart (for tests and for "log out").
pub fn forget() {
    remember(None);
    state().set(CartState::default());
}
