//! Adapter for the Shopify Storefront API (GraphQL cart), written from
//! Shopify's public reference and checked against answers in its documented
//! shapes (`tests/fixtures/shopify/`).
//!
//! Bridged differences:
//! - Amounts are `MoneyV2` decimal strings in major units (`"12.5"`):
//!   [`Money::from_major`], exactly.
//! - Cart mutations answer `{cart, userErrors, warnings}`; a stock shortfall
//!   is a `MERCHANDISE_NOT_ENOUGH_STOCK` / `…OUT_OF_STOCK` warning or error:
//!   one `InsufficientStock` (Shopify gives no count).
//! - Per-store stock is `storeAvailability` (locations with pickup enabled);
//!   Shopify gives names but no coordinates or hours, so the store directory
//!   is the shop's stores file (`stores_url`, ids = location GIDs). Pickup is
//!   chosen at Shopify's checkout, never reserved from here.
//! - Recommendations: `productRecommendations(intent: COMPLEMENTARY)`.
//! - Sign-in: `customerAccessTokenCreate`, then `cartBuyerIdentityUpdate`
//!   attaches the guest cart (Shopify cannot list a customer's carts).
//! - Checkout happens on Shopify (`checkoutUrl`): not through this API.

use super::graphql;
use super::*;
use crate::cart::{CartLine, Discount, DiscountKind, Totals};
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::Money;
use crate::store::{StockLevel, VariantStock};
use crate::json::{FromJson, JsonError, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifyAdapter {
    /// e.g. `https://shop.myshopify.com/api/2025-07/graphql.json`.
    endpoint: String,
    /// The public Storefront access token.
    access_token: String,
    stores_url: Option<String>,
    /// A signed-in customer's access token.
    token: Option<String>,
}

const CART: &str = "fragment Cart on Cart { id checkoutUrl note discountCodes { code applicable } cost { subtotalAmount { amount currencyCode } totalAmount { amount currencyCode } totalTaxAmount { amount currencyCode } } discountAllocations { discountedAmount { amount currencyCode } ... on CartCodeDiscountAllocation { code } ... on CartAutomaticDiscountAllocation { title } ... on CartCustomDiscountAllocation { title } } lines(first: 100) { nodes { id quantity cost { amountPerQuantity { amount currencyCode } compareAtAmountPerQuantity { amount currencyCode } subtotalAmount { amount currencyCode } } discountAllocations { discountedAmount { amount currencyCode } ... on CartCodeDiscountAllocation { code } ... on CartAutomaticDiscountAllocation { title } ... on CartCustomDiscountAllocation { title } } merchandise { ... on ProductVariant { id title image { url altText } product { id title } } } } } }";
const PAYLOAD: &str = "cart { ...Cart } userErrors { field message code } warnings { message code }";
const PRODUCT: &str = "fragment P on Product { id handle title description productType images(first: 10) { nodes { url altText } } variants(first: 100) { nodes { id title sku price { amount currencyCode } image { url altText } selectedOptions { name value } } } }";

impl ShopifyAdapter {
    pub fn new(endpoint: &str, access_token: &str) -> ShopifyAdapter {
        ShopifyAdapter { endpoint: endpoint.to_owned(), access_token: access_token.to_owned(), stores_url: None, token: None }
    }

    pub fn with_stores_url(mut self, url: Option<String>) -> Self {
        self.stores_url = url.filter(|u| !u.is_empty());
        self
    }

    pub fn with_token(mut self, token: Option<String>) -> Self {
        self.token = token;
        self
    }

    fn call(&self, query: &str, variables: Value) -> HttpRequest {
        graphql::request(&self.endpoint, vec![("x-shopify-storefront-access-token".into(), self.access_token.clone())], query, variables)
    }

    /// A cart mutation `name(...) { cart userErrors warnings }` as a Crosscart cart.
    fn mutation(&self, name: &'static str, args: &str, params: &str, variables: Value) -> Call<Cart> {
        let q = format!("mutation M({params}) {{ {name}({args}) {{ {PAYLOAD} }} }} {CART}");
        Call::new(self.call(&q, variables), move |r| {
            let p: PayloadWire = graphql::field(r, name, "cart")?;
            let stock = |code: &str| code == "MERCHANDISE_NOT_ENOUGH_STOCK" || code == "MERCHANDISE_OUT_OF_STOCK";
            if let Some(e) = p.user_errors.into_iter().next() {
                return Err(if stock(&e.code) {
                    ProtocolError::InsufficientStock { available: None, message: e.message }
                } else {
                    // Shopify's codes in the reference protocol's where they mean the same.
                    let code = match e.code.as_str() {
                        "INVALID_MERCHANDISE_LINE" | "MERCHANDISE_NOT_APPLICABLE" => "unknown_variant".to_owned(),
                        "LESS_THAN" | "GREATER_THAN" | "INVALID_INCREMENT" | "MINIMUM_NOT_MET" | "MAXIMUM_EXCEEDED" => "invalid_quantity".to_owned(),
                        "TOO_MANY_LINES" | "CART_TOO_LARGE" => "too_many_lines".to_owned(),
                        other => other.to_lowercase(),
                    };
                    ProtocolError::Api { status: 422, code, message: e.message }
                });
            }
            // Shopify adds what it can and warns: the cart it kept is not what was asked.
            if let Some(w) = p.warnings.into_iter().find(|w| stock(&w.code)) {
                return Err(ProtocolError::InsufficientStock { available: None, message: w.message });
            }
            to_cart(p.cart.ok_or_else(|| ProtocolError::Malformed { what: "cart", detail: "no cart in the answer".into() })?)
        })
    }
}

struct PayloadWire {
        cart: Option<CartWire>,
        user_errors: Vec<UserErrorWire>,
        warnings: Vec<UserErrorWire>,
}

struct UserErrorWire {
    message: String,
        code: String,
}

struct MoneyWire {
    amount: String,
    currency_code: String,
}

fn money(m: &MoneyWire, what: &'static str) -> Result<Money, ProtocolError> {
    let cur = Currency::new(&m.currency_code).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })?;
    Money::from_major(&m.amount, cur).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

