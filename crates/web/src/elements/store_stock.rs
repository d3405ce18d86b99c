//! `<cc-store-stock product="…" variant="…">`: the nearest stores with the
//! item, its level, distance, opening hours and when a pickup would be ready;
//! the closest store that has it highlighted, and "Reserve for pickup", which
//! puts a pickup line for that store into the cart (the server holds the
//! stock for the shop's reservation time).
//!
//! Location: `lat`/`lon` attributes, the place remembered on this device,
//! browser geolocation on request, or a typed postal code or city looked up
//! in the gazetteer shipped with the SDK. Hidden when the backend has no
//! per-store stock (never shows a guess).

use super::{describe, Host, Live, Mounted};
use crate::dom::{self, el};
use crate::js::IntlZone;
use crate::stores::{self, Located};
use crate::transport::execute;
use crate::{config, events, js, store, with_adapter};
use crosscart_core::i18n::{self, t, Locale, Msg, StockMsg};
use crosscart_core::json::{ObjectWriter, ToJson};
use crosscart_core::protocol::{NewLine, ProtocolError};
use crosscart_core::store::{nearby, open_status, pickup_ready, GeoIndex, GeoPoint, Level, OpenStatus, Pickup, StockQuery, Store};
use crosscart_core::Fulfillment;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement};
pub const CSS: &str = "
:host{display:block}
[part=base]{display:grid;gap:var(--cc-space,1rem)}
[part=search]{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
[part=search] label{display:grid;gap:.25rem;flex:1 1 12rem;font-size:.875em}
[part=input]{font:inherit;min-height:2.25rem;padding:0 .6em;border:1px solid var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em)}
[part=find],[part=locate],[part~=reserve],[part=retry],[part=alternative]{font:inherit;cursor:pointer;min-height:2.25rem;padding:0 .9em;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em)}
[part~=reserve]{background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);border-color:transparent}
[part~=reserve]:disabled{opacity:.6;cursor:progress}
[part=heading]{margin:0;font-size:1em;font-weight:600}
[part=list]{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
[part~=store]{display:grid;grid-template-columns:1fr auto;gap:.2rem 1rem;padding:.75rem;border:1px solid var(--cc-color-border,#ddd);border-radius:var(--cc-radius,.4em)}
[part~=best]{border-color:var(--cc-color-accent,#1a5fd0);box-shadow:0 0 0 1px var(--cc-color-accent,#1a5fd0)}
[part=best-label]{grid-column:1/-1;font-size:.8em;font-weight:700;color:var(--cc-color-accent,#1a5fd0);text-transform:uppercase;letter-spacing:.03em}
[part=name]{font-weight:600;overflow-wrap:anywhere}
[part=badge]{font-size:.75em;margin-inline-start:.5em;padding:.05em .5em;border-radius:1em;background:var(--cc-color-surface,#eee)}
[part=distance]{text-align:end;font-variant-numeric:tabular-nums;color:var(--cc-color-muted,#555)}
[part=address],[part=hours],[part=pickup]{grid-column:1/-1;font-size:.875em;color:var(--cc-color-muted,#555)}
[part~=level]{grid-column:1/-1;font-weight:600}
[part~=in-stock]{color:var(--cc-color-success,#1b7f3b)}
[part~=low]{color:var(--cc-color-warning,#8a5a00)}
[part~=out]{color:var(--cc-color-danger,#b3261e)}
[part~=reserve]{grid-column:1/-1;justify-self:start}
[part=message]{margin:0}
[part=message]:empty{display:none}
[part=alternatives]{display:flex;flex-wrap:wrap;gap:.5rem}
[aria-busy=true]{opacity:.7}
button:focus-visible,input:focus-visible{outline:2px solid var(--cc-color-focus,#1a5fd0);outline-offset:2px}
";

/// Where the customer is, as far as this element knows.
#[derive(Debug, Clone, PartialEq)]
enum Where {
    Unset,
    Locating,
    Denied,
    Unavailable,
    Invalid,
    NoPlace(String),
    At(Located),
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    store: Store,
    distance_m: f64,
    available: u32,
    level: Level,
    pickup: Pickup,
    hours: String,
    ready: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Load {
    Idle,
    Loading,
    Ready(Vec<Row>),
    Failed(String),
}

fn initial_location(lat: Option<String>, lon: Option<String>) -> Where {
    match (lat, lon) {
        (Some(lat), Some(lon)) => {
            let parsed = (crosscart_core::store::parse_degrees(&lat), crosscart_core::store::parse_degrees(&lon));
            match parsed {
                (Some(lat), Some(lon)) if crosscart_core::store::GeoPoint::new(lat, lon).is_ok() => Where::At(Located { lat, lon, label: String::new() }),
                _ => Where::Invalid,
            }
        }
        _ => stores::remembered_location().map_or(Where::Unset, Where::At),
    }
}

fn level_text(locale: Locale, row: &Row) -> String {
    match row.level {
        Level::InStock => t(locale, StockMsg::InStock).into(),
        Level::Low => format!("{} · {}", t(locale, StockMsg::LowStock), i18n::only_left(locale, row.available)),
        Level::Out => t(locale, StockMsg::OutOfStock).into(),
    }
}

fn level_part(level: Level) -> &'static str {
    match level {
        Level::InStock => "level in-stock",
        Level::Low => "level low",
        Level::Out => "level out",
    }
}

/// Ranks the stores near `at` for `quantity` of `variant`, with hours and
/// pickup times worked out in each store's own time zone.
async fn load_rows(variant: String, at: crosscart_core::store::GeoPoint, quantity: u32, limit: usize) -> Result<Vec<Row>, ProtocolError> {
    let dir = stores::directory().await?;
    let stock = execute(with_adapter!(variant_stock(&variant))?).await?;
    let free: Vec<u32> = dir.stores.iter().map(|s| stock.free_at(&s.id)).collect();
    let query = StockQuery { at, requested: quantity, limit, low_threshold: stock.low_stock_threshold, warehouse: stock.warehouse };
    let now = js_sys::Date::now() as i64;
    let locale = config::get().locale;
    Ok(nearby(&dir.stores, &dir.index, |i| free[i], &query)
        .into_iter()
        .map(|r| {
            let store = dir.stores[r.store].clone();
            let zone = IntlZone::new(&store.hours.timezone);
            let lead = match r.pickup {
                Pickup::Transfer => store.pickup_lead_hours + store.transfer_hours.unwrap_or(0),
                _ => store.pickup_lead_hours,
            };
            let (hours, ready) = match &zone {
                Some(z) => (open_status(&store.hours, z, now), pickup_ready(&store.hours, z, now, lead)),
                None => (OpenStatus::Unknown, None),
            };
            let ready = match r.pickup {
                Pickup::Now => i18n::ready_text(locale, ready.as_ref(), lead),
                Pickup::Transfer => format!("{} · {}", t(locale, Msg::ViaTransfer), i18n::ready_text(locale, ready.as_ref(), lead)),
                Pickup::Unavailable => String::new(),
            };
            Row { distance_m: r.distance_m, available: r.available, level: r.level, pickup: r.pickup, hours: i18n::open_status_text(locale, &hours), ready, store }
        })
        .collect())
}


struct View {
    host: Rc<Host>,
    message: Element,
    alternatives: Element,
    list_heading: Element,
    body: Element,
    location: RefCell<Where>,
    load: RefCell<Load>,
    /// An error from the last action, shown when the location says nothing.
    note: RefCell<String>,
    choices: RefCell<Vec<Located>>,
    reserving: RefCell<Option<String>>,
    generation: Cell<u32>,
    my_store: RefCell<Option<String>>,
    /// The variant: the attribute, or the product's first variant.
    variant: RefCell<Option<String>>,
    /// What the current rows were loaded for.
    asked: RefCell<Option<(String, (i64, i64), u32, usize)>>,
}

struct StoreStock(Rc<View>);

impl Mounted for StoreStock {
    fn changed(&self, name: &str) {
        let v = &self.0;
        if matches!(name, "lat" | "lon") && (v.host.has("lat") || v.host.has("lon")) {
            // Attributes set later win over what was remembered.
            *v.location.borrow_mut() = initial_location(v.host.attr("lat"), v.host.attr("lon"));
        }
        if matches!(name, "variant" | "product") {
            resolve_variant(v);
        }
        reload(v, false);
        render(v);
    }
}

fn quantity(h: &Host) -> u32 {
    h.attr_value("quantity").and_then(|q| q.parse::<u32>().ok()).filter(|q| (1..=crosscart_core::cart::MAX_LINE_QUANTITY).contains(q)).unwrap_or(1)
}

fn limit(h: &Host) -> usize {
    h.attr_value("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| (1..=50).contains(l)).unwrap_or(5)
}

/// The variant to show: the attribute, or (asked once) the product's first.
fn resolve_variant(view: &Rc<View>) {
    let h = &view.host;
    match (h.attr_value("variant"), h.attr_value("product")) {
        (Some(v), _) => *view.variant.borrow_mut() = Some(v),
        (None, Some(p)) => {
            let view = view.clone();
            crate::js::spawn(async move {
                let locale = config::get().locale;
                match async { execute(with_adapter!(get_product(&p))?).await }.await {
                    Ok(prod) => *view.variant.borrow_mut() = prod.variants.first().map(|v| v.id.clone()),
                    Err(e) => *view.load.borrow_mut() = Load::Failed(format!("{} {}", t(locale, StockMsg::StockFailed), describe(&e))),
                }
                reload(&view, false);
                render(&view);
            });
        }
        (None, None) => *view.variant.borrow_mut() = None,
    }
}

/// Loads the rows again if the place, variant, quantity or limit changed (or when `force`d).
fn reload(view: &Rc<View>, force: bool) {
    let Where::At(at) = view.location.borrow().clone() else { return };
    let Some(point) = at.point() else { return };
    let Some(variant) = view.variant.borrow().clone() else { return };
    let (q, k) = (quantity(&view.host), limit(&view.host));
    let asked = (variant.clone(), ((point.lat * 1e6) as i64, (point.lon * 1e6) as i64), q, k);
    if !force && view.asked.borrow().as_ref() == Some(&asked) {
        return;
    }
    *view.asked.borrow_mut() = Some(asked);
    let this_load = view.generation.get().wrapping_add(1);
    view.generation.set(this_load);
    if !matches!(*view.load.borrow(), Load::Ready(_)) {
        *view.load.borrow_mut() = Load::Loading;
    }
    let view = view.clone();
    crate::js::spawn(async move {
        let locale = config::get().locale;
        let result = load_rows(variant, point, q, k).await;
        if view.generation.get() == this_load {
            *view.load.borrow_mut() = match result {
                Ok(rows) => Load::Ready(rows),
                Err(e) => Load::Failed(format!("{} {}", t(locale, StockMsg::StockFailed), describe(&e))),
            };
            render(&view);
        }
    });
}

fn store_row(view: &View, row: &Row, best: bool, can_pickup: bool) -> Element {
    let locale = config::get().locale;
    let mine = view.my_store.borrow().as_deref() == Some(row.store.id.as_str());
    let address = [row.store.address.as_str(), row.store.postal_code.as_str(), row.store.city.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    let li = el("li")
        .part(if best { "store best" } else { "store" })
        .attr("data-store-id", &row.store.id)
        .attr("data-key", &row.store.id)
        .attr("data-level", level_part(row.level).trim_start_matches("level "))
        .attr("data-available", &if row.available == crosscart_core::store::UNTRACKED { "untracked".to_owned() } else { row.available.to_string() })
        .attr("data-distance-m", &(row.distance_m.round() as i64).to_string())
        .attr("data-pickup", match row.pickup {
            Pickup::Now => "now",
            Pickup::Transfer => "transfer",
            Pickup::Unavailable => "unavailable",
        });
    let li = if best { li.child(el("span").part("best-label").text(t(locale, StockMsg::ClosestWithIt))) } else { li };
    let name = el("span").part("name").text(&row.store.name);
    let name = if mine { name.child(el("span").part("badge").text("★")) } else { name };
    let mut li = li
        .child(name)
        .child(el("span").part("distance").text(&i18n::distance_text(locale, row.distance_m)))
        .child(el("span").part("address").text(&address))
        .child(el("span").part(level_part(row.level)).text(&level_text(locale, row)))
        .child(el("span").part("hours").text(&row.hours));
    if !row.ready.is_empty() {
        li = li.child(el("span").part("pickup").text(&row.ready));
    }
    // A backend without pickup lines (Medusa fulfils "pickup" from any
    // location) shows the stock but never offers to reserve.
    if row.pickup != Pickup::Unavailable && can_pickup {
        let busy = view.reserving.borrow().as_deref() == Some(row.store.id.as_str());
        let mut b = dom::button(if best { "reserve reserve-best" } else { "reserve" }, "reserve", t(locale, if busy { StockMsg::Reserving } else { StockMsg::Reserve }))
            .attr("aria-label", &format!("{}: {}", t(locale, StockMsg::Reserve), row.store.name))
            .attr("aria-busy", if busy { "true" } else { "false" });
        if view.reserving.borrow().is_some() {
            b = b.attr("disabled", "");
        }
        li = li.child(b);
    }
    li.done()
}

fn render(view: &Rc<View>) {
    let locale = config::get().locale;
    let location = view.location.borrow().clone();
    let note = match &location {
        Where::Locating => t(locale, StockMsg::Locating).to_owned(),
        Where::Denied => t(locale, StockMsg::LocationDenied).to_owned(),
        Where::Unavailable => t(locale, StockMsg::LocationUnavailable).to_owned(),
        Where::Invalid => t(locale, StockMsg::InvalidLocation).to_owned(),
        Where::NoPlace(q) => format!("“{q}”: {}", t(locale, StockMsg::NoPlace)),
        _ => String::new(),
    };
    dom::set_text(&view.message, if note.is_empty() { view.note.borrow().clone() } else { note }.as_str());
    dom::clear(&view.alternatives);
    for (i, a) in view.choices.borrow().iter().enumerate() {
        let _ = view.alternatives.append_child(&dom::button("alternative", "alt", &a.label).attr("data-index", &i.to_string()).done());
    }
    dom::show(&view.alternatives, !view.choices.borrow().is_empty());
    match &location {
        Where::At(at) => {
            dom::show(&view.list_heading, true);
            dom::set_text(&view.list_heading, &format!("{} {}", t(locale, StockMsg::StoresNear), if at.label.is_empty() { t(locale, StockMsg::YourLocation) } else { &at.label }));
        }
        _ => dom::show(&view.list_heading, false),
    }
    dom::clear(&view.body);
    let body = match &*view.load.borrow() {
        Load::Idle => None,
        Load::Loading => Some(el("p").part("status").attr("role", "status").text(t(locale, Msg::Loading)).done()),
        Load::Failed(text) => Some(el("div").part("error").attr("role", "alert").child(el("p").part("message").text(text)).child(dom::button("retry", "retry", t(locale, Msg::Retry))).done()),
        Load::Ready(rows) if rows.is_empty() => Some(el("p").part("status").attr("role", "status").text(t(locale, StockMsg::NoStores)).done()),
        Load::Ready(rows) => {
            let best_first = rows.first().is_some_and(|r| r.pickup == Pickup::Now);
            let can_pickup = with_adapter!(capabilities()).pickup;
            let list = el("ol").part("list").attr("aria-labelledby", "cc-store-heading").done();
            for (i, r) in rows.iter().enumerate() {
                let _ = list.append_child(&store_row(view, r, best_first && i == 0, can_pickup));
            }
            Some(list)
        }
    };
    if let Some(b) = body {
        let _ = view.body.append_child(&b);
    }
}

fn locate(view: &Rc<View>) {
    *view.location.borrow_mut() = Where::Locating;
    *view.note.borrow_mut() = String::new();
    render(view);
    let view = view.clone();
    crate::js::spawn(async move {
        let next = match wasm_bindgen_futures::JsFuture::from(js::geolocate(10_000)).await {
            Ok(v) => {
                let arr: js_sys::Array = v.unchecked_into();
                let here = Located { lat: arr.get(0).as_f64().unwrap_or(f64::NAN), lon: arr.get(1).as_f64().unwrap_or(f64::NAN), label: String::new() };
                if here.point().is_some() {
                    stores::remember_location(&here);
                    Where::At(here)
                } else {
                    Where::Unavailable
                }
            }
            Err(code) => {
                if code.as_f64() == Some(1.0) {
                    Where::Denied
                } else {
                    Where::Unavailable
                }
            }
        };
        *view.location.borrow_mut() = next;
        reload(&view, false);
        render(&view);
    });
}

fn choose(view: &Rc<View>, place: Located) {
    stores::remember_location(&place);
    view.choices.borrow_mut().clear();
    *view.location.borrow_mut() = Where::At(place);
    reload(view, false);
    render(view);
}

fn search(view: &Rc<View>, text: String) {
    if text.trim().is_empty() {
        return;
    }
    *view.note.borrow_mut() = String::new();
    let locale = config::get().locale;
    let country = view.host.attr_value("country").or_else(|| (locale == Locale::Uk).then(|| "UA".to_owned()));
    let view = view.clone();
    crate::js::spawn(async move {
        match stores::gazetteer().await {
            Ok(g) => {
                let found: Vec<Located> =
                    g.search(&text, country.as_deref(), 4).into_iter().map(|p| Located { lat: p.location.lat, lon: p.location.lon, label: format!("{} ({})", p.name, p.country) }).collect();
                match found.split_first() {
                    Some((first, rest)) => {
                        choose(&view, first.clone());
                        *view.choices.borrow_mut() = rest.to_vec();
                    }
                    None => *view.location.borrow_mut() = Where::NoPlace(text),
                }
            }
            Err(e) => *view.note.borrow_mut() = describe(&e),
        }
        render(&view);
    });
}

fn reserve(view: &Rc<View>, store_id: &str) {
    let Some(v) = view.variant.borrow().clone() else { return };
    let Load::Ready(rows) = view.load.borrow().clone() else { return };
    let Some(row) = rows.into_iter().find(|r| r.store.id == store_id) else { return };
    if view.reserving.borrow().is_some() {
        return;
    }
    let q = quantity(&view.host);
    *view.reserving.borrow_mut() = Some(row.store.id.clone());
    *view.note.borrow_mut() = String::new();
    render(view);
    let view = view.clone();
    crate::js::spawn(async move {
        let locale = config::get().locale;
        let line = NewLine { variant_id: v.clone(), quantity: q, fulfillment: Fulfillment::Pickup { store_id: row.store.id.clone() }, bundle: None, allow_transfer: row.pickup == Pickup::Transfer };
        let result = store::add_line(line).await;
        *view.reserving.borrow_mut() = None;
        let target = view.host.target();
        match result {
            Ok(cart) => {
                stores::remember_store(&row.store.id);
                *view.my_store.borrow_mut() = Some(row.store.id.clone());
                *view.note.borrow_mut() = format!("{}: {}", t(locale, StockMsg::Reserved), row.store.name);
                let line = cart.lines.iter().find(|l| l.variant_id == v && matches!(&l.fulfillment, Fulfillment::Pickup { store_id } if *store_id == row.store.id));
                let change = events::CartChange { action: "add", variant_id: &v, line_id: line.map(|l| l.id.as_str()), quantity: q, before: None, cart: &cart };
                events::emit(target, events::CART_CHANGE, &change, false);
            }
            Err(e) => {
                let text = match &e {
                    ProtocolError::InsufficientStock { available: Some(available), .. } => format!("{} {}", t(locale, StockMsg::ReserveFailed), i18n::only_left(locale, *available)),
                    other => format!("{} {}", t(locale, StockMsg::ReserveFailed), describe(other)),
                };
                events::error(target, "reserve", e.code(), &text);
                *view.note.borrow_mut() = text;
            }
        }
        // The list shows the server's new counts.
        reload(&view, true);
        render(&view);
    });
}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-store-stock", CSS);
    if !with_adapter!(capabilities()).per_store_stock {
        let _ = host.element.set_attribute("hidden", "");
        return Box::new(());
    }
    let locale = config::get().locale;
    let message = el("p").part("message").attr("role", "status").attr("aria-live", "polite").done();
    let alternatives = el("div").part("alternatives").attr("hidden", "").done();
    let list_heading = el("h3").part("heading").attr("id", "cc-store-heading").attr("hidden", "").done();
    let body = el("div").attr("class", "cc-contents").done();
    let form = el("form")
        .part("search")
        .child(
            el("label")
                .child(el("span").text(t(locale, StockMsg::PostalOrCity)))
                .child(el("input").part("input").attr("type", "search").attr("name", "place").attr("autocomplete", "postal-code").attr("maxlength", "80")),
        )
        .child(el("button").part("find").attr("type", "submit").text(t(locale, StockMsg::FindStores)))
        .child(dom::button("locate", "locate", t(locale, StockMsg::UseMyLocation)))
        .done();
    let base = el("section")
        .part("base")
        .attr("aria-labelledby", "cc-store-title")
        .child(el("h2").part("heading").attr("id", "cc-store-title").text(t(locale, StockMsg::PickupInStore)))
        .child(&form)
        .child(&message)
        .child(&alternatives)
        .child(&list_heading)
        .child(&body)
        .done();
    let _ = host.root.append_child(&base);
    let view = Rc::new(View {
        location: RefCell::new(initial_location(host.attr("lat"), host.attr("lon"))),
        host: host.clone(),
        message,
        alternatives,
        list_heading,
        body,
        load: RefCell::new(Load::Idle),
        note: RefCell::new(String::new()),
        choices: RefCell::new(Vec::new()),
        reserving: RefCell::new(None),
        generation: Cell::new(0),
        my_store: RefCell::new(stores::remembered_store()),
        variant: RefCell::new(None),
        asked: RefCell::new(None),
    });
    let v = view.clone();
    host.listen_root("click", move |ev: Event| {
        let Some((target, act)) = dom::action_of(&ev, &v.host.root) else { return };
        match act.as_str() {
            "locate" => locate(&v),
            "retry" => reload(&v, true),
            "reserve" => {
                if let Some(id) = dom::row_key(&target) {
                    reserve(&v, &id);
                }
            }
            "alt" => {
                let i = target.get_attribute("data-index").and_then(|i| i.parse::<usize>().ok());
                let place = i.and_then(|i| v.choices.borrow().get(i).cloned());
                if let Some(place) = place {
                    choose(&v, place);
                }
            }
            _ => {}
        }
    });
    let v = view.clone();
    host.listen_root("submit", move |ev: Event| {
        ev.prevent_default();
        let text = v.host.root.query_selector("[part=input]").ok().flatten().map(|i| i.unchecked_into::<HtmlInputElement>().value()).unwrap_or_default();
        search(&v, text);
    });
    resolve_variant(&view);
    reload(&view, false);
    render(&view);
    Box::new(StoreStock(view))
}

/// What a loaded finder answers; implemented in this chunk, so the exported
/// class's methods (which must live in the main module) only call through it.
pub trait Nearest {
    fn nearest(&self, lat: f64, lon: f64, k: usize) -> Result<JsValue, JsValue>;
    fn size(&self) -> usize;
}

/// Nearest-store search over a store list (`storeFinder` / `loadStores`):
/// the same k-d tree `<cc-store-stock>` uses, for headless storefronts.
#[wasm_bindgen]
pub struct StoreFinder {
    inner: Box<dyn Nearest>,
}

struct Finder {
    stores: Vec<Store>,
    index: GeoIndex,
}

struct NearStore<'a> {
    id: &'a str,
    name: &'a str,
    distance_m: f64,
}

impl ToJson for NearStore<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("id", self.id).field("name", self.name).field("distance_m", &self.distance_m).end();
    }
}

impl Nearest for Finder {
    fn nearest(&self, lat: f64, lon: f64, k: usize) -> Result<JsValue, JsValue> {
        let at = GeoPoint::new(lat, lon).map_err(|e| js::js_error("invalid_location", &e.to_string()))?;
        let out: Vec<NearStore<'_>> = self.index.nearest(&at, k, |_| true).into_iter().map(|(i, d)| NearStore { id: &self.stores[i].id, name: &self.stores[i].name, distance_m: d }).collect();
        Ok(js::to_js(&out))
    }
    fn size(&self) -> usize {
        self.index.len()
    }
}

impl StoreFinder {
    fn from_stores(stores: Vec<Store>) -> StoreFinder {
        let index = GeoIndex::new(&stores.iter().map(|s| s.location).collect::<Vec<_>>());
        StoreFinder { inner: Box::new(Finder { stores, index }) }
    }
}

#[wasm_bindgen]
impl StoreFinder {
    /// The `k` stores nearest to `(lat, lon)`: `[{id, name, distance_m}]`,
    /// nearest first. Rejects coordinates off the globe.
    pub fn nearest(&self, lat: f64, lon: f64, k: usize) -> Result<JsValue, JsValue> {
        self.inner.nearest(lat, lon, k)
    }
    /// Number of stores with valid coordinates.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.size()
    }
}

/// `loadStores()` (the configured API's stores) and `storeFinder(stores)` (a list of the page's own).
pub fn invoke(name: String, args: js_sys::Array) -> crate::chunks::Answer {
    Box::pin(async move {
        match name.as_str() {
            "loadStores" => {
                let dir = stores::directory().await.map_err(crate::api::reject)?;
                Ok(StoreFinder::from_stores(dir.stores.clone()).into())
            }
            "storeFinder" => {
                let stores: Vec<Store> = js::from_js(&args.get(0)).map_err(|e| js::js_error("invalid_stores", &e.to_string()))?;
                Ok(StoreFinder::from_stores(stores).into())
            }
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}
