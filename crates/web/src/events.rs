//! `cc-*` events: kebab-case names, bubbling and composed (they cross shadow
//! roots), with a JSON-shaped `detail` described in `www/src/crosscart.d.ts`.

use crosscart_core::json::{ObjectWriter, ToJson};
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

/// `cc-cart-change`: the user's own action in this tab changed the cart.
pub const CART_CHANGE: &str = "cc-cart-change";
/// `cc-add-to-cart-request`: cancelable; the host page may veto an add.
pub const ADD_REQUEST: &str = "cc-add-to-cart-request";
/// `cc-bundle-add`: `<cc-bought-together>` added the selected items (after one `cc-cart-change` each).
pub const BUNDLE_ADD: &str = "cc-bundle-add";
/// `cc-cart-sync` (on `document`): a change arrived from another tab, another
/// device or the server; `detail.source` is `tab` or `server`.
pub const CART_SYNC: &str = "cc-cart-sync";
/// `cc-offer-impression`: `<cc-post-checkout>` showed an offer (`detail.shown`
/// false: the holdout group, which sees nothing but is counted).
pub const OFFER_IMPRESSION: &str = "cc-offer-impression";
/// `cc-offer-accept`: the offered items went into a new cart (`detail.cart`).
pub const OFFER_ACCEPT: &str = "cc-offer-accept";
/// `cc-offer-dismiss`: "No thanks", Esc or close before accepting.
pub const OFFER_DISMISS: &str = "cc-offer-dismiss";
/// `cc-cart-open` (cancelable, from `<cc-cart drawer>`): the drawer is about
/// to open; `detail.trigger` is `add` or `click`.
pub const CART_OPEN: &str = "cc-cart-open";
/// `cc-code-change`: `<cc-cart>` applied or removed a discount code.
pub const CODE_CHANGE: &str = "cc-code-change";
/// `cc-note-change`: the customer's note was saved (`detail.note`, `detail.cart`).
pub const NOTE_CHANGE: &str = "cc-note-change";
/// `cc-error`: an action failed; the element also shows the message.
pub const ERROR: &str = "cc-error";

pub struct CartChange<'a> {
    /// `add`, `update` or `remove`.
    pub action: &'a str,
    pub variant_id: &'a str,
    pub line_id: Option<&'a str>,
    pub quantity: u32,
    /// For `update` and `remove`: the line as the customer saw it before
    /// (its quantity then), so a listener knows what changed.
    pub before: Option<&'a crosscart_core::CartLine>,
    pub cart: &'a crosscart_core::Cart,
}

impl ToJson for CartChange<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out)
            .field("action", self.action)
            .field("variant_id", self.variant_id)
            .field("line_id", &self.line_id)
            .field("quantity", &self.quantity)
            .field("before", &self.before)
            .field("cart", self.cart)
            .end();
    }
}

pub struct CodeChange<'a> {
    /// `apply` or `remove`.
    pub action: &'a str,
    pub code: &'a str,
    pub cart: &'a crosscart_core::Cart,
}

impl ToJson for CodeChange<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("action", self.action).field("code", self.code).field("cart", self.cart).end();
    }
}

pub struct NoteChange<'a> {
    pub note: &'a str,
    pub cart: &'a crosscart_core::Cart,
}

impl ToJson for NoteChange<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("note", self.note).field("cart", self.cart).end();
    }
}

pub struct BundleItem<'a> {
    pub product_id: &'a str,
    pub variant_id: &'a str,
}

impl ToJson for BundleItem<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("product_id", self.product_id).field("variant_id", self.variant_id).end();
    }
}

pub struct BundleAdd<'a> {
    /// Product whose page the bundle was on; None when seeded from the cart.
    pub anchor: Option<&'a str>,
    pub items: Vec<BundleItem<'a>>,
    pub cart: &'a crosscart_core::Cart,
}

impl ToJson for BundleAdd<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("anchor", &self.anchor).field("items", &self.items).field("cart", self.cart).end();
    }
}

pub struct AddRequest<'a> {
    pub variant_id: &'a str,
    pub quantity: u32,
    pub fulfillment: &'a crosscart_core::Fulfillment,
}

impl ToJson for AddRequest<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("variant_id", self.variant_id).field("quantity", &self.quantity).field("fulfillment", self.fulfillment).end();
    }
}

pub struct ErrorDetail<'a> {
    pub action: &'a str,
    pub code: &'a str,
    pub message: &'a str,
}

impl ToJson for ErrorDetail<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("action", self.action).field("code", self.code).field("message", self.message).end();
    }
}

/// Dispatches `name` from `target`; returns false if a listener cancelled it.
pub fn emit<T: ToJson + ?Sized>(target: &EventTarget, name: &str, detail: &T, cancelable: bool) -> bool {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(cancelable);
    init.set_detail(&crate::js::to_js(detail));
    match CustomEvent::new_with_event_init_dict(name, &init) {
        Ok(ev) => target.dispatch_event(&ev).unwrap_or(true),
        Err(_) => true,
    }
}

/// Reports a failed action as `cc-error` from `target`.
pub fn error(target: &EventTarget, action: &str, code: &str, message: &str) {
    emit(target, ERROR, &ErrorDetail { action, code, message }, false);
}
