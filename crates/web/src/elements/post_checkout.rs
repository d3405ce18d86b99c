//! `<cc-post-checkout order="…" order-key="…">`: after an order, an
//! accessible dialog offering complements of what was bought (and what the
//! customer viewed), with a time-limited discount whose countdown runs on the
//! server's clock, "add to a new cart" in one click, and the loyalty points
//! the order earned. Without `order`, for a signed-in customer, it shows the
//! offer of their newest order from any channel (app, store counter) once.
//!
//! Its code is in the `offers` chunk. (`<cc-viewed>`, which remembers the
//! views, is in `viewed.rs`.)
//!
//! Never pushy: the server decides caps and the A/B group; the holdout group
//! sees nothing (its impression is still recorded); the dialog is docked at
//! the edge so the order confirmation stays readable, restates it, and closes
//! with Esc or "No thanks" (remembered as a dismissal).

use super::{describe, Host, Live, Mounted, Ticker};
use crate::config::{self, format_money, resolve_api_url};
use crate::dom::{self, el};
use crate::{events, js, store, transport::execute, with_adapter};
use crosscart_core::i18n::{self, t, Msg, OfferMsg};
use crosscart_core::json::{ObjectWriter, ToJson};
use crosscart_core::offer::{self, Offer, OfferEvent, OfferStatus};
use crosscart_core::protocol::ProtocolError;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlDialogElement, HtmlInputElement};
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

struct OfferDetail<'a> {
    offer: &'a Offer,
    items: Vec<events::BundleItem<'a>>,
    cart: Option<&'a crosscart_core::Cart>,
}

impl ToJson for OfferDetail<'_> {
    fn write_json(&self, out: &mut String) {
        let o = self.offer;
        let mut w = ObjectWriter::new(out);
        w.field("order", &o.order_id)
            .field("experiment", &o.experiment)
            // The experiment arm, or `holdout`.
            .field("variant", &o.variant)
            // False for the holdout group: the impression it would have had.
            .field("shown", &(o.status != OfferStatus::Holdout))
            .field("items", &self.items);
        if let Some(c) = self.cart {
            w.field("cart", c);
        }
        w.end();
    }
}

fn all_items(o: &Offer) -> Vec<events::BundleItem<'_>> {
    o.items.iter().map(|i| events::BundleItem { product_id: &i.product_id, variant_id: &i.variant_id }).collect()
}

async fn fetch(order: Option<String>, key: Option<String>) -> Result<Option<Offer>, ProtocolError> {
    if !with_adapter!(capabilities()).post_checkout {
        return Ok(None);
    }
    match order {
        Some(order) => execute(with_adapter!(order_offer(&order, key.as_deref(), &super::viewed::viewed_products()))?).await.map(Some),
        // The next visit: a signed-in customer's order from another channel.
        None if config::session_token().is_some() => execute(with_adapter!(my_offer())?).await,
        None => Ok(None),
    }
}

/// Records an event with the backend; failures are reported as `cc-error`.
fn record(host: &Rc<Host>, o: &Offer, key: Option<String>, event: OfferEvent) {
    let (order, host) = (o.order_id.clone(), host.clone());
    crate::js::spawn(async move {
        let result = match with_adapter!(offer_event(&order, key.as_deref(), event)) {
            Ok(call) => execute(call).await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            events::error(host.target(), "offer-event", e.code(), &describe(&e));
        }
    });
}

struct View {
    host: Rc<Host>,
    dialog: HtmlDialogElement,
    /// The offer on screen, and the device's clock when it arrived.
    offer: RefCell<Option<(Offer, i64)>>,
    unchecked: RefCell<Vec<String>>,
    busy: Cell<bool>,
    accepted: Cell<bool>,
    generation: Cell<u32>,
    ticker: RefCell<Option<Ticker>>,
}

struct PostCheckout(Rc<View>);

impl Mounted for PostCheckout {
    fn changed(&self, name: &str) {
        if matches!(name, "order" | "order-key") {
            load(&self.0);
        }
    }
}

impl View {
    fn remaining(&self) -> i64 {
        self.offer.borrow().as_ref().map_or(0, |(o, received)| offer::remaining_ms(o.expires_at, o.server_time, *received, (js_sys::Date::now() as i64).max(*received)))
    }
    fn discounted(&self) -> bool {
        self.offer.borrow().as_ref().is_some_and(|(o, _)| o.percent_off > 0)
    }
    fn ended(&self) -> bool {
        self.discounted() && self.remaining() == 0
    }
    fn is_checked(&self, variant: &str) -> bool {
        !self.unchecked.borrow().iter().any(|x| x == variant)
    }
    fn part(&self, name: &str) -> Option<Element> {
        self.dialog.query_selector(&format!("[part={name}]")).ok().flatten()
    }
}

