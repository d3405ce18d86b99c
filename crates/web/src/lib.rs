//! `crosscart-web`: the browser build of Crosscart.
//!
//! The only crate that knows JavaScript: it carries out `crosscart-core`'s
//! request descriptions with `fetch`, keeps the page's shared cart state in
//! Leptos signals, and defines the `cc-*` custom elements (see `elements`).
//! The JavaScript entry points (`configure`, `defineElements`, `addToCart`,
//! ...) are the headless API that `www/src/crosscart.js` re-exports.

pub mod api;
pub mod config;
pub mod elements;
pub mod events;
pub mod js;
pub mod store;
pub mod stores;
pub mod sync;
pub mod transport;

pub use api::*;
