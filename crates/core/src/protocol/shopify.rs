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
use crate::cart::CartLine;
use crate::catalog::{Image, Product, Variant, VariantOption};
use crate::money::Money;
use crate::store::{StockLevel, VariantStock};
use serde_json::{json, Value};

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

const CART: &str = "fragment Cart on Cart { id checkoutUrl cost { subtotalAmount { amount currencyCode } totalAmount { amount currencyCode } } discountAllocations { discountedAmount { amount currencyCode } } lines(first: 100) { nodes { id quantity cost { amountPerQuantity { amount currencyCode } subtotalAmount { amount currencyCode } } merchandise { ... on ProductVariant { id title image { url altText } product { id title } } } } } }";
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
                    ProtocolError::Api { status: 422, code: e.code.to_lowercase(), message: e.message }
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadWire {
    #[serde(default)]
    cart: Option<CartWire>,
    #[serde(default)]
    user_errors: Vec<UserErrorWire>,
    #[serde(default)]
    warnings: Vec<UserErrorWire>,
}

#[derive(Deserialize)]
struct UserErrorWire {
    message: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyWire {
    amount: String,
    currency_code: String,
}

fn money(m: &MoneyWire, what: &'static str) -> Result<Money, ProtocolError> {
    let cur = Currency::new(&m.currency_code).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })?;
    Money::from_major(&m.amount, cur).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CartWire {
    id: String,
    cost: CartCostWire,
    #[serde(default)]
    discount_allocations: Vec<DiscountWire>,
    lines: Nodes<LineWire>,
}

