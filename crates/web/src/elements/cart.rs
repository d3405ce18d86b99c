//! `<cc-cart>`: the cart's lines with image, name, variant, unit price, a
//! quantity stepper, remove, and subtotal and total from the API.
//!
//! Loading, empty and error (with retry) states. `checkout-url` adds a
//! checkout link. Every text from the API is rendered as text.

use super::{describe, Host};
use crate::config::{format_money, resolve_api_url};
use crate::store::{self, Status};
use crate::events;
use crosscart_core::cart::MAX_LINE_QUANTITY;
use crosscart_core::i18n::{t, Msg};
use crosscart_core::{CartLine, Fulfillment};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::any::Any;
use web_sys::HtmlElement;

pub const ATTRIBUTES: &[&str] = &["checkout-url", "handoff"];
pub const CSS: &str = "
:host{display:block}
[part=base]{display:grid;gap:var(--cc-space,1rem)}
[part=lines]{list-style:none;margin:0;padding:0;display:grid;gap:var(--cc-space,1rem)}
[part=line]{display:grid;grid-template-columns:64px 1fr auto;grid-template-areas:'img details total' 'img stepper remove';gap:.25rem .75rem;align-items:center;padding-bottom:var(--cc-space,1rem);border-bottom:1px solid var(--cc-color-border,#ddd)}
[part=image]{grid-area:img;width:64px;height:64px;object-fit:cover;border-radius:var(--cc-radius,.4em);background:var(--cc-color-surface,#f4f4f4)}
[part=details]{grid-area:details;display:grid;min-width:0}
[part=title]{font-weight:600;overflow-wrap:anywhere}
[part=variant],[part=unit-price],[part=fulfillment],[part=fulfillment-note],[part=reservation]{font-size:.875em;color:var(--cc-color-muted,#555)}
[part=line-total]{grid-area:total;text-align:end;font-variant-numeric:tabular-nums;display:grid}
[part=line-discount],[part=discount]{color:var(--cc-color-accent,#1a5fd0);font-size:.875em}
[part=stepper]{grid-area:stepper;display:inline-flex;align-items:center;gap:.25rem}
[part=stepper] button,[part=remove],[part=retry]{font:inherit;cursor:pointer;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em);min-width:2.25rem;min-height:2.25rem}
[part=quantity]{font:inherit;width:3.5em;min-height:2.25rem;text-align:center;border:1px solid var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em)}
[part=remove]{grid-area:remove;justify-self:end;padding:0 .75em}
[part=summary]{display:grid;grid-template-columns:1fr auto;gap:.25rem 1rem;margin:0}
[part=summary] dd{margin:0;text-align:end;font-variant-numeric:tabular-nums}
[part=total]{font-weight:700}
[part=checkout]{display:block;text-align:center;padding:var(--cc-button-padding,.75em 1.2em);border-radius:var(--cc-radius,.4em);background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);text-decoration:none}
[part=error],[part=message]{color:var(--cc-color-danger,#b3261e)}
[part=handoff],[part=handoff-close],[part=handoff-new]{font:inherit;cursor:pointer;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em);min-height:2.25rem;padding:0 .9em}
[part=handoff-panel]{display:grid;justify-items:center;gap:.5rem;padding:var(--cc-space,1rem);border:1px solid var(--cc-color-border,#ddd);border-radius:var(--cc-radius,.4em);text-align:center}
[part=handoff-code]{font-size:2em;font-weight:700;letter-spacing:.12em;font-variant-numeric:tabular-nums;margin:0}
[part=handoff-qr]{width:200px;height:200px;image-rendering:pixelated;background:#fff}
[part=handoff-hint],[part=handoff-expiry]{margin:0;font-size:.875em;color:var(--cc-color-muted,#555)}
[part=message]:empty{display:none}
:host([aria-busy=true]) [part=lines]{opacity:.7}
button:focus-visible,input:focus-visible,a:focus-visible{outline:2px solid var(--cc-color-focus,#1a5fd0);outline-offset:2px}
@media (prefers-reduced-motion:no-preference){[part=lines]{transition:opacity .15s}}
";

fn change_quantity(element: SendWrapper<HtmlElement>, message: RwSignal<String>, line: CartLine, quantity: u32) {
    if quantity > MAX_LINE_QUANTITY {
        message.set(format!("At most {MAX_LINE_QUANTITY} per line."));
        return;
    }
    message.set(String::new());
    leptos::task::spawn_local(async move {
        // "+" means one more (so two devices pressing it both count); other changes set the number.
        let result = if quantity == line.quantity + 1 { store::increment(&line.id).await } else { store::set_quantity(&line.id, quantity).await };
        let target: &web_sys::EventTarget = element.as_ref();
        match result {
            Ok(cart) => {
                let action = if quantity == 0 { "remove" } else { "update" };
                let change = events::CartChange { action, variant_id: &line.variant_id, line_id: Some(&line.id), quantity, cart: &cart };
                events::emit(target, events::CART_CHANGE, &change, false);
            }
            Err(e) => {
                let text = format!("{} {}", t(crate::config::get().locale, Msg::UpdateFailed), describe(&e));
                events::emit(target, events::ERROR, &events::ErrorDetail { action: "update", code: e.code(), message: &text }, false);
                message.set(text);
            }
        }
    });
}

fn line_view(line: CartLine, element: SendWrapper<HtmlElement>, message: RwSignal<String>) -> impl IntoView {
    let locale = crate::config::get().locale;
    let image = line.image.clone().map(|img| view! {
        <img part="image" src=resolve_api_url(&img.url) alt="" width="64" height="64" loading="lazy" />
    });
    let variant = (!line.variant_title.is_empty()).then(|| view! { <span part="variant">{line.variant_title.clone()}</span> });
    let fulfillment = match &line.fulfillment {
        Fulfillment::Pickup { store_id } => {
            let id = store_id.clone();
            let store_name = move || crate::stores::names().with(|n| n.get(&id).cloned()).unwrap_or_else(|| id.clone());
            let hold = line.reserved_until.map(|until| {
                if until > js_sys::Date::now() as i64 {
                    format!("{} {}", t(locale, Msg::ReservedUntil), crate::js::local_time(until as f64, &crate::config::get().locale_tag))
                } else {
                    t(locale, Msg::ReservationExpired).to_owned()
                }
            });
            let transfer = line.transfer.then(|| t(locale, Msg::ViaTransfer));
            Some(view! {
                <span part="fulfillment" data-store-id=store_id.clone()>{move || format!("{}: {}", t(locale, Msg::PickupAt), store_name())}</span>
                {transfer.map(|t| view! { <span part="fulfillment-note">{t}</span> })}
                {hold.map(|h| view! { <span part="reservation">{h}</span> })}
            })
        }
        Fulfillment::Delivery => None,
    };
    let q = line.quantity;
    let (at_min, at_max) = (q <= 1, q >= MAX_LINE_QUANTITY);
    let (l1, l2, l3, l4) = (line.clone(), line.clone(), line.clone(), line.clone());
    let (e1, e2, e3, e4) = (element.clone(), element.clone(), element.clone(), element);
    let remove_label = format!("{}: {}", t(locale, Msg::Remove), line.title);
    view! {
        <li part="line" data-line-id=line.id.clone()>
            {image}
            <div part="details">
                <span part="title">{line.title.clone()}</span>
                {variant}
                <span part="unit-price">{format!("{} {}", format_money(&line.unit_price), t(locale, Msg::UnitPrice))}</span>
                {fulfillment}
            </div>
            <span part="line-total">{format_money(&line.line_total)}{line.discount.map(|d| view! {
                <span part="line-discount">{format!("−{}", format_money(&d))}</span>
            })}</span>
            <div part="stepper" role="group" aria-label=t(locale, Msg::Quantity)>
                <button part="decrease" type="button" aria-label=t(locale, Msg::Decrease) disabled=at_min
                    on:click=move |_| change_quantity(e1.clone(), message, l1.clone(), q.saturating_sub(1).max(1))>"−"</button>
                <input part="quantity" type="number" inputmode="numeric" min="1" max=MAX_LINE_QUANTITY.to_string() prop:value=q.to_string()
                    aria-label=t(locale, Msg::Quantity)
                    on:change=move |ev| {
                        let raw = event_target_value(&ev);
                        match raw.trim().parse::<u32>() {
                            Ok(n) if n != q => change_quantity(e2.clone(), message, l2.clone(), n),
                            Ok(_) => {}
                            Err(_) => message.set(format!("“{raw}” is not a quantity.")),
                        }
                    } />
                <button part="increase" type="button" aria-label=t(locale, Msg::Increase) disabled=at_max
                    on:click=move |_| change_quantity(e3.clone(), message, l3.clone(), q + 1)>"+"</button>
            </div>
            <button part="remove" type="button" aria-label=remove_label
                on:click=move |_| change_quantity(e4.clone(), message, l4.clone(), 0)>{t(locale, Msg::Remove)}</button>
        </li>
    }
}

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    store::ensure_loaded();
    let state = store::state();
    let checkout_url = host.attr("checkout-url");
    let message = RwSignal::new(String::new());
    let element = host.element.clone();
    let busy_el = host.element.clone();
    // Pickup lines name their store: fetch the store list once, when one appears.
    Effect::new(move |_| {
        let has_pickup = state.with(|s| s.cart.as_ref().is_some_and(|c| c.lines.iter().any(|l| matches!(l.fulfillment, Fulfillment::Pickup { .. }))));
        if has_pickup && crate::stores::names().with_untracked(|n| n.is_empty()) {
            leptos::task::spawn_local(async {
                let _ = crate::stores::directory().await;
            });
        }
    });
    Effect::new(move |_| {
        let busy = state.with(|s| s.busy > 0);
        let _ = busy_el.set_attribute("aria-busy", if busy { "true" } else { "false" });
    });
    let locale = crate::config::get().locale;
    let handoff_attr = host.attr("handoff");
    // (the code, the server's clock minus ours when it answered)
    let handoff: RwSignal<Option<(crosscart_core::protocol::HandoffCode, i64)>> = RwSignal::new(None);
    // Only a shown code's countdown needs the clock.
    let tick = super::ticking_clock(move || handoff.try_with_untracked(Option::is_some) == Some(true));
    let new_code = move || {
        message.set(String::new());
        leptos::task::spawn_local(async move {
            match store::create_handoff().await {
                Ok(code) => {
                    let skew = code.now - js_sys::Date::now() as i64;
                    handoff.try_set(Some((code, skew)));
                }
                Err(e) => {
                    message.try_set(describe(&e));
                }
            }
        });
    };
    let handoff_view = move || {
        let wanted = handoff_attr.get().is_some() && crate::config::adapter().capabilities().handoff;
        let has_lines = state.with(|s| s.cart.as_ref().is_some_and(|c| !c.lines.is_empty()));
        if !wanted || !has_lines {
            return None;
        }
        Some(match handoff.get() {
            None => view! { <button part="handoff" type="button" on:click=move |_| new_code()>{t(locale, Msg::ContinueElsewhere)}</button> }.into_any(),
            Some((code, skew)) => {
                let left_ms = move || code.expires_at - (tick.get() + skew);
                let expiry = move || {
                    let left = left_ms();
                    if left <= 0 {
                        t(locale, Msg::HandoffExpired).to_owned()
                    } else {
                        let secs = left / 1000;
                        format!("{} {}:{:02}", t(locale, Msg::ExpiresIn), secs / 60, secs % 60)
                    }
                };
                let expired = move || left_ms() <= 0;
                view! {
                    <div part="handoff-panel" role="group" aria-label=t(locale, Msg::ContinueElsewhere)>
                        <p part="handoff-code" aria-live="polite">{code.code.clone()}</p>
                        <img part="handoff-qr" src=resolve_api_url(&code.qr) alt=t(locale, Msg::HandoffQr) width="200" height="200" />
                        <p part="handoff-hint">{t(locale, Msg::HandoffHint)}</p>
                        <p part="handoff-expiry" role="timer">{expiry}</p>
                        {move || expired().then(|| view! { <button part="handoff-new" type="button" on:click=move |_| new_code()>{t(locale, Msg::NewCode)}</button> })}
                        <button part="handoff-close" type="button" on:click=move |_| handoff.set(None)>{t(locale, Msg::Close)}</button>
                    </div>
                }.into_any()
            }
        })
    };
    Box::new(leptos::mount::mount_to(container, move || {
        let body = move || {
            let s = state.get();
            match (&s.status, &s.cart) {
                (Status::Failed(err), _) => view! {
                    <div part="error" role="alert">
                        <p>{t(locale, Msg::LoadFailed)}" "<span part="error-detail">{err.clone()}</span></p>
                        <button part="retry" type="button" on:click=move |_| store::reload()>{t(locale, Msg::Retry)}</button>
                    </div>
                }.into_any(),
                (Status::Idle | Status::Loading, None) => view! { <p part="loading" role="status">{t(locale, Msg::Loading)}</p> }.into_any(),
                (_, Some(cart)) if !cart.lines.is_empty() => {
                    let lines: Vec<_> = cart.lines.iter().cloned().map(|l| line_view(l, element.clone(), message)).collect();
                    let checkout = checkout_url.get().filter(|u| !u.is_empty()).map(|href| view! { <a part="checkout" href=href>{t(locale, Msg::Checkout)}</a> });
                    view! {
                        <ul part="lines">{lines}</ul>
                        <dl part="summary">
                            <dt>{t(locale, Msg::Subtotal)}</dt><dd part="subtotal">{format_money(&cart.subtotal)}</dd>
                            {cart.discount.map(|d| view! { <dt>{t(locale, Msg::Discount)}</dt><dd part="discount">{format!("−{}", format_money(&d))}</dd> })}
                            <dt>{t(locale, Msg::Total)}</dt><dd part="total">{format_money(&cart.total)}</dd>
                        </dl>
                        {checkout}
                    }.into_any()
                }
                _ => view! { <p part="empty">{t(locale, Msg::CartEmpty)}</p> }.into_any(),
            }
        };
        view! {
            <section part="base" aria-label=t(locale, Msg::Cart)>
                {body}
                {handoff_view}
                <p part="message" role="status" aria-live="polite">{move || message.get()}</p>
            </section>
        }
    }))
}
