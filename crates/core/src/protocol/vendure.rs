//! Adapter for the Vendure Shop API (GraphQL at `/shop-api`), tested against
//! a real Vendure 3.7.3 (`crates/server/tests/peer_vendure.rs`, every query
//! validated against its schema) and answers in its shapes
//! (`tests/fixtures/vendure/`).
//!
//! Bridged differences:
//! - The cart is the session's `activeOrder`; the session is a bearer token
//!   Vendure answers in the `vendure-auth-token` header (`tokenMethod:
//!   'bearer'`, exposed to CORS). Crosscart's cart id *is* that token: every
//!   cart call sends it as `Authorization: Bearer`, and a call that starts a
//!   session answers the new token as the cart's id.
//! - Amounts are integers in minor units (`12990` = 129.90) with a
//!   `currencyCode`; prices shown include tax (`…WithTax`).
//! - Errors are union members (`InsufficientStockError` with
//!   `quantityAvailable`, `OrderModificationError`, ...) or GraphQL `errors`.
//! - Each mutation's result union differs: `removeOrderLine` has no stock
//!   error. Over stock, Vendure adds (or keeps) what it has and answers the
//!   error; the edge then reads the cart again.
//! - The subtotal shown is the lines' (`linePriceWithTax`): Vendure's
//!   `subTotalWithTax` already has order-level discounts off, which would
//!   count a coupon twice beside the discount row.
//! - Sign-in (`login`) keeps the session's active order: Vendure merges the
//!   guest order into the customer's. `me` reads `activeCustomer` (the
//!   Customer, not the User); sign-out sends `logout`. No per-store stock, pickup, handoff,
//!   live sync or offers: declared unsupported.