struct CartWire {
    id: String,
    note: Option<String>,
    discount_codes: Vec<CodeWire>,
    cost: CartCostWire,
    discount_allocations: Vec<DiscountWire>,
    lines: Nodes<LineWire>,
}

struct Nodes<T> {
    nodes: Vec<T>,
}

impl<T: FromJson> FromJson for Nodes<T> {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        Ok(Nodes { nodes: v.fields("a connection")?.req("nodes")? })
    }
}

struct CartCostWire {
    total_amount: MoneyWire,
    total_tax_amount: Option<MoneyWire>,
}

/// A code's allocation names the `code`, an automatic or custom one its `title`.
struct DiscountWire {
    discounted_amount: MoneyWire,
    code: Option<String>,
    title: Option<String>,
}

struct LineWire {
    id: String,
    quantity: u32,
    cost: LineCostWire,
    discount_allocations: Vec<DiscountWire>,
    merchandise: MerchandiseWire,
}

struct LineCostWire {
    amount_per_quantity: MoneyWire,
    /// The price before a sale, when the variant has one.
    compare_at_amount_per_quantity: Option<MoneyWire>,
    subtotal_amount: MoneyWire,
}

struct MerchandiseWire {
    id: String,
        title: String,
        image: Option<ImageWire>,
    product: ProductRefWire,
}

struct ProductRefWire {
    id: String,
    title: String,
}

struct ImageWire {
    url: String,
        alt_text: Option<String>,
}

crate::json_read!(PayloadWire { opt cart, def user_errors as "userErrors", def warnings });
crate::json_read!(UserErrorWire { req message, def code });
crate::json_read!(MoneyWire { req amount, req currency_code as "currencyCode" });
/// A code the cart holds (whether it applies is read where it matters: `apply_code`).
struct CodeWire {
    code: String,
}

