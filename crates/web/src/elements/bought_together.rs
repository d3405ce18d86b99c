//! `<cc-bought-together product="…">` / `<cc-bought-together from-cart>`:
//! complements mined from real orders, shown as a bundle with check boxes,
//! the bundle's price from the API, and "add selected to cart" in one click.
//!
//! Its code (with the model scorer) is in the `bundles` chunk, which the
//! loader fetches when the element comes within 200 px of the viewport.
//! Items already in the cart are not offered. With a `model` attribute (a
//! file made by `crosscart mine`) it scores in the browser with no round
//! trip per product; otherwise it asks the backend. When there is nothing
//! good to show it hides itself.

use super::{describe, Host, Live, Mounted};
use crate::config::{format_money, resolve_api_url};
use crate::dom::{self, el};
use crate::{config, events, js, store, transport::execute, with_adapter};
use crosscart_core::cart::{price_lines, BundleDiscount};
use crosscart_core::fbt::Model;
use crosscart_core::i18n::{t, BundleMsg, Msg};
use crosscart_core::json::{ObjectWriter, ToJson};
use crosscart_core::protocol::{ProductQuery, ProtocolError};
use crosscart_core::{CartLine, Fulfillment, Product, Variant};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement};

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

/// Complement products, and the shop's bundle terms when the backend states them.
type Found = (Vec<Product>, Option<BundleDiscount>);

/// Complements of `seeds`, minus `exclude`: from the model file when one is
/// given (no round trip per product), else from the backend.
async fn complements(seeds: &[String], exclude: &[String], limit: usize, model_url: Option<String>) -> Result<Found, ProtocolError> {
    if let Some(url) = model_url {
        let m = model(&url).await?;
        let s: Vec<&str> = seeds.iter().map(String::as_str).collect();
        let x: Vec<&str> = exclude.iter().map(String::as_str).collect();
        let ids: Vec<String> = m.recommend(&s, &x, limit).iter().map(|c| c.item.to_owned()).collect();
        if ids.is_empty() {
            return Ok((Vec::new(), None));
        }
        let found = execute(with_adapter!(list_products(&ProductQuery { ids: ids.clone(), ..Default::default() }))?).await?;
        // Keep the model's order. A model file carries no commercial terms: no discount.
        return Ok((ids.iter().filter_map(|id| found.iter().find(|p| &p.id == id).cloned()).collect(), None));
    }
    // A backend without recommendations and no model file: nothing to show (the element hides).
    if !with_adapter!(capabilities()).recommendations {
        return Ok((Vec::new(), None));
    }
    let recs = execute(with_adapter!(recommendations(seeds, exclude, limit as u32))?).await?;
    Ok((recs.items.into_iter().map(|r| r.product).collect(), recs.discount))
}

/// The variant a bundle item adds: the `variant` attribute for the anchor, else the first.
fn pick_variant<'a>(p: &'a Product, wanted: Option<&str>) -> Option<&'a Variant> {
    wanted.and_then(|w| p.variant(w)).or_else(|| p.variants.first())
}

/// One bundle row: the product, the variant it adds, whether it is the page's product.
type Bundle = Vec<(Product, Variant, bool)>;

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Ready { rows: Bundle, discount: Option<BundleDiscount> },
    Failed(String),
}

struct View {
    host: Rc<Host>,
    body: Element,
    status: Element,
    load: RefCell<Load>,
    /// Product ids the customer unticked.
    unchecked: RefCell<Vec<String>>,
    adding: Cell<bool>,
    generation: Cell<u32>,
    /// What the last load asked for (product, cart products, limit, model).
    asked: RefCell<Option<(Option<String>, bool, Vec<String>, usize, Option<String>)>>,
    drawn: RefCell<Option<Load>>,
}

struct Bought {
    view: Rc<View>,
    _subscription: store::Subscription,
}

impl Mounted for Bought {
    fn changed(&self, _name: &str) {
        reload(&self.view, false);
        render(&self.view);
    }
}

/// Product ids in the cart, sorted (quantity changes do not count).
fn cart_products() -> Vec<String> {
    let mut ids: Vec<String> = store::with_state(|s| s.cart.as_ref().map(|c| c.lines.iter().map(|l| l.product_id.clone()).collect()).unwrap_or_default());
    ids.sort();
    ids.dedup();
    ids
}

