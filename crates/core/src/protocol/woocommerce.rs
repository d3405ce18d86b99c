//! Adapter for the WooCommerce Store API (`/wp-json/wc/store/v1`), written
//! from its public documentation and checked against answers in the
//! documented shapes (`tests/fixtures/woocommerce/`).
//!
//! Bridged differences:
//! - Amounts are minor-unit strings with their exponent (`"1105"` and
//!   `currency_minor_unit: 2`): [`Money::from_minor`], exactly.
//! - The cart is identified by the `Cart-Token` response header, sent back as
//!   a `Cart-Token` request header: Crosscart's cart id *is* that token.
//! - Lines are keyed by `key`; names and messages come HTML-escaped
//!   (`&quot;`, `&ndash;`): unescaped to text, never parsed as HTML.
//! - Over-stock answers a `…out_of_stock` error whose message says how many
//!   remain: one `InsufficientStock` with that count.
//! - No per-store stock, pickup, customer carts (WordPress cookies), handoff,
//!   live sync, offers or order lookup: declared unsupported. Cross-sells
//!   come only with a cart, so bought-together falls back to the model file.

use super::*;
use crate::cart::{CartLine, Discount, DiscountKind, Totals};
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::Money;
use crate::json::{FromJson, ToJson, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WooCommerceAdapter {
    /// e.g. `https://shop.example.com/wp-json/wc/store/v1`.
    base_url: String,
}

impl WooCommerceAdapter {
    pub fn new(base_url: &str) -> WooCommerceAdapter {
        WooCommerceAdapter { base_url: base_url.trim_end_matches('/').to_owned() }
    }

    fn request(&self, method: Method, path: &str, cart_token: Option<&str>, body: Option<Value>) -> HttpRequest {
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if let Some(t) = cart_token.filter(|t| !t.is_empty()) {
            headers.push(("cart-token".into(), t.to_owned()));
        }
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        HttpRequest { method, url: format!("{}{path}", self.base_url), headers, body: body.map(|b| b.to_json().into_bytes()) }
    }

    /// `POST /cart/apply-coupon` or `/cart/remove-coupon`; WooCommerce's
    /// coupon refusals (`woocommerce_rest_cart_coupon_error`, told apart
    /// only by their English text) become the protocol's `code_…` codes.
    fn coupon_call(&self, path: &str, cart_id: &str, code: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 200 || code.chars().any(char::is_control) {
            return Err(ProtocolError::Api { status: 422, code: "code_unknown".into(), message: "not a discount code".into() });
        }
        let (request, parse) = self.cart_call(Method::Post, path, Some(cart_id), Some(crate::json!({ "code": code }))).into_parts();
        Ok(Call::new(request, move |r| match parse(r) {
            Err(ProtocolError::Api { code, message, .. }) if code.contains("coupon") => {
                let text = message.to_ascii_lowercase();
                let refusal = if text.contains("does not exist") || text.contains("not exist") {
                    "code_unknown"
                } else if text.contains("expired") {
                    "code_expired"
                } else if text.contains("minimum spend") {
                    "code_minimum"
                } else if text.contains("usage limit") {
                    "code_used_up"
                } else if text.contains("individual use") || text.contains("cannot be used in conjunction") {
                    "code_not_combinable"
                } else {
                    "code_not_applicable"
                };
                Err(ProtocolError::Api { status: 422, code: refusal.into(), message })
            }
            other => other,
        }))
    }

    fn cart_call(&self, method: Method, path: &str, cart_token: Option<&str>, body: Option<Value>) -> Call<Cart> {
        let known = cart_token.map(str::to_owned);
        Call::new(self.request(method, path, cart_token, body), move |r| {
            let token = r.header("cart-token").map(str::to_owned).or(known).ok_or_else(|| ProtocolError::Malformed {
                what: "cart",
                detail: "WooCommerce answered no Cart-Token header (expose it to CORS)".into(),
            })?;
            to_cart(token, parse(r, "cart")?)
        })
    }
}

/// Text from WooCommerce's HTML-escaped strings: entities decoded, tags left as text.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

struct ErrorWire {
    code: String,
    message: String,
}

crate::json_read!(ErrorWire { req code, req message });

fn parse<T: FromJson>(r: &HttpResponse, what: &'static str) -> Result<T, ProtocolError> {
    if !(200..300).contains(&r.status) {
        return Err(match crate::json::from_slice::<ErrorWire>(&r.body) {
            Ok(e) if e.code.contains("out_of_stock") || e.code.contains("not_enough_stock") || e.code.contains("no_stock") => {
                let message = unescape(&e.message);
                // "… not enough stock (2 remaining)."
                let available = message.rsplit_once('(').and_then(|(_, t)| t.split_whitespace().next()?.parse().ok()).or(Some(0).filter(|_| e.code.contains("no_stock")));
                ProtocolError::InsufficientStock { available, message }
            }
            Ok(e) => ProtocolError::Api { status: r.status, code: e.code, message: unescape(&e.message) },
            Err(_) => ProtocolError::Http { status: r.status },
        });
    }
    crate::json::from_slice(&r.body).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

struct PricesWire {
    price: String,
    /// The price before a sale (equal to `price` when there is none).
    regular_price: String,
    currency_code: String,
    currency_minor_unit: u32,
}

crate::json_read!(PricesWire { req price, def regular_price, req currency_code, req currency_minor_unit });

/// A product on sale: its regular price, when above what it costs now.
fn sale_from(p: &PricesWire) -> Result<Option<Money>, ProtocolError> {
    if p.regular_price.is_empty() {
        return Ok(None);
    }
    let (was, now) = (p.money(&p.regular_price, "cart")?, p.money(&p.price, "cart")?);
    Ok((was.amount > now.amount).then_some(was))
}

impl PricesWire {
    fn money(&self, amount: &str, what: &'static str) -> Result<Money, ProtocolError> {
        let cur = Currency::new(&self.currency_code).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })?;
        Money::from_minor(amount, self.currency_minor_unit, cur).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
    }

    /// A cart figure and its tax, minor-unit strings (a missing one is 0), summed.
    fn plus(&self, net: &str, tax: &str) -> Result<Money, ProtocolError> {
        let m = |a: &str| self.money(if a.is_empty() { "0" } else { a }, "cart");
        m(net)?.checked_add(m(tax)?).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })
    }
}

