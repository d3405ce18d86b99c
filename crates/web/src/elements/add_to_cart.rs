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

use super::{describe, Host};
use crate::{events, store};
use crosscart_core::i18n::{t, Msg};
use crosscart_core::Fulfillment;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::any::Any;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, HtmlFormElement};

pub const ATTRIBUTES: &[&str] = &["variant", "quantity", "pickup-store"];
pub const CSS: &str = ":host{display:inline-flex;align-items:center;gap:.5em;flex-wrap:wrap}[part=button]{font:inherit;cursor:pointer;padding:var(--cc-button-padding,.6em 1.2em);border:0;border-radius:var(--cc-radius,.4em);background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff)}[part=button]:disabled{opacity:.6;cursor:progress}[part=status]{font-size:.875em;color:var(--cc-color-muted,#555)}[part=status][data-state=error]{color:var(--cc-color-danger,#b3261e)}[part=status]:empty{display:none}";

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Adding,
    Added,
    Failed(String),
}

/// Everything an add needs, captured at click time.
#[derive(Clone)]
struct Ctx {
    element: SendWrapper<HtmlElement>,
    status: RwSignal<Status>,
}

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

fn start_add(ctx: &Ctx, variant: Option<String>, quantity: Option<String>, pickup: Option<String>, button: Option<Element>) {
    if ctx.status.get_untracked() == Status::Adding {
        return;
    }
    let target: &web_sys::EventTarget = ctx.element.as_ref();
    let fail = |code: &str, message: String| {
        events::emit(target, events::ERROR, &events::ErrorDetail { action: "add", code, message: &message }, false);
        ctx.status.set(Status::Failed(message));
    };
    let Some(variant) = variant.filter(|v| !v.trim().is_empty()) else {
        return fail("missing_variant", "Choose an option first.".into());
    };
    let quantity = match parse_quantity(quantity) {
        Ok(q) => q,
        Err(m) => return fail("invalid_quantity", m),
    };
    let fulfillment = pickup.filter(|s| !s.is_empty()).map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id });
    let request = events::AddRequest { variant_id: &variant, quantity, fulfillment: &fulfillment };
    if !events::emit(target, events::ADD_REQUEST, &request, true) {
        return;
    }
    ctx.status.set(Status::Adding);
    let _ = ctx.element.set_attribute("aria-busy", "true");
    let button = button.map(SendWrapper::new);
    if let Some(b) = &button {
        let _ = b.set_attribute("disabled", "");
    }
    let ctx = ctx.clone();
    leptos::task::spawn_local(async move {
        let result = store::add(&variant, quantity, fulfillment, None).await;
        let _ = ctx.element.remove_attribute("aria-busy");
        if let Some(b) = &button {
            let _ = b.remove_attribute("disabled");
        }
        let target: &web_sys::EventTarget = ctx.element.as_ref();
        match result {
            Ok(cart) => {
                ctx.status.set(Status::Added);
                let line_id = cart.lines.iter().find(|l| l.variant_id == variant).map(|l| l.id.as_str());
                let change = events::CartChange { action: "add", variant_id: &variant, line_id, quantity, cart: &cart };
                events::emit(target, events::CART_CHANGE, &change, false);
            }
            Err(e) => {
                let message = describe(&e);
                events::emit(target, events::ERROR, &events::ErrorDetail { action: "add", code: e.code(), message: &message }, false);
                ctx.status.set(Status::Failed(message));
            }
        }
    });
}

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    let status = RwSignal::new(Status::Idle);
    let (variant, quantity, pickup) = (host.attr("variant"), host.attr("quantity"), host.attr("pickup-store"));
    let ctx = Ctx { element: host.element.clone(), status };

    // A click on a light-DOM button that is not part of a form.
    let c = ctx.clone();
    host.listen("click", move |ev: Event| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else { return };
        let Ok(Some(button)) = target.closest("button, input[type=submit]") else { return };
        if !c.element.contains(Some(&button)) {
            return;
        }
        if let Ok(Some(form)) = button.closest("form")
            && c.element.contains(Some(&form)) {
                return; // the submit listener handles it
            }
        ev.prevent_default();
        start_add(&c, variant.get_untracked(), quantity.get_untracked(), pickup.get_untracked(), Some(button));
    });

    // A form inside the element: fields `variant` (or `id`) and `quantity` win over attributes.
    let c = ctx.clone();
    host.listen("submit", move |ev: Event| {
        let Some(form) = ev.target().and_then(|t| t.dyn_into::<HtmlFormElement>().ok()) else { return };
        ev.prevent_default();
        let data = web_sys::FormData::new_with_form(&form).ok();
        let field = |n: &str| data.as_ref().and_then(|d| d.get(n).as_string());
        let button = form.query_selector("button, input[type=submit]").ok().flatten();
        start_add(
            &c,
            field("variant").or_else(|| field("id")).or_else(|| variant.get_untracked()),
            field("quantity").or_else(|| quantity.get_untracked()),
            field("pickup-store").or_else(|| pickup.get_untracked()),
            button,
        );
    });

    let locale = crate::config::get().locale;
    let own = ctx.clone();
    let status_text = move || match status.get() {
        Status::Idle => String::new(),
        Status::Adding => t(locale, Msg::Adding).to_owned(),
        Status::Added => t(locale, Msg::Added).to_owned(),
        Status::Failed(m) => m,
    };
    let state = move || if matches!(status.get(), Status::Failed(_)) { "error" } else { "ok" };
    Box::new(leptos::mount::mount_to(container, move || {
        view! {
            <slot>
                <button part="button" type="button" disabled=move || status.get() == Status::Adding
                    on:click=move |_| start_add(&own, variant.get_untracked(), quantity.get_untracked(), pickup.get_untracked(), None)>
                    {t(locale, Msg::AddToCart)}
                </button>
            </slot>
            <span part="status" role="status" aria-live="polite" data-state=state>{status_text}</span>
        }
    }))
}
