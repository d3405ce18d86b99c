//! Orders: what a checked-out cart becomes, in any channel.

use crate::cart::Fulfillment;
use crate::catalog::{ProductId, VariantId};
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

/// Where an order was placed; every channel goes through the same API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Web,
    App,
    Store,
}

crate::json_enum!(Channel { Web = "web", App = "app", Store = "store" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub variant_id: VariantId,
    pub product_id: ProductId,
    pub title: String,
    #[serde(default)]
    pub variant_title: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    #[serde(default)]
    pub fulfillment: Fulfillment,
    /// Bundle discount on this line; `line_total` is before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    /// Human-facing order number, e.g. 1042.
    pub number: u64,
    pub channel: Channel,
    pub currency: Currency,
    pub lines: Vec<OrderLine>,
    pub subtotal: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// Delivery charged (zero when it was free); none when nothing shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
    pub total: Money,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The secret that, with the id, lets a guest look the order up again.
    /// Present only in the checkout response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

crate::json_object!(OrderLine { req variant_id, req product_id, req title, def variant_title, req quantity, req unit_price, req line_total, def fulfillment, opt discount });
crate::json_object!(Order { req id, req number, req channel, req currency, req lines, req subtotal, opt discount, opt shipping, req total, req created_at, opt key });
