//! `<cc-add-to-cart variant="…" quantity="1">`: enhances a real button or form.
//!
//! ```html
//! <cc-add-to-cart variant="v-nova-12-1"><button>Add to cart</button></cc-add-to-cart>
//! <cc-add-to-cart><form action="/cart/add" method="post">
//!   <select name="variant">…</select> <input name="quantity" value="1"> <button>Add</button>
//! </form></cc-add-to-cart>
//! ```
//! Without JavaScript the button or form works as the shop built it. With
//! it, a click (or submit) adds to the cart through the API instead: first a
//! cancelable `cc-add-to-cart-request`, then `cc-cart-change` or `cc-error`.
//! With no light-DOM button, the element renders its own.

use super::{describe, Host, Live, Mounted};
use crate::dom::{self, el};
use crate::{events, store};
use crosscart_core::i18n::{t, Msg};
use crosscart_core::Fulfillment;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlFormElement};

pub const CSS: &str = ":host{display:inline-flex;align-items:center;gap:.5em;flex-wrap:wrap}[part=button]{font:inherit;cursor:pointer;padding:var(--cc-button-padding,.6em 1.2em);border:0;border-radius:var(--cc-radius,.4em);background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff)}[part=button][aria-disabled=true]{opacity:.6;cursor:progress}[part=status]{font-size:.875em;color:var(--cc-color-muted,#555)}[part=status][data-state=error]{color:var(--cc-color-danger,#b3261e)}[part=status]:empty{display:none}";

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Adding,
    Added,
    Failed(String),
}

struct View {
    host: Rc<Host>,
    button: Element,
    status_el: Element,
    status: RefCell<Status>,
}

impl View {
    fn set_status(&self, status: Status) {
        let locale = crate::config::get().locale;
        let (text, state) = match &status {
            Status::Idle => ("", "ok"),
            Status::Adding => (t(locale, Msg::Adding), "ok"),
            Status::Added => (t(locale, Msg::Added), "ok"),
            Status::Failed(m) => (m.as_str(), "error"),
        };
        dom::set_text(&self.status_el, text);
        dom::set_attr(&self.status_el, "data-state", Some(state));
        // Not `disabled`: that would throw keyboard focus to the page's body
        // (and the drawer could not give it back); a second press is ignored.
        dom::set_attr(&self.button, "aria-disabled", (status == Status::Adding).then_some("true"));
        *self.status.borrow_mut() = status;
    }

    fn fail(&self, code: &str, message: String) {
        events::error(self.host.target(), "add", code, &message);
        self.set_status(Status::Failed(message));
    }
}

impl Mounted for Rc<View> {}

fn parse_quantity(raw: Option<String>) -> Result<u32, String> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(1),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .and_then(|q| crosscart_core::cart::validate_quantity(q).ok())
            .ok_or_else(|| format!("“{s}” is not a quantity between 1 and {}", crosscart_core::cart::MAX_LINE_QUANTITY)),
    }
}

fn start_add(view: &Rc<View>, variant: Option<String>, quantity: Option<String>, pickup: Option<String>, button: Option<Element>) {
    if *view.status.borrow() == Status::Adding {
        return;
    }
    let Some(variant) = variant.filter(|v| !v.trim().is_empty()) else {
        return view.fail("missing_variant", "Choose an option first.".into());
    };
    let quantity = match parse_quantity(quantity) {
        Ok(q) => q,
        Err(m) => return view.fail("invalid_quantity", m),
    };
    let fulfillment = pickup.filter(|s| !s.is_empty()).map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id });
    let request = events::AddRequest { variant_id: &variant, quantity, fulfillment: &fulfillment };
    if !events::emit(view.host.target(), events::ADD_REQUEST, &request, true) {
        return;
    }
    view.set_status(Status::Adding);
    let _ = view.host.element.set_attribute("aria-busy", "true");
    if let Some(b) = &button {
        let _ = b.set_attribute("aria-disabled", "true");
    }
    let view = view.clone();
    crate::js::spawn(async move {
        let result = store::add(&variant, quantity, fulfillment, None).await;
        let _ = view.host.element.remove_attribute("aria-busy");
        if let Some(b) = &button {
            let _ = b.remove_attribute("aria-disabled");
        }
        match result {
            Ok(cart) => {
                view.set_status(Status::Added);
                let line_id = cart.lines.iter().find(|l| l.variant_id == variant).map(|l| l.id.as_str());
                let change = events::CartChange { action: "add", variant_id: &variant, line_id, quantity, before: None, cart: &cart };
                events::emit(view.host.target(), events::CART_CHANGE, &change, false);
            }
            Err(e) => view.fail(e.code(), describe(&e)),
        }
    });
}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-add-to-cart", CSS);
    let locale = crate::config::get().locale;
    let button = el("button").attr("type", "button").part("button").act("add").text(t(locale, Msg::AddToCart)).done();
    let status_el = el("span").part("status").attr("role", "status").attr("aria-live", "polite").attr("data-state", "ok").done();
    let slot = el("slot").child(&button).done();
    let _ = host.root.append_child(&slot);
    let _ = host.root.append_child(&status_el);
    let view = Rc::new(View { host: host.clone(), button, status_el, status: RefCell::new(Status::Idle) });

    // The element's own button (when the shop gave none).
    let v = view.clone();
    host.listen_root("click", move |ev: Event| {
        if dom::action_of(&ev, &v.host.root).is_some_and(|(_, a)| a == "add") {
            let h = &v.host;
            start_add(&v, h.attr("variant"), h.attr("quantity"), h.attr("pickup-store"), None);
        }
    });

    // A click on a light-DOM button that is not part of a form.
    let v = view.clone();
    host.listen("click", move |ev: Event| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Ok(Some(button)) = target.closest("button, input[type=submit]") else { return };
        let h = &v.host;
        if !h.element.contains(Some(&button)) {
            return;
        }
        if let Ok(Some(form)) = button.closest("form")
            && h.element.contains(Some(&form))
        {
            return; // the submit listener handles it
        }
        ev.prevent_default();
        start_add(&v, h.attr("variant"), h.attr("quantity"), h.attr("pickup-store"), Some(button));
    });

    // A form inside the element: fields `variant` (or `id`) and `quantity` win over attributes.
    let v = view.clone();
    host.listen("submit", move |ev: Event| {
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        ev.prevent_default();
        let data = web_sys::FormData::new_with_form(&form).ok();
        let field = |n: &str| data.as_ref().and_then(|d| d.get(n).as_string());
        let button = form.query_selector("button, input[type=submit]").ok().flatten();
        let h = &v.host;
        start_add(
            &v,
            field("variant").or_else(|| field("id")).or_else(|| h.attr("variant")),
            field("quantity").or_else(|| h.attr("quantity")),
            field("pickup-store").or_else(|| h.attr("pickup-store")),
            button,
        );
    });
    Box::new(view)
}
