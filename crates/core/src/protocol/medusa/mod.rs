//! Adapter for the Medusa v2 Store API (`/store/...`), checked against a real
//! Medusa 2.21 (`cargo xtask test --peers`) and its recorded answers
//! (`tests/fixtures/medusa/`).
//!
//! What differs from the reference protocol, and how it is bridged:
//! - Amounts are major units as JSON numbers (`12.5` = €12.50): parsed from
//!   their decimal text into minor units exactly ([`Money::from_major`]).
//! - Every request carries `x-publishable-api-key`; prices need a `region_id`.
//! - A cart id is the cart's bearer secret (as in the reference protocol).
//! - Stock per location comes from the products route
//!   (`variants.inventory_items.inventory.location_levels`); Medusa has no
//!   store directory (names, coordinates, hours), so the shop publishes one as a
//!   JSON file (`stores_url`) whose store ids are Medusa stock-location ids.
//! - Pickup lines, handoff, live sync, offers and order lookup by key do not
//!   exist here: declared unsupported. Medusa fulfils a "pickup" from any
//!   location, so the SDK never offers to reserve at a store.
//! - A customer's carts cannot be listed: sign-in transfers the guest cart to
//!   the customer (`attach_cart`); the SDK remembers the
//!   customer's cart id on the device.
//! - Over-stock answers `insufficient_inventory` without a count:
//!   [`ProtocolError::InsufficientStock`] with `available: None`.

use super::*;
use crate::cart::{CartLine, DiscountKind, Figures};
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::{Exact, Money};
use crate::store::{StockLevel, VariantStock};
use crate::json::{FromJson, Value};

/// Where the shop's Medusa is and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedusaAdapter {
    /// e.g. `http://127.0.0.1:9000`, no trailing slash.
    base_url: String,
    publishable_key: String,
    /// Prices are per region.
    region_id: String,
    /// The shop's store directory (`{"stores": [...]}`, ids = stock locations).
    stores_url: Option<String>,
    /// A signed-in customer's JWT.
    token: Option<String>,
}

const PRODUCT_FIELDS: &str = "id,handle,title,description,thumbnail,*images,*categories,*variants,*variants.options,*variants.options.option,variants.calculated_price.calculated_amount,variants.calculated_price.currency_code";
/// Every figure on both tax bases, so the cart is shown on the one its prices use.
const CART_FIELDS: &str = "id,currency_code,completed_at,total,discount_total,discount_subtotal,shipping_total,shipping_subtotal,tax_total,shipping_methods.id,promotions.code,promotions.is_automatic,*items,items.is_tax_inclusive,items.subtotal,items.original_total,items.discount_total,items.discount_subtotal,items.adjustments.code,items.adjustments.amount";

impl MedusaAdapter {
    pub fn new(base_url: &str, publishable_key: &str, region_id: &str) -> MedusaAdapter {
        MedusaAdapter {
            base_url: base_url.trim_end_matches('/').to_owned(),
            publishable_key: publishable_key.to_owned(),
            region_id: region_id.to_owned(),
            stores_url: None,
            token: None,
        }
    }

    pub fn with_stores_url(mut self, url: Option<String>) -> Self {
        self.stores_url = url.filter(|u| !u.is_empty());
        self
    }

    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    fn request(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> HttpRequest {
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned()), ("x-publishable-api-key".to_owned(), self.publishable_key.clone())];
        if let Some(t) = &self.token {
            headers.push(("authorization".into(), format!("Bearer {t}")));
        }
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        HttpRequest { method, url: format!("{}{path}", self.base_url), headers, body }
    }

    /// `POST` (apply) or `DELETE` (remove) `/store/carts/{id}/promotions`.
    /// Medusa's codes are as the shop typed them; a blank or absurd code is refused before sending.
    fn code_call(&self, method: Method, cart_id: &str, code: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 200 || code.chars().any(char::is_control) {
            return Err(ProtocolError::Api { status: 422, code: "code_unknown".into(), message: "not a discount code".into() });
        }
        let body = crate::json::object(|o| {
            o.field("promo_codes", &[code][..]);
        });
        let path = format!("/store/carts/{}/promotions?fields={CART_FIELDS}", encode_component(cart_id));
        Ok(Call::new(self.request(method, &path, Some(body)), |r| {
            if !(200..300).contains(&r.status) {
                return Err(code_refusal(r));
            }
            let w: CartAnswer = parse(r, "cart")?;
            to_cart(w.cart)
        }))
    }

    fn cart_call(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Call<Cart> {
        let sep = if path.contains('?') { '&' } else { '?' };
        Call::new(self.request(method, &format!("{path}{sep}fields={CART_FIELDS}"), body), |r| {
            let w: CartAnswer = parse(r, "cart")?;
            to_cart(w.cart)
        })
    }
}