crate::json_read!(CodeWire { req code });
crate::json_read!(CartWire { req id, opt note, def discount_codes as "discountCodes", req cost, def discount_allocations as "discountAllocations", req lines });
crate::json_read!(CartCostWire { req total_amount as "totalAmount", opt total_tax_amount as "totalTaxAmount" });
crate::json_read!(DiscountWire { req discounted_amount as "discountedAmount", opt code, opt title });
crate::json_read!(LineWire { req id, req quantity, req cost, def discount_allocations as "discountAllocations", req merchandise });
crate::json_read!(LineCostWire { req amount_per_quantity as "amountPerQuantity", opt compare_at_amount_per_quantity as "compareAtAmountPerQuantity", req subtotal_amount as "subtotalAmount" });
crate::json_read!(MerchandiseWire { req id, def title, opt image, req product });
crate::json_read!(ProductRefWire { req id, req title });
crate::json_read!(ImageWire { req url, opt alt_text as "altText" });

impl From<ImageWire> for Image {
    fn from(i: ImageWire) -> Image {
        Image { url: i.url, alt: i.alt_text.unwrap_or_default() }
    }
}

/// Lines before their discounts; every allocation (a line's and the
/// cart's) once, labelled by its code or title; the tax Shopify estimated,
/// added. Shopify's `cost.subtotalAmount` already has line discounts off, so
/// the subtotal is the lines'.
fn to_cart(c: CartWire) -> Result<Cart, ProtocolError> {
    let total = money(&c.cost.total_amount, "cart")?;
    let cur = total.currency;
    let bad = |e: String| ProtocolError::Malformed { what: "cart", detail: e };
    let mut lines = Vec::new();
    let mut discounts: Vec<Discount> = Vec::new();
    let mut add = |d: &DiscountWire| -> Result<Money, ProtocolError> {
        let amount = money(&d.discounted_amount, "cart")?;
        let (kind, label) = match (&d.code, &d.title) {
            (Some(code), _) => (DiscountKind::Code, code.clone()),
            (None, title) => (DiscountKind::Promotion, title.clone().unwrap_or_default()),
        };
        match discounts.iter_mut().find(|x| x.kind == kind && x.label == label) {
            Some(x) => x.amount = x.amount.checked_add(amount).map_err(|e| bad(e.to_string()))?,
            None => discounts.push(Discount { kind, label, amount }),
        }
        Ok(amount)
    };
    for l in c.lines.nodes {
        let (unit_price, line_total) = (money(&l.cost.amount_per_quantity, "cart")?, money(&l.cost.subtotal_amount, "cart")?);
        let off = l.discount_allocations.iter().map(&mut add).collect::<Result<Vec<_>, _>>()?;
        let off = Money::sum(cur, off).map_err(|e| bad(e.to_string()))?;
        lines.push(CartLine {
            product_id: l.merchandise.product.id,
            title: l.merchandise.product.title,
            // Shopify names a variant-less product's only variant "Default Title".
            variant_title: Some(l.merchandise.title).filter(|t| t != "Default Title").unwrap_or_default(),
            image: l.merchandise.image.map(Image::from),
            discount: (off.amount != 0).then_some(off),
            compare_at: l.cost.compare_at_amount_per_quantity.as_ref().map(|m| money(m, "cart")).transpose()?.filter(|was| was.amount > unit_price.amount),
            ..CartLine::delivered(l.id, l.merchandise.id, l.quantity, unit_price, line_total)
        });
    }
    for d in &c.discount_allocations {
        add(d)?;
    }
    discounts.retain(|d| d.amount.amount != 0);
    let subtotal = Money::sum(cur, lines.iter().map(|l| l.line_total)).map_err(|e| bad(e.to_string()))?;
    let discount = Money::sum(cur, discounts.iter().map(|d| d.amount)).map_err(|e| bad(e.to_string()))?;
    let tax = c.cost.total_tax_amount.as_ref().map(|t| money(t, "cart")).transpose()?.filter(|t| t.amount != 0);
    // A shop whose prices include tax estimates a tax that is already in
    // the total; added, it would overshoot. Cart::new checks either way.
    let tax_included = tax.is_some_and(|t| i128::from(subtotal.amount) - i128::from(discount.amount) + i128::from(t.amount) != i128::from(total.amount));
    let totals = Totals { subtotal, discount: (discount.amount != 0).then_some(discount), discounts, shipping: None, fees: None, tax, tax_included, total };
    let mut cart = Cart::new(c.id, cur, lines, totals).map_err(|e| bad(e.to_string()))?;
    cart.codes = c.discount_codes.into_iter().map(|d| d.code).collect();
    cart.note = c.note.unwrap_or_default();
    Ok(cart)
}