#[derive(Deserialize)]
struct Nodes<T> {
    nodes: Vec<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CartCostWire {
    subtotal_amount: MoneyWire,
    total_amount: MoneyWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiscountWire {
    discounted_amount: MoneyWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineWire {
    id: String,
    quantity: u32,
    cost: LineCostWire,
    merchandise: MerchandiseWire,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineCostWire {
    amount_per_quantity: MoneyWire,
    subtotal_amount: MoneyWire,
}

#[derive(Deserialize)]
struct MerchandiseWire {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    image: Option<ImageWire>,
    product: ProductRefWire,
}

#[derive(Deserialize)]
struct ProductRefWire {
    id: String,
    title: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageWire {
    url: String,
    #[serde(default)]
    alt_text: Option<String>,
}

impl From<ImageWire> for Image {
    fn from(i: ImageWire) -> Image {
        Image { url: i.url, alt: i.alt_text.unwrap_or_default() }
    }
}

fn to_cart(c: CartWire) -> Result<Cart, ProtocolError> {
    let total = money(&c.cost.total_amount, "cart")?;
    let mut lines = Vec::new();
    for l in c.lines.nodes {
        let (unit_price, line_total) = (money(&l.cost.amount_per_quantity, "cart")?, money(&l.cost.subtotal_amount, "cart")?);
        lines.push(CartLine {
            product_id: l.merchandise.product.id,
            title: l.merchandise.product.title,
            // Shopify names a variant-less product's only variant "Default Title".
            variant_title: Some(l.merchandise.title).filter(|t| t != "Default Title").unwrap_or_default(),
            image: l.merchandise.image.map(Image::from),
            ..CartLine::delivered(l.id, l.merchandise.id, l.quantity, unit_price, line_total)
        });
    }
    let discounts = c.discount_allocations.iter().map(|d| money(&d.discounted_amount, "cart")).collect::<Result<Vec<_>, _>>()?;
    let discount = Money::sum(total.currency, discounts).map_err(|e| ProtocolError::Malformed { what: "cart", detail: e.to_string() })?;
    Ok(Cart {
        id: c.id,
        version: 0,
        currency: total.currency,
        lines,
        subtotal: money(&c.cost.subtotal_amount, "cart")?,
        discount: (discount.amount != 0).then_some(discount),
        total,
        updated_at: 0,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductWire {
    id: String,
    handle: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    product_type: String,
    images: Nodes<ImageWire>,
    variants: Nodes<VariantWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct VariantWire {
    id: String,
    title: String,
    #[serde(default)]
    sku: Option<String>,
    price: MoneyWire,
    #[serde(default)]
    image: Option<ImageWire>,
    #[serde(default)]
    selected_options: Vec<OptionWire>,
}

#[derive(Deserialize)]
struct OptionWire {
    name: String,
    value: String,
}

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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityVariantWire {
    store_availability: Nodes<AvailabilityWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityWire {
    available: bool,
    #[serde(default)]
    quantity_available: Option<i64>,
    location: LocationWire,
}

#[derive(Deserialize)]
struct LocationWire {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenPayloadWire {
    #[serde(default)]
    customer_access_token: Option<AccessTokenWire>,
    #[serde(default)]
    customer_user_errors: Vec<UserErrorWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccessTokenWire {
    access_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerWire {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
}

impl CommerceAdapter for ShopifyAdapter {
    fn name(&self) -> &'static str {
        "shopify"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { per_store_stock: self.stores_url.is_some(), recommendations: true, customer_carts: true, ..Capabilities::default() }
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
            return Ok(Call::new(self.call(&q, json!({ "ids": query.ids })), |r| {
                let nodes: Vec<Value> = graphql::field(r, "nodes", "product list")?;
                nodes
                    .into_iter()
                    .filter(|n| !n.is_null())
                    .map(|n| serde_json::from_value::<ProductWire>(n).map_err(|e| ProtocolError::Malformed { what: "product list", detail: e.to_string() }).and_then(to_product))
                    .collect()
            }));
        }
        let q = format!("query Q($q: String) {{ products(first: 100, query: $q) {{ nodes {{ ...P }} }} }} {PRODUCT}");
        let search = (!terms.is_empty()).then(|| terms.join(" AND "));
        Ok(Call::new(self.call(&q, json!({ "q": search })), |r| {
            let list: Nodes<ProductWire> = graphql::field(r, "products", "product list")?;
            list.nodes.into_iter().map(to_product).collect()
        }))
    }

    fn get_product(&self, id: &str) -> Result<Call<Product>, ProtocolError> {
        non_empty("product id", id)?;
        let (q, vars) = if id.starts_with("gid://") {
            (format!("query Q($id: ID) {{ product(id: $id) {{ ...P }} }} {PRODUCT}"), json!({ "id": id }))
        } else {
            (format!("query Q($h: String) {{ product(handle: $h) {{ ...P }} }} {PRODUCT}"), json!({ "h": id }))
        };
        let id = id.to_owned();
        Ok(Call::new(self.call(&q, vars), move |r| {
            let p: Option<ProductWire> = graphql::field(r, "product", "product")?;
            to_product(p.ok_or_else(|| graphql::not_found("product", &id))?)
        }))
    }

    fn create_cart(&self, _currency: Option<Currency>) -> Result<Call<Cart>, ProtocolError> {
        Ok(self.mutation("cartCreate", "input: $input", "$input: CartInput", json!({ "input": {} })))
    }

    fn get_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let q = format!("query Q($id: ID!) {{ cart(id: $id) {{ ...Cart }} }} {CART}");
        let id = cart_id.to_owned();
        Ok(Call::new(self.call(&q, json!({ "id": cart_id })), move |r| {
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
        let vars = json!({ "id": cart_id, "lines": [{ "merchandiseId": line.variant_id, "quantity": line.quantity }] });
        Ok(self.mutation("cartLinesAdd", "cartId: $id, lines: $lines", "$id: ID!, $lines: [CartLineInput!]!", vars))
    }

    fn update_line(&self, cart_id: &str, line_id: &str, quantity: u32, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        if quantity == 0 {
            return self.remove_line(cart_id, line_id, None);
        }
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        let vars = json!({ "id": cart_id, "lines": [{ "id": line_id, "quantity": quantity }] });
        Ok(self.mutation("cartLinesUpdate", "cartId: $id, lines: $lines", "$id: ID!, $lines: [CartLineUpdateInput!]!", vars))
    }

    fn remove_line(&self, cart_id: &str, line_id: &str, _expected_version: Option<u64>) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        non_empty("line id", line_id)?;
        Ok(self.mutation("cartLinesRemove", "cartId: $id, lineIds: $lines", "$id: ID!, $lines: [ID!]!", json!({ "id": cart_id, "lines": [line_id] })))
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
        Ok(Call::new(self.call(q, json!({ "id": variant_id })), move |r| {
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
            Ok(VariantStock { variant_id: id.clone(), stock, warehouse: 0, low_stock_threshold: crate::store::rank::DEFAULT_LOW_THRESHOLD })
        }))
    }

    fn recommendations(&self, products: &[String], exclude: &[String], limit: u32) -> Result<Call<Recommendations>, ProtocolError> {
        let Some(first) = products.first() else { return Err(ProtocolError::InvalidRequest("recommendations need at least one product".into())) };
        let q = format!("query Q($id: ID!) {{ productRecommendations(productId: $id, intent: COMPLEMENTARY) {{ ...P }} }} {PRODUCT}");
        let (exclude, skip) = (exclude.to_vec(), products.to_vec());
        Ok(Call::new(self.call(&q, json!({ "id": first })), move |r| {
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
        Ok(Call::new(self.call(q, json!({ "input": { "email": email, "password": password } })), move |r| {
            let p: TokenPayloadWire = graphql::field(r, "customerAccessTokenCreate", "session")?;
            if let Some(e) = p.customer_user_errors.into_iter().next() {
                return Err(ProtocolError::Api { status: 401, code: e.code.to_lowercase(), message: e.message });
            }
            let t = p.customer_access_token.ok_or_else(|| ProtocolError::Malformed { what: "session", detail: "no customerAccessToken".into() })?;
            Ok(CustomerSession { customer: CustomerInfo { id: String::new(), email, name: String::new() }, token: t.access_token, cart_id: None })
        }))
    }

    fn me(&self) -> Result<Call<CustomerMe>, ProtocolError> {
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("not signed in".into()))?;
        let q = "query Q($t: String!) { customer(customerAccessToken: $t) { id email displayName } }";
        Ok(Call::new(self.call(q, json!({ "t": token })), |r| {
            let c: Option<CustomerWire> = graphql::field(r, "customer", "customer")?;
            let c = c.ok_or_else(|| ProtocolError::Api { status: 401, code: "unauthorized".into(), message: "the session has expired; sign in again".into() })?;
            Ok(CustomerMe { customer: CustomerInfo { id: c.id, email: c.email.unwrap_or_default(), name: c.display_name.unwrap_or_default() }, cart_id: None })
        }))
    }

    /// `cartBuyerIdentityUpdate`: the guest cart becomes the signed-in customer's.
    fn attach_cart(&self, cart_id: &str) -> Result<Call<Cart>, ProtocolError> {
        non_empty("cart id", cart_id)?;
        let token = self.token.clone().ok_or_else(|| ProtocolError::InvalidRequest("sign in before attaching a cart".into()))?;
        let vars = json!({ "id": cart_id, "identity": { "customerAccessToken": token } });
        Ok(self.mutation("cartBuyerIdentityUpdate", "cartId: $id, buyerIdentity: $identity", "$id: ID!, $identity: CartBuyerIdentityInput!", vars))
    }
}