/// A success body as `T`, or Medusa's error (`{type, message}`, sometimes a `code`).
fn parse<T: FromJson>(r: &HttpResponse, what: &'static str) -> Result<T, ProtocolError> {
    if !(200..300).contains(&r.status) {
        return Err(error(r));
    }
    crate::json::from_slice(&r.body).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

struct ErrorWire {
    code: Option<String>,
    kind: Option<String>,
    message: Option<String>,
}

crate::json_read!(ErrorWire { opt code, opt kind as "type", opt message });

fn error(r: &HttpResponse) -> ProtocolError {
    match crate::json::from_slice::<ErrorWire>(&r.body) {
        Ok(ErrorWire { code: Some(code), message, .. }) if code == "insufficient_inventory" => ProtocolError::InsufficientStock {
            available: None,
            message: message.unwrap_or_else(|| "not enough stock".into()),
        },
        Ok(ErrorWire { kind: Some(kind), message: Some(message), .. }) => ProtocolError::Api { status: r.status, code: kind, message },
        _ => ProtocolError::Http { status: r.status },
    }
}

fn malformed(what: &'static str, detail: impl Into<String>) -> ProtocolError {
    ProtocolError::Malformed { what, detail: detail.into() }
}

/// A Medusa amount (a JSON number in major units, or its decimal string).
fn amount(v: &Value, currency: Currency, what: &'static str) -> Result<Money, ProtocolError> {
    let text = match v {
        Value::Number(n) | Value::String(n) => n.clone(),
        other => return Err(malformed(what, format!("amount is {}, expected a number", other.kind()))),
    };
    Money::from_major(&text, currency).map_err(|e| malformed(what, e.to_string()))
}

fn currency(code: &str, what: &'static str) -> Result<Currency, ProtocolError> {
    Currency::new(&code.to_ascii_uppercase()).map_err(|e| malformed(what, e.to_string()))
}

// ---------------------------------------------------------------- products

struct ProductsAnswer {
    products: Vec<ProductWire>,
}

struct ProductAnswer {
    product: ProductWire,
}

struct ProductWire {
    id: String,
    handle: String,
    title: String,
    description: Option<String>,
    thumbnail: Option<String>,
    images: Option<Vec<ImageWire>>,
    categories: Option<Vec<CategoryWire>>,
    variants: Option<Vec<VariantWire>>,
}

struct ImageWire {
    url: String,
}

struct CategoryWire {
    handle: String,
}

struct VariantWire {
    id: String,
    title: Option<String>,
    sku: Option<String>,
    thumbnail: Option<String>,
    options: Option<Vec<OptionValueWire>>,
    calculated_price: Option<PriceWire>,
}

struct OptionValueWire {
    value: String,
    option: Option<OptionWire>,
}

struct OptionWire {
    title: String,
}

struct PriceWire {
    calculated_amount: Value,
    currency_code: String,
}

crate::json_read!(ProductsAnswer { req products });
crate::json_read!(ProductAnswer { req product });
crate::json_read!(ProductWire { req id, req handle, req title, opt description, opt thumbnail, opt images, opt categories, opt variants });
crate::json_read!(ImageWire { req url });
crate::json_read!(CategoryWire { req handle });
crate::json_read!(VariantWire { req id, opt title, opt sku, opt thumbnail, opt options, opt calculated_price });
crate::json_read!(OptionValueWire { req value, opt option });
crate::json_read!(OptionWire { req title });
crate::json_read!(PriceWire { req calculated_amount, req currency_code });

fn to_product(p: ProductWire) -> Result<Product, ProtocolError> {
    let mut images: Vec<Image> = p.images.unwrap_or_default().into_iter().map(|i| Image { url: i.url, alt: String::new() }).collect();
    if images.is_empty()
        && let Some(t) = p.thumbnail.filter(|t| !t.is_empty()) {
            images.push(Image { url: t, alt: String::new() });
        }
    let mut variants = Vec::new();
    for v in p.variants.unwrap_or_default() {
        // A variant without a price in this region cannot be sold here: left out.
        let Some(price) = v.calculated_price else { continue };
        let cur = currency(&price.currency_code, "product")?;
        variants.push(Variant {
            price: amount(&price.calculated_amount, cur, "product")?,
            product_id: p.id.clone(),
            title: v.title.unwrap_or_default(),
            sku: v.sku.unwrap_or_default(),
            options: v.options.unwrap_or_default().into_iter().map(|o| VariantOption { name: o.option.map(|x| x.title).unwrap_or_default(), value: o.value }).collect(),
            image: v.thumbnail.filter(|t| !t.is_empty()).map(|url| Image { url, alt: String::new() }),
            id: v.id,
        });
    }
    Ok(Product {
        id: p.id,
        handle: p.handle,
        title: p.title,
        description: p.description.unwrap_or_default(),
        category: p.categories.and_then(|c| c.into_iter().next()).map(|c| c.handle).unwrap_or_default(),
        images,
        variants,
    })
}

// ---------------------------------------------------------------- carts

struct CartAnswer {
    cart: CartWire,
}

struct DeletedAnswer {
    parent: CartWire,
}

struct CartWire {
    id: String,
    currency_code: String,
    completed_at: Option<Value>,
    items: Option<Vec<ItemWire>>,
    total: Value,
    discount_total: Option<Value>,
    discount_subtotal: Option<Value>,
    shipping_total: Option<Value>,
    shipping_subtotal: Option<Value>,
    tax_total: Option<Value>,
    shipping_methods: Option<Vec<Value>>,
    promotions: Option<Vec<PromotionWire>>,
}

struct PromotionWire {
    code: Option<String>,
    is_automatic: Option<bool>,
}

struct ItemWire {
    id: String,
    variant_id: Option<String>,
    product_id: Option<String>,
    title: String,
    product_title: Option<String>,
    variant_title: Option<String>,
    thumbnail: Option<String>,
    quantity: Value,
    unit_price: Value,
    /// The price before a sale (Medusa's price lists), when there is one.
    compare_at_unit_price: Option<Value>,
    is_tax_inclusive: Option<bool>,
    subtotal: Option<Value>,
    original_total: Option<Value>,
    discount_total: Option<Value>,
    discount_subtotal: Option<Value>,
    adjustments: Option<Vec<AdjustmentWire>>,
}

struct AdjustmentWire {
    code: Option<String>,
    amount: Value,
}

crate::json_read!(CartAnswer { req cart });
crate::json_read!(DeletedAnswer { req parent });
crate::json_read!(CartWire {
    req id, req currency_code, opt completed_at, opt items, req total, opt discount_total, opt discount_subtotal,
    opt shipping_total, opt shipping_subtotal, opt tax_total, opt shipping_methods, opt promotions,
});
crate::json_read!(PromotionWire { opt code, opt is_automatic });
crate::json_read!(ItemWire {
    req id, opt variant_id, opt product_id, req title, opt product_title, opt variant_title, opt thumbnail, req quantity, req unit_price,
    opt compare_at_unit_price, opt is_tax_inclusive, opt subtotal, opt original_total, opt discount_total, opt discount_subtotal, opt adjustments,
});
crate::json_read!(AdjustmentWire { opt code, req amount });

/// A Medusa amount as it computed it (below the cent where it does).
fn exact(v: &Value, currency: Currency) -> Result<Exact, ProtocolError> {
    let text = match v {
        Value::Number(n) | Value::String(n) => n.as_str(),
        other => return Err(malformed("cart", format!("amount is {}, expected a number", other.kind()))),
    };
    Exact::from_major(text, currency).map_err(|e| malformed("cart", e.to_string()))
}

fn exact_or(v: &Option<Value>, currency: Currency, or: impl FnOnce() -> Result<Exact, ProtocolError>) -> Result<Exact, ProtocolError> {
    match v.as_ref().filter(|v| !v.is_null()) {
        Some(v) => exact(v, currency),
        None => or(),
    }
}

/// Medusa's cart on one tax basis: a VAT-inclusive region's (every item
/// `is_tax_inclusive`) shows shelf prices with tax in them, the rest net
/// with tax added. Medusa computes below the cent; [`Figures::settle`]
/// rounds once.
fn to_cart(c: CartWire) -> Result<Cart, ProtocolError> {
    let cur = currency(&c.currency_code, "cart")?;
    if c.completed_at.as_ref().is_some_and(|v| !v.is_null()) {
        // An order was placed from it: for the shopper it is gone, as in the reference protocol.
        return Err(ProtocolError::Api { status: 410, code: "cart_closed".into(), message: "this cart has become an order".into() });
    }
    let items = c.items.unwrap_or_default();
    let tax_included = !items.is_empty() && items.iter().all(|it| it.is_tax_inclusive == Some(true));
    let mut lines = Vec::new();
    let mut line_exact = Vec::new();
    // Net amount each promotion code took off, to label the discounts.
    let mut by_code: Vec<(String, i128)> = Vec::new();
    for it in items {
        let quantity = it.quantity.as_u64().and_then(|q| u32::try_from(q).ok()).ok_or_else(|| malformed("cart", format!("line {} has quantity {}", it.id, crate::json::ToJson::to_json(&it.quantity))))?;
        let unit_price = amount(&it.unit_price, cur, "cart")?;
        let from_unit = || Ok(Exact::from(unit_price.checked_mul(quantity).map_err(|e| malformed("cart", e.to_string()))?));
        // Before discounts, on the cart's basis: gross `original_total` or net `subtotal`.
        let total = if tax_included { exact_or(&it.original_total, cur, from_unit)? } else { exact_or(&it.subtotal, cur, from_unit)? };
        let off = if tax_included { &it.discount_total } else { &it.discount_subtotal };
        let discount = exact_or(off, cur, || Ok(Exact::zero(cur)))?.round().map_err(|e| malformed("cart", e.to_string()))?;
        for a in it.adjustments.unwrap_or_default() {
            let amount = exact(&a.amount, cur)?.micros;
            let code = a.code.unwrap_or_default();
            match by_code.iter_mut().find(|(c, _)| *c == code) {
                Some((_, sum)) => *sum += amount,
                None => by_code.push((code, amount)),
            }
        }
        let variant_id = it.variant_id.ok_or_else(|| malformed("cart", format!("line {} has no variant (a custom item)", it.id)))?;
        line_exact.push(total);
        lines.push(CartLine {
            product_id: it.product_id.unwrap_or_default(),
            title: it.product_title.unwrap_or(it.title),
            variant_title: it.variant_title.unwrap_or_default(),
            image: it.thumbnail.filter(|t| !t.is_empty()).map(|url| Image { url, alt: String::new() }),
            discount: (discount.amount != 0).then_some(discount),
            compare_at: it.compare_at_unit_price.as_ref().filter(|v| !v.is_null()).map(|v| amount(v, cur, "cart")).transpose()?.filter(|was| was.amount > unit_price.amount),
            ..CartLine::delivered(it.id, variant_id, quantity, unit_price, total.round().map_err(|e| malformed("cart", e.to_string()))?)
        });
    }
    let subtotal = Exact { micros: line_exact.iter().map(|e| e.micros).sum(), currency: cur };
    let zero = || Ok(Exact::zero(cur));
    let discount = if tax_included { exact_or(&c.discount_total, cur, zero)? } else { exact_or(&c.discount_subtotal, cur, zero)? };
    let shipping = if tax_included { exact_or(&c.shipping_total, cur, zero)? } else { exact_or(&c.shipping_subtotal, cur, zero)? };
    let tax = exact_or(&c.tax_total, cur, zero)?;
    let promotions = c.promotions.unwrap_or_default();
    // The codes the customer entered (automatic promotions are the shop's own).
    let codes: Vec<String> = promotions.iter().filter(|p| p.is_automatic != Some(true)).filter_map(|p| p.code.clone()).collect();
    let figures = Figures {
        subtotal,
        discounts: label_discounts(discount, &by_code, &promotions),
        shipping: (c.shipping_methods.is_some_and(|m| !m.is_empty()) || shipping.micros != 0).then_some(shipping),
        fees: None,
        tax: (tax.micros != 0).then_some(tax),
        tax_included,
        total: exact(&c.total, cur)?,
    };
    let totals = figures.settle().map_err(|e| malformed("cart", e.to_string()))?;
    let mut cart = Cart::new(c.id, cur, lines, totals).map_err(|e| malformed("cart", e.to_string()))?;
    cart.codes = codes;
    Ok(cart)
}

/// Medusa's answer to a code it will not apply (`invalid_data`, "The
/// promotion code X is invalid") in the protocol's terms.
fn code_refusal(r: &HttpResponse) -> ProtocolError {
    match error(r) {
        ProtocolError::Api { status: 400, code, message } if code == "invalid_data" => {
            let refusal = if message.contains("invalid") || message.contains("not found") { "code_unknown" } else { "code_not_applicable" };
            ProtocolError::Api { status: 422, code: refusal.into(), message }
        }
        other => other,
    }
}

/// The cart's discount split by promotion code, in proportion to what each
/// code took off (Medusa's adjustments are net; the cart may show gross).
fn label_discounts(total: Exact, by_code: &[(String, i128)], promotions: &[PromotionWire]) -> Vec<(DiscountKind, String, Exact)> {
    if total.micros == 0 {
        return Vec::new();
    }
    let net: i128 = by_code.iter().map(|(_, a)| a).sum();
    if by_code.is_empty() || net == 0 {
        return vec![(DiscountKind::Promotion, String::new(), total)];
    }
    let mut left = total.micros;
    by_code
        .iter()
        .enumerate()
        .map(|(i, (code, amount))| {
            let share = if i + 1 == by_code.len() { left } else { total.micros * amount / net };
            left -= share;
            let automatic = promotions.iter().any(|p| p.code.as_deref() == Some(code) && p.is_automatic == Some(true));
            let kind = if automatic || code.is_empty() { DiscountKind::Promotion } else { DiscountKind::Code };
            (kind, code.clone(), Exact { micros: share, currency: total.currency })
        })
        .collect()
}

// ---------------------------------------------------------------- stock

struct StockProductWire {
    variants: Option<Vec<StockVariantWire>>,
}

struct StockVariantWire {
    id: String,
    manage_inventory: Option<bool>,
    inventory_items: Option<Vec<InventoryLinkWire>>,
}

struct InventoryLinkWire {
    inventory: Option<InventoryWire>,
}

struct InventoryWire {
    location_levels: Option<Vec<LevelWire>>,
}

struct LevelWire {
    location_id: String,
    available_quantity: Value,
}

struct StockAnswer {
    products: Vec<StockProductWire>,
}

crate::json_read!(StockProductWire { opt variants });
crate::json_read!(StockVariantWire { req id, opt manage_inventory, opt inventory_items });
crate::json_read!(InventoryLinkWire { opt inventory });
crate::json_read!(InventoryWire { opt location_levels });
crate::json_read!(LevelWire { req location_id, req available_quantity });
crate::json_read!(StockAnswer { req products });

/// Free units per location. A variant made of several inventory items (a
/// kit) has as many as its scarcest item allows; one whose inventory Medusa
/// does not manage (`manage_inventory: false`) is always sellable: untracked.
fn to_stock(variant_id: &str, a: StockAnswer) -> Result<VariantStock, ProtocolError> {
    let variant = a.products.into_iter().flat_map(|p| p.variants.unwrap_or_default()).find(|v| v.id == variant_id).ok_or_else(|| ProtocolError::Api {
        status: 404,
        code: "not_found".into(),
        message: format!("variant {variant_id} not found"),
    })?;
    if variant.manage_inventory == Some(false) {
        return Ok(VariantStock { variant_id: variant_id.to_owned(), stock: Vec::new(), warehouse: 0, low_stock_threshold: crate::store::rank::DEFAULT_LOW_THRESHOLD, untracked: true });
    }
    let mut per_location: Vec<(String, u32)> = Vec::new();
    for (i, link) in variant.inventory_items.unwrap_or_default().into_iter().enumerate() {
        let levels = link.inventory.and_then(|inv| inv.location_levels).unwrap_or_default();
        let mut these = Vec::new();
        for l in levels {
            // Medusa may answer a negative or fractional availability when over-reserved: none free.
            let q = l.available_quantity.as_f64().ok_or_else(|| malformed("stock list", format!("available_quantity is {}", crate::json::ToJson::to_json(&l.available_quantity))))?;
            these.push((l.location_id, if q.is_finite() && q > 0.0 { q.min(f64::from(u32::MAX)).floor() as u32 } else { 0 }));
        }
        if i == 0 {
            per_location = these;
        } else {
            for (loc, q) in &mut per_location {
                *q = these.iter().find(|(l, _)| l == loc).map_or(0, |(_, t)| (*q).min(*t));
            }
        }
    }
    Ok(VariantStock {
        variant_id: variant_id.to_owned(),
        stock: per_location.into_iter().map(|(store_id, quantity)| StockLevel { store_id, variant_id: variant_id.to_owned(), quantity }).collect(),
        warehouse: 0,
        low_stock_threshold: crate::store::rank::DEFAULT_LOW_THRESHOLD,
        untracked: false,
    })
}

// ---------------------------------------------------------------- customers

struct TokenAnswer {
    token: String,
}

struct CustomerAnswer {
    customer: CustomerWire,
}

struct CustomerWire {
    id: String,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
}

crate::json_read!(TokenAnswer { req token });
crate::json_read!(CustomerAnswer { req customer });
crate::json_read!(CustomerWire { req id, req email, opt first_name, opt last_name });

impl From<CustomerWire> for CustomerInfo {
    fn from(c: CustomerWire) -> CustomerInfo {
        let name = [c.first_name, c.last_name].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
        CustomerInfo { id: c.id, email: c.email, name }
    }
}

impl CommerceAdapter for MedusaAdapter {
    fn name(&self) -> &'static str {
        "medusa"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { per_store_stock: self.stores_url.is_some(), customer_carts: true, discount_codes: true, ..Capabilities::default() }
    }

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError> {
        let mut path = format!("/store/products?region_id={}&limit=100&fields={PRODUCT_FIELDS}", encode_component(&self.region_id));
        for id in &query.ids {
            path.push_str(&format!("&id[]={}", encode_component(id)));
        }
        if let Some(q) = &query.search {
            path.push_str(&format!("&q={}", encode_component(q)));
        }
        // Medusa filters by category id, not by our category handle: filtered after parsing.
        let category = query.category.clone();
        Ok(Call::new(self.request(Method::Get, &path, None), move |r| {
            let w: ProductsAnswer = parse(r, "product list")?;
            let products = w.products.into_iter().map(to_product).collect::<Result<Vec<_>, _>>()?;
            Ok(products.into_iter().filter(|p| category.as_ref().is_none_or(|c| &p.category == c)).collect())
        }))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        let region = encode_component(&self.region_id);
        if id.starts_with("prod_") {
            let path = format!("/store/products/{}?region_id={region}&fields={PRODUCT_FIELDS}", encode_component(id));
            return Ok(Call::new(self.request(Method::Get, &path, None), |r| to_product(parse::<ProductAnswer>(r, "product")?.product)));
        }
        // Not an id: a handle.
        let path = format!("/store/products?handle={}&region_id={region}&fields={PRODUCT_FIELDS}", encode_component(id));
        let handle = id.to_owned();
        Ok(Call::new(self.request(Method::Get, &path, None), move |r| {
            let w: ProductsAnswer = parse(r, "product")?;
            let p = w.products.into_iter().next().ok_or_else(|| ProtocolError::Api { status: 404, code: "not_found".into(), message: format!("product {handle} not found") })?;
            to_product(p)
        }))
    }

    fn create_cart(&self, _currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        // The region decides the currency.
        Ok(self.cart_call(Method::Post, "/store/carts", Some(crate::json::object(|o| {
            o.field("region_id", &self.region_id);
        }))))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.cart_call(Method::Get, &format!("/store/carts/{}", encode_component(cart_id)), None))
    }

    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("variant id", &line.variant_id)?;
        if line.fulfillment != Fulfillment::Delivery {
            return Err(ProtocolError::Unsupported(Capability::Pickup));
        }
        within_limits(line.quantity)?;
        let body = crate::json::object(|o| {
            o.field("variant_id", &line.variant_id).field("quantity", &line.quantity);
        });
        Ok(self.cart_call(Method::Post, &format!("/store/carts/{}/line-items", encode_component(cart_id)), Some(body)))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        if quantity == 0 {
            return self.remove_line(cart_id, line_id, None);
        }
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        within_limits(quantity)?;
        let path = format!("/store/carts/{}/line-items/{}", encode_component(cart_id), encode_component(line_id));
        Ok(self.cart_call(Method::Post, &path, Some(crate::json::object(|o| {
            o.field("quantity", &quantity);
        }))))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        let path = format!("/store/carts/{}/line-items/{}?fields={CART_FIELDS}", encode_component(cart_id), encode_component(line_id));
        Ok(Call::new(self.request(Method::Delete, &path, None), |r| {
            // Medusa 2.21 answers an unknown cart here with a 500 `unknown_error`
            // (every other cart route says 404): not worth retrying.
            if r.status == 500 && matches!(error(r), ProtocolError::Api { ref code, .. } if code == "unknown_error") {
                return Err(ProtocolError::Api { status: 404, code: "not_found".into(), message: "Medusa does not know this cart".into() });
            }
            to_cart(parse::<DeletedAnswer>(r, "cart")?.parent)
        }))
    }

    fn apply_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        self.code_call(Method::Post, cart_id, code)
    }

    fn remove_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        self.code_call(Method::Delete, cart_id, code)
    }

    fn list_stores(&self) -> Result<Call<Vec<Store>>, ProtocolError> {
        super::stores_file(self.stores_url.as_ref())
    }

    fn variant_stock(&self, variant_id: &str) -> Result<Call<VariantStock>, ProtocolError> {
        non_empty("variant id", variant_id)?;
        let path = format!("/store/products?variants.id={}&fields=id,variants.id,variants.manage_inventory,variants.inventory_items.inventory.location_levels.*", encode_component(variant_id));
        let id = variant_id.to_owned();
        Ok(Call::new(self.request(Method::Get, &path, None), move |r| to_stock(&id, parse(r, "stock list")?)))
    }

    fn sign_up(&self, email: &str, password: &str, _name: &str, _guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        self.auth("/auth/customer/emailpass/register", email, password)
    }

    fn sign_in(&self, email: &str, password: &str, _guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        self.auth("/auth/customer/emailpass", email, password)
    }

    /// Medusa's `POST /store/carts/{id}/customer`: the guest cart becomes the
    /// signed-in customer's (Medusa does not merge carts).
    fn attach_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        if self.token.is_none() {
            return Err(ProtocolError::InvalidRequest("sign in before attaching a cart".into()));
        }
        Ok(self.cart_call(Method::Post, &format!("/store/carts/{}/customer", encode_component(cart_id)), None))
    }

    /// The second step of Medusa's sign-up, with the registration token.
    fn create_customer(&self, email: &str, name: &str) -> Result<Call<CustomerInfo>, ProtocolError> {
        non_empty("e-mail", email)?;
        let body = crate::json::object(|o| {
            o.field("email", email).field("first_name", name);
        });
        Ok(Call::new(self.request(Method::Post, "/store/customers", Some(body)), |r| {
            let w: CustomerAnswer = parse(r, "customer")?;
            Ok(w.customer.into())
        }))
    }

    /// Medusa's customer tokens are stateless JWTs it cannot revoke
    /// (`DELETE /auth/session` ends cookie sessions only): forgetting the
    /// token is the sign-out.
    fn sign_out(&self) -> Result<Option<Call<()>>, ProtocolError> {
        Ok(None)
    }

    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        Ok(Call::new(self.request(Method::Get, "/store/customers/me", None), |r| {
            let w: CustomerAnswer = parse(r, "customer")?;
            // No route lists a customer's carts: the SDK remembers the cart id.
            Ok(CustomerMe { customer: w.customer.into(), cart_id: None })
        }))
    }
}