/// Shopify keeps any code it is given and says whether it applies: one
/// that does not is refused here (the SDK then takes it out again).
fn code_applied(cart: Cart, code: &str, applicable: Option<bool>) -> Result<Cart, ProtocolError> {
    match applicable {
        Some(true) => Ok(cart),
        _ => Err(ProtocolError::Api { status: 422, code: "code_not_applicable".into(), message: format!("Shopify does not apply the code {code} to this cart") }),
    }
}

struct ProductWire {
    id: String,
    handle: String,
    title: String,
        description: String,
        product_type: String,
    images: Nodes<ImageWire>,
    variants: Nodes<VariantWire>,
}

struct VariantWire {
    id: String,
    title: String,
        sku: Option<String>,
    price: MoneyWire,
        image: Option<ImageWire>,
        selected_options: Vec<OptionWire>,
}

struct OptionWire {
    name: String,
    value: String,
}

impl FromJson for ProductWire {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = v.fields("a product")?;
        Ok(ProductWire {
            id: o.req("id")?,
            handle: o.req("handle")?,
            title: o.req("title")?,
            description: o.or_default("description")?,
            product_type: o.or_default("productType")?,
            images: o.req("images")?,
            variants: o.req("variants")?,
        })
    }
}

crate::json_read!(VariantWire { req id, req title, opt sku, req price, opt image, def selected_options as "selectedOptions" });
crate::json_read!(OptionWire { req name, req value });

fn to_product(p: ProductWire) -> Result<Product, ProtocolError> {
    let variants = p
        .variants
        .nodes
        .into_iter()
        .map(|v| {
            Ok(Variant {
                price: money(&v.price, "product")?,
                id: v.id,
                product_id: p.id.clone(),
                title: Some(v.title).filter(|t| t != "Default Title").unwrap_or_default(),
                sku: v.sku.unwrap_or_default(),
                options: v.selected_options.into_iter().filter(|o| o.name != "Title").map(|o| VariantOption { name: o.name, value: o.value }).collect(),
                image: v.image.map(Image::from),
            })
        })
        .collect::<Result<Vec<_>, ProtocolError>>()?;
    Ok(Product {
        id: p.id,
        handle: p.handle,
        title: p.title,
        description: p.description,
        category: p.product_type,
        images: p.images.nodes.into_iter().map(Image::from).collect(),
        variants,
    })
}

struct AvailabilityVariantWire {
    store_availability: Nodes<AvailabilityWire>,
}

struct AvailabilityWire {
    available: bool,
        quantity_available: Option<i64>,
    location: LocationWire,
}

struct LocationWire {
    id: String,
}

struct TokenPayloadWire {
        customer_access_token: Option<AccessTokenWire>,
        customer_user_errors: Vec<UserErrorWire>,
}

struct AccessTokenWire {
    access_token: String,
}

struct CustomerWire {
    id: String,
        email: Option<String>,
        display_name: Option<String>,
}

impl FromJson for AvailabilityVariantWire {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        Ok(AvailabilityVariantWire { store_availability: v.fields("a variant")?.req("storeAvailability")? })
    }
}
crate::json_read!(AvailabilityWire { req available, opt quantity_available as "quantityAvailable", req location });
crate::json_read!(LocationWire { req id });
crate::json_read!(TokenPayloadWire { opt customer_access_token as "customerAccessToken", def customer_user_errors as "customerUserErrors" });
crate::json_read!(AccessTokenWire { req access_token as "accessToken" });
crate::json_read!(CustomerWire { req id, opt email, opt display_name as "displayName" });