struct ImageWire {
    src: String,
    alt: String,
}

struct CategoryWire {
    slug: String,
}

struct ProductWire {
    id: u64,
    name: String,
    slug: String,
    sku: String,
    short_description: String,
    prices: PricesWire,
    images: Vec<ImageWire>,
    categories: Vec<CategoryWire>,
    variations: Vec<VariationWire>,
}

struct VariationWire {
    id: u64,
    attributes: Vec<AttributeWire>,
}

struct AttributeWire {
    name: String,
    value: String,
}

crate::json_read!(ImageWire { req src, def alt });
crate::json_read!(CategoryWire { req slug });
crate::json_read!(ProductWire { req id, req name, req slug, def sku, def short_description, req prices, def images, def categories, def variations });
crate::json_read!(VariationWire { req id, def attributes });
crate::json_read!(AttributeWire { req name, req value });

/// A simple product is its own variant; a variable product's variations
/// carry the product's price (the Store API lists variations without
/// prices; the cart prices each added variation exactly).
fn to_product(p: ProductWire) -> Result<Product, ProtocolError> {
    let price = p.prices.money(&p.prices.price, "product")?;
    let id = p.id.to_string();
    let images: Vec<Image> = p.images.into_iter().map(|i| Image { url: i.src, alt: unescape(&i.alt) }).collect();
    let variants = if p.variations.is_empty() {
        vec![Variant { id: id.clone(), product_id: id.clone(), title: String::new(), sku: p.sku, options: Vec::new(), price, image: None }]
    } else {
        p.variations
            .into_iter()
            .map(|v| Variant {
                id: v.id.to_string(),
                product_id: id.clone(),
                title: v.attributes.iter().map(|a| unescape(&a.value)).collect::<Vec<_>>().join(" / "),
                sku: String::new(),
                options: v.attributes.into_iter().map(|a| VariantOption { name: unescape(&a.name), value: unescape(&a.value) }).collect(),
                price,
                image: None,
            })
            .collect()
    };
    Ok(Product {
        id,
        handle: p.slug,
        title: unescape(&p.name),
        description: unescape(&p.short_description),
        category: p.categories.into_iter().next().map(|c| c.slug).unwrap_or_default(),
        images,
        variants,
    })
}

struct CartWire {
    items: Vec<ItemWire>,
    coupons: Vec<CouponWire>,
    totals: CartTotalsWire,
}

/// Amounts in minor units as strings, each net with its tax beside it.
struct CartTotalsWire {
    total_fees: String,
    total_fees_tax: String,
    total_discount: String,
    total_discount_tax: String,
    total_shipping: Option<String>,
    total_shipping_tax: Option<String>,
    total_price: String,
    total_tax: String,
    currency_code: String,
    currency_minor_unit: u32,
}

impl CartTotalsWire {
    /// How the cart's amounts are written: its currency and minor unit.
    fn prices(&self) -> PricesWire {
        PricesWire { price: String::new(), regular_price: String::new(), currency_code: self.currency_code.clone(), currency_minor_unit: self.currency_minor_unit }
    }
}