use super::graphql;
use super::*;
use crate::cart::{CartLine, Discount, DiscountKind, Totals};
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::Money;
use crate::json::{FromJson, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendureAdapter {
    /// e.g. `https://shop.example.com/shop-api`.
    endpoint: String,
    /// The channel's token, when the shop has several channels.
    channel_token: Option<String>,
    /// A signed-in customer's session (also their cart's id).
    token: Option<String>,
}

const ORDER: &str = "fragment Cart on Order { id code currencyCode couponCodes totalQuantity totalWithTax shippingWithTax shippingLines { id } surcharges { priceWithTax } taxSummary { taxTotal } discounts { description amountWithTax } lines { id quantity unitPriceWithTax linePriceWithTax featuredAsset { preview } productVariant { id name product { id name } } } }";
/// What `addItemToOrder` and `adjustOrderLine` answer (`UpdateOrderItemsResult`).
const ORDER_RESULT: &str = "__typename ...Cart ... on ErrorResult { errorCode message } ... on InsufficientStockError { quantityAvailable }";
/// What `removeOrderLine` answers (`RemoveOrderItemsResult`: no stock error there).
const REMOVE_RESULT: &str = "__typename ...Cart ... on ErrorResult { errorCode message }";
const PRODUCT: &str = "fragment P on Product { id slug name description featuredAsset { preview } assets { preview } collections { slug } variants { id name sku priceWithTax currencyCode featuredAsset { preview } options { name group { name } } } }";

impl VendureAdapter {
    pub fn new(endpoint: &str, channel_token: Option<String>) -> VendureAdapter {
        VendureAdapter { endpoint: endpoint.trim_end_matches('/').to_owned(), channel_token: channel_token.filter(|t| !t.is_empty()), token: None }
    }

    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    fn call(&self, session: Option<&str>, query: &str, variables: Value) -> HttpRequest {
        let mut headers = Vec::new();
        if let Some(c) = &self.channel_token {
            headers.push(("vendure-token".to_owned(), c.clone()));
        }
        if let Some(t) = session.or(self.token.as_deref()).filter(|t| !t.is_empty()) {
            headers.push(("authorization".to_owned(), format!("Bearer {t}")));
        }
        graphql::request(&self.endpoint, headers, query, variables)
    }

    /// A mutation answering `UpdateOrderItemsResult` (or a query answering
    /// `activeOrder`) on the session `cart_id`, as a Crosscart cart.
    fn order_call(&self, cart_id: Option<&str>, query: String, variables: Value, field: &'static str) -> Call<Cart> {
        let session = cart_id.map(str::to_owned);
        Call::new(self.call(cart_id, &query, variables), move |r| {
            // A call without a session starts one: its token is the cart's id from now on.
            let id = r.header("vendure-auth-token").map(str::to_owned).or(session).ok_or_else(|| ProtocolError::Malformed {
                what: "cart",
                detail: "Vendure answered no vendure-auth-token header (use tokenMethod 'bearer' and expose the header to CORS)".into(),
            })?;
            let result: Option<Value> = graphql::field(r, field, "cart")?;
            // An empty cart's currency is the channel's (asked with `activeOrder`).
            let channel: Option<Value> = graphql::field(r, "activeChannel", "cart").ok();
            let currency = channel.as_ref().and_then(|c| c.get("defaultCurrencyCode")).and_then(Value::as_str).and_then(|c| Currency::new(c).ok());
            order_result(&id, result, currency)
        })
    }
}

struct OrderWire {
    currency_code: String,
    total_with_tax: i64,
    shipping_with_tax: i64,
    shipping_lines: Vec<Value>,
    surcharges: Vec<SurchargeWire>,
    tax_summary: Vec<TaxWire>,
    discounts: Vec<DiscountWire>,
    coupon_codes: Vec<String>,
    lines: Vec<LineWire>,
}

struct DiscountWire {
    description: String,
    amount_with_tax: i64,
}

struct SurchargeWire {
    price_with_tax: i64,
}

struct TaxWire {
    tax_total: i64,
}

struct LineWire {
    id: String,
    quantity: u32,
    unit_price_with_tax: i64,
    line_price_with_tax: i64,
        featured_asset: Option<AssetWire>,
    product_variant: LineVariantWire,
}

struct AssetWire {
    preview: String,
}

struct LineVariantWire {
    id: String,
    name: String,
    product: NamedWire,
}

struct NamedWire {
    id: String,
    name: String,
}

crate::json_read!(OrderWire {
    req currency_code as "currencyCode", req total_with_tax as "totalWithTax", def shipping_with_tax as "shippingWithTax",
    def shipping_lines as "shippingLines", def surcharges, def tax_summary as "taxSummary", def discounts, def coupon_codes as "couponCodes", req lines,
});
crate::json_read!(DiscountWire { def description, req amount_with_tax as "amountWithTax" });
crate::json_read!(SurchargeWire { req price_with_tax as "priceWithTax" });
crate::json_read!(TaxWire { req tax_total as "taxTotal" });
crate::json_read!(LineWire { req id, req quantity, req unit_price_with_tax as "unitPriceWithTax", req line_price_with_tax as "linePriceWithTax", opt featured_asset as "featuredAsset", req product_variant as "productVariant" });
crate::json_read!(AssetWire { req preview });
crate::json_read!(LineVariantWire { req id, req name, req product });
crate::json_read!(NamedWire { req id, req name });

/// A code as typed, or refused before sending (blank, absurdly long, control characters).
fn checked_code(code: &str) -> Result<&str, ProtocolError> {
    let code = code.trim();
    if code.is_empty() || code.len() > 200 || code.chars().any(char::is_control) {
        return Err(ProtocolError::Api { status: 422, code: "code_unknown".into(), message: "not a discount code".into() });
    }
    Ok(code)
}

/// `activeOrder` (null: an empty cart in the channel's `currency`) or an `UpdateOrderItemsResult`.
fn order_result(session: &str, v: Option<Value>, currency: Option<Currency>) -> Result<Cart, ProtocolError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        let cur = currency.ok_or_else(|| ProtocolError::Malformed { what: "cart", detail: "no order and no channel currency".into() })?;
        return Ok(Cart::empty(session.to_owned(), cur));
    };
    match v.get("__typename").and_then(Value::as_str) {
        Some("Order") | None => {}
        Some("InsufficientStockError") => {
            return Err(ProtocolError::InsufficientStock {
                available: v.get("quantityAvailable").and_then(Value::as_u64).and_then(|q| u32::try_from(q).ok()),
                message: v.get("message").and_then(Value::as_str).unwrap_or("not enough stock").to_owned(),
            })
        }
        Some(other) => {
            let code = v.get("errorCode").and_then(Value::as_str).unwrap_or(other);
            // Vendure's error results in the reference protocol's codes.
            let (status, code) = match code {
                "NEGATIVE_QUANTITY_ERROR" | "ORDER_LIMIT_ERROR" | "ORDER_INTERCEPTOR_ERROR" => (422, "invalid_quantity"),
                "ORDER_MODIFICATION_ERROR" => (410, "cart_closed"),
                "ORDER_LINE_NOT_FOUND_ERROR" => (404, "not_found"),
                "COUPON_CODE_INVALID_ERROR" => (422, "code_unknown"),
                "COUPON_CODE_EXPIRED_ERROR" => (422, "code_expired"),
                "COUPON_CODE_LIMIT_ERROR" => (422, "code_used_up"),
                other => (422, other),
            };
            return Err(ProtocolError::Api { status, code: code.to_owned(), message: v.get("message").and_then(Value::as_str).unwrap_or(other).to_owned() });
        }
    }
    let o = OrderWire::from_json(&v).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })?;
    let cur = Currency::new(&o.currency_code).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })?;
    let subtotal: i64 = o.lines.iter().map(|l| l.line_price_with_tax).sum();
    let lines = o
        .lines
        .into_iter()
        .map(|l| CartLine {
            product_id: l.product_variant.product.id,
            title: l.product_variant.product.name,
            variant_title: l.product_variant.name,
            image: l.featured_asset.map(|a| Image { url: a.preview, alt: String::new() }),
            ..CartLine::delivered(l.id, l.product_variant.id, l.quantity, Money::new(l.unit_price_with_tax, cur), Money::new(l.line_price_with_tax, cur))
        })
        .collect();
    // Prices with tax throughout (what Vendure's storefronts show). Vendure's
    // `subTotalWithTax` already has the discounts taken off, and it rounds
    // per line: the discount shown is what makes the lines, shipping and
    // surcharges come to Vendure's total, labelled by Vendure's list when
    // that list says the same.
    let fees: i64 = o.surcharges.iter().map(|s| s.price_with_tax).sum();
    let discount = subtotal + o.shipping_with_tax + fees - o.total_with_tax;
    if discount < 0 {
        return Err(ProtocolError::Malformed { what: "cart", detail: format!("the total {} is more than the lines, shipping and surcharges", o.total_with_tax) });
    }
    let listed: i64 = o.discounts.iter().map(|d| d.amount_with_tax.abs()).sum();
    let discounts = if discount == 0 {
        Vec::new()
    } else if listed == discount {
        o.discounts.into_iter().filter(|d| d.amount_with_tax != 0).map(|d| Discount { kind: DiscountKind::Promotion, label: d.description, amount: Money::new(d.amount_with_tax.abs(), cur) }).collect()
    } else {
        vec![Discount { kind: DiscountKind::Promotion, label: String::new(), amount: Money::new(discount, cur) }]
    };
    let tax: i64 = o.tax_summary.iter().map(|t| t.tax_total).sum();
    let totals = Totals {
        subtotal: Money::new(subtotal, cur),
        discount: (discount != 0).then_some(Money::new(discount, cur)),
        discounts,
        shipping: (!o.shipping_lines.is_empty() || o.shipping_with_tax != 0).then_some(Money::new(o.shipping_with_tax, cur)),
        fees: (fees != 0).then_some(Money::new(fees, cur)),
        tax: (tax != 0).then_some(Money::new(tax, cur)),
        tax_included: true,
        total: Money::new(o.total_with_tax, cur),
    };
    let mut cart = Cart::new(session.to_owned(), cur, lines, totals).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })?;
    cart.codes = o.coupon_codes;
    Ok(cart)
}

