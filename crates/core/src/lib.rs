//! `crosscart-core`: the pure domain of Crosscart.
//!
//! Nothing in this crate performs I/O. There is no network, no clock, no
//! randomness, no async runtime, no DOM and no database here: time and ids come
//! in as arguments, and talking to a commerce backend is described by
//! [`protocol::HttpRequest`] values that the browser build (`crosscart-web`)
//! and the native build (`crosscart-server`, `crosscart`) carry out their own
//! way, handing the [`protocol::HttpResponse`] back to be parsed here.

pub mod cart;
pub mod fbt;
pub mod catalog;
pub mod i18n;
pub mod json;
pub mod money;
pub mod offer;
pub mod order;
pub mod promo;
pub mod protocol;
pub mod sorted;
pub mod store;
pub mod sync;

pub use cart::{Cart, CartLine, Fulfillment};
pub use catalog::{Image, Product, ProductId, Variant, VariantId};
pub use money::{Currency, Money, MoneyError};
pub use order::{Order, OrderLine};
pub use store::{GeoPoint, OpeningHours, Store, StockLevel};