impl CommerceAdapter for ShopifyAdapter {
    fn name(&self) -> &'static str {
        "shopify"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { per_store_stock: self.stores_url.is_some(), recommendations: true, customer_carts: true, discount_codes: true, cart_note: true, ..Capabilities::default() }
    }

    fn list_products(&self, query: &ProductQuery) -> Result<Call<Vec<Product>>, ProtocolError> {
        let mut terms: Vec<String> = Vec::new();
        if let Some(s) = &query.search {
            terms.push(s.replace(['"', '\\'], " "));
        }
        if let Some(c) = &query.category {
            terms.push(format!("product_type:\"{}\"", c.replace(['"', '\\'], " ")));
        }
        if !query.ids.is_empty() {
            // `nodes(ids:)` keeps them in the asked order.
            let q = format!("query Q($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Product {{ ...P }} }} }} {PRODUCT}");
            return Ok(Call::new(self.call(&q, crate::json!({ "ids": (&query.ids) })), |r| {
                let nodes: Vec<Value> = graphql::field(r, "nodes", "product list")?;
                nodes
                    .into_iter()
                    .filter(|n| !n.is_null())
                    .map(|n| ProductWire::from_json(&n).map_err(|e| ProtocolError::Malformed { what: "product list", detail: e.to_string() }).and_then(to_product))
                    .collect()
            }));
        }
        let q = format!("query Q($q: String) {{ products(first: 100, query: $q) {{ nodes {{ ...P }} }} }} {PRODUCT}");
        let search = (!terms.is_empty()).then(|| terms.join(" AND "));
        Ok(Call::new(self.call(&q, crate::json!({ "q": search })), |r| {
            let list: Nodes<ProductWire> = graphql::field(r, "products", "product list")?;
            list.nodes.into_iter().map(to_product).collect()
        }))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        let (q, vars) = if id.starts_with("gid://") {
            (format!("query Q($id: ID) {{ product(id: $id) {{ ...P }} }} {PRODUCT}"), crate::json!({ "id": id }))
        } else {
            (format!("query Q($h: String) {{ product(handle: $h) {{ ...P }} }} {PRODUCT}"), crate::json!({ "h": id }))
        };
        let id = id.to_owned();
        Ok(Call::new(self.call(&q, vars), move |r| {
            let p: Option<ProductWire> = graphql::field(r, "product", "product")?;
            to_product(p.ok_or_else(|| graphql::not_found("product", &id))?)
        }))
    }

    fn create_cart(&self, _currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        Ok(self.mutation("cartCreate", "input: $input", "$input: CartInput", crate::json!({ "input": {} })))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let q = format!("query Q($id: ID!) {{ cart(id: $id) {{ ...Cart }} }} {CART}");
        let id = cart_id.to_owned();
        Ok(Call::new(self.call(&q, crate::json!({ "id": cart_id })), move |r| {
            // A cart Shopify no longer has (checked out, expired) is null.
            let c: Option<CartWire> = graphql::field(r, "cart", "cart")?;
            to_cart(c.ok_or_else(|| graphql::not_found("cart", &id))?)
        }))
    }

    fn add_line(&self, cart_id: &str, line: &NewLine) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("variant id", &line.variant_id)?;
        if line.fulfillment != Fulfillment::Delivery {
            return Err(ProtocolError::Unsupported(Capability::Pickup));
        }
        within_limits(line.quantity)?;
        let vars = crate::json!({ "id": cart_id, "lines": [{ "merchandiseId": (&line.variant_id), "quantity": (line.quantity) }] });
        Ok(self.mutation("cartLinesAdd", "cartId: $id, lines: $lines", "$id: ID!, $lines: [CartLineInput!]!", vars))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        if quantity == 0 {
            return self.remove_line(cart_id, line_id, None);
        }
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        within_limits(quantity)?;
        let vars = crate::json!({ "id": cart_id, "lines": [{ "id": line_id, "quantity": quantity }] });
        Ok(self.mutation("cartLinesUpdate", "cartId: $id, lines: $lines", "$id: ID!, $lines: [CartLineUpdateInput!]!", vars))
    }

    fn apply_code(&self, cart_id: &str, code: &str, held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let code = code.trim();
        if code.is_empty() || code.len() > 200 || code.chars().any(char::is_control) {
            return Err(ProtocolError::Api { status: 422, code: "code_unknown".into(), message: "not a discount code".into() });
        }
        let mut codes: Vec<&str> = held.iter().map(String::as_str).filter(|h| !h.eq_ignore_ascii_case(code)).collect();
        codes.push(code);
        let vars = crate::json!({ "id": cart_id, "codes": codes });
        let call = self.mutation("cartDiscountCodesUpdate", "cartId: $id, discountCodes: $codes", "$id: ID!, $codes: [String!]", vars);
        let (request, parse) = call.into_parts();
        let code = code.to_owned();
        // Which codes apply is in the raw answer; the cart itself in the usual parse.
        Ok(Call::new(request, move |r| {
            let applicable = graphql::field::<Value>(r, "cartDiscountCodesUpdate", "cart").ok().and_then(|p| {
                p.get("cart")?.get("discountCodes")?.as_array()?.iter().find(|d| d.get("code").and_then(Value::as_str).is_some_and(|c| c.eq_ignore_ascii_case(&code)))?.get("applicable")?.as_bool()
            });
            code_applied(parse(r)?, &code, applicable)
        }))
    }

    fn remove_code(&self, cart_id: &str, code: &str, held: &[String]) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let codes: Vec<&str> = held.iter().map(String::as_str).filter(|h| !h.eq_ignore_ascii_case(code.trim())).collect();
        let vars = crate::json!({ "id": cart_id, "codes": codes });
        Ok(self.mutation("cartDiscountCodesUpdate", "cartId: $id, discountCodes: $codes", "$id: ID!, $codes: [String!]", vars))
    }

    /// `cartNoteUpdate`; Shopify takes any text, so the note is checked here
    /// as the reference server checks it.
    fn set_note(&self, cart_id: &str, note: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let note = crate::cart::validate_note(note).map_err(|e| ProtocolError::Api { status: 422, code: "invalid_note".into(), message: e.to_string() })?;
        Ok(self.mutation("cartNoteUpdate", "cartId: $id, note: $note", "$id: ID!, $note: String!", crate::json!({ "id": cart_id, "note": note })))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        Ok(self.mutation("cartLinesRemove", "cartId: $id, lineIds: $lines", "$id: ID!, $lines: [ID!]!", crate::json!({ "id": cart_id, "lines": [line_id] })))
    }

    fn list_stores(&self) -> Result<Call<Vec<Store>>, ProtocolError> {
        super::stores_file(self.stores_url.as_ref())
    }

    /// `storeAvailability`: per pickup location, `quantityAvailable` (or, on
    /// older API versions, only `available`: counted as 1).
    fn variant_stock(&self, variant_id: &str) -> Result<Call<VariantStock>, ProtocolError> {
        non_empty("variant id", variant_id)?;
        let q = "query Q($id: ID!) { node(id: $id) { ... on ProductVariant { storeAvailability(first: 50) { nodes { available quantityAvailable location { id } } } } } }";
        let id = variant_id.to_owned();
        Ok(Call::new(self.call(q, crate::json!({ "id": variant_id })), move |r| {
            let v: Option<AvailabilityVariantWire> = graphql::field(r, "node", "stock list")?;
            let v = v.ok_or_else(|| graphql::not_found("variant", &id))?;
            let stock = v
                .store_availability
                .nodes
                .into_iter()
                .map(|a| {
                    let q = match a.quantity_available {
                        Some(q) => u32::try_from(q.max(0)).unwrap_or(u32::MAX),
                        None => u32::from(a.available),
                    };
                    StockLevel { store_id: a.location.id, variant_id: id.clone(), quantity: if a.available { q } else { 0 } }
                })
                .collect();
            Ok(VariantStock { variant_id: id.clone(), stock, warehouse: 0, low_stock_threshold: crate::store::rank::DEFAULT_LOW_THRESHOLD, untracked: false })
        }))
    }

    fn recommendations(&self, products: &[String], exclude: &[String], limit: u32) -> Result<Call<Recommendations>, ProtocolError> {
        let Some(first) = products.first() else { return Err(ProtocolError::InvalidRequest("recommendations need at least one product".into())) };
        let q = format!("query Q($id: ID!) {{ productRecommendations(productId: $id, intent: COMPLEMENTARY) {{ ...P }} }} {PRODUCT}");
        let (exclude, skip) = (exclude.to_vec(), products.to_vec());
        Ok(Call::new(self.call(&q, crate::json!({ "id": first })), move |r| {
            let list: Option<Vec<ProductWire>> = graphql::field(r, "productRecommendations", "recommendations")?;
            let items = list
                .unwrap_or_default()
                .into_iter()
                .map(to_product)
                .filter(|p| p.as_ref().map_or(true, |p| !exclude.contains(&p.id) && !skip.contains(&p.id)))
                .take(limit as usize)
                .map(|p| p.map(|product| Recommendation { product, score: 0.0, count: 0 }))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Recommendations { items, discount: None })
        }))
    }

    fn sign_in(&self, email: &str, password: &str, _guest_cart: Option<&str>) -> Result<Call<CustomerSession>, ProtocolError> {
        non_empty("e-mail", email)?;
        let q = "mutation M($input: CustomerAccessTokenCreateInput!) { customerAccessTokenCreate(input: $input) { customerAccessToken { accessToken expiresAt } customerUserErrors { field message code } } }";
        let email = email.to_owned();
        Ok(Call::new(self.call(q, crate::json!({ "input": { "email": (&email), "password": password } })), move |r| {
            let p: TokenPayloadWire = graphql::field(r, "customerAccessTokenCreate", "session")?;
            if let Some(e) = p.customer_user_errors.into_iter().next() {
                return Err(ProtocolError::Api { status: 401, code: e.code.to_lowercase(), message: e.message });
            }
            let t = p.customer_access_token.ok_or_else(|| ProtocolError::Malformed { what: "session", detail: "no customerAccessToken".into() })?;
            Ok(CustomerSession { customer: CustomerInfo { id: String::new(), email, name: String::new() }, token: t.access_token, cart_id: None })
        }))
    }

    /// `customerAccessTokenDelete`: the token stops working on Shopify's side too.
    fn sign_out(&self) -> Result<Option<Call<()>>, ProtocolError> {
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("no customer is signed in".into()))?;
        let q = "mutation M($t: String!) { customerAccessTokenDelete(customerAccessToken: $t) { deletedAccessToken userErrors { field message } } }";
        Ok(Some(Call::new(self.call(q, crate::json!({ "t": token })), |r| {
            let _: Value = graphql::field(r, "customerAccessTokenDelete", "sign-out")?;
            Ok(())
        })))
    }

    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("not signed in".into()))?;
        let q = "query Q($t: String!) { customer(customerAccessToken: $t) { id email displayName } }";
        Ok(Call::new(self.call(q, crate::json!({ "t": token })), |r| {
            let c: Option<CustomerWire> = graphql::field(r, "customer", "customer")?;
            let c = c.ok_or_else(|| ProtocolError::Api { status: 401, code: "unauthorized".into(), message: "the session has expired; sign in again".into() })?;
            Ok(CustomerMe { customer: CustomerInfo { id: c.id, email: c.email.unwrap_or_default(), name: c.display_name.unwrap_or_default() }, cart_id: None })
        }))
    }

    /// `cartBuyerIdentityUpdate`: the guest cart becomes the signed-in customer's.
    fn attach_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("sign in before attaching a cart".into()))?;
        let vars = crate::json!({ "id": cart_id, "identity": { "customerAccessToken": token } });
        Ok(self.mutation("cartBuyerIdentityUpdate", "cartId: $id, buyerIdentity: $identity", "$id: ID!, $identity: CartBuyerIdentityInput!", vars))
    }
}
