//! What loads on demand: the split points of the browser build.
//!
//! With the `split` feature (the shipped build), each function below is a
//! `wasm_split` point: its code, and everything only it reaches, goes into
//! a separate WebAssembly chunk that is fetched the first time it is called
//! (`cargo xtask build` runs the splitter). Without the feature (the
//! `wasm-bindgen-test` suite) they are ordinary async functions in one module.
//!
//! The chunks: `sync` (the replicated cart's engine, once a cart exists),
//! `cart` (`<cc-cart>`'s view), `drawer` (`<cc-cart drawer>`'s dialog), `codes` (its discount codes and note), `bundles` (`<cc-bought-together>` and the model scorer),
//! `stock` (`<cc-store-stock>`, the k-d tree and gazetteer), `offers`
//! (`<cc-post-checkout>`) and `accounts` (the rest of the headless API:
//! sign-in, handoff, checkout, order lookup, products).
//! (Backends are not chunks but builds: see `config::Adapter`.) A failed load
//! is an error the element shows; the next attempt fetches again.

use crate::elements::{Host, Live};
use crosscart_core::protocol::ProtocolError;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A chunk could not be fetched or instantiated.
#[derive(Debug)]
pub struct ChunkError;

#[cfg(feature = "split")]
impl From<wasm_split_helpers::SplitLoaderError> for ChunkError {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> ChunkError {
        ChunkError
    }
}

impl From<ChunkError> for ProtocolError {
    fn from(_: ChunkError) -> ProtocolError {
        ProtocolError::Network("part of the shop's widgets could not be loaded; check your connection and try again".into())
    }
}

/// A headless API call answered by a chunk.
pub type Answer = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// Declares split points: `split! { module: fn name(args) -> T { body } }`.
macro_rules! split {
    ($($module:ident: fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        #[cfg(feature = "split")]
        #[wasm_split_helpers::wasm_split($module, fallible)]
        pub fn $name($($arg: $ty),*) -> Result<$ret, ChunkError> {
            let value: $ret = $body;
            Ok(value)
        }
        #[cfg(not(feature = "split"))]
        pub async fn $name($($arg: $ty),*) -> Result<$ret, ChunkError> {
            let value: $ret = $body;
            Ok(value)
        }
    )*};
}

split! {
    sync: fn sync_engine() -> &'static dyn crate::store::Engine { &crate::sync::Live }
    cart: fn mount_cart(host: Rc<Host>) -> Live { crate::elements::cart::mount(host) }
    cart: fn invoke_cart(name: String, args: js_sys::Array) -> Answer { crate::elements::cart::invoke(name, args) }
    codes: fn invoke_codes(name: String, args: js_sys::Array) -> Answer { crate::elements::codes::invoke(name, args) }
    codes: fn cart_part(host: Rc<Host>, slot: web_sys::Element, focus: bool, note: bool) -> Live {
        if note { crate::elements::codes::mount_note(host, slot, focus) } else { crate::elements::codes::mount(host, slot, focus) }
    }
    drawer: fn cart_drawer(host: Rc<Host>, base: web_sys::Element) -> Live { crate::elements::drawer::mount(host, base) }
    bundles: fn mount_bundle(host: Rc<Host>) -> Live { crate::elements::bought_together::mount(host) }
    bundles: fn invoke_bundles(name: String, args: js_sys::Array) -> Answer { crate::elements::bought_together::invoke(name, args) }
    stock: fn mount_stock(host: Rc<Host>) -> Live { crate::elements::store_stock::mount(host) }
    stock: fn invoke_stock(name: String, args: js_sys::Array) -> Answer { crate::elements::store_stock::invoke(name, args) }
    offers: fn mount_offer(host: Rc<Host>) -> Live { crate::elements::post_checkout::mount(host) }
    offers: fn invoke_offers(name: String, args: js_sys::Array) -> Answer { crate::elements::post_checkout::invoke(name, args) }
    accounts: fn invoke_accounts(name: String, args: js_sys::Array) -> Answer { crate::account::invoke(name, args) }
    accounts: fn handoff_panel(slot: web_sys::Element) -> Live { crate::elements::handoff::panel(slot) }
    stock: fn store_names() -> Pin<Box<dyn Future<Output = Result<Vec<(String, String)>, ProtocolError>>>> { Box::pin(crate::stores::names_from_directory()) }
    accounts: fn invoke_orders(name: String, args: js_sys::Array) -> Answer { crate::account::invoke_orders(name, args) }
    accounts: fn invoke_catalog(name: String, args: js_sys::Array) -> Answer { crate::account::invoke_catalog(name, args) }
}

/// Mounts an element whose code is in a chunk.
pub async fn mount(tag: &str, host: Rc<Host>) -> Result<Live, ProtocolError> {
    Ok(match tag {
        "cc-cart" => mount_cart(host).await?,
        "cc-bought-together" => mount_bundle(host).await?,
        "cc-store-stock" => mount_stock(host).await?,
        "cc-post-checkout" => mount_offer(host).await?,
        other => return Err(ProtocolError::InvalidRequest(format!("unknown element <{other}>"))),
    })
}

/// A headless API call whose code is in a chunk; `None` if no chunk answers `name`.
pub async fn invoke(name: &str, args: js_sys::Array) -> Option<Result<JsValue, JsValue>> {
    let n = name.to_owned();
    // Each loader boxed on its own: one state machine holding all of them
    // would be several KiB in the main module.
    type Loading = Pin<Box<dyn Future<Output = Result<Answer, ChunkError>>>>;
    let loading: Loading = match name {
        "setQuantity" => Box::pin(invoke_cart(n, args)),
        "applyCode" | "removeCode" | "setNote" => Box::pin(invoke_codes(n, args)),
        "loadModel" => Box::pin(invoke_bundles(n, args)),
        "loadStores" | "storeFinder" => Box::pin(invoke_stock(n, args)),
        "getOffer" | "acceptOffer" | "offerEvent" => Box::pin(invoke_offers(n, args)),
        "signIn" | "signUp" | "signOut" | "currentCustomer" | "createHandoff" | "claimHandoff" => Box::pin(invoke_accounts(n, args)),
        "checkout" | "getOrder" => Box::pin(invoke_orders(n, args)),
        "getProduct" | "listProducts" => Box::pin(invoke_catalog(n, args)),
        _ => return None,
    };
    Some(match loading.await {
        Ok(fut) => fut.await,
        Err(e) => Err(crate::api::reject(e.into())),
    })
}
