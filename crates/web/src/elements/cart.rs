//! `<cc-cart>`: the cart's lines with image, name, variant, unit price, a
//! quantity stepper, remove, and subtotal and total from the API.
//!
//! Loading, empty and error (with retry) states. `checkout-url` adds a
//! checkout link; `handoff` a "continue on another device" button whose
//! panel (code, QR code, countdown) loads with the accounts chunk. Every
//! text from the API is rendered as text. Lines are updated in place, so a
//! change arriving from another tab never replaces the button or field the
//! customer is using.

use super::{describe, Host, Live, Mounted};
use crate::config::{format_money, resolve_api_url};
use crate::dom::{self, el, Keyed, Row};
use crate::store::{self, Status};
use crate::{events, with_adapter};
use crosscart_core::cart::MAX_LINE_QUANTITY;
use crosscart_core::i18n::{more_for_free_shipping, t, CartMsg, Locale, Msg};
use crosscart_core::cart::{Discount, DiscountKind, Totals};
use crosscart_core::{Cart, CartLine, Fulfillment};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement};

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
[part=low-stock]{font-size:.875em;color:var(--cc-color-danger,#b3261e)}
[part=line-discount],[part=discount]{color:var(--cc-color-accent,#1a5fd0);font-size:.875em}
[part=stepper]{grid-area:stepper;display:inline-flex;align-items:center;gap:.25rem}
[part=stepper] button,[part=remove],[part=retry]{font:inherit;cursor:pointer;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em);min-width:2.25rem;min-height:2.25rem}
[part=quantity]{font:inherit;width:3.5em;min-height:2.25rem;text-align:center;border:1px solid var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em)}
[part=remove]{grid-area:remove;justify-self:end;padding:0 .75em}
[part=summary]{display:grid;grid-template-columns:1fr auto;gap:.25rem 1rem;margin:0}
[part=summary] dd{margin:0;text-align:end;font-variant-numeric:tabular-nums}
[part=total]{font-weight:700}
[part=savings]{color:var(--cc-color-accent,#1a5fd0)}
[part=checkout]{display:block;text-align:center;padding:var(--cc-button-padding,.75em 1.2em);border-radius:var(--cc-radius,.4em);background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);text-decoration:none}
[part=error],[part=message]{color:var(--cc-color-danger,#b3261e)}
[part=handoff],[part=handoff-close],[part=handoff-new]{font:inherit;cursor:pointer;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em);min-height:2.25rem;padding:0 .9em}
[part=handoff-panel]{display:grid;justify-items:center;gap:.5rem;padding:var(--cc-space,1rem);border:1px solid var(--cc-color-border,#ddd);border-radius:var(--cc-radius,.4em);text-align:center}
[part=handoff-code]{font-size:2em;font-weight:700;letter-spacing:.12em;font-variant-numeric:tabular-nums;margin:0}
[part=handoff-qr]{width:200px;height:200px;image-rendering:pixelated;background:#fff}
[part=handoff-hint],[part=handoff-expiry]{margin:0;font-size:.875em;color:var(--cc-color-muted,#555)}
[part=message]:empty,[part=line-error]:empty{display:none}
[part=line-error]{grid-column:1/-1;margin:0;color:var(--cc-color-danger,#b3261e);font-size:.875em}
[part=removed]{grid-column:1/-1;margin:0}
[part=undo]{font:inherit;cursor:pointer;border:0;background:none;color:var(--cc-color-accent,#1a5fd0);text-decoration:underline;min-height:2.25rem}
[part=line][aria-busy=true] [part=line-total]{opacity:.6}
[part=codes],[part=note]{display:grid;gap:.5rem;justify-items:start}
[part=free-shipping]{display:grid;gap:.35rem;font-size:.875em}
[part=free-shipping-bar]{width:100%;height:.5rem;accent-color:var(--cc-color-accent,#1a5fd0)}
[part=code-toggle],[part=note-toggle]{font:inherit;cursor:pointer;border:0;background:none;color:var(--cc-color-accent,#1a5fd0);text-decoration:underline;min-height:2.25rem;padding:0}
:host([aria-busy=true]) [part=lines]{opacity:.7}
button:focus-visible,input:focus-visible,a:focus-visible{outline:2px solid var(--cc-color-focus,#1a5fd0);outline-offset:2px}
@media (prefers-reduced-motion:no-preference){[part=lines]{transition:opacity .15s}}
";

/// What the body shows; it is rebuilt only when this changes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Nothing,
    Loading,
    Failed,
    Empty,
    Lines,
}

struct LineRow {
    root: Element,
    /// Everything but the removed notice (hidden while the line is removed).
    content: Vec<Element>,
    /// "Removed “…”. Undo", for a few seconds after a remove.
    removed: Element,
    /// Why this line's last change was refused (`role=alert`).
    error: Element,
    details: Element,
    total: Element,
    decrease: Element,
    quantity: HtmlInputElement,
    increase: Element,
    remove: Element,
    drawn: CartLine,
    names_drawn: usize,
}

impl Row for LineRow {
    fn root(&self) -> &Element {
        &self.root
    }
}

struct View {
    host: Rc<Host>,
    body: Element,
    handoff_slot: Element,
    handoff_button: Element,
    message: Element,
    shown: Cell<Shown>,
    lines: RefCell<Keyed<LineRow>>,
    summary: RefCell<Option<Summary>>,
    handoff: RefCell<Option<Live>>,
    /// Lines removed here in the last [`UNDO_MS`], with their place in the list.
    undoable: RefCell<Vec<(CartLine, usize)>>,
    /// The discount codes' view: `Some(None)` while its chunk loads.
    codes: Rc<RefCell<Option<Option<Live>>>>,
    /// The note's view (in the same chunk), likewise.
    note: Rc<RefCell<Option<Option<Live>>>>,
    /// Lines brought back by "Undo", kept at their old place.
    restored: RefCell<Vec<(String, usize)>>,
}

/// How long a removed line offers "Undo".
const UNDO_MS: i32 = 5000;

/// A row as drawn: the line, the quantity the customer sees, and whether a
/// change to it is on its way or it was just removed.
struct Item<'a> {
    line: &'a CartLine,
    quantity: u32,
    pending: bool,
    removed: bool,
}

/// The figures under the lines; rows are redrawn when the figures change.
struct Summary {
    list: Element,
    checkout: Element,
    /// The figures drawn, with the savings (a sale changes them alone).
    drawn: Option<(Totals, i64)>,
    /// The `codes` part (backends with discount codes): a "Discount code"
    /// button until the `codes` chunk fills it.
    codes: Option<Element>,
    /// The `note` part (backends with cart notes): "Add a note", likewise.
    note: Option<Element>,
    /// "€12.50 more for free shipping" and its bar (`free-shipping`).
    shipping: Element,
}


struct Cart_ {
    view: Rc<View>,
    /// The dialog around the cart in drawer mode.
    _drawer: Rc<RefCell<Option<Live>>>,
    _subscription: store::Subscription,
    _names: store::Subscription,
}

impl Mounted for Cart_ {
    fn changed(&self, _name: &str) {
        render(&self.view);
    }
}

fn locale() -> Locale {
    crate::config::get().locale
}

fn fill_details(row: &LineRow, line: &CartLine) {
    let locale = locale();
    dom::clear(&row.details);
    let _ = row.details.append_child(&el("span").part("title").text(&line.title).done());
    if !line.variant_title.is_empty() {
        let _ = row.details.append_child(&el("span").part("variant").text(&line.variant_title).done());
    }
    let unit = el("span").part("unit-price");
    // On sale: the price before it, struck through.
    let unit = match line.compare_at {
        Some(was) => unit.child(el("s").part("compare-at").text(&format_money(&was))).child(dom::document().create_text_node(" ")),
        None => unit,
    };
    let _ = row.details.append_child(&unit.child(dom::document().create_text_node(&format!("{} {}", format_money(&line.unit_price), t(locale, CartMsg::UnitPrice)))).done());
    // The shop's stock when few are left (the API sends it only then).
    if let Some(n) = line.stock_left {
        let text = if n == 0 { t(locale, crosscart_core::i18n::ErrorMsg::OutOfStock).to_owned() } else { crosscart_core::i18n::only_left(locale, n) };
        let _ = row.details.append_child(&el("span").part("low-stock").text(&text).done());
    }
    if let Fulfillment::Pickup { store_id } = &line.fulfillment {
        let name = crate::stores::store_name(store_id);
        let _ = row.details.append_child(&el("span").part("fulfillment").attr("data-store-id", store_id).text(&format!("{}: {}", t(locale, CartMsg::PickupAt), name)).done());
        if line.transfer {
            let _ = row.details.append_child(&el("span").part("fulfillment-note").text(t(locale, Msg::ViaTransfer)).done());
        }
        if let Some(until) = line.reserved_until {
            let text = if until > js_sys::Date::now() as i64 {
                format!("{} {}", t(locale, CartMsg::ReservedUntil), crate::js::local_time(until as f64, &crate::config::get().locale_tag))
            } else {
                t(locale, CartMsg::ReservationExpired).to_owned()
            };
            let _ = row.details.append_child(&el("span").part("reservation").text(&text).done());
        }
    }
    dom::clear(&row.total);
    let _ = row.total.append_child(&dom::document().create_text_node(&format_money(&line.line_total)));
    if let Some(d) = line.discount {
        let _ = row.total.append_child(&el("span").part("line-discount").text(&format!("−{}", format_money(&d))).done());
    }
}

fn refresh_row(row: &mut LineRow, item: &Item) {
    let line = item.line;
    let names = crate::stores::names_loaded();
    if row.drawn != *line || row.names_drawn != names {
        fill_details(row, line);
        row.drawn = line.clone();
        row.names_drawn = names;
    }
    for c in &row.content {
        dom::show(c, !item.removed);
    }
    dom::show(&row.removed, item.removed);
    dom::set_attr(&row.root, "part", Some(if item.removed { "line removed" } else { "line" }));
    if item.removed
        && let Some(text) = row.removed.first_child()
    {
        text.set_text_content(Some(&format!("{} “{}”. ", t(locale(), CartMsg::Removed), line.title)));
    }
    dom::set_attr(&row.root, "aria-busy", item.pending.then_some("true"));
    let q = item.quantity;
    dom::set_flag(&row.decrease, "disabled", q <= 1);
    dom::set_flag(&row.increase, "disabled", q >= MAX_LINE_QUANTITY);
    // A field the customer is typing in keeps what they typed.
    let focused = dom::has_focus(&row.quantity);
    if !focused && row.quantity.value() != q.to_string() {
        row.quantity.set_value(&q.to_string());
    }
    let locale = locale();
    dom::set_attr(&row.remove, "aria-label", Some(&format!("{}: {}", t(locale, CartMsg::Remove), line.title)));
}

fn make_row(item: &Item) -> LineRow {
    let line = item.line;
    let locale = locale();
    let root = el("li").part("line").attr("data-line-id", &line.id).done();
    if let Some(img) = &line.image {
        let _ = root.append_child(&el("img").part("image").attr("src", &resolve_api_url(&img.url)).attr("alt", "").attr("width", "64").attr("height", "64").attr("loading", "lazy").done());
    }
    let details = el("div").part("details").done();
    let total = el("span").part("line-total").done();
    let decrease = dom::button("decrease", "dec", "−").attr("aria-label", t(locale, CartMsg::Decrease)).done();
    let quantity: HtmlInputElement = el("input")
        .part("quantity")
        .act("qty")
        .attr("type", "number")
        .attr("inputmode", "numeric")
        .attr("min", "1")
        .attr("max", &MAX_LINE_QUANTITY.to_string())
        .attr("aria-label", t(locale, CartMsg::Quantity))
        .done()
        .unchecked_into();
    let increase = dom::button("increase", "inc", "+").attr("aria-label", t(locale, CartMsg::Increase)).done();
    let stepper = el("div").part("stepper").attr("role", "group").attr("aria-label", t(locale, CartMsg::Quantity)).child(&decrease).child(&quantity).child(&increase).done();
    let remove = dom::button("remove", "remove", t(locale, CartMsg::Remove)).done();
    let removed = el("p").part("removed").child(dom::document().create_text_node("")).child(dom::button("undo", "undo", t(locale, CartMsg::Undo))).done();
    let error = el("p").part("line-error").attr("role", "alert").done();
    let mut content = vec![details.clone(), total.clone(), stepper, remove.clone()];
    if let Some(img) = root.first_element_child() {
        content.push(img);
    }
    for c in &content {
        let _ = root.append_child(c);
    }
    let _ = root.append_child(&removed);
    let _ = root.append_child(&error);
    let mut row = LineRow { root, content, removed, error, details, total, decrease, quantity, increase, remove, drawn: line.clone(), names_drawn: usize::MAX };
    refresh_row(&mut row, item);
    row
}

/// A discount's row title: what the shop calls it, or what it is.
fn discount_title(locale: Locale, d: &Discount) -> String {
    match d.kind {
        DiscountKind::Bundle => t(locale, CartMsg::Discount).to_owned(),
        DiscountKind::Offer => t(locale, CartMsg::OfferDiscount).to_owned(),
        DiscountKind::Code if !d.label.is_empty() => format!("{} {}", t(locale, CartMsg::CodeDiscount), d.label),
        DiscountKind::Promotion if !d.label.is_empty() => d.label.clone(),
        DiscountKind::Code | DiscountKind::Promotion => t(locale, CartMsg::Promotion).to_owned(),
    }
}

/// Subtotal, every discount once, shipping, fees, tax and total: the rows
/// add up to the total (core checks that for every backend).
fn summary(view: &View, cart: &Cart) {
    let locale = locale();
    let mut s = view.summary.borrow_mut();
    let s = s.get_or_insert_with(|| {
        let list = el("dl").part("summary").done();
        let checkout = el("a").part("checkout").text(t(locale, CartMsg::Checkout)).done();
        let _ = view.body.append_child(&list);
        let _ = view.body.append_child(&checkout);
        let caps = with_adapter!(capabilities());
        let slot = |on: bool, part: &str, toggle: &str, act: &str, label: CartMsg| {
            on.then(|| {
                let slot = el("div").part(part).child(dom::button(toggle, act, t(locale, label))).done();
                let _ = view.body.insert_before(&slot, Some(&list));
                slot
            })
        };
        let codes = slot(caps.discount_codes, "codes", "code-toggle", "codes", CartMsg::DiscountCode);
        let note = slot(caps.cart_note, "note", "note-toggle", "note", CartMsg::AddNote);
        let shipping = el("div").part("free-shipping").attr("role", "status").child(el("span")).child(el("progress").part("free-shipping-bar").attr("max", "1000").attr("aria-hidden", "true")).done();
        let _ = view.body.insert_before(&shipping, view.body.first_child().as_ref());
        Summary { list, checkout, drawn: None, codes, note, shipping }
    });
    // A cart that holds codes or a note shows them at once.
    if let (false, Some(slot)) = (cart.codes.is_empty(), &s.codes) {
        load_part(view, slot.clone(), false, false);
    }
    if let (false, Some(slot)) = (cart.note.is_empty(), &s.note) {
        load_part(view, slot.clone(), false, true);
    }
    let totals = cart.totals();
    // Free delivery: how much more, and a bar that is full exactly at the threshold.
    let progress = cart.shipping_rule.filter(|_| cart.lines.iter().any(|l| l.fulfillment == Fulfillment::Delivery)).and_then(|r| r.progress(&totals));
    dom::show(&s.shipping, progress.is_some());
    if let (Some(p), Some(text), Some(bar)) = (progress, s.shipping.first_element_child(), s.shipping.last_element_child()) {
        let says = if p.remaining.amount == 0 { t(locale, CartMsg::FreeShipping).to_owned() } else { more_for_free_shipping(locale, &format_money(&p.remaining)) };
        dom::set_text(&text, &says);
        dom::set_attr(&bar, "value", Some(&u32::from(p.permille).to_string()));
    }
    let saved = cart.savings();
    if s.drawn.as_ref().is_none_or(|(t, v)| *t != totals || *v != saved) {
        dom::clear(&s.list);
        let row = |title: &str, part: &str, value: String| {
            let _ = s.list.append_child(&el("dt").text(title).done());
            let _ = s.list.append_child(&el("dd").part(part).text(&value).done());
        };
        row(t(locale, CartMsg::Subtotal), "subtotal", format_money(&totals.subtotal));
        for d in &totals.discounts {
            row(&discount_title(locale, d), "discount", format!("−{}", format_money(&d.amount)));
        }
        if let Some(x) = totals.shipping {
            row(t(locale, CartMsg::Shipping), "shipping", format_money(&x));
        }
        if let Some(x) = totals.fees {
            row(t(locale, CartMsg::Fees), "fees", format_money(&x));
        }
        if let Some(x) = totals.tax.filter(|_| !totals.tax_included) {
            row(t(locale, CartMsg::Tax), "tax", format_money(&x));
        }
        row(t(locale, CartMsg::Total), "total", format_money(&totals.total));
        if let Some(x) = totals.tax.filter(|_| totals.tax_included) {
            row(t(locale, CartMsg::TaxIncluded), "tax", format_money(&x));
        }
        // Every discount and every sale together, as the shopper's saving.
        if saved > 0 {
            row(t(locale, CartMsg::YouSave), "savings", format_money(&crosscart_core::Money::new(saved, cart.currency)));
        }
        s.drawn = Some((totals, saved));
    }
    let href = view.host.attr_value("checkout-url");
    dom::show(&s.checkout, href.is_some());
    dom::set_attr(&s.checkout, "href", href.as_deref());
}

/// The rows to draw: the cart's lines with the quantities the customer asked
/// for, lines removed a moment ago at their place (with "Undo"), and lines
/// brought back by "Undo" where they were. A line set to 0 elsewhere (the
/// headless API) is hidden until the server confirms.
fn items<'a>(view: &View, state: &store::CartState, cart: &'a Cart, gone: &'a [(CartLine, usize)]) -> Vec<Item<'a>> {
    let undoable = view.undoable.borrow();
    let is_removed = |id: &str| undoable.iter().any(|(l, _)| l.id == id);
    let mut items: Vec<Item<'a>> = cart
        .lines
        .iter()
        .map(|l| Item { line: l, quantity: state.quantity_of(l), pending: state.wanted(&l.id).is_some(), removed: is_removed(&l.id) })
        .filter(|i| i.quantity > 0 || i.removed)
        .collect();
    for (line, at) in gone {
        items.insert((*at).min(items.len()), Item { line, quantity: line.quantity, pending: false, removed: true });
    }
    for (id, at) in view.restored.borrow().iter() {
        if let Some(from) = items.iter().position(|i| i.line.id == *id) {
            let item = items.remove(from);
            items.insert((*at).min(items.len()), item);
        }
    }
    items
}

/// Fetches the `codes` chunk into `slot` (once): the codes' view, or with
/// `note` the note's.
fn load_part(view: &View, slot: Element, focus: bool, note: bool) {
    let cell = if note { view.note.clone() } else { view.codes.clone() };
    if cell.borrow().is_some() {
        return;
    }
    let host = view.host.clone();
    *cell.borrow_mut() = Some(None);
    crate::js::spawn(async move {
        *cell.borrow_mut() = crate::chunks::cart_part(host, slot, focus, note).await.ok().map(Some);
    });
}

fn render(view: &View) {
    let state = store::state();
    let locale = locale();
    let shown = match (&state.status, &state.cart) {
        (Status::Failed(_), _) => Shown::Failed,
        (Status::Idle | Status::Loading, None) => Shown::Loading,
        (_, Some(c)) if !c.lines.is_empty() || !view.undoable.borrow().is_empty() => Shown::Lines,
        (_, Some(_)) | (Status::Ready, None) => Shown::Empty,
    };
    if shown != view.shown.replace(shown) {
        dom::clear(&view.body);
        *view.lines.borrow_mut() = Keyed::default();
        *view.summary.borrow_mut() = None;
        *view.codes.borrow_mut() = None;
        *view.note.borrow_mut() = None;
        match shown {
            Shown::Failed => {
                let detail = el("span").part("error-detail").done();
                let _ = view.body.append_child(
                    &el("div")
                        .part("error")
                        .attr("role", "alert")
                        .child(el("p").child(dom::document().create_text_node(&format!("{} ", t(locale, CartMsg::LoadFailed)))).child(&detail))
                        .child(dom::button("retry", "retry", t(locale, Msg::Retry)))
                        .done(),
                );
            }
            Shown::Loading => {
                let _ = view.body.append_child(&el("p").part("loading").attr("role", "status").text(t(locale, Msg::Loading)).done());
            }
            Shown::Empty => {
                let _ = view.body.append_child(&el("p").part("empty").text(t(locale, CartMsg::CartEmpty)).done());
            }
            Shown::Lines => {
                let _ = view.body.append_child(&el("ul").part("lines").done());
            }
            Shown::Nothing => {}
        }
    }
    match (&state.status, &state.cart) {
        (Status::Failed(err), _) => {
            if let Ok(Some(d)) = view.body.query_selector("[part=error-detail]") {
                dom::set_text(&d, err);
            }
        }
        (_, Some(cart)) if shown == Shown::Lines => {
            if let Ok(Some(list)) = view.body.query_selector("[part=lines]") {
                let gone: Vec<(CartLine, usize)> = view.undoable.borrow().iter().filter(|(l, _)| cart.line(&l.id).is_none()).cloned().collect();
                let items = items(view, &state, cart, &gone);
                view.lines.borrow_mut().update(&list, &items, |i| i.line.id.clone(), make_row, refresh_row);
            }
            summary(view, cart);
            if cart.lines.iter().any(|l| matches!(l.fulfillment, Fulfillment::Pickup { .. })) {
                crate::stores::want_names();
            }
        }
        _ => {}
    }
    dom::set_attr(&view.host.element, "aria-busy", Some(if state.busy > 0 { "true" } else { "false" }));
    let offer_handoff = view.host.has("handoff") && shown == Shown::Lines && with_adapter!(capabilities()).handoff;
    dom::show(&view.handoff_button, offer_handoff && view.handoff.borrow().is_none());
    if !offer_handoff {
        close_handoff(view);
    }
}

fn close_handoff(view: &View) {
    if view.handoff.borrow_mut().take().is_some() {
        dom::clear(&view.handoff_slot);
    }
}

fn open_handoff(view: &Rc<View>) {
    close_handoff(view);
    dom::show(&view.handoff_button, false);
    dom::set_text(&view.message, "");
    let view = view.clone();
    crate::js::spawn(async move {
        match crate::chunks::handoff_panel(view.handoff_slot.clone()).await {
            Ok(panel) => *view.handoff.borrow_mut() = Some(panel),
            Err(e) => {
                dom::set_text(&view.message, &describe(&e.into()));
                dom::show(&view.handoff_button, true);
            }
        }
    });
}

/// Shows (or, with "", clears) why a line's change was refused, beside it.
fn line_error(view: &View, line_id: &str, text: &str) {
    if let Some(row) = view.lines.borrow().get(line_id) {
        dom::set_text(&row.error, text);
    }
}

fn change_quantity(view: &Rc<View>, line: CartLine, quantity: u32) {
    let locale = locale();
    if quantity > MAX_LINE_QUANTITY {
        line_error(view, &line.id, t(locale, crosscart_core::i18n::ErrorMsg::BadQuantity));
        return;
    }
    line_error(view, &line.id, "");
    let view = view.clone();
    crate::js::spawn(async move {
        // "+" means one more (so two devices pressing it both count); other changes set the number.
        let change = if quantity == line.quantity + 1 { store::Change::OneMore } else { store::Change::Exactly(quantity) };
        let result = store::set_quantity(&line.id, change).await;
        match result {
            Ok(cart) => {
                let action = if quantity == 0 { "remove" } else { "update" };
                let change = events::CartChange { action, variant_id: &line.variant_id, line_id: Some(&line.id), quantity, before: Some(&line), cart: &cart };
                events::emit(view.host.target(), events::CART_CHANGE, &change, false);
            }
            Err(e) => {
                // The line shows the shop's quantity again (also in a field
                // still focused), and why beside it.
                view.undoable.borrow_mut().retain(|(l, _)| l.id != line.id);
                render(&view);
                let shown = store::with_state(|s| s.cart.as_ref().and_then(|c| c.line(&line.id)).map(|l| s.quantity_of(l)));
                if let (Some(q), Some(row)) = (shown, view.lines.borrow().get(&line.id)) {
                    row.quantity.set_value(&q.to_string());
                }
                let text = format!("{} {}", t(locale, CartMsg::UpdateFailed), describe(&e));
                events::error(view.host.target(), "update", e.code(), &text);
                line_error(&view, &line.id, &text);
            }
        }
    });
}

/// Removes a line, offering "Undo" at its place for [`UNDO_MS`].
fn remove(view: &Rc<View>, line: CartLine) {
    let at = view.lines.borrow().iter().position(|r| r.drawn.id == line.id).unwrap_or(usize::MAX);
    view.undoable.borrow_mut().push((line.clone(), at));
    let id = line.id.clone();
    change_quantity(view, line, 0);
    let view = view.clone();
    crate::js::spawn(async move {
        crate::js::sleep_ms(UNDO_MS).await;
        view.undoable.borrow_mut().retain(|(l, _)| l.id != id);
        render(&view);
    });
}

/// Brings a removed line back with its quantity, where it was.
fn undo(view: &Rc<View>, line_id: &str) {
    let Some((line, at)) = view.undoable.borrow().iter().find(|(l, _)| l.id == line_id).cloned() else { return };
    view.undoable.borrow_mut().retain(|(l, _)| l.id != line_id);
    if store::with_state(|s| s.cart.as_ref().is_some_and(|c| c.line(line_id).is_some())) {
        // Not sent yet (or refused): asking for the old quantity cancels it.
        let quantity = line.quantity;
        change_quantity(view, line, quantity);
        return;
    }
    render(view);
    let view = view.clone();
    crate::js::spawn(async move {
        // An add like any other: on a followed cart an operation after the
        // removal's, so the server cannot apply them in the other order.
        match store::add(&line.variant_id, line.quantity, line.fulfillment.clone(), None).await {
            Ok(cart) => {
                if let Some(back) = cart.lines.iter().find(|l| l.variant_id == line.variant_id && l.fulfillment == line.fulfillment) {
                    view.restored.borrow_mut().push((back.id.clone(), at));
                    render(&view);
                }
                let change = events::CartChange { action: "add", variant_id: &line.variant_id, line_id: None, quantity: line.quantity, before: None, cart: &cart };
                events::emit(view.host.target(), events::CART_CHANGE, &change, false);
            }
            Err(e) => {
                let text = format!("{} {}", t(locale(), CartMsg::UpdateFailed), describe(&e));
                events::error(view.host.target(), "add", e.code(), &text);
                dom::set_text(&view.message, &text);
            }
        }
    });
}

/// The line a control belongs to, with the quantity the customer sees.
fn line_of(ev_target: &Element) -> Option<CartLine> {
    let id = dom::row_key(ev_target)?;
    store::with_state(|s| {
        let mut line = s.cart.as_ref()?.line(&id)?.clone();
        line.quantity = s.quantity_of(&line);
        Some(line)
    })
}

/// The headless API's `setQuantity(lineId, quantity)`, with the cart's code
/// (a page without a cart never needs it).
pub fn invoke(name: String, args: js_sys::Array) -> crate::chunks::Answer {
    Box::pin(async move {
        let q = args
            .get(1)
            .as_f64()
            .filter(|q| name == "setQuantity" && q.fract() == 0.0 && (0.0..=f64::from(MAX_LINE_QUANTITY)).contains(q))
            .ok_or_else(|| crate::js::js_error("invalid_quantity", "a quantity is a whole number from 0 to 999"))?;
        let id = args.get(0).as_string().unwrap_or_default();
        store::set_quantity(&id, store::Change::Exactly(q as u32)).await.map(|c| crate::js::to_js(&c)).map_err(crate::api::reject)
    })
}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-cart", CSS);
    store::ensure_loaded();
    let locale = locale();
    let body = el("div").attr("class", "cc-contents").done();
    let handoff_button = dom::button("handoff", "handoff", t(locale, Msg::ContinueElsewhere)).attr("hidden", "").done();
    let handoff_slot = el("div").attr("class", "cc-contents").done();
    let message = el("p").part("message").attr("role", "status").attr("aria-live", "polite").done();
    // The shop's own content under the cart (an upsell: `<cc-bought-together from-cart slot="extension">`).
    let extension = el("slot").attr("name", "extension").done();
    let base = el("section").part("base").attr("aria-label", t(locale, Msg::Cart)).child(&body).child(&handoff_button).child(&handoff_slot).child(&message).child(&extension).done();
    let drawer = Rc::new(RefCell::new(None));
    if host.has("drawer") {
        // The cart shows once in its dialog (inline if that code cannot load).
        let (h, d, b) = (host.clone(), drawer.clone(), base.clone());
        crate::js::spawn(async move {
            match crate::chunks::cart_drawer(h.clone(), b.clone()).await {
                Ok(live) => *d.borrow_mut() = Some(live),
                Err(_) => {
                    let _ = h.root.append_child(&b);
                }
            }
        });
    } else {
        let _ = host.root.append_child(&base);
    }
    let view = Rc::new(View {
        host: host.clone(),
        body,
        handoff_slot,
        handoff_button,
        message,
        shown: Cell::new(Shown::Nothing),
        lines: RefCell::new(Keyed::default()),
        summary: RefCell::new(None),
        handoff: RefCell::new(None),
        undoable: RefCell::new(Vec::new()),
        codes: Rc::new(RefCell::new(None)),
        note: Rc::new(RefCell::new(None)),
        restored: RefCell::new(Vec::new()),
    });

    let v = view.clone();
    host.listen_root("click", move |ev: Event| {
        let Some((target, act)) = dom::action_of(&ev, &v.host.root) else { return };
        match act.as_str() {
            "retry" => store::reload(),
            "handoff" | "handoff-new" => open_handoff(&v),
            "handoff-close" => {
                close_handoff(&v);
                render(&v);
            }
            "undo" => {
                if let Some(id) = dom::row_key(&target) {
                    undo(&v, &id);
                }
            }
            "codes" | "note" => {
                let note = act == "note";
                if let Some(slot) = v.summary.borrow().as_ref().and_then(|s| if note { s.note.clone() } else { s.codes.clone() }) {
                    load_part(&v, slot, true, note);
                }
            }
            "inc" | "dec" | "remove" => {
                let Some(line) = line_of(&target) else { return };
                match act.as_str() {
                    "inc" => {
                        let q = line.quantity + 1;
                        change_quantity(&v, line, q);
                    }
                    "dec" => {
                        let q = line.quantity.saturating_sub(1).max(1);
                        change_quantity(&v, line, q);
                    }
                    _ => remove(&v, line),
                }
            }
            _ => {}
        }
    });
    let v = view.clone();
    host.listen_root("change", move |ev: Event| {
        let Some((target, act)) = dom::action_of(&ev, &v.host.root) else { return };
        if act != "qty" {
            return;
        }
        let Some(line) = line_of(&target) else { return };
        let raw = target.unchecked_ref::<HtmlInputElement>().value();
        match raw.trim().parse::<u32>() {
            Ok(0) => remove(&v, line),
            Ok(n) if n != line.quantity => change_quantity(&v, line, n),
            Ok(_) => {}
            Err(_) => line_error(&v, &line.id, t(locale, crosscart_core::i18n::ErrorMsg::BadQuantity)),
        }
    });

    render(&view);
    let v = view.clone();
    let subscription = store::subscribe(move || render(&v));
    let v = view.clone();
    let names = crate::stores::on_names(move || render(&v));
    Box::new(Cart_ { view, _drawer: drawer, _subscription: subscription, _names: names })
}
