//! `<cc-bought-together product="…">` / `<cc-bought-together from-cart>`:
//! complements mined from real orders, shown as a bundle with check boxes,
//! the bundle's price from the API, and "add selected to cart" in one click.
//!
//! Loads when it comes near the viewport. Items already in the cart are not
//! offered. With a `model` attribute (a file made by `crosscart mine`) it
//! scores in the browser with no round trip per product; otherwise it asks
//! the backend. When there is nothing good to show it hides itself.

use super::{describe, Host};
use crate::config::{format_money, resolve_api_url};
use crate::{config, events, store, transport::execute};
use crosscart_core::fbt::Model;
use crosscart_core::i18n::{t, Msg};
use crosscart_core::protocol::{ProductQuery, ProtocolError};
use crosscart_core::cart::{price_lines, BundleDiscount};
use crosscart_core::{CartLine, Fulfillment, Product};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

pub const ATTRIBUTES: &[&str] = &["product", "variant", "from-cart", "limit", "model"];
pub const CSS: &str = "
:host{display:block}
[part=base]{display:grid;gap:var(--cc-space,1rem);padding:var(--cc-space,1rem);border:1px solid var(--cc-color-border,#ddd);border-radius:var(--cc-radius,.5em);background:var(--cc-color-surface,#fff)}
[part=heading]{margin:0;font-size:1.1em}
[part=items]{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
[part=item] label{display:grid;grid-template-columns:auto 48px 1fr auto;gap:.75rem;align-items:center;cursor:pointer}
[part=image]{width:48px;height:48px;object-fit:cover;border-radius:var(--cc-radius,.4em);background:var(--cc-color-surface,#f4f4f4)}
[part=title]{overflow-wrap:anywhere}
[part=anchor-label]{color:var(--cc-color-muted,#555);margin-inline-end:.25em}
[part=price]{font-variant-numeric:tabular-nums}
[part=checkbox]{width:1.2em;height:1.2em;accent-color:var(--cc-color-accent,#1a5fd0)}
[part=footer]{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;justify-content:space-between}
[part=total]{font-weight:700;font-variant-numeric:tabular-nums}
[part=add],[part=retry]{font:inherit;cursor:pointer;padding:var(--cc-button-padding,.6em 1.2em);border:0;border-radius:var(--cc-radius,.4em);background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff)}
[part=add]:disabled{opacity:.6;cursor:not-allowed}
[part=loading],[part=status]{color:var(--cc-color-muted,#555);font-size:.875em;margin:0}
[part=offer]{margin:0;font-weight:600;color:var(--cc-color-accent,#1a5fd0)}
[part=full-price]{color:var(--cc-color-muted,#555);font-weight:400}
[part=status]:empty{display:none}
[part=error]{color:var(--cc-color-danger,#b3261e)}
input:focus-visible,button:focus-visible{outline:2px solid var(--cc-color-focus,#1a5fd0);outline-offset:2px}
";

#[derive(Debug, Clone, PartialEq)]
enum Load {
    /// Not near the viewport yet.
    Waiting,
    Loading,
    Ready { anchor: Option<Product>, items: Vec<Product>, discount: Option<BundleDiscount> },
    Failed(String),
}

thread_local! {
    /// Model files fetched by this page, kept for its lifetime (one per URL).
    static MODELS: RefCell<HashMap<String, &'static Model<'static>>> = RefCell::new(HashMap::new());
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, ProtocolError> {
    let request = crosscart_core::protocol::HttpRequest { method: crosscart_core::protocol::Method::Get, url: url.to_owned(), headers: Vec::new(), body: None };
    let call = crosscart_core::protocol::Call::new(request, |r| {
        if (200..300).contains(&r.status) { Ok(r.body.clone()) } else { Err(ProtocolError::Http { status: r.status }) }
    });
    execute(call).await
}

/// The model at `url`, fetched and checked once per page.
pub(crate) async fn model(url: &str) -> Result<&'static Model<'static>, ProtocolError> {
    if let Some(m) = MODELS.with(|m| m.borrow().get(url).copied()) {
        return Ok(m);
    }
    let bytes: &'static [u8] = Box::leak(fetch_bytes(url).await?.into_boxed_slice());
    let loaded = Model::load(bytes).map_err(|e| ProtocolError::Malformed { what: "bought-together model", detail: e.to_string() })?;
    let leaked: &'static Model<'static> = Box::leak(Box::new(loaded));
    MODELS.with(|m| m.borrow_mut().insert(url.to_owned(), leaked));
    Ok(leaked)
}

/// Complements of `seeds`, minus `exclude`: from the model file when one is
/// given (no round trip per product), else from the backend.
/// Complement products, and the shop's bundle terms when the backend states them.
type Found = (Vec<Product>, Option<BundleDiscount>);

async fn complements(seeds: &[String], exclude: &[String], limit: usize, model_url: Option<String>) -> Result<Found, ProtocolError> {
    let adapter = config::adapter();
    if let Some(url) = model_url {
        let m = model(&url).await?;
        let s: Vec<&str> = seeds.iter().map(String::as_str).collect();
        let x: Vec<&str> = exclude.iter().map(String::as_str).collect();
        let ids: Vec<String> = m.recommend(&s, &x, limit).iter().map(|c| c.item.to_owned()).collect();
        if ids.is_empty() {
            return Ok((Vec::new(), None));
        }
        let found = execute(adapter.list_products(&ProductQuery { ids: ids.clone(), ..Default::default() })?).await?;
        // Keep the model's order. A model file carries no commercial terms: no discount.
        return Ok((ids.iter().filter_map(|id| found.iter().find(|p| &p.id == id).cloned()).collect(), None));
    }
    // A backend without recommendations and no model file: nothing to show (the element hides).
    if !adapter.capabilities().recommendations {
        return Ok((Vec::new(), None));
    }
    let recs = execute(adapter.recommendations(seeds, exclude, limit as u32)?).await?;
    Ok((recs.items.into_iter().map(|r| r.product).collect(), recs.discount))
}

/// The variant a bundle item adds: the `variant` attribute for the anchor, else the first.
fn pick_variant<'a>(p: &'a Product, wanted: Option<&str>) -> Option<&'a crosscart_core::Variant> {
    wanted.and_then(|w| p.variant(w)).or_else(|| p.variants.first())
}

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    let (product, variant, from_cart, limit, model_url) =
        (host.attr("product"), host.attr("variant"), host.attr("from-cart"), host.attr("limit"), host.attr("model"));
    let load = RwSignal::new(Load::Waiting);
    let visible = RwSignal::new(false);
    let unchecked = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(String::new());
    let adding = RwSignal::new(false);
    let generation = StoredValue::new(0u32);
    let element = host.element.clone();
    let locale = config::get().locale;
    store::ensure_loaded();
    let state = store::state();
    let in_cart = Memo::new(move |_| {
        let mut ids: Vec<String> = state.with(|s| s.cart.as_ref().map(|c| c.lines.iter().map(|l| l.product_id.clone()).collect()).unwrap_or_default());
        ids.sort();
        ids.dedup();
        ids
    });
    // A memo, not a closure: the load effect must not rerun on every cart state change (busy counters).
    let cart_ready = Memo::new(move |_| state.with(|s| !matches!(s.status, store::Status::Idle | store::Status::Loading)));

    // Lazy: start when the element comes within 200px of the viewport.
    let observer_cb = Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(move |entries: js_sys::Array, obs: web_sys::IntersectionObserver| {
        let near = entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
        if near {
            visible.set(true);
            obs.disconnect();
        }
    });
    let init = web_sys::IntersectionObserverInit::new();
    init.set_root_margin("200px");
    let observer = web_sys::IntersectionObserver::new_with_options(observer_cb.as_ref().unchecked_ref(), &init).ok();
    match &observer {
        Some(o) => o.observe(&host.element),
        None => visible.set(true),
    }
    let observer = SendWrapper::new((observer, observer_cb));
    on_cleanup(move || {
        if let Some(o) = &observer.0 {
            o.disconnect();
        }
    });

    // (Re)load whenever what we show depends on changes: the product, the cart, visibility.
    Effect::new(move |_| {
        if !visible.get() || !cart_ready.get() {
            return;
        }
        let (product, seeded_by_cart) = (product.get(), from_cart.get().is_some());
        let exclude = in_cart.get();
        let limit = limit.get().and_then(|l| l.parse::<usize>().ok()).filter(|l| (1..=12).contains(l)).unwrap_or(3);
        let model_url = model_url.get().filter(|u| !u.is_empty());
        let this_load = generation.get_value().wrapping_add(1);
        generation.set_value(this_load);
        if load.get_untracked() == Load::Waiting {
            load.set(Load::Loading);
        }
        leptos::task::spawn_local(async move {
            let result: Result<(Option<Product>, Found), ProtocolError> = async {
                if seeded_by_cart {
                    if exclude.is_empty() {
                        return Ok((None, (Vec::new(), None)));
                    }
                    Ok((None, complements(&exclude, &exclude, limit, model_url).await?))
                } else {
                    let Some(id) = product.filter(|p| !p.is_empty()) else { return Ok((None, (Vec::new(), None))) };
                    let anchor = execute(config::adapter().get_product(&id)?).await?;
                    let found = complements(std::slice::from_ref(&anchor.id), &exclude, limit, model_url).await?;
                    Ok((Some(anchor), found))
                }
            }
            .await;
            if generation.get_value() != this_load {
                return; // a newer load is under way
            }
            load.set(match result {
                Ok((anchor, (items, discount))) => Load::Ready { anchor, items, discount },
                Err(e) => Load::Failed(describe(&e)),
            });
        });
    });

    // Hidden when there is nothing good to show.
    let hide_el = element.clone();
    Effect::new(move |_| {
        let empty = matches!(load.get(), Load::Ready { ref items, .. } if items.is_empty());
        let _ = if empty { hide_el.set_attribute("hidden", "") } else { hide_el.remove_attribute("hidden") };
    });

    // The bundle: (product, variant) rows, anchor first.
    let rows = move || match load.get() {
        Load::Ready { anchor, items, .. } if !items.is_empty() => {
            let wanted = variant.get();
            anchor.iter().map(|p| (p.clone(), true)).chain(items.into_iter().map(|p| (p, false)))
                .filter_map(|(p, is_anchor)| {
                    let v = pick_variant(&p, if is_anchor { wanted.as_deref() } else { None })?.clone();
                    Some((p, v, is_anchor))
                })
                .collect::<Vec<_>>()
        }
        _ => Vec::new(),
    };
    let is_selected = move |id: &str| unchecked.with(|u| !u.iter().any(|x| x == id));
    let discount = move || match load.get() {
        Load::Ready { discount, .. } => discount,
        _ => None,
    };
    // (items ticked, their sum, the sum after the shop's bundle discount): priced as the
    // cart will price them — one line each, sharing a bundle tag — by the same core function.
    let total = move || {
        let lines: Vec<CartLine> = rows()
            .into_iter()
            .filter(|(p, _, _)| is_selected(&p.id))
            .map(|(p, v, _)| CartLine {
                reserved_until: None,
                transfer: false,
                offer_percent: 0,
                id: String::new(), variant_id: v.id, product_id: p.id, title: p.title, variant_title: v.title, image: None,
                quantity: 1, unit_price: v.price, line_total: v.price, fulfillment: Fulfillment::Delivery,
                bundle: Some("preview".into()), discount: None,
            })
            .collect();
        let count = lines.len();
        let Some(currency) = lines.first().map(|l| l.unit_price.currency) else { return (0, None, None) };
        let mut lines = lines;
        match price_lines(currency, &mut lines, discount().map_or(0, |d| d.percent)) {
            Ok(t) => (count, Some(t.subtotal), t.discount.map(|_| t.total)),
            Err(_) => (count, None, None),
        }
    };

    let add_selected = {
        let element = element.clone();
        move || {
            let chosen: Vec<(Product, crosscart_core::Variant, bool)> = untrack(rows).into_iter().filter(|(p, _, _)| is_selected(&p.id)).collect();
            if chosen.is_empty() || adding.get_untracked() {
                return;
            }
            // Lines added together share a tag, which earns the shop's bundle discount.
            let tag = (chosen.len() >= 2).then(|| format!("b{:x}", (js_sys::Math::random() * 1e15) as u64));
            adding.set(true);
            status.set(t(locale, Msg::Adding).to_owned());
            let element = element.clone();
            leptos::task::spawn_local(async move {
                let target: &web_sys::EventTarget = element.as_ref();
                let mut last = None;
                let mut failure = None;
                for (p, v, _) in &chosen {
                    match store::add(&v.id, 1, Fulfillment::Delivery, tag.clone()).await {
                        Ok(cart) => {
                            let line_id = cart.lines.iter().find(|l| l.variant_id == v.id).map(|l| l.id.clone());
                            let change = events::CartChange { action: "add", variant_id: &v.id, line_id: line_id.as_deref(), quantity: 1, cart: &cart };
                            events::emit(target, events::CART_CHANGE, &change, false);
                            last = Some(cart);
                        }
                        Err(e) => {
                            failure = Some((p.title.clone(), e));
                            break;
                        }
                    }
                }
                adding.set(false);
                match (failure, last) {
                    (Some((title, e)), _) => {
                        let message = format!("{title}: {}", describe(&e));
                        events::emit(target, events::ERROR, &events::ErrorDetail { action: "bundle-add", code: e.code(), message: &message }, false);
                        status.set(message);
                    }
                    (None, Some(cart)) => {
                        let anchor = chosen.iter().find(|c| c.2).map(|c| c.0.id.as_str());
                        let items = chosen.iter().map(|(p, v, _)| events::BundleItem { product_id: &p.id, variant_id: &v.id }).collect();
                        events::emit(target, events::BUNDLE_ADD, &events::BundleAdd { anchor, items, cart: &cart }, false);
                        status.set(t(locale, Msg::Added).to_owned());
                    }
                    (None, None) => status.set(String::new()),
                }
            });
        }
    };

    Box::new(leptos::mount::mount_to(container, move || {
        let add_selected = add_selected.clone();
        let body = move || match load.get() {
            Load::Waiting | Load::Loading => view! { <p part="loading" role="status">{t(locale, Msg::Loading)}</p> }.into_any(),
            Load::Failed(err) => view! {
                <div part="error" role="alert">
                    <p>{t(locale, Msg::RecommendationsFailed)}" "<span part="error-detail">{err}</span></p>
                    <button part="retry" type="button" on:click=move |_| { load.set(Load::Loading); visible.set(false); visible.set(true); }>{t(locale, Msg::Retry)}</button>
                </div>
            }.into_any(),
            Load::Ready { .. } => {
                let items = rows().into_iter().map(|(p, v, is_anchor)| {
                    let id = p.id.clone();
                    let toggle_id = id.clone();
                    let row_id = id.clone();
                    let image = v.image.clone().or_else(|| p.images.first().cloned()).map(|img| view! {
                        <img part="image" src=resolve_api_url(&img.url) alt="" width="48" height="48" loading="lazy" />
                    });
                    let anchor_label = is_anchor.then(|| view! { <span part="anchor-label">{t(locale, Msg::ThisItem)}</span> });
                    let title = if v.title.is_empty() { p.title.clone() } else { format!("{} — {}", p.title, v.title) };
                    view! {
                        <li part="item" data-product-id=row_id>
                            <label>
                                <input part="checkbox" type="checkbox" prop:checked=move || is_selected(&id)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        unchecked.update(|u| {
                                            u.retain(|x| *x != toggle_id);
                                            if !on { u.push(toggle_id.clone()); }
                                        });
                                    } />
                                {image}
                                <span part="title">{anchor_label}{title}</span>
                                <span part="price">{format_money(&v.price)}</span>
                            </label>
                        </li>
                    }
                }).collect::<Vec<_>>();
                let add_selected = add_selected.clone();
                let offer = discount().map(|d| view! { <p part="offer">{format!("−{}% {}", d.percent, t(locale, Msg::BundleOffer))}</p> });
                view! {
                    {offer}
                    <ul part="items">{items}</ul>
                    <div part="footer">
                        <span part="total">
                            {move || {
                                let (n, _, _) = total();
                                format!("{} ({}): ", t(locale, Msg::BundleTotal), crosscart_core::i18n::item_count(locale, n as u64))
                            }}
                            {move || {
                                let (_, sum, discounted) = total();
                                let amount = sum.map(|m| format_money(&m)).unwrap_or_default();
                                match discounted {
                                    Some(d) => view! { <s part="full-price">{amount}</s>" "<span part="bundle-price">{format_money(&d)}</span> }.into_any(),
                                    None => view! { <span part="bundle-price">{amount}</span> }.into_any(),
                                }
                            }}
                        </span>
                        <button part="add" type="button" disabled=move || total().0 == 0 || adding.get()
                            on:click=move |_| add_selected()>{t(locale, Msg::AddSelected)}</button>
                    </div>
                }.into_any()
            }
        };
        view! {
            <section part="base" aria-label=t(locale, Msg::BoughtTogether)>
                <h2 part="heading">{t(locale, Msg::BoughtTogether)}</h2>
                {body}
                <p part="status" role="status" aria-live="polite">{move || status.get()}</p>
            </section>
        }
    }))
}
