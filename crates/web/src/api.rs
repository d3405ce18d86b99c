//! The JavaScript entry points (called by `www/src/crosscart.js`).
//!
//! The loader defines the elements and forwards their lifecycle here
//! (`connect`, `disconnect`, `changed`); the headless API goes through one
//! entry, [`invoke`], so each call's code can live in the chunk that needs
//! it. Results are plain objects in the reference protocol's shapes;
//! failures reject with an `Error` carrying a stable `code`.

use crate::{chunks, config, elements, js, store};
use crosscart_core::protocol::ProtocolError;
use crosscart_core::Fulfillment;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRoot};

pub fn reject(e: ProtocolError) -> JsValue {
    js::js_error(e.code(), &e.to_string())
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(obj, &key.into()).ok()?.as_string()
}

/// Sets the page configuration: `{apiBase, locale, currency, api, apiUrl,
/// publishableKey, regionId, storesUrl, gazetteerUrl}`; missing keys keep
/// what the page's meta tags said.
#[wasm_bindgen]
pub fn configure(options: JsValue) -> Result<(), JsValue> {
    let mut c = config::get();
    if c.locale_tag.is_empty() {
        c = config::from_document();
    }
    if options.is_object() {
        if let Some(base) = get_str(&options, "apiBase") {
            c.api_base = base;
        }
        if let Some(tag) = get_str(&options, "locale") {
            c.locale = crosscart_core::i18n::Locale::negotiate(&tag);
            c.locale_tag = tag;
        }
        if let Some(url) = get_str(&options, "gazetteerUrl") {
            c.gazetteer_url = url;
        }
        if let Some(api) = get_str(&options, "api") {
            c.api = api;
        }
        if let Some(base) = get_str(&options, "apiUrl") {
            c.api_base = base;
        }
        if let Some(key) = get_str(&options, "publishableKey") {
            c.publishable_key = key;
        }
        if let Some(region) = get_str(&options, "regionId") {
            c.region_id = region;
        }
        if let Some(url) = get_str(&options, "storesUrl") {
            c.stores_url = url;
        }
        if let Some(cur) = get_str(&options, "currency") {
            c.currency = Some(crosscart_core::Currency::new(&cur).map_err(|e| js::js_error("invalid_currency", &e.to_string()))?);
        }
    }
    config::set(c);
    Ok(())
}

/// Gets the page ready before any element mounts: reads the page's meta
/// tags if nothing was configured. Refuses a backend this build is not for.
#[wasm_bindgen]
pub fn ready() -> Result<(), JsValue> {
    if config::get().locale_tag.is_empty() {
        config::set(config::from_document());
    }
    let api = config::get().api;
    let asked = if api.is_empty() { "crosscart" } else { api.as_str() };
    if asked != config::BACKEND {
        return Err(js::js_error("invalid_request", &format!("this build of crosscart talks to \"{}\", the page asks for \"{asked}\"", config::BACKEND)));
    }
    Ok(())
}

/// A `cc-*` element connected: mount it into its shadow root. Returns its id.
#[wasm_bindgen]
pub fn connect(tag: &str, element: HtmlElement, root: ShadowRoot) -> u32 {
    elements::connect(tag, element, root)
}

/// The element `id` was disconnected.
#[wasm_bindgen]
pub fn disconnect(id: u32) {
    elements::disconnect(id);
}

/// An observed attribute of element `id` changed.
#[wasm_bindgen]
pub fn changed(id: u32, name: &str) {
    elements::changed(id, name);
}

/// `[[tag, [attributes], near], ...]`: the elements, for a page that defines
/// them itself (tests); the loader has the same list built in.
#[wasm_bindgen(js_name = elementSpecs)]
pub fn element_specs() -> JsValue {
    let out = js_sys::Array::new();
    for s in elements::spec::ELEMENTS {
        let attrs: js_sys::Array = s.attributes.iter().map(|a| JsValue::from_str(a)).collect();
        let near = s.near.map_or(JsValue::NULL, JsValue::from_str);
        out.push(&js_sys::Array::of3(&JsValue::from_str(s.tag), &attrs, &near));
    }
    out.into()
}

fn arg_str(args: &js_sys::Array, i: u32) -> Option<String> {
    args.get(i).as_string()
}

/// The headless API: `invoke('addToCart', [variantId, quantity])` and so on
/// (the loader gives each its own function). Cart calls are answered here;
/// the rest by the chunk that holds their code.
#[wasm_bindgen]
pub fn invoke(name: String, args: js_sys::Array) -> js_sys::Promise {
    // Each call's future boxed on its own, so their state machines are not
    // inlined into one large function of the main module.
    let call: chunks::Answer = match name.as_str() {
        "getCart" => Box::pin(async move {
            ready()?;
            store::fetch_current().await.map(|c| js::to_js(&c)).map_err(reject)
        }),
        "addToCart" => Box::pin(async move {
            ready()?;
            let quantity = args.get(1).as_f64().unwrap_or(1.0);
            let q = if quantity.fract() == 0.0 { crosscart_core::cart::validate_quantity(quantity as i64) } else { Err(crosscart_core::cart::CartError::BadQuantity(0)) }
                .map_err(|e| js::js_error("invalid_quantity", &e.to_string()))?;
            store::add(&arg_str(&args, 0).unwrap_or_default(), q, Fulfillment::Delivery, None).await.map(|c| js::to_js(&c)).map_err(reject)
        }),
        _ => Box::pin(async move {
            ready()?;
            match chunks::invoke(&name, args.clone()).await {
                Some(answer) => answer,
                None => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{name}\""))),
            }
        }),
    };
    wasm_bindgen_futures::future_to_promise(call)
}

#[wasm_bindgen(js_name = formatMoney)]
pub fn format_money(money: JsValue) -> Result<String, JsValue> {
    let m: crosscart_core::Money = js::from_js(&money).map_err(|e| js::js_error("invalid_money", &e.to_string()))?;
    Ok(config::format_money(&m))
}

/// Forgets this browser's cart (the server keeps it).
#[wasm_bindgen(js_name = forgetCart)]
pub fn forget_cart() {
    store::forget();
}

/// Number of connected Crosscart elements (diagnostics, leak tests).
#[wasm_bindgen(js_name = connectedElements)]
pub fn connected_elements() -> usize {
    elements::mounted_count()
}

/// Remembers a product view for later offers (what `<cc-viewed>` does).
#[wasm_bindgen(js_name = recordView)]
pub fn record_view(product_id: String) {
    elements::viewed::record_view(&product_id);
}