struct CouponWire {
    code: String,
    totals: CouponTotalsWire,
}

struct CouponTotalsWire {
    total_discount: String,
    total_discount_tax: String,
}

struct ItemWire {
    key: String,
    id: u64,
    quantity: u32,
    name: String,
    images: Vec<ImageWire>,
    /// A variation's chosen attributes, e.g. `{"attribute": "Color", "value": "Blue"}`.
    variation: Vec<ItemAttributeWire>,
    prices: PricesWire,
    totals: LineTotalsWire,
    /// Units left when the shop's low-stock rule says few (null otherwise).
    low_stock_remaining: Option<u32>,
}

struct ItemAttributeWire {
    value: String,
}

struct LineTotalsWire {
    line_subtotal: String,
    line_subtotal_tax: String,
    line_total: String,
    line_total_tax: String,
}

crate::json_read!(CartWire { req items, def coupons, req totals });
crate::json_read!(CartTotalsWire {
    def total_fees, def total_fees_tax, req total_discount, def total_discount_tax,
    opt total_shipping, opt total_shipping_tax, req total_price, def total_tax, req currency_code, req currency_minor_unit,
});
crate::json_read!(CouponWire { req code, req totals });
crate::json_read!(CouponTotalsWire { req total_discount, def total_discount_tax });
crate::json_read!(ItemWire { req key, req id, req quantity, req name, def images, def variation, req prices, req totals, opt low_stock_remaining });
crate::json_read!(ItemAttributeWire { req value });
crate::json_read!(LineTotalsWire { req line_subtotal, def line_subtotal_tax, def line_total, def line_total_tax });

/// Woo sends every figure net with its tax beside it. The cart is shown on
/// the basis the shop displays prices on: when each line's price (which
/// follows the shop's display setting) times its quantity is the line's
/// amount with tax, figures include tax; otherwise they are net and the tax
/// is added.
fn to_cart(token: String, c: CartWire) -> Result<Cart, ProtocolError> {
    let t = c.totals.prices();
    let mut tax_included = t.plus(&c.totals.total_tax, "")?.amount != 0 && !c.items.is_empty();
    for it in &c.items {
        let shelf = it.prices.money(&it.prices.price, "cart")?.checked_mul(it.quantity).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })?;
        tax_included &= shelf == t.plus(&it.totals.line_subtotal, &it.totals.line_subtotal_tax)?;
    }
    // Woo computes its total from the net figures; with tax in them a
    // rounding of its own can leave a cent over, so the net cart is the fallback.
    match on_basis(&token, &c, tax_included) {
        Err(_) if tax_included => on_basis(&token, &c, false),
        cart => cart,
    }
}

fn on_basis(token: &str, c: &CartWire, tax_included: bool) -> Result<Cart, ProtocolError> {
    let t = c.totals.prices();
    let m = |a: &str| t.plus(a, "");
    let bad = |e: String| ProtocolError::Malformed { what: "cart", detail: e };
    let cur = m("0")?.currency;
    let basis = |net: &str, tax: &str| if tax_included { t.plus(net, tax) } else { m(net) };
    let mut lines = Vec::new();
    for it in &c.items {
        let line_total = basis(&it.totals.line_subtotal, &it.totals.line_subtotal_tax)?;
        let after = basis(&it.totals.line_total, &it.totals.line_total_tax)?;
        let off = if it.totals.line_total.is_empty() { 0 } else { line_total.amount - after.amount };
        lines.push(CartLine {
            product_id: it.id.to_string(),
            title: unescape(&it.name),
            variant_title: it.variation.iter().map(|a| unescape(&a.value)).collect::<Vec<_>>().join(" / "),
            image: it.images.first().map(|i| Image { url: i.src.clone(), alt: unescape(&i.alt) }),
            discount: (off > 0).then(|| Money::new(off, cur)),
            stock_left: it.low_stock_remaining,
            compare_at: sale_from(&it.prices)?,
            ..CartLine::delivered(it.key.clone(), it.id.to_string(), it.quantity, it.prices.money(&it.prices.price, "cart")?, line_total)
        });
    }
    let tt = &c.totals;
    let discount = basis(&tt.total_discount, &tt.total_discount_tax)?;
    let mut discounts = Vec::new();
    for coupon in &c.coupons {
        let amount = basis(&coupon.totals.total_discount, &coupon.totals.total_discount_tax)?;
        if amount.amount != 0 {
            discounts.push(Discount { kind: DiscountKind::Code, label: unescape(&coupon.code), amount });
        }
    }
    let listed: i64 = discounts.iter().map(|d| d.amount.amount).sum();
    if listed > discount.amount {
        return Err(bad(format!("the coupons take off {listed}, the cart's discount is {}", discount.amount)));
    }
    if listed != discount.amount {
        // Discounts that are not coupons (a plugin's): one unlabelled row for the rest.
        discounts.push(Discount { kind: DiscountKind::Promotion, label: String::new(), amount: Money::new(discount.amount - listed, cur) });
    }
    let shipping = match &tt.total_shipping {
        Some(s) => Some(basis(s, tt.total_shipping_tax.as_deref().unwrap_or(""))?),
        None => None,
    };
    let fees = basis(&tt.total_fees, &tt.total_fees_tax)?;
    let tax = m(&tt.total_tax)?;
    let totals = Totals {
        subtotal: Money::sum(cur, lines.iter().map(|l| l.line_total)).map_err(|e| bad(e.to_string()))?,
        discount: (discount.amount != 0).then_some(discount),
        discounts,
        // Null until Woo has calculated shipping; "0" is free shipping.
        shipping,
        fees: (fees.amount != 0).then_some(fees),
        tax: (tax.amount != 0).then_some(tax),
        tax_included,
        total: m(&tt.total_price)?,
    };
    let mut cart = Cart::new(token.to_owned(), cur, lines, totals).map_err(|e| bad(e.to_string()))?;
    cart.codes = c.coupons.iter().map(|c| c.code.clone()).collect();
    Ok(cart)
}

