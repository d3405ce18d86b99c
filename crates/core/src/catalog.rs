//! Catalog: products, their variants (colour, size, ...), prices and images.

use crate::money::Money;
use serde::{Deserialize, Serialize};

pub type ProductId = String;
pub type VariantId = String;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    /// Text alternative; rendered as text, never as markup.
    #[serde(default)]
    pub alt: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantOption {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub id: VariantId,
    pub product_id: ProductId,
    /// e.g. "Black / 64 GB"; empty for a product's only variant.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub options: Vec<VariantOption>,
    pub price: Money,
    #[serde(default)]
    pub image: Option<Image>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    /// URL-safe name, e.g. `mirrorless-camera-x100`.
    pub handle: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub images: Vec<Image>,
    pub variants: Vec<Variant>,
}

crate::json_object!(Image { req url, def alt });
crate::json_object!(VariantOption { req name, req value });
crate::json_object!(Variant { req id, req product_id, def title, def sku, def options, req price, nul image });
crate::json_object!(Product { req id, req handle, req title, def description, def category, def images, req variants });

impl Product {
    pub fn variant(&self, id: &str) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }
    /// The lowest variant price, for "from €X" displays.
    pub fn min_price(&self) -> Option<Money> {
        self.variants.iter().map(|v| v.price).min_by_key(|p| p.amount)
    }
}