/// Loads again when what it depends on changed (or when `force`d).
fn reload(view: &Rc<View>, force: bool) {
    if store::with_state(|s| matches!(s.status, store::Status::Idle | store::Status::Loading)) {
        return; // the cart decides what to leave out
    }
    let h = &view.host;
    let product = h.attr_value("product");
    let from_cart = h.has("from-cart");
    let limit = h.attr_value("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| (1..=12).contains(l)).unwrap_or(3);
    let model_url = h.attr_value("model");
    let exclude = cart_products();
    let asked = (product.clone(), from_cart, exclude.clone(), limit, model_url.clone());
    if !force && view.asked.borrow().as_ref() == Some(&asked) {
        return;
    }
    *view.asked.borrow_mut() = Some(asked);
    let this_load = view.generation.get().wrapping_add(1);
    view.generation.set(this_load);
    let variant = h.attr_value("variant");
    let view = view.clone();
    crate::js::spawn(async move {
        let result: Result<(Option<Product>, Found), ProtocolError> = async {
            if from_cart {
                if exclude.is_empty() {
                    return Ok((None, (Vec::new(), None)));
                }
                Ok((None, complements(&exclude, &exclude, limit, model_url).await?))
            } else {
                let Some(id) = product else { return Ok((None, (Vec::new(), None))) };
                let anchor = execute(with_adapter!(get_product(&id))?).await?;
                let found = complements(std::slice::from_ref(&anchor.id), &exclude, limit, model_url).await?;
                Ok((Some(anchor), found))
            }
        }
        .await;
        if view.generation.get() != this_load {
            return; // a newer load is under way
        }
        *view.load.borrow_mut() = match result {
            Ok((anchor, (items, discount))) => {
                let rows = if items.is_empty() {
                    Vec::new()
                } else {
                    anchor
                        .iter()
                        .map(|p| (p.clone(), true))
                        .chain(items.into_iter().map(|p| (p, false)))
                        .filter_map(|(p, is_anchor)| {
                            let v = pick_variant(&p, if is_anchor { variant.as_deref() } else { None })?.clone();
                            Some((p, v, is_anchor))
                        })
                        .collect()
                };
                Load::Ready { rows, discount }
            }
            Err(e) => Load::Failed(describe(&e)),
        };
        render(&view);
    });
}

fn is_selected(view: &View, id: &str) -> bool {
    !view.unchecked.borrow().iter().any(|x| x == id)
}

/// (items ticked, their sum, the sum after the shop's bundle discount):
/// priced as the cart will price them — one line each, sharing a bundle
/// tag — by the same core function.
fn total(view: &View, rows: &Bundle, discount: Option<BundleDiscount>) -> (usize, Option<crosscart_core::Money>, Option<crosscart_core::Money>) {
    let mut lines: Vec<CartLine> = rows
        .iter()
        .filter(|(p, _, _)| is_selected(view, &p.id))
        .map(|(p, v, _)| CartLine { product_id: p.id.clone(), title: p.title.clone(), bundle: Some("preview".into()), ..CartLine::delivered(String::new(), v.id.clone(), 1, v.price, v.price) })
        .collect();
    let count = lines.len();
    let Some(currency) = lines.first().map(|l| l.unit_price.currency) else { return (0, None, None) };
    match price_lines(currency, &mut lines, discount.map_or(0, |d| d.percent)) {
        Ok(t) => (count, Some(t.subtotal), t.discount.map(|_| t.total)),
        Err(_) => (count, None, None),
    }
}

fn render(view: &Rc<View>) {
    let locale = config::get().locale;
    let load = view.load.borrow().clone();
    let empty = matches!(&load, Load::Ready { rows, .. } if rows.is_empty());
    dom::show(&view.host.element, !empty);
    if view.drawn.borrow().as_ref() != Some(&load) {
        dom::clear(&view.body);
        match &load {
            Load::Loading => {
                let _ = view.body.append_child(&el("p").part("loading").attr("role", "status").text(t(locale, Msg::Loading)).done());
            }
            Load::Failed(err) => {
                let _ = view.body.append_child(
                    &el("div")
                        .part("error")
                        .attr("role", "alert")
                        .child(el("p").child(dom::document().create_text_node(&format!("{} ", t(locale, BundleMsg::RecommendationsFailed)))).child(el("span").part("error-detail").text(err)))
                        .child(dom::button("retry", "retry", t(locale, Msg::Retry)))
                        .done(),
                );
            }
            Load::Ready { rows, discount } => {
                if let Some(d) = discount {
                    let _ = view.body.append_child(&el("p").part("offer").text(&format!("−{}% {}", d.percent, t(locale, BundleMsg::BundleOffer))).done());
                }
                let items = el("ul").part("items").done();
                for (p, v, is_anchor) in rows {
                    let image = v.image.clone().or_else(|| p.images.first().cloned());
                    let title = if v.title.is_empty() { p.title.clone() } else { format!("{} — {}", p.title, v.title) };
                    let title_el = el("span").part("title").done();
                    if *is_anchor {
                        let _ = title_el.append_child(&el("span").part("anchor-label").text(t(locale, BundleMsg::ThisItem)).done());
                    }
                    let _ = title_el.append_child(&dom::document().create_text_node(&title));
                    let mut label = el("label").child(el("input").part("checkbox").act("toggle").attr("type", "checkbox"));
                    if let Some(img) = image {
                        label = label.child(el("img").part("image").attr("src", &resolve_api_url(&img.url)).attr("alt", "").attr("width", "48").attr("height", "48").attr("loading", "lazy"));
                    }
                    label = label.child(&title_el).child(el("span").part("price").text(&format_money(&v.price)));
                    let _ = items.append_child(&el("li").part("item").attr("data-product-id", &p.id).attr("data-key", &p.id).child(label).done());
                }
                let _ = view.body.append_child(&items);
                let footer = el("div").part("footer").child(el("span").part("total")).child(dom::button("add", "add", t(locale, BundleMsg::AddSelected))).done();
                let _ = view.body.append_child(&footer);
            }
        }
        *view.drawn.borrow_mut() = Some(load.clone());
    }
    if let Load::Ready { rows, discount } = &load {
        let boxes = view.body.query_selector_all("[part=item]").ok();
        for i in 0..boxes.as_ref().map_or(0, |b| b.length()) {
            let Some(item) = boxes.as_ref().and_then(|b| b.item(i)).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            let id = item.get_attribute("data-product-id").unwrap_or_default();
            if let Ok(Some(input)) = item.query_selector("input") {
                input.unchecked_into::<HtmlInputElement>().set_checked(is_selected(view, &id));
            }
        }
        let (n, sum, discounted) = total(view, rows, *discount);
        if let Ok(Some(total_el)) = view.body.query_selector("[part=total]") {
            dom::clear(&total_el);
            let _ = total_el.append_child(&dom::document().create_text_node(&format!("{} ({}): ", t(locale, BundleMsg::BundleTotal), crosscart_core::i18n::item_count(locale, n as u64))));
            let amount = sum.map(|m| format_money(&m)).unwrap_or_default();
            match discounted {
                Some(d) => {
                    let _ = total_el.append_child(&el("s").part("full-price").text(&amount).done());
                    let _ = total_el.append_child(&dom::document().create_text_node(" "));
                    let _ = total_el.append_child(&el("span").part("bundle-price").text(&format_money(&d)).done());
                }
                None => {
                    let _ = total_el.append_child(&el("span").part("bundle-price").text(&amount).done());
                }
            }
        }
        if let Ok(Some(add)) = view.body.query_selector("[part=add]") {
            dom::set_flag(&add, "disabled", n == 0 || view.adding.get());
        }
    }
}

fn add_selected(view: &Rc<View>) {
    let locale = config::get().locale;
    let Load::Ready { rows, .. } = view.load.borrow().clone() else { return };
    let chosen: Bundle = rows.into_iter().filter(|(p, _, _)| is_selected(view, &p.id)).collect();
    if chosen.is_empty() || view.adding.get() {
        return;
    }
    // Lines added together share a tag, which earns the shop's bundle discount.
    let tag = (chosen.len() >= 2).then(|| format!("b{:x}", (js_sys::Math::random() * 1e15) as u64));
    view.adding.set(true);
    dom::set_text(&view.status, t(locale, Msg::Adding));
    render(view);
    let view = view.clone();
    crate::js::spawn(async move {
        let target = view.host.target();
        let mut last = None;
        let mut failure = None;
        for (p, v, _) in &chosen {
            match store::add(&v.id, 1, Fulfillment::Delivery, tag.clone()).await {
                Ok(cart) => {
                    let line_id = cart.lines.iter().find(|l| l.variant_id == v.id).map(|l| l.id.clone());
                    let change = events::CartChange { action: "add", variant_id: &v.id, line_id: line_id.as_deref(), quantity: 1, before: None, cart: &cart };
                    events::emit(target, events::CART_CHANGE, &change, false);
                    last = Some(cart);
                }
                Err(e) => {
                    failure = Some((p.title.clone(), e));
                    break;
                }
            }
        }
        view.adding.set(false);
        match (failure, last) {
            (Some((title, e)), _) => {
                let message = format!("{title}: {}", describe(&e));
                events::error(target, "bundle-add", e.code(), &message);
                dom::set_text(&view.status, &message);
            }
            (None, Some(cart)) => {
                let anchor = chosen.iter().find(|c| c.2).map(|c| c.0.id.as_str());
                let items = chosen.iter().map(|(p, v, _)| events::BundleItem { product_id: &p.id, variant_id: &v.id }).collect();
                events::emit(target, events::BUNDLE_ADD, &events::BundleAdd { anchor, items, cart: &cart }, false);
                dom::set_text(&view.status, t(locale, Msg::Added));
            }
            (None, None) => dom::set_text(&view.status, ""),
        }
        render(&view);
    });
}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-bought-together", CSS);
    store::ensure_loaded();
    let locale = config::get().locale;
    let body = el("div").attr("class", "cc-contents").done();
    let status = el("p").part("status").attr("role", "status").attr("aria-live", "polite").done();
    let base = el("section")
        .part("base")
        .attr("aria-label", t(locale, BundleMsg::BoughtTogether))
        .child(el("h2").part("heading").text(t(locale, BundleMsg::BoughtTogether)))
        .child(&body)
        .child(&status)
        .done();
    let _ = host.root.append_child(&base);
    let view = Rc::new(View {
        host: host.clone(),
        body,
        status,
        load: RefCell::new(Load::Loading),
        unchecked: RefCell::new(Vec::new()),
        adding: Cell::new(false),
        generation: Cell::new(0),
        asked: RefCell::new(None),
        drawn: RefCell::new(None),
    });
    let v = view.clone();
    host.listen_root("click", move |ev: Event| match dom::action_of(&ev, &v.host.root).map(|(_, a)| a).as_deref() {
        Some("retry") => {
            *v.load.borrow_mut() = Load::Loading;
            render(&v);
            reload(&v, true);
        }
        Some("add") => add_selected(&v),
        _ => {}
    });
    let v = view.clone();
    host.listen_root("change", move |ev: Event| {
        if dom::track_unchecked(&ev, &v.host.root, &v.unchecked) {
            render(&v);
        }
    });
    render(&view);
    reload(&view, false);
    let v = view.clone();
    let subscription = store::subscribe(move || reload(&v, false));
    Box::new(Bought { view, _subscription: subscription })
}