impl MedusaAdapter {
    /// Medusa's auth answers only a token; who it is comes from `me` (and,
    /// after sign-up, `create_customer`).
    fn auth(&self, path: &str, email: &str, password: &str) -> Result<Call<CustomerSession>, ProtocolError> {
        let body = crate::json::object(|o| {
            o.field("email", email).field("password", password);
        });
        let email = email.to_owned();
        let registering = path.ends_with("/register");
        Ok(Call::new(self.request(Method::Post, path, Some(body)), move |r| {
            // Medusa says 401 `unauthorized` both for a wrong password and for
            // an e-mail already registered: our codes tell them apart.
            if r.status == 401 {
                let (code, message) = match error(r) {
                    ProtocolError::Api { message, .. } if registering && message.contains("exists") => ("email_taken", message),
                    ProtocolError::Api { message, .. } => (if registering { "unauthorized" } else { "invalid_credentials" }, message),
                    other => ("invalid_credentials", other.to_string()),
                };
                return Err(ProtocolError::Api { status: 401, code: code.into(), message });
            }
            let w: TokenAnswer = parse(r, "session")?;
            Ok(CustomerSession { customer: CustomerInfo { id: String::new(), email, name: String::new() }, token: w.token, cart_id: None })
        }))
    }
}

#[cfg(test)]
mod tests;