struct ProductWire {
    id: String,
    slug: String,
    name: String,
        description: Option<String>,
        featured_asset: Option<AssetWire>,
        assets: Vec<AssetWire>,
        collections: Vec<SlugWire>,
    variants: Vec<VariantWire>,
}

struct SlugWire {
    slug: String,
}

struct VariantWire {
    id: String,
    name: String,
        sku: Option<String>,
    price_with_tax: i64,
    currency_code: String,
        featured_asset: Option<AssetWire>,
        options: Vec<OptionWire>,
}

struct OptionWire {
    name: String,
    group: NameOnly,
}

struct NameOnly {
    name: String,
}

struct ProductList {
    items: Vec<ProductWire>,
}

crate::json_read!(ProductWire { req id, req slug, req name, opt description, opt featured_asset as "featuredAsset", def assets, def collections, req variants });
crate::json_read!(SlugWire { req slug });
crate::json_read!(VariantWire { req id, req name, opt sku, req price_with_tax as "priceWithTax", req currency_code as "currencyCode", opt featured_asset as "featuredAsset", def options });
crate::json_read!(OptionWire { req name, req group });
crate::json_read!(NameOnly { req name });
crate::json_read!(ProductList { req items });

fn to_product(p: ProductWire) -> Result<Product, ProtocolError> {
    let mut images: Vec<Image> = p.featured_asset.into_iter().chain(p.assets).map(|a| Image { url: a.preview, alt: String::new() }).collect();
    images.dedup_by(|a, b| a.url == b.url);
    let variants = p
        .variants
        .into_iter()
        .map(|v| {
            let cur = Currency::new(&v.currency_code).map_err(|e| ProtocolError::Malformed { what: "product", detail: e.to_string() })?;
            Ok(Variant {
                id: v.id,
                product_id: p.id.clone(),
                title: v.name,
                sku: v.sku.unwrap_or_default(),
                options: v.options.into_iter().map(|o| VariantOption { name: o.group.name, value: o.name }).collect(),
                price: Money::new(v.price_with_tax, cur),
                image: v.featured_asset.map(|a| Image { url: a.preview, alt: String::new() }),
            })
        })
        .collect::<Result<Vec<_>, ProtocolError>>()?;
    Ok(Product {
        id: p.id,
        handle: p.slug,
        title: p.name,
        description: p.description.unwrap_or_default(),
        category: p.collections.into_iter().next().map(|c| c.slug).unwrap_or_default(),
        images,
        variants,
    })
}

