//! `<cc-post-checkout order="…" order-key="…">`: after an order, an
//! accessible dialog offering complements of what was bought (and what the
//! customer viewed), with a time-limited discount whose countdown runs on the
//! server's clock, "add to a new cart" in one click, and the loyalty points
//! the order earned. Without `order`, for a signed-in customer, it shows the
//! offer of their newest order from any channel (app, store counter) once.
//!
//! `<cc-viewed product="…">` remembers a product page view (on this device,
//! and for a signed-in customer on the server) for later offers.
//!
//! Never pushy: the server decides caps and the A/B group; the holdout group
//! sees nothing (its impression is still recorded); the dialog is docked at
//! the edge so the order confirmation stays readable, restates it, and closes
//! with Esc or "No thanks" (remembered as a dismissal).

use super::{describe, Host};
use crate::config::{self, format_money, resolve_api_url};
use crate::{events, store, transport::execute};
use crosscart_core::i18n::{self, t, Msg};
use crosscart_core::offer::{self, Offer, OfferEvent, OfferStatus};
use crosscart_core::protocol::ProtocolError;
use leptos::html::Dialog;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::any::Any;
use web_sys::HtmlElement;

pub const ATTRIBUTES: &[&str] = &["order", "order-key", "cart-url"];
pub const CSS: &str = "
:host{display:contents}
[part=dialog]{position:fixed;inset:auto 1rem 1rem auto;margin:0;width:min(26rem,calc(100vw - 2rem));max-height:calc(100vh - 2rem);overflow:auto;padding:var(--cc-space,1rem);border:1px solid var(--cc-color-border,#ddd);border-radius:var(--cc-radius,.5em);background:var(--cc-color-surface,#fff);color:var(--cc-color-text,#111);box-shadow:0 .5rem 2rem rgba(0,0,0,.2)}
[part=dialog]::backdrop{background:rgba(0,0,0,.12)}
@media (prefers-reduced-motion:no-preference){[part=dialog][open]{animation:cc-rise .25s ease-out}}
@keyframes cc-rise{from{transform:translateY(1rem);opacity:0}to{transform:none;opacity:1}}
[part=confirmation]{margin:0 0 .5rem;color:var(--cc-color-success,#1b6e2a);font-weight:600}
[part=title]{margin:0 0 .25rem;font-size:1.15em}
[part=deal]{margin:0 0 .75rem}
[part=timer]{font-variant-numeric:tabular-nums;font-weight:700}
[part=items]{list-style:none;margin:0 0 .75rem;padding:0;display:grid;gap:.5rem}
[part=item] label{display:grid;grid-template-columns:auto 56px 1fr auto;gap:.75rem;align-items:center;cursor:pointer}
[part=image]{width:56px;height:56px;object-fit:cover;border-radius:var(--cc-radius,.4em);background:#f4f4f4}
[part=item-title]{overflow-wrap:anywhere}
[part=why]{display:block;color:var(--cc-color-muted,#555);font-size:.85em}
[part=prices]{text-align:end;font-variant-numeric:tabular-nums}
[part=full-price]{display:block;color:var(--cc-color-muted,#555);text-decoration:line-through;font-size:.85em}
[part=offer-price]{font-weight:700}
[part=sold-out]{color:var(--cc-color-danger,#b3261e);font-size:.85em}
[part=points]{margin:0 0 .75rem;color:var(--cc-color-muted,#444)}
[part=status]{margin:0 0 .75rem}
[part=status]:empty{display:none}
[part=actions]{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:flex-end}
button,a[part=view-cart]{font:inherit;cursor:pointer;padding:var(--cc-button-padding,.6em 1.2em);border-radius:var(--cc-radius,.4em)}
[part=accept],a[part=view-cart]{border:0;background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);text-decoration:none}
[part=dismiss]{border:1px solid var(--cc-color-border,#bbb);background:transparent;color:inherit}
button:disabled{opacity:.6;cursor:not-allowed}
input:focus-visible,button:focus-visible,a:focus-visible{outline:2px solid var(--cc-color-focus,#1a5fd0);outline-offset:2px}
";

/// `<cc-viewed product="…">` has no view of its own.
pub const VIEWED_ATTRIBUTES: &[&str] = &["product"];

const VIEWED_KEY: &str = "crosscart:viewed";
/// Products remembered on this device.
const MAX_VIEWED: usize = 20;

#[derive(Serialize, Deserialize)]
struct ViewedEntry {
    p: String,
    at: i64,
}

fn viewed_entries() -> Vec<ViewedEntry> {
    config::local_storage()
        .and_then(|s| s.get_item(VIEWED_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// Products viewed on this device in the policy's window, most recent first.
pub fn viewed_products() -> Vec<String> {
    let now = js_sys::Date::now() as i64;
    let within = offer::Policy::default().viewed_within_ms;
    viewed_entries().into_iter().filter(|e| now - e.at <= within).map(|e| e.p).collect()
}

/// Remembers a product view on this device and, for a signed-in customer, on the server.
pub fn record_view(product_id: &str) {
    let product_id = product_id.trim();
    if product_id.is_empty() || product_id.len() > 128 {
        return;
    }
    let mut list = viewed_entries();
    list.retain(|e| e.p != product_id);
    list.insert(0, ViewedEntry { p: product_id.to_owned(), at: js_sys::Date::now() as i64 });
    list.truncate(MAX_VIEWED);
    if let (Some(s), Ok(json)) = (config::local_storage(), serde_json::to_string(&list)) {
        let _ = s.set_item(VIEWED_KEY, &json);
    }
    if config::session_token().is_some() && config::adapter().capabilities().post_checkout {
        let product_id = product_id.to_owned();
        leptos::task::spawn_local(async move {
            if let Ok(call) = config::adapter().record_viewed(&product_id) {
                let _ = execute(call).await; // a lost view only makes a later offer less personal
            }
        });
    }
}

pub fn mount_viewed(host: &Host, _container: HtmlElement) -> Box<dyn Any> {
    let product = host.attr("product");
    Effect::new(move |_| {
        if let Some(p) = product.get() {
            record_view(&p);
        }
    });
    Box::new(())
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Loading,
    /// The offer, and the device's clock when it arrived.
    Ready(Box<Offer>, i64),
    /// Nothing to show (holdout, capped, dismissed, no offer, not signed in, an error).
    Hidden,
}

fn status_name(s: OfferStatus) -> &'static str {
    match s {
        OfferStatus::Open => "open",
        OfferStatus::Accepted => "accepted",
        OfferStatus::Dismissed => "dismissed",
        OfferStatus::Expired => "expired",
        OfferStatus::Holdout => "holdout",
        OfferStatus::None => "none",
    }
}

#[derive(Serialize)]
struct OfferDetail<'a> {
    order: &'a str,
    experiment: &'a str,
    /// The experiment arm, or `holdout`.
    variant: &'a str,
    /// False for the holdout group: the impression it would have had.
    shown: bool,
    items: Vec<events::BundleItem<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cart: Option<&'a crosscart_core::Cart>,
}

fn detail<'a>(o: &'a Offer, items: Vec<events::BundleItem<'a>>, cart: Option<&'a crosscart_core::Cart>) -> OfferDetail<'a> {
    OfferDetail { order: &o.order_id, experiment: &o.experiment, variant: &o.variant, shown: o.status != OfferStatus::Holdout, items, cart }
}

fn all_items(o: &Offer) -> Vec<events::BundleItem<'_>> {
    o.items.iter().map(|i| events::BundleItem { product_id: &i.product_id, variant_id: &i.variant_id }).collect()
}

async fn fetch(order: Option<String>, key: Option<String>) -> Result<Option<Offer>, ProtocolError> {
    let adapter = config::adapter();
    if !adapter.capabilities().post_checkout {
        return Ok(None);
    }
    match order.filter(|o| !o.is_empty()) {
        Some(order) => execute(adapter.order_offer(&order, key.as_deref(), &viewed_products())?).await.map(Some),
        // The next visit: a signed-in customer's order from another channel.
        None if config::session_token().is_some() => execute(adapter.my_offer()?).await,
        None => Ok(None),
    }
}

/// Records an event with the backend; failures are reported as `cc-error`.
fn record(element: &send_wrapper::SendWrapper<HtmlElement>, o: &Offer, key: Option<String>, event: OfferEvent) {
    let (order, element) = (o.order_id.clone(), element.clone());
    leptos::task::spawn_local(async move {
        let result = match config::adapter().offer_event(&order, key.as_deref(), event) {
            Ok(call) => execute(call).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let message = describe(&e);
            events::emit(element.as_ref(), events::ERROR, &events::ErrorDetail { action: "offer-event", code: e.code(), message: &message }, false);
        }
    });
}

/// The offer on screen, if any.
fn current(load: RwSignal<Load>) -> Option<Box<Offer>> {
    load.with_untracked(|l| if let Load::Ready(o, _) = l { Some(o.clone()) } else { None })
}

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    let (order, key, cart_url) = (host.attr("order"), host.attr("order-key"), host.attr("cart-url"));
    let locale = config::get().locale;
    let element = host.element.clone();
    let load = RwSignal::new(Load::Loading);
    let unchecked = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let accepted = RwSignal::new(false);
    let dialog = NodeRef::<Dialog>::new();
    let tick = super::ticking_clock(move || load.try_with_untracked(|l| matches!(l, Load::Ready(..))) == Some(true));

    // (Re)load whenever the order changes; only the newest request counts.
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let (order, key) = (order.get(), key.get());
        load.set(Load::Loading);
        let _ = element.set_attribute("hidden", "");
        let element = element.clone();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            let result = fetch(order, key.clone()).await;
            if generation.try_get_value() != Some(mine) {
                return; // superseded by a newer order, or disconnected
            }
            // The host says where things stand (`data-offer-status`), for the theme and for tests.
            let (next, state) = match result {
                Ok(Some(o)) => match o.status {
                    OfferStatus::Open => {
                        events::emit(element.as_ref(), events::OFFER_IMPRESSION, &detail(&o, all_items(&o), None), false);
                        record(&element, &o, key, OfferEvent::Impression);
                        (Load::Ready(Box::new(o), js_sys::Date::now() as i64), "open")
                    }
                    OfferStatus::Holdout => {
                        // Seen by nobody, counted all the same: the control group of the experiment.
                        events::emit(element.as_ref(), events::OFFER_IMPRESSION, &detail(&o, Vec::new(), None), false);
                        record(&element, &o, key, OfferEvent::Impression);
                        (Load::Hidden, "holdout")
                    }
                    other => (Load::Hidden, status_name(other)),
                },
                Ok(None) => (Load::Hidden, "none"),
                Err(e) => {
                    // An unknown order or a wrong key is not the customer's problem on a
                    // thank-you page (the page says so itself): report it and stay out of the way.
                    let message = describe(&e);
                    events::emit(element.as_ref(), events::ERROR, &events::ErrorDetail { action: "offer-load", code: e.code(), message: &message }, false);
                    (Load::Hidden, "error")
                }
            };
            let _ = element.set_attribute("data-offer-status", state);
            let show = matches!(next, Load::Ready(..));
            if load.try_set(next).is_some() {
                return; // disconnected meanwhile (the value came back)
            }
            if show {
                let _ = element.remove_attribute("hidden");
                leptos::task::tick().await;
                if let Some(d) = dialog.get_untracked()
                    && d.show_modal().is_err() {
                        d.set_open(true);
                    }
            }
        });
    });

    let offer = move || match load.get() {
        Load::Ready(o, received) => Some((o, received)),
        _ => None,
    };
    // The clock signal may predate the answer (it ticks once a second).
    let remaining = move || offer().map_or(0, |(o, received)| offer::remaining_ms(o.expires_at, o.server_time, received, tick.get().max(received)));
    let discounted = move || offer().is_some_and(|(o, _)| o.percent_off > 0);
    let ended = move || discounted() && remaining() == 0;
    let is_checked = move |variant: &str| unchecked.with(|u| !u.iter().any(|x| x == variant));

    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let dismiss = {
        let element = host.element.clone();
        move || {
            if let Some(o) = current(load)
                && !accepted.get_untracked() {
                    events::emit(element.as_ref(), events::OFFER_DISMISS, &detail(&o, all_items(&o), None), false);
                    record(&element, &o, key.get_untracked(), OfferEvent::Dismiss);
                }
            close();
        }
    };
    let accept = {
        let element = host.element.clone();
        move || {
            let Some(o) = current(load) else { return };
            let chosen: Vec<String> = o.items.iter().filter(|i| i.available && is_checked(&i.variant_id)).map(|i| i.variant_id.clone()).collect();
            if chosen.is_empty() {
                status.set(t(locale, Msg::ChooseOne).to_owned());
                return;
            }
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            status.set(t(locale, Msg::Adding).to_owned());
            let (element, key) = (element.clone(), key.get_untracked());
            leptos::task::spawn_local(async move {
                let result = match config::adapter().accept_offer(&o.order_id, key.as_deref(), &chosen) {
                    Ok(call) => execute(call).await,
                    Err(e) => Err(e),
                };
                let result = match result {
                    Ok(cart) => store::switch_to(&cart.id).await.or(Ok(cart)),
                    Err(e) => Err(e),
                };
                busy.try_set(false);
                match result {
                    Ok(cart) => {
                        accepted.try_set(true);
                        let items = o.items.iter().filter(|i| chosen.contains(&i.variant_id)).map(|i| events::BundleItem { product_id: &i.product_id, variant_id: &i.variant_id }).collect();
                        events::emit(element.as_ref(), events::OFFER_ACCEPT, &detail(&o, items, Some(&cart)), false);
                        status.try_set(t(locale, Msg::OfferAccepted).to_owned());
                    }
                    Err(e) => {
                        let message = describe(&e);
                        events::emit(element.as_ref(), events::ERROR, &events::ErrorDetail { action: "offer-accept", code: e.code(), message: &message }, false);
                        status.try_set(message);
                    }
                }
            });
        }
    };

    Box::new(leptos::mount::mount_to(container, move || {
        let (accept, dismiss) = (accept.clone(), dismiss.clone());
        let dismiss_esc = dismiss.clone();
        let body = move || {
            let (o, _) = offer()?;
            let items = o.items.iter().map(|i| {
                let (variant, toggle) = (i.variant_id.clone(), i.variant_id.clone());
                let image = i.image.clone().map(|img| view! { <img part="image" src=resolve_api_url(&img.url) alt="" width="56" height="56" /> });
                let title = if i.variant_title.is_empty() { i.title.clone() } else { format!("{} — {}", i.title, i.variant_title) };
                let why = (i.reason == offer::Reason::Viewed).then(|| view! { <span part="why">{t(locale, Msg::YouViewed)}</span> });
                let price = i.price;
                let offer_price = i.offer_price;
                let full = move || (!ended() && offer_price != price).then(|| view! { <span part="full-price">{format_money(&price)}</span> });
                let now_price = move || if ended() { format_money(&price) } else { format_money(&offer_price) };
                let sold_out = (!i.available).then(|| view! { <span part="sold-out">{t(locale, Msg::SoldOut)}</span> });
                let available = i.available;
                view! {
                    <li part="item" data-variant-id=i.variant_id.clone()>
                        <label>
                            <input type="checkbox" part="checkbox" disabled=!available prop:checked=move || available && is_checked(&variant)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    unchecked.update(|u| {
                                        u.retain(|x| *x != toggle);
                                        if !on { u.push(toggle.clone()); }
                                    });
                                } />
                            {image}
                            <span part="item-title">{title}{why}{sold_out}</span>
                            <span part="prices">{full}<span part="offer-price">{now_price}</span></span>
                        </label>
                    </li>
                }
            }).collect_view();
            let percent = o.percent_off;
            let deal = move || {
                if !discounted() {
                    None
                } else if ended() {
                    Some(view! { <p part="deal">{t(locale, Msg::OfferEnded)}</p> }.into_any())
                } else {
                    Some(view! {
                        <p part="deal" id="cc-offer-deal"><strong>{format!("−{percent} % ")}</strong>{t(locale, Msg::OfferOff)}". "
                            {t(locale, Msg::OfferEndsIn)}" "<span part="timer" role="timer" aria-live="off">{move || offer::countdown_text(remaining())}</span></p>
                    }.into_any())
                }
            };
            let points = (o.loyalty.earned > 0 || o.loyalty.balance.is_some()).then(|| {
                let balance = o.loyalty.balance.map(|b| format!(" · {}: {}", t(locale, Msg::PointsBalance), i18n::points(locale, b)));
                view! { <p part="points">{format!("{}: {}", t(locale, Msg::PointsEarned), o.loyalty.earned)}{balance}</p> }
            });
            let confirmation = format!("✓ {} — {}", i18n::order_number(locale, o.order_number), t(locale, Msg::OrderConfirmedShort));
            let accept = accept.clone();
            let dismiss = dismiss.clone();
            let href = move || cart_url.get().unwrap_or_else(|| "cart.html".into());
            let actions = move || {
                let dismiss_done = dismiss.clone();
                if accepted.get() {
                    view! {
                        <a part="view-cart" href=href>{t(locale, Msg::ViewCart)}</a>
                        <button part="dismiss" type="button" on:click=move |_| dismiss_done()>{t(locale, Msg::Close)}</button>
                    }.into_any()
                } else {
                    let (accept, dismiss) = (accept.clone(), dismiss.clone());
                    view! {
                        <button part="accept" type="button" disabled=move || busy.get() || ended() on:click=move |_| accept()>{t(locale, Msg::AddToNewCart)}</button>
                        <button part="dismiss" type="button" on:click=move |_| dismiss()>{t(locale, Msg::NoThanks)}</button>
                    }.into_any()
                }
            };
            Some(view! {
                <p part="confirmation">{confirmation}</p>
                <h2 part="title" id="cc-offer-title">{t(locale, Msg::OfferTitle)}</h2>
                {deal}
                <ul part="items">{items}</ul>
                {points}
                <p part="status" role="status" aria-live="polite">{move || status.get()}</p>
                <div part="actions">{actions}</div>
            })
        };
        view! {
            <dialog part="dialog" node_ref=dialog aria-modal="true" aria-labelledby="cc-offer-title"
                on:cancel=move |_: web_sys::Event| dismiss_esc()>
                {body}
            </dialog>
        }
    }))
}
