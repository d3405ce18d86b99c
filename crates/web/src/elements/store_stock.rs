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

use super::{describe, Host};
use crate::js::IntlZone;
use crate::stores::{self, Located};
use crate::transport::execute;
use crate::{config, events, store};
use crosscart_core::i18n::{self, t, Locale, Msg};
use crosscart_core::protocol::{NewLine, ProtocolError};
use crosscart_core::store::{nearby, open_status, pickup_ready, Level, OpenStatus, Pickup, StockQuery, Store};
use crosscart_core::Fulfillment;
use leptos::prelude::*;
use std::any::Any;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

pub const ATTRIBUTES: &[&str] = &["product", "variant", "quantity", "limit", "lat", "lon", "country"];
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
        Level::InStock => t(locale, Msg::InStock).into(),
        Level::Low => format!("{} · {}", t(locale, Msg::LowStock), i18n::only_left(locale, row.available)),
        Level::Out => t(locale, Msg::OutOfStock).into(),
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
    let stock = execute(config::adapter().variant_stock(&variant)?).await?;
    let free: Vec<u32> = dir.stores.iter().map(|s| stock.stock.iter().find(|l| l.store_id == s.id).map_or(0, |l| l.quantity)).collect();
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

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    let locale = config::get().locale;
    let element = host.element.clone();
    let (product, variant_attr, quantity_attr, limit_attr) = (host.attr("product"), host.attr("variant"), host.attr("quantity"), host.attr("limit"));
    let (lat_attr, lon_attr, country_attr) = (host.attr("lat"), host.attr("lon"), host.attr("country"));

    if !config::adapter().capabilities().per_store_stock {
        let _ = element.set_attribute("hidden", "");
        return Box::new(());
    }

    let location = RwSignal::new(initial_location(lat_attr.get_untracked(), lon_attr.get_untracked()));
    // Attributes set later win over what was remembered.
    Effect::new(move |first: Option<()>| {
        let (lat, lon) = (lat_attr.get(), lon_attr.get());
        if first.is_some() && (lat.is_some() || lon.is_some()) {
            location.set(initial_location(lat, lon));
        }
    });
    let load = RwSignal::new(Load::Idle);
    let message = RwSignal::new(String::new());
    let alternatives: RwSignal<Vec<Located>> = RwSignal::new(Vec::new());
    let reserving: RwSignal<Option<String>> = RwSignal::new(None);
    let refresh = RwSignal::new(0u32);
    let generation = StoredValue::new(0u32);
    let query_text = RwSignal::new(String::new());
    let my_store = RwSignal::new(stores::remembered_store());

    // The variant: the attribute, or the product's first variant.
    let variant: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        let (v, p) = (variant_attr.get().filter(|v| !v.is_empty()), product.get().filter(|p| !p.is_empty()));
        match (v, p) {
            (Some(v), _) => variant.set(Some(v)),
            (None, Some(p)) => leptos::task::spawn_local(async move {
                let found = async { execute(config::adapter().get_product(&p)?).await }.await;
                match found {
                    Ok(prod) => {
                        variant.try_set(prod.variants.first().map(|v| v.id.clone()));
                    }
                    Err(e) => {
                        load.try_set(Load::Failed(describe(&e)));
                    }
                }
            }),
            (None, None) => variant.set(None),
        }
    });
    let quantity = Memo::new(move |_| quantity_attr.get().and_then(|q| q.trim().parse::<u32>().ok()).filter(|q| (1..=crosscart_core::cart::MAX_LINE_QUANTITY).contains(q)).unwrap_or(1));
    let limit = Memo::new(move |_| limit_attr.get().and_then(|l| l.trim().parse::<usize>().ok()).filter(|l| (1..=50).contains(l)).unwrap_or(5));

    Effect::new(move |_| {
        refresh.track();
        let Where::At(at) = location.get() else { return };
        let Some(point) = at.point() else { return };
        let Some(v) = variant.get() else { return };
        let (q, k) = (quantity.get(), limit.get());
        let this_load = generation.get_value().wrapping_add(1);
        generation.set_value(this_load);
        if !matches!(load.get_untracked(), Load::Ready(_)) {
            load.set(Load::Loading);
        }
        leptos::task::spawn_local(async move {
            let result = load_rows(v, point, q, k).await;
            // The element may have been removed meanwhile: then there is nothing to update.
            if generation.try_get_value() == Some(this_load) {
                load.try_set(match result {
                    Ok(rows) => Load::Ready(rows),
                    Err(e) => Load::Failed(format!("{} {}", t(locale, Msg::StockFailed), describe(&e))),
                });
            }
        });
    });

    let locate = move |_| {
        location.set(Where::Locating);
        message.set(String::new());
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(crate::js::geolocate(10_000)).await {
                Ok(v) => {
                    let arr: js_sys::Array = v.unchecked_into();
                    let (lat, lon) = (arr.get(0).as_f64().unwrap_or(f64::NAN), arr.get(1).as_f64().unwrap_or(f64::NAN));
                    let here = Located { lat, lon, label: String::new() };
                    if here.point().is_some() {
                        stores::remember_location(&here);
                        location.set(Where::At(here));
                    } else {
                        location.set(Where::Unavailable);
                    }
                }
                Err(code) => location.set(if code.as_f64() == Some(1.0) { Where::Denied } else { Where::Unavailable }),
            }
        });
    };

    let choose = move |place: Located| {
        stores::remember_location(&place);
        alternatives.set(Vec::new());
        location.set(Where::At(place));
    };
    let search = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let text = query_text.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        message.set(String::new());
        let country = country_attr.get_untracked().or_else(|| (locale == Locale::Uk).then(|| "UA".to_owned()));
        leptos::task::spawn_local(async move {
            match stores::gazetteer().await {
                Ok(g) => {
                    let found: Vec<Located> = g
                        .search(&text, country.as_deref(), 4)
                        .into_iter()
                        .map(|p| Located { lat: p.location.lat, lon: p.location.lon, label: format!("{} ({})", p.name, p.country) })
                        .collect();
                    match found.split_first() {
                        Some((first, rest)) => {
                            choose(first.clone());
                            alternatives.set(rest.to_vec());
                        }
                        None => location.set(Where::NoPlace(text)),
                    }
                }
                Err(e) => message.set(describe(&e)),
            }
        });
    };

    let reserve = Callback::new(move |row: Row| {
        let Some(v) = variant.get_untracked() else { return };
        let q = quantity.get_untracked();
        reserving.set(Some(row.store.id.clone()));
        message.set(String::new());
        let element = element.clone();
        leptos::task::spawn_local(async move {
            let line = NewLine { variant_id: v.clone(), quantity: q, fulfillment: Fulfillment::Pickup { store_id: row.store.id.clone() }, bundle: None, allow_transfer: row.pickup == Pickup::Transfer };
            let result = store::add_line(line).await;
            if reserving.try_set(None).is_some() {
                return; // the element was removed meanwhile
            }
            let target: &web_sys::EventTarget = element.as_ref();
            match result {
                Ok(cart) => {
                    stores::remember_store(&row.store.id);
                    my_store.set(Some(row.store.id.clone()));
                    message.set(format!("{}: {}", t(locale, Msg::Reserved), row.store.name));
                    let line = cart.lines.iter().find(|l| l.variant_id == v && matches!(&l.fulfillment, Fulfillment::Pickup { store_id } if *store_id == row.store.id));
                    let change = events::CartChange { action: "add", variant_id: &v, line_id: line.map(|l| l.id.as_str()), quantity: q, cart: &cart };
                    events::emit(target, events::CART_CHANGE, &change, false);
                }
                Err(e) => {
                    let text = match &e {
                        ProtocolError::InsufficientStock { available: Some(available), .. } => format!("{} {}", t(locale, Msg::ReserveFailed), i18n::only_left(locale, *available)),
                        other => format!("{} {}", t(locale, Msg::ReserveFailed), describe(other)),
                    };
                    events::emit(target, events::ERROR, &events::ErrorDetail { action: "reserve", code: e.code(), message: &text }, false);
                    message.set(text);
                }
            }
            refresh.update(|n| *n += 1);
        });
    });

    let location_note = move || match location.get() {
        Where::Locating => t(locale, Msg::Locating).to_owned(),
        Where::Denied => t(locale, Msg::LocationDenied).to_owned(),
        Where::Unavailable => t(locale, Msg::LocationUnavailable).to_owned(),
        Where::Invalid => t(locale, Msg::InvalidLocation).to_owned(),
        Where::NoPlace(q) => format!("“{q}”: {}", t(locale, Msg::NoPlace)),
        _ => String::new(),
    };
    let heading = move || match location.get() {
        Where::At(at) => Some(format!("{} {}", t(locale, Msg::StoresNear), if at.label.is_empty() { t(locale, Msg::YourLocation).to_owned() } else { at.label })),
        _ => None,
    };

    let store_view = move |row: Row, best: bool| {
        let busy = {
            let id = row.store.id.clone();
            Signal::derive(move || reserving.get().as_deref() == Some(id.as_str()))
        };
        let any_busy = move || reserving.get().is_some();
        let mine = {
            let id = row.store.id.clone();
            move || my_store.get().as_deref() == Some(id.as_str())
        };
        // A backend without pickup lines (Medusa fulfils "pickup" from any
        // location) shows the stock but never offers to reserve.
        let can_reserve = row.pickup != Pickup::Unavailable && config::adapter().capabilities().pickup;
        let label = format!("{}: {}", t(locale, Msg::Reserve), row.store.name);
        let r = row.clone();
        let address = [row.store.address.as_str(), row.store.postal_code.as_str(), row.store.city.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
        view! {
            <li part=if best { "store best" } else { "store" } data-store-id=row.store.id.clone() data-level=level_part(row.level).trim_start_matches("level ") data-available=row.available.to_string() data-distance-m=(row.distance_m.round() as i64).to_string() data-pickup=format!("{:?}", row.pickup).to_lowercase()>
                {best.then(|| view! { <span part="best-label">{t(locale, Msg::ClosestWithIt)}</span> })}
                <span part="name">{row.store.name.clone()}{move || mine().then(|| view! { <span part="badge">"★"</span> })}</span>
                <span part="distance">{i18n::distance_text(locale, row.distance_m)}</span>
                <span part="address">{address}</span>
                <span part=level_part(row.level)>{level_text(locale, &row)}</span>
                <span part="hours">{row.hours.clone()}</span>
                {(!row.ready.is_empty()).then(|| view! { <span part="pickup">{row.ready.clone()}</span> })}
                {can_reserve.then(|| view! {
                    <button part=if best { "reserve reserve-best" } else { "reserve" } type="button" aria-label=label.clone() disabled=any_busy aria-busy=move || busy.get().to_string()
                        on:click=move |_| reserve.run(r.clone())>
                        {move || if busy.get() { t(locale, Msg::Reserving) } else { t(locale, Msg::Reserve) }}
                    </button>
                })}
            </li>
        }
    };

    let body = move || match load.get() {
        Load::Idle => None,
        Load::Loading => Some(view! { <p part="status" role="status">{t(locale, Msg::Loading)}</p> }.into_any()),
        Load::Failed(text) => Some(view! {
            <div part="error" role="alert">
                <p part="message">{text}</p>
                <button part="retry" type="button" on:click=move |_| refresh.update(|n| *n += 1)>{t(locale, Msg::Retry)}</button>
            </div>
        }.into_any()),
        Load::Ready(rows) if rows.is_empty() => Some(view! { <p part="status" role="status">{t(locale, Msg::NoStores)}</p> }.into_any()),
        Load::Ready(rows) => {
            let best_first = rows.first().is_some_and(|r| r.pickup == Pickup::Now);
            let items = rows.into_iter().enumerate().map(|(i, r)| store_view(r, best_first && i == 0)).collect_view();
            Some(view! { <ol part="list" aria-labelledby="cc-store-heading">{items}</ol> }.into_any())
        }
    };

    let mount = leptos::mount::mount_to(container, move || {
        view! {
            <section part="base" aria-labelledby="cc-store-title">
                <h2 part="heading" id="cc-store-title">{t(locale, Msg::PickupInStore)}</h2>
                <form part="search" on:submit=search>
                    <label>
                        <span>{t(locale, Msg::PostalOrCity)}</span>
                        <input part="input" type="search" name="place" autocomplete="postal-code" maxlength="80"
                            prop:value=move || query_text.get() on:input=move |ev| query_text.set(event_target_value(&ev)) />
                    </label>
                    <button part="find" type="submit">{t(locale, Msg::FindStores)}</button>
                    <button part="locate" type="button" on:click=locate>{t(locale, Msg::UseMyLocation)}</button>
                </form>
                <p part="message" role="status" aria-live="polite">{move || { let n = location_note(); if n.is_empty() { message.get() } else { n } }}</p>
                {move || {
                    let alts = alternatives.get();
                    (!alts.is_empty()).then(|| view! {
                        <div part="alternatives">{alts.into_iter().map(|a| {
                            let label = a.label.clone();
                            view! { <button part="alternative" type="button" on:click=move |_| choose(a.clone())>{label}</button> }
                        }).collect_view()}</div>
                    })
                }}
                {move || heading().map(|h| view! { <h3 part="heading" id="cc-store-heading">{h}</h3> })}
                {body}
            </section>
        }
    });
    Box::new(mount)
}