struct CurrentUserWire {
        typename: Option<String>,
        id: Option<String>,
        identifier: Option<String>,
        error_code: Option<String>,
        message: Option<String>,
}

struct CustomerWire {
    id: String,
    email_address: String,
    first_name: String,
    last_name: String,
}

crate::json_read!(CustomerWire { req id, req email_address as "emailAddress", def first_name as "firstName", def last_name as "lastName" });

crate::json_read!(CurrentUserWire { opt typename as "__typename", opt id, opt identifier, opt error_code as "errorCode", opt message });

impl CommerceAdapter for VendureAdapter {
    fn name(&self) -> &'static str {
        "vendure"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { customer_carts: true, discount_codes: true, ..Capabilities::default() }
    }

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError> {
        let q = format!("query Products($options: ProductListOptions) {{ products(options: $options) {{ items {{ ...P }} }} }} {PRODUCT}");
        let mut filter = Vec::new();
        if let Some(s) = &query.search {
            filter.push(("name".to_owned(), crate::json!({ "contains": s })));
        }
        if !query.ids.is_empty() {
            filter.push(("id".to_owned(), crate::json!({ "in": (&query.ids) })));
        }
        let filter = Value::Object(filter);
        let category = query.category.clone();
        Ok(Call::new(self.call(None, &q, crate::json!({ "options": { "take": 100, "filter": filter } })), move |r| {
            let list: ProductList = graphql::field(r, "products", "product list")?;
            let products = list.items.into_iter().map(to_product).collect::<Result<Vec<_>, _>>()?;
            Ok(products.into_iter().filter(|p| category.as_ref().is_none_or(|c| &p.category == c)).collect())
        }))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        // Vendure's product ids are numbers (or UUIDs); anything else is a slug.
        let by_id = id.chars().all(|c| c.is_ascii_digit()) || (id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4);
        let q = format!("query Product($id: ID, $slug: String) {{ product(id: $id, slug: $slug) {{ ...P }} }} {PRODUCT}");
        let vars = if by_id { crate::json!({ "id": id }) } else { crate::json!({ "slug": id }) };
        let id = id.to_owned();
        Ok(Call::new(self.call(None, &q, vars), move |r| {
            let p: Option<ProductWire> = graphql::field(r, "product", "product")?;
            to_product(p.ok_or_else(|| graphql::not_found("product", &id))?)
        }))
    }

    fn create_cart(&self, _currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        // Vendure makes the order with its first line; asking for it starts the session.
        Ok(self.order_call(None, format!("query {{ activeOrder {{ ...Cart }} activeChannel {{ defaultCurrencyCode }} }} {ORDER}"), crate::json!({}), "activeOrder"))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        Ok(self.order_call(Some(cart_id), format!("query {{ activeOrder {{ ...Cart }} activeChannel {{ defaultCurrencyCode }} }} {ORDER}"), crate::json!({}), "activeOrder"))
    }

    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("variant id", &line.variant_id)?;
        if line.fulfillment != Fulfillment::Delivery {
            return Err(ProtocolError::Unsupported(Capability::Pickup));
        }
        within_limits(line.quantity)?;
        let q = format!("mutation Add($v: ID!, $q: Int!) {{ addItemToOrder(productVariantId: $v, quantity: $q) {{ {ORDER_RESULT} }} }} {ORDER}");
        Ok(self.order_call(Some(cart_id), q, crate::json!({ "v": (&line.variant_id), "q": (line.quantity) }), "addItemToOrder"))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        if quantity == 0 {
            return self.remove_line(cart_id, line_id, None);
        }
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        within_limits(quantity)?;
        let q = format!("mutation Adjust($l: ID!, $q: Int!) {{ adjustOrderLine(orderLineId: $l, quantity: $q) {{ {ORDER_RESULT} }} }} {ORDER}");
        Ok(self.order_call(Some(cart_id), q, crate::json!({ "l": line_id, "q": quantity }), "adjustOrderLine"))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        let q = format!("mutation Remove($l: ID!) {{ removeOrderLine(orderLineId: $l) {{ {REMOVE_RESULT} }} }} {ORDER}");
        Ok(self.order_call(Some(cart_id), q, crate::json!({ "l": line_id }), "removeOrderLine"))
    }

    fn apply_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = checked_code(code)?;
        let q = format!("mutation Apply($c: String!) {{ applyCouponCode(couponCode: $c) {{ {REMOVE_RESULT} }} }} {ORDER}");
        Ok(self.order_call(Some(cart_id), q, crate::json!({ "c": code }), "applyCouponCode"))
    }

    fn remove_code(&self, cart_id: &str, code: &str, _held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = checked_code(code)?;
        let q = format!("mutation Remove($c: String!) {{ removeCouponCode(couponCode: $c) {{ __typename ...Cart }} }} {ORDER}");
        Ok(self.order_call(Some(cart_id), q, crate::json!({ "c": code }), "removeCouponCode"))
    }

    /// The session's customer (`activeCustomer`: the Customer, not the
    /// User `login` answers); their cart is the session's active order, whose
    /// id is the session token.
    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("no customer is signed in".into()))?;
        let q = "query { activeCustomer { id emailAddress firstName lastName } }";
        Ok(Call::new(self.call(None, q, crate::json!({})), move |r| {
            let c: Option<CustomerWire> = graphql::field(r, "activeCustomer", "customer")?;
            let c = c.ok_or_else(|| ProtocolError::Api { status: 401, code: "not_signed_in".into(), message: "the session has no customer".into() })?;
            let name = format!("{} {}", c.first_name, c.last_name).trim().to_owned();
            Ok(CustomerMe { customer: CustomerInfo { id: c.id, email: c.email_address, name }, cart_id: Some(token) })
        }))
    }

    /// `logout`: ends the session on Vendure's side too (its token is also
    /// the customer's cart id, so it must not stay valid).
    fn sign_out(&self) -> Result<Option<Call<()>>, ProtocolError> {
        self.token.as_ref().ok_or_else(|| ProtocolError::InvalidRequest("no customer is signed in".into()))?;
        Ok(Some(Call::new(self.call(None, "mutation { logout { success } }", crate::json!({})), |r| {
            let _: Value = graphql::field(r, "logout", "sign-out")?;
            Ok(())
        })))
    }

    /// `login` on the guest's session (`guest_cart` is its token): Vendure
    /// merges the guest's active order into the customer's.
    fn sign_in(&self, email: &str, password: &str, guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        let q = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p, rememberMe: true) { __typename ... on CurrentUser { id identifier } ... on ErrorResult { errorCode message } } }";
        let email = email.to_owned();
        let guest = guest_cart.map(str::to_owned);
        Ok(Call::new(self.call(guest.as_deref(), q, crate::json!({ "u": (&email), "p": password })), move |r| {
            let u: CurrentUserWire = graphql::field(r, "login", "session")?;
            if u.typename.as_deref() != Some("CurrentUser") {
                return Err(ProtocolError::Api {
                    status: 401,
                    code: u.error_code.unwrap_or_else(|| "invalid_credentials".into()),
                    message: u.message.unwrap_or_else(|| "the e-mail or password is wrong".into()),
                });
            }
            let token = r.header("vendure-auth-token").map(str::to_owned).or(guest).ok_or_else(|| ProtocolError::Malformed { what: "session", detail: "no vendure-auth-token header".into() })?;
            Ok(CustomerSession {
                customer: CustomerInfo { id: u.id.unwrap_or_default(), email: u.identifier.unwrap_or(email), name: String::new() },
                cart_id: Some(token.clone()),
                token,
            })
        }))
    }
}