/// (Re)loads the offer for the current order; only the newest request counts.
fn load(view: &Rc<View>) {
    let (order, key) = (view.host.attr_value("order"), view.host.attr_value("order-key"));
    *view.offer.borrow_mut() = None;
    *view.ticker.borrow_mut() = None;
    if view.dialog.open() {
        view.dialog.close();
    }
    dom::clear(&view.dialog);
    let _ = view.host.element.set_attribute("hidden", "");
    let mine = view.generation.get().wrapping_add(1);
    view.generation.set(mine);
    let view = view.clone();
    crate::js::spawn(async move {
        let result = fetch(order, key.clone()).await;
        if view.generation.get() != mine {
            return; // superseded by a newer order, or disconnected
        }
        let host = &view.host;
        // The host says where things stand (`data-offer-status`), for the theme and for tests.
        let state = match result {
            Ok(Some(o)) => match o.status {
                OfferStatus::Open => {
                    events::emit(host.target(), events::OFFER_IMPRESSION, &OfferDetail { offer: &o, items: all_items(&o), cart: None }, false);
                    record(host, &o, key, OfferEvent::Impression);
                    *view.offer.borrow_mut() = Some((o, js_sys::Date::now() as i64));
                    "open"
                }
                OfferStatus::Holdout => {
                    // Seen by nobody, counted all the same: the control group of the experiment.
                    events::emit(host.target(), events::OFFER_IMPRESSION, &OfferDetail { offer: &o, items: Vec::new(), cart: None }, false);
                    record(host, &o, key, OfferEvent::Impression);
                    "holdout"
                }
                other => status_name(other),
            },
            Ok(None) => "none",
            Err(e) => {
                // An unknown order or a wrong key is not the customer's problem on a
                // thank-you page (the page says so itself): report it and stay out of the way.
                events::error(host.target(), "offer-load", e.code(), &describe(&e));
                "error"
            }
        };
        let _ = host.element.set_attribute("data-offer-status", state);
        if view.offer.borrow().is_some() {
            draw(&view);
            let _ = host.element.remove_attribute("hidden");
            if view.dialog.show_modal().is_err() {
                view.dialog.set_open(true);
            }
            let v = view.clone();
            *view.ticker.borrow_mut() = Some(Ticker::every_second(move || tick(&v)));
        }
    });
}

/// Builds the dialog's content for the offer on screen.
fn draw(view: &View) {
    let locale = config::get().locale;
    let Some((o, _)) = view.offer.borrow().clone() else { return };
    dom::clear(&view.dialog);
    let items = el("ul").part("items").done();
    for i in &o.items {
        let title = if i.variant_title.is_empty() { i.title.clone() } else { format!("{} — {}", i.title, i.variant_title) };
        let mut title_el = el("span").part("item-title").text(&title);
        if i.reason == offer::Reason::Viewed {
            title_el = title_el.child(el("span").part("why").text(t(locale, OfferMsg::YouViewed)));
        }
        if !i.available {
            title_el = title_el.child(el("span").part("sold-out").text(t(locale, OfferMsg::SoldOut)));
        }
        let mut input = el("input").attr("type", "checkbox").part("checkbox").act("toggle");
        if !i.available {
            input = input.attr("disabled", "");
        }
        let mut label = el("label").child(input);
        if let Some(img) = &i.image {
            label = label.child(el("img").part("image").attr("src", &resolve_api_url(&img.url)).attr("alt", "").attr("width", "56").attr("height", "56"));
        }
        let prices = el("span").part("prices").child(el("span").part("full-price")).child(el("span").part("offer-price"));
        label = label.child(title_el).child(prices);
        let _ = items.append_child(&el("li").part("item").attr("data-variant-id", &i.variant_id).attr("data-key", &i.variant_id).child(label).done());
    }
    let _ = view.dialog.append_child(&el("p").part("confirmation").text(&format!("✓ {} — {}", i18n::order_number(locale, o.order_number), t(locale, OfferMsg::OrderConfirmedShort))).done());
    let _ = view.dialog.append_child(&el("h2").part("title").attr("id", "cc-offer-title").text(t(locale, OfferMsg::OfferTitle)).done());
    let _ = view.dialog.append_child(&el("p").part("deal").attr("id", "cc-offer-deal").done());
    let _ = view.dialog.append_child(&items);
    if o.loyalty.earned > 0 || o.loyalty.balance.is_some() {
        let balance = o.loyalty.balance.map(|b| format!(" · {}: {}", t(locale, OfferMsg::PointsBalance), i18n::points(locale, b))).unwrap_or_default();
        let _ = view.dialog.append_child(&el("p").part("points").text(&format!("{}: {}{balance}", t(locale, OfferMsg::PointsEarned), o.loyalty.earned)).done());
    }
    let _ = view.dialog.append_child(&el("p").part("status").attr("role", "status").attr("aria-live", "polite").done());
    let _ = view.dialog.append_child(&el("div").part("actions").done());
    draw_actions(view);
    tick(view);
}

