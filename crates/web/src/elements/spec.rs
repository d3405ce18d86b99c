//! Every `cc-*` element's tag and observed attributes: the one list the
//! loader's element definitions are generated from (`cargo xtask build`
//! includes this file) and that the browser build registers.
//!
//! This file has no dependencies on purpose, so the native build tool can
//! include it as it is.

/// One element.
pub struct Spec {
    pub tag: &'static str,
    /// Attributes whose changes reach the element.
    pub attributes: &'static [&'static str],
    /// Below-the-fold elements load their code only when they come within
    /// this `IntersectionObserver` root margin of the viewport.
    pub near: Option<&'static str>,
}

pub const ELEMENTS: &[Spec] = &[
    Spec { tag: "cc-add-to-cart", attributes: &["variant", "quantity", "pickup-store"], near: None },
    Spec { tag: "cc-cart-count", attributes: &["show-zero"], near: None },
    Spec { tag: "cc-cart", attributes: &["checkout-url", "handoff"], near: None },
    Spec { tag: "cc-bought-together", attributes: &["product", "variant", "from-cart", "limit", "model"], near: Some("200px") },
    Spec { tag: "cc-store-stock", attributes: &["product", "variant", "quantity", "limit", "lat", "lon", "country"], near: Some("200px") },
    Spec { tag: "cc-post-checkout", attributes: &["order", "order-key", "cart-url"], near: None },
    Spec { tag: "cc-viewed", attributes: &["product"], near: None },
];