/// What a loaded model answers; implemented in this chunk, so the
/// exported class's methods (which must live in the main module) only call
/// through it.
pub trait Scorer {
    fn recommend(&self, items: Vec<String>, exclude: Vec<String>, limit: usize) -> JsValue;
    fn items(&self) -> usize;
    fn baskets(&self) -> u32;
}

/// A bought-together model loaded into the page (`loadModel(url)`).
#[wasm_bindgen]
pub struct BoughtTogetherModel {
    inner: Box<dyn Scorer>,
}

struct Scored<'a>(&'a crosscart_core::fbt::model::Complement<'a>);

impl ToJson for Scored<'_> {
    fn write_json(&self, out: &mut String) {
        ObjectWriter::new(out).field("item", self.0.item).field("score", &self.0.score).field("count", &self.0.count).end();
    }
}

struct Loaded(&'static Model<'static>);

impl Scorer for Loaded {
    fn recommend(&self, items: Vec<String>, exclude: Vec<String>, limit: usize) -> JsValue {
        let seeds: Vec<&str> = items.iter().map(String::as_str).collect();
        let ex: Vec<&str> = exclude.iter().map(String::as_str).collect();
        let found = self.0.recommend(&seeds, &ex, limit);
        js::to_js(&found.iter().map(Scored).collect::<Vec<_>>())
    }
    fn items(&self) -> usize {
        self.0.items()
    }
    fn baskets(&self) -> u32 {
        self.0.baskets()
    }
}

#[wasm_bindgen]
impl BoughtTogetherModel {
    /// Complements of `items` (a product, or a whole cart) leaving out `exclude`,
    /// best first: `[{item, score, count}]`. Synchronous: no network.
    pub fn recommend(&self, items: Vec<String>, exclude: Vec<String>, limit: usize) -> JsValue {
        self.inner.recommend(items, exclude, limit)
    }
    /// Number of items the model knows.
    #[wasm_bindgen(getter)]
    pub fn items(&self) -> usize {
        self.inner.items()
    }
    /// Number of orders it was mined from.
    #[wasm_bindgen(getter)]
    pub fn baskets(&self) -> u32 {
        self.inner.baskets()
    }
}

/// `loadModel(url)`: fetches and checks a model file made by `crosscart mine` (once per URL per page).
pub fn invoke(name: String, args: js_sys::Array) -> crate::chunks::Answer {
    Box::pin(async move {
        match name.as_str() {
            "loadModel" => {
                let url = args.get(0).as_string().unwrap_or_default();
                let inner = model(&url).await.map_err(crate::api::reject)?;
                Ok(BoughtTogetherModel { inner: Box::new(Loaded(inner)) }.into())
            }
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}