fn draw_actions(view: &View) {
    let locale = config::get().locale;
    let Some(actions) = view.part("actions") else { return };
    dom::clear(&actions);
    if view.accepted.get() {
        let href = view.host.attr_value("cart-url").unwrap_or_else(|| "cart.html".into());
        let _ = actions.append_child(&el("a").part("view-cart").attr("href", &href).text(t(locale, OfferMsg::ViewCart)).done());
        let _ = actions.append_child(&dom::button("dismiss", "dismiss", t(locale, Msg::Close)).done());
    } else {
        let _ = actions.append_child(&dom::button("accept", "accept", t(locale, OfferMsg::AddToNewCart)).done());
        let _ = actions.append_child(&dom::button("dismiss", "dismiss", t(locale, OfferMsg::NoThanks)).done());
    }
}

/// What changes with time: the countdown, the prices, whether accepting is possible.
fn tick(view: &View) {
    let locale = config::get().locale;
    let Some((o, _)) = view.offer.borrow().clone() else { return };
    let ended = view.ended();
    if let Some(deal) = view.part("deal") {
        if !view.discounted() {
            dom::show(&deal, false);
        } else if ended {
            dom::show(&deal, true);
            dom::set_text(&deal, t(locale, OfferMsg::OfferEnded));
        } else {
            dom::show(&deal, true);
            let text = offer::countdown_text(view.remaining());
            match deal.query_selector("[part=timer]").ok().flatten() {
                Some(timer) => dom::set_text(&timer, &text),
                None => {
                    dom::clear(&deal);
                    let _ = deal.append_child(&el("strong").text(&format!("−{} % ", o.percent_off)).done());
                    let _ = deal.append_child(&dom::document().create_text_node(&format!("{}. {} ", t(locale, OfferMsg::OfferOff), t(locale, OfferMsg::OfferEndsIn))));
                    let _ = deal.append_child(&el("span").part("timer").attr("role", "timer").attr("aria-live", "off").text(&text).done());
                }
            }
        }
    }
    for i in &o.items {
        let Ok(Some(row)) = view.dialog.query_selector(&format!("[data-variant-id=\"{}\"]", i.variant_id.replace('"', ""))) else { continue };
        if let Ok(Some(full)) = row.query_selector("[part=full-price]") {
            if !ended && i.offer_price != i.price {
                dom::set_text(&full, &format_money(&i.price));
            } else {
                full.remove();
            }
        }
        if let Ok(Some(now)) = row.query_selector("[part=offer-price]") {
            dom::set_text(&now, &format_money(if ended { &i.price } else { &i.offer_price }));
        }
        if let Ok(Some(input)) = row.query_selector("input") {
            input.unchecked_ref::<HtmlInputElement>().set_checked(i.available && view.is_checked(&i.variant_id));
        }
    }
    if let Some(accept) = view.part("accept") {
        dom::set_flag(&accept, "disabled", view.busy.get() || ended);
    }
}

fn set_status(view: &View, text: &str) {
    if let Some(s) = view.part("status") {
        dom::set_text(&s, text);
    }
}

fn dismiss(view: &Rc<View>) {
    if let Some((o, _)) = view.offer.borrow().clone()
        && !view.accepted.get()
    {
        events::emit(view.host.target(), events::OFFER_DISMISS, &OfferDetail { offer: &o, items: all_items(&o), cart: None }, false);
        record(&view.host, &o, view.host.attr_value("order-key"), OfferEvent::Dismiss);
    }
    view.dialog.close();
}