/// Woo's ids are integers; anything else cannot exist there.
fn numeric_id(what: &str, id: &str) -> Result<u64, ProtocolError> {
    id.parse().map_err(|_| ProtocolError::InvalidRequest(format!("{what} {id:?} is not a WooCommerce id")))
}

impl CommerceAdapter for WooCommerceAdapter {
    fn name(&self) -> &'static str {
        "woocommerce"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { discount_codes: true, ..Capabilities::default() }
    }

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError> {
        let mut path = "/products?per_page=100".to_owned();
        if let Some(q) = &query.search {
            path.push_str(&format!("&search={}", encode_component(q)));
        }
        if !query.ids.is_empty() {
            let ids: Vec<String> = query.ids.iter().filter_map(|i| i.parse::<u64>().ok()).map(|i| i.to_string()).collect();
            path.push_str(&format!("&include={}", ids.join(",")));
        }
        let category = query.category.clone();
        Ok(Call::new(self.request(Method::Get, &path, None, None), move |r| {
            let list: Vec<ProductWire> = parse(r, "product list")?;
            let products = list.into_iter().map(to_product).collect::<Result<Vec<_>, _>>()?;
            Ok(products.into_iter().filter(|p| category.as_ref().is_none_or(|c| &p.category == c)).collect())
        }))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        if let Ok(n) = id.parse::<u64>() {
            return Ok(Call::new(self.request(Method::Get, &format!("/products/{n}"), None, None), |r| to_product(parse(r, "product")?)));
        }
        let slug = id.to_owned();
        Ok(Call::new(self.request(Method::Get, &format!("/products?slug={}", encode_component(id)), None, None), move |r| {
            let list: Vec<ProductWire> = parse(r, "product")?;
            to_product(list.into_iter().next().ok_or_else(|| ProtocolError::Api { status: 404, code: "not_found".into(), message: format!("product {slug} not found") })?)
        }))
    }

    fn create_cart(&self, _currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        // The first cart request without a token starts a cart and answers its token.
        Ok(self.cart_call(Method::Get, "/cart", None, None))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.cart_call(Method::Get, "/cart", Some(cart_id), None))
    }

    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        if line.fulfillment != Fulfillment::Delivery {
            return Err(ProtocolError::Unsupported(Capability::Pickup));
        }
        within_limits(line.quantity)?;
        let id = numeric_id("variant", &line.variant_id)?;
        Ok(self.cart_call(Method::Post, "/cart/add-item", Some(cart_id), Some(crate::json!({ "id": id, "quantity": (line.quantity) }))))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        if quantity == 0 {
            return self.remove_line(cart_id, line_id, None);
        }
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        within_limits(quantity)?;
        Ok(self.cart_call(Method::Post, "/cart/update-item", Some(cart_id), Some(crate::json!({ "key": line_id, "quantity": quantity }))))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        Ok(self.cart_call(Method::Post, "/cart/remove-item", Some(cart_id), Some(crate::json!({ "key": line_id }))))
    }

    fn apply_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        self.coupon_call("/cart/apply-coupon", cart_id, code)
    }

    fn remove_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        self.coupon_call("/cart/remove-coupon", cart_id, code)
    }

}
