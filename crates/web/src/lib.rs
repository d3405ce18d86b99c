//! `crosscart-web`: the browser build of Crosscart.
//!
//! The only crate that knows JavaScript: it carries out `crosscart-core`'s
//! request descriptions with `fetch`, keeps the page's shared cart state,
//! and implements the `cc-*` custom elements that the loader
//! (`www/src/crosscart.js`) defines. The code of the elements beyond the
//! cart, of accounts and of backends other than the reference protocol is
//! split into chunks loaded on demand (see `chunks`).

pub mod account;
pub mod api;
pub mod chunks;
pub mod config;
pub mod dom;
pub mod elements;
pub mod events;
pub mod js;
pub mod store;
pub mod stores;
pub mod sync;
pub mod transport;

pub use api::*;

// Talc instead of the standard dlmalloc: about 5 KiB less WebAssembly in
// the chunk every page loads, and faster (ARCHITECTURE.md, "Weight").
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