fn accept(view: &Rc<View>) {
    let locale = config::get().locale;
    let Some((o, _)) = view.offer.borrow().clone() else { return };
    let chosen: Vec<String> = o.items.iter().filter(|i| i.available && view.is_checked(&i.variant_id)).map(|i| i.variant_id.clone()).collect();
    if chosen.is_empty() {
        set_status(view, t(locale, OfferMsg::ChooseOne));
        return;
    }
    if view.busy.replace(true) {
        return;
    }
    set_status(view, t(locale, Msg::Adding));
    tick(view);
    let key = view.host.attr_value("order-key");
    let view = view.clone();
    crate::js::spawn(async move {
        let result = match with_adapter!(accept_offer(&o.order_id, key.as_deref(), &chosen)) {
            Ok(call) => execute(call).await,
            Err(e) => Err(e),
        };
        let result = match result {
            Ok(cart) => store::switch_to(&cart.id).await.or(Ok(cart)),
            Err(e) => Err(e),
        };
        view.busy.set(false);
        match result {
            Ok(cart) => {
                view.accepted.set(true);
                let items = o.items.iter().filter(|i| chosen.contains(&i.variant_id)).map(|i| events::BundleItem { product_id: &i.product_id, variant_id: &i.variant_id }).collect();
                events::emit(view.host.target(), events::OFFER_ACCEPT, &OfferDetail { offer: &o, items, cart: Some(&cart) }, false);
                set_status(&view, t(locale, OfferMsg::OfferAccepted));
                draw_actions(&view);
            }
            Err(e) => {
                let message = describe(&e);
                events::error(view.host.target(), "offer-accept", e.code(), &message);
                set_status(&view, &message);
            }
        }
        tick(&view);
    });
}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-post-checkout", CSS);
    let dialog: HtmlDialogElement = el("dialog").part("dialog").attr("aria-modal", "true").attr("aria-labelledby", "cc-offer-title").done().unchecked_into();
    let _ = host.root.append_child(&dialog);
    let view = Rc::new(View {
        host: host.clone(),
        dialog,
        offer: RefCell::new(None),
        unchecked: RefCell::new(Vec::new()),
        busy: Cell::new(false),
        accepted: Cell::new(false),
        generation: Cell::new(0),
        ticker: RefCell::new(None),
    });
    let v = view.clone();
    host.listen_root("click", move |ev: Event| match dom::action_of(&ev, &v.host.root).map(|(_, a)| a).as_deref() {
        Some("accept") => accept(&v),
        Some("dismiss") => dismiss(&v),
        _ => {}
    });
    let v = view.clone();
    host.listen_root("change", move |ev: Event| {
        dom::track_unchecked(&ev, &v.host.root, &v.unchecked);
    });
    // Esc: the dialog's `cancel` (it does not bubble out of the dialog, so listen on it).
    let v = view.clone();
    let target: web_sys::EventTarget = view.dialog.clone().into();
    host.listen_on(&target, "cancel", false, move |_| dismiss(&v));
    load(&view);
    Box::new(PostCheckout(view))
}

/// `getOffer(order, key)`, `acceptOffer(order, key, variants)`, `offerEvent(order, key, kind)`.
pub fn invoke(name: String, args: js_sys::Array) -> crate::chunks::Answer {
    use crate::api::reject;
    Box::pin(async move {
        let order = args.get(0).as_string().unwrap_or_default();
        let key = args.get(1).as_string();
        match name.as_str() {
            "getOffer" => {
                let call = with_adapter!(order_offer(&order, key.as_deref(), &super::viewed::viewed_products())).map_err(reject)?;
                execute(call).await.map(|o| js::to_js(&o)).map_err(reject)
            }
            "acceptOffer" => {
                let list = args.get(2);
                let variant_ids: Vec<String> = if js_sys::Array::is_array(&list) { list.unchecked_into::<js_sys::Array>().iter().filter_map(|v| v.as_string()).collect() } else { Vec::new() };
                let call = with_adapter!(accept_offer(&order, key.as_deref(), &variant_ids)).map_err(reject)?;
                let cart = execute(call).await.map_err(reject)?;
                store::switch_to(&cart.id).await.map(|c| js::to_js(&c)).map_err(reject)
            }
            "offerEvent" => {
                let event = match args.get(2).as_string().as_deref() {
                    Some("impression") => OfferEvent::Impression,
                    Some("dismiss") => OfferEvent::Dismiss,
                    other => return Err(js::js_error("invalid_request", &format!("unknown offer event {}; use impression or dismiss", other.unwrap_or("(none)")))),
                };
                let call = with_adapter!(offer_event(&order, key.as_deref(), event)).map_err(reject)?;
                execute(call).await.map(|()| wasm_bindgen::JsValue::UNDEFINED).map_err(reject)
            }
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}
