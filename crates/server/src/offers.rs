//! Post-checkout offers, the loyalty ledger and the offer report.
//!
//! An order's offer is decided once, the first time any channel asks for it
//! (the thank-you page, an order status page, the customer's next visit):
//! experiment arm, frequency cap and the items, all by `crosscart_core::offer`.
//! The decision is stored, so a reload shows the same offer with the same
//! expiry, and the holdout group's would-be items are kept for the report.

use crate::api::{check_id, now_ms, product_ids_param, random_hex, ApiJson};
use crate::db::{self, sha256_hex, write_tx, AddLine};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::cart::percent_of;
use crosscart_core::fbt::Model;
use crosscart_core::money::{Currency, Money};
use crosscart_core::offer::{self, stats, CapDecision, Experiment, Loyalty, Offer, OfferEvent, OfferItem, OfferStatus, Pick, Policy, Viewed};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Loyalty points per whole currency unit when the shop sets none.
pub const DEFAULT_POINTS_PER_UNIT: u32 = 1;
/// Most recently viewed products a request may name, and a customer keeps.
const MAX_VIEWED: usize = 20;

// ---------------------------------------------------------------- settings

/// The running experiment (the default one until the shop sets its own).
pub fn experiment(conn: &Connection) -> Result<Experiment, ApiError> {
    match db::setting(conn, "offer_experiment")? {
        Some(json) => serde_json::from_str(&json).map_err(ApiError::internal),
        None => Ok(Experiment::default()),
    }
}

pub fn set_experiment(conn: &Connection, e: &Experiment) -> Result<(), ApiError> {
    e.validate().map_err(|m| ApiError::unprocessable("invalid_experiment", m))?;
    db::set_setting(conn, "offer_experiment", &serde_json::to_string(e).map_err(ApiError::internal)?)
}

pub fn points_per_unit(conn: &Connection) -> Result<u32, ApiError> {
    Ok(db::setting(conn, "loyalty_points_per_unit")?.and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_POINTS_PER_UNIT))
}

pub fn set_points_per_unit(conn: &Connection, n: u32) -> Result<(), ApiError> {
    db::set_setting(conn, "loyalty_points_per_unit", &n.to_string())
}

// ---------------------------------------------------------------- loyalty

fn unit_hash(email: &str, order_id: &str) -> String {
    sha256_hex(&offer::unit_id(email, order_id))
}

/// At checkout: remembers the order's customer unit and credits its points.
pub fn credit_points(tx: &Transaction<'_>, order: &crosscart_core::Order, email: &str, now_ms: i64) -> Result<(), ApiError> {
    let unit = unit_hash(email, &order.id);
    tx.execute("UPDATE orders SET unit_hash = ?2 WHERE id = ?1", params![order.id, unit])?;
    let points = offer::points_earned(order.total, points_per_unit(tx)?);
    if points > 0 {
        tx.execute(
            "INSERT INTO loyalty_ledger (unit_hash, order_id, points, reason, at) VALUES (?1, ?2, ?3, 'order', ?4)",
            params![unit, order.id, points as i64, now_ms],
        )?;
    }
    Ok(())
}

/// A customer's points: those of the orders they placed signed in. (Not by
/// e-mail: demo accounts do not verify addresses, so an e-mail proves nothing.)
fn balance(conn: &Connection, customer_id: &str) -> Result<u64, ApiError> {
    Ok(conn
        .query_row(
            "SELECT coalesce(sum(l.points), 0) FROM loyalty_ledger l JOIN orders o ON o.id = l.order_id WHERE o.customer_id = ?1",
            [customer_id],
            |r| r.get::<_, i64>(0),
        )?
        .max(0) as u64)
}

// ---------------------------------------------------------------- access

/// What an offer needs of its order.
#[derive(Debug, Clone)]
struct OrderRow {
    id: String,
    number: u64,
    currency: Currency,
    created_at: i64,
    customer_id: Option<String>,
    unit_hash: String,
}

/// Who is asking: the order's key and/or a customer's session.
#[derive(Debug, Clone, Default)]
struct Asker {
    key: Option<String>,
    token: Option<String>,
}

impl Asker {
    fn from(headers: &HeaderMap, q: &HashMap<String, String>) -> Asker {
        let key = headers.get("x-order-key").and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| q.get("key").cloned()).filter(|k| !k.is_empty() && k.len() <= 128);
        Asker { key, token: crate::accounts::bearer(headers, q) }
    }

    fn customer(&self, conn: &Connection) -> Result<Option<crate::accounts::Customer>, ApiError> {
        match &self.token {
            Some(t) => db::session_customer(conn, t, now_ms()),
            None => Ok(None),
        }
    }
}

/// The order, if the asker holds its key or is its signed-in customer. Every
/// failure looks like an unknown order: nothing leaks about other orders.
fn authorize(conn: &Connection, order_id: &str, asker: &Asker) -> Result<OrderRow, ApiError> {
    if asker.key.is_none() && asker.token.is_none() {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "order_key_required", "send the order key in the X-Order-Key header"));
    }
    let row = conn
        .query_row(
            "SELECT number, key_hash, currency, created_at, customer_id, coalesce(unit_hash, ''), email FROM orders WHERE id = ?1",
            [order_id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?, r.get::<_, Option<String>>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?)),
        )
        .optional()?;
    let Some((number, key_hash, cur, created_at, customer_id, unit, email)) = row else { return Err(ApiError::not_found("order")) };
    let by_key = asker.key.as_deref().is_some_and(|k| sha256_hex(k) == key_hash);
    let by_session = !by_key && customer_id.is_some() && asker.customer(conn)?.is_some_and(|c| Some(c.id) == customer_id);
    if !by_key && !by_session {
        return Err(ApiError::not_found("order"));
    }
    let unit_hash = if unit.is_empty() { self::unit_hash(&email, order_id) } else { unit };
    Ok(OrderRow { id: order_id.to_owned(), number: number as u64, currency: Currency::new(&cur).map_err(ApiError::internal)?, created_at, customer_id, unit_hash })
}

// ---------------------------------------------------------------- deciding

/// A stored pick: the product, the variant offered, why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredItem {
    product_id: String,
    variant_id: String,
    reason: offer::Reason,
}

#[derive(Debug, Clone)]
struct OfferRow {
    variant: String,
    experiment: String,
    status: String,
    reason: Option<String>,
    percent_off: u8,
    expires_at: i64,
    items: Vec<StoredItem>,
    cart_id: Option<String>,
}

fn offer_row(conn: &Connection, order_id: &str) -> Result<Option<OfferRow>, ApiError> {
    let row = conn
        .query_row(
            "SELECT variant, experiment, status, reason, percent_off, expires_at, items, cart_id FROM offers WHERE order_id = ?1",
            [order_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, u8>(4)?, r.get(5)?, r.get::<_, String>(6)?, r.get(7)?)),
        )
        .optional()?;
    row.map(|(variant, experiment, status, reason, percent_off, expires_at, items, cart_id)| {
        Ok(OfferRow { variant, experiment, status, reason, percent_off, expires_at, items: serde_json::from_str(&items).map_err(ApiError::internal)?, cart_id })
    })
    .transpose()
}

/// Units of a variant that can still be sold: free store stock plus the warehouse.
fn free_units(conn: &Connection, variant_id: &str, now_ms: i64) -> Result<u32, ApiError> {
    let s = db::variant_stock(conn, variant_id, now_ms)?;
    Ok(s.stock.iter().map(|l| l.quantity).sum::<u32>().saturating_add(s.warehouse))
}

/// The first variant of a product with stock to sell.
fn sellable_variant(conn: &Connection, product_id: &str, now_ms: i64) -> Result<Option<String>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM variants WHERE product_id = ?1 ORDER BY position, id")?;
    let ids: Vec<String> = stmt.query_map([product_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    for id in ids {
        if free_units(conn, &id, now_ms)? > 0 {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The order's bought products, for the model lookup.
fn bought_products(conn: &Connection, order_id: &str) -> Result<Vec<String>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT DISTINCT product_id FROM order_lines WHERE order_id = ?1")?;
    let ids = stmt.query_map([order_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Decides the order's offer if nothing was decided yet (idempotent: the
/// first decision stands, even under concurrent requests).
fn decide(conn: &mut Connection, order: &OrderRow, complements: &[(String, f32)], device_viewed: &[String], now_ms: i64) -> Result<(), ApiError> {
    let tx = write_tx(conn)?;
    if offer_row(&tx, &order.id)?.is_some() {
        return Ok(());
    }
    let exp = experiment(&tx)?;
    let policy = Policy::default();
    let assignment = exp.assign(&order.unit_hash);
    let past: Vec<offer::PastOffer> = {
        let mut stmt = tx.prepare_cached("SELECT created_at, status = 'dismissed' FROM offers WHERE unit_hash = ?1 AND status != 'none' AND order_id != ?2")?;
        stmt.query_map(params![order.unit_hash, order.id], |r| Ok(offer::PastOffer { created_at: r.get(0)?, dismissed: r.get(1)? }))?.collect::<Result<_, _>>()?
    };
    // Views: this device's (most recent first) and, for a customer, the ones kept for them.
    let mut viewed: Vec<Viewed> = device_viewed.iter().enumerate().map(|(i, p)| Viewed { product_id: p.clone(), at: now_ms - i as i64 * 1000 }).collect();
    if let Some(customer) = &order.customer_id {
        let mut stmt = tx.prepare_cached("SELECT product_id, at FROM viewed WHERE customer_id = ?1")?;
        viewed.extend(stmt.query_map([customer], |r| Ok(Viewed { product_id: r.get(0)?, at: r.get(1)? }))?.collect::<Result<Vec<_>, _>>()?);
    }
    let bought = bought_products(&tx, &order.id)?;
    let mut variants: HashMap<String, Option<String>> = HashMap::new();
    for p in complements.iter().map(|c| &c.0).chain(viewed.iter().map(|v| &v.product_id)) {
        if !variants.contains_key(p) {
            variants.insert(p.clone(), sellable_variant(&tx, p, now_ms)?);
        }
    }
    let picks: Vec<Pick> = offer::select(
        offer::Candidates { bought: &bought, complements, viewed: &viewed },
        &policy,
        now_ms,
        |p| variants.get(p).is_some_and(Option::is_some),
    );
    let items: Vec<StoredItem> = picks
        .into_iter()
        .filter_map(|p| variants.get(&p.product_id).cloned().flatten().map(|variant_id| StoredItem { product_id: p.product_id, variant_id, reason: p.reason }))
        .collect();
    let (status, reason) = match offer::cap(&policy, &past, order.created_at, now_ms) {
        CapDecision::TooLate => ("none", Some("too_late")),
        CapDecision::Capped { .. } => ("none", Some("capped")),
        CapDecision::Allowed if items.is_empty() => ("none", Some("nothing_to_offer")),
        CapDecision::Allowed => match assignment {
            offer::Assignment::Holdout => ("holdout", None),
            offer::Assignment::Arm(_) => ("open", None),
        },
    };
    let (percent, window) = match assignment {
        offer::Assignment::Arm(a) => (a.percent_off, a.window_ms),
        offer::Assignment::Holdout => (0, exp.arms.first().map_or(0, |a| a.window_ms)),
    };
    tx.execute(
        "INSERT INTO offers (order_id, unit_hash, experiment, variant, status, reason, percent_off, created_at, expires_at, items)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![order.id, order.unit_hash, exp.id, assignment.name(), status, reason, percent, now_ms, now_ms + window,
            serde_json::to_string(&items).map_err(ApiError::internal)?],
    )?;
    tx.commit()?;
    Ok(())
}

/// The offer as the API answers it, with today's prices and stock.
fn answer(conn: &Connection, order: &OrderRow, row: &OfferRow, viewer: Option<&crate::accounts::Customer>, now_ms: i64) -> Result<Offer, ApiError> {
    let status = match row.status.as_str() {
        "open" if now_ms >= row.expires_at => OfferStatus::Expired,
        "open" => OfferStatus::Open,
        "accepted" => OfferStatus::Accepted,
        "dismissed" => OfferStatus::Dismissed,
        "holdout" => OfferStatus::Holdout,
        _ => OfferStatus::None,
    };
    // The holdout group and orders without an offer are told nothing about items.
    let shown = matches!(status, OfferStatus::Open | OfferStatus::Accepted | OfferStatus::Dismissed | OfferStatus::Expired);
    let mut items = Vec::new();
    for it in row.items.iter().filter(|_| shown) {
        let found = conn
            .query_row(
                "SELECT p.title, v.title, coalesce(v.image, json_extract(p.images, '$[0]')), v.price_amount, v.currency FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?1",
                [&it.variant_id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?)),
            )
            .optional()?;
        let Some((title, variant_title, image, amount, cur)) = found else { continue }; // withdrawn from sale since
        let price = Money::new(amount, Currency::new(&cur).map_err(ApiError::internal)?);
        let off = if status == OfferStatus::Open { percent_of(price, row.percent_off)?.amount } else { 0 };
        items.push(OfferItem {
            product_id: it.product_id.clone(),
            variant_id: it.variant_id.clone(),
            title,
            variant_title,
            image: image.map(|i| serde_json::from_str(&i)).transpose().map_err(ApiError::internal)?,
            price,
            offer_price: Money::new(price.amount - off, price.currency),
            available: free_units(conn, &it.variant_id, now_ms)? > 0,
            reason: it.reason,
        });
    }
    let earned: i64 = conn.query_row("SELECT coalesce(sum(points), 0) FROM loyalty_ledger WHERE order_id = ?1", [&order.id], |r| r.get(0))?;
    let own = viewer.filter(|c| order.customer_id.as_deref() == Some(c.id.as_str()));
    Ok(Offer {
        order_id: order.id.clone(),
        order_number: order.number,
        status,
        reason: row.reason.clone(),
        experiment: row.experiment.clone(),
        variant: row.variant.clone(),
        percent_off: if shown { row.percent_off } else { 0 },
        expires_at: if shown { row.expires_at } else { 0 },
        server_time: now_ms,
        items,
        loyalty: Loyalty { earned: earned.max(0) as u64, balance: own.map(|c| balance(conn, &c.id)).transpose()? },
        cart_id: if status == OfferStatus::Accepted { row.cart_id.clone() } else { None },
    })
}

/// Complements of the order's products from the newest mined model (none
/// while the first model is still being mined: the offer then draws on views).
async fn complements(st: &AppState, bought: &[String]) -> Vec<(String, f32)> {
    let Ok(model) = st.recommender.model().await else { return Vec::new() };
    let Ok(loaded) = Model::load(&model.bytes) else { return Vec::new() };
    bought.iter().flat_map(|b| loaded.complements(b).into_iter().map(|c| (c.item.to_owned(), c.score))).collect()
}

/// Decides (if needed) and answers the offer of an authorized order.
async fn offer_for(st: &AppState, order: OrderRow, asker: Asker, viewed: Vec<String>) -> Result<Offer, ApiError> {
    let now = now_ms();
    let (existing, bought) = {
        let id = order.id.clone();
        st.db.run(move |c| Ok((offer_row(c, &id)?.is_some(), bought_products(c, &id)?))).await?
    };
    if !existing {
        let comps = complements(st, &bought).await;
        let o = order.clone();
        st.db.run(move |c| decide(c, &o, &comps, &viewed, now)).await?;
    }
    st.db
        .run(move |c| {
            let row = offer_row(c, &order.id)?.ok_or_else(|| ApiError::internal("offer missing after deciding"))?;
            answer(c, &order, &row, asker.customer(c)?.as_ref(), now)
        })
        .await
}

fn no_store(value: impl Serialize, status: StatusCode) -> Response {
    let mut resp = (status, Json(value)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

// ---------------------------------------------------------------- handlers

/// `GET /v1/orders/{id}/offer?viewed=p1,p2` with `X-Order-Key` (or the
/// customer's session): the order's offer, decided on first request.
pub async fn order_offer(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    check_id("order", &id)?;
    let mut viewed = product_ids_param(q.get("viewed"))?;
    viewed.truncate(MAX_VIEWED);
    let asker = Asker::from(&headers, &q);
    let order = {
        let asker = asker.clone();
        st.db.run(move |c| authorize(c, &id, &asker)).await?
    };
    Ok(no_store(offer_for(&st, order, asker, viewed).await?, StatusCode::OK))
}

/// `GET /v1/customers/me/offer`: the offer of the signed-in customer's newest
/// order (placed signed in, in any channel) if it is open and has not been
/// shown yet; 204 otherwise.
pub async fn my_offer(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let asker = Asker { key: None, token: crate::accounts::bearer(&headers, &q) };
    let found = {
        let asker = asker.clone();
        st.db
            .run(move |c| {
                let me = asker.customer(c)?.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", "sign in first"))?;
                let since = now_ms() - Policy::default().max_order_age_ms;
                let latest: Option<String> = c
                    .query_row("SELECT id FROM orders WHERE customer_id = ?1 AND created_at > ?2 ORDER BY created_at DESC LIMIT 1", params![me.id, since], |r| r.get(0))
                    .optional()?;
                let Some(order_id) = latest else { return Ok(None) };
                let shown: bool = c.query_row("SELECT count(*) > 0 FROM offer_events WHERE order_id = ?1", [&order_id], |r| r.get(0))?;
                if shown {
                    return Ok(None);
                }
                // Placed signed in, in any channel (web, app, or a counter that claimed their cart).
                authorize(c, &order_id, &asker).map(Some)
            })
            .await?
    };
    let Some(order) = found else { return Ok(StatusCode::NO_CONTENT.into_response()) };
    let offer = offer_for(&st, order, asker, Vec::new()).await?;
    if offer.status == OfferStatus::Open { Ok(no_store(offer, StatusCode::OK)) } else { Ok(StatusCode::NO_CONTENT.into_response()) }
}

#[derive(Debug, Deserialize)]
pub struct EventBody {
    pub kind: OfferEvent,
}

/// `POST /v1/orders/{id}/offer/events` `{"kind": "impression" | "dismiss"}`:
/// each kind counts once per order, so reloads do not inflate the report.
/// The holdout group records its impression too (the dialog it did not see).
pub async fn offer_event(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>, ApiJson(body): ApiJson<EventBody>) -> Result<StatusCode, ApiError> {
    check_id("order", &id)?;
    let asker = Asker::from(&headers, &q);
    st.db
        .run(move |c| {
            let order = authorize(c, &id, &asker)?;
            let tx = write_tx(c)?;
            let row = offer_row(&tx, &order.id)?.ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "no_offer", "this order has no offer yet; fetch it first"))?;
            let kind = match (body.kind, row.status.as_str()) {
                (_, "none") => return Err(ApiError::new(StatusCode::CONFLICT, "no_offer", "there is no offer for this order")),
                (OfferEvent::Dismiss, "holdout") => return Err(ApiError::new(StatusCode::CONFLICT, "no_offer", "there is no offer for this order")),
                (OfferEvent::Impression, _) => "impression",
                (OfferEvent::Dismiss, _) => "dismiss",
            };
            tx.execute("INSERT OR IGNORE INTO offer_events (order_id, kind, variant, at) VALUES (?1, ?2, ?3, ?4)", params![order.id, kind, row.variant, now_ms()])?;
            if kind == "dismiss" {
                tx.execute("UPDATE offers SET status = 'dismissed' WHERE order_id = ?1 AND status = 'open'", [&order.id])?;
            }
            tx.commit()?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptBody {
    /// The offered variants to take; empty or absent takes them all.
    #[serde(default)]
    pub variant_ids: Vec<String>,
}

/// `POST /v1/orders/{id}/offer/accept`: the offered items go into a new cart
/// (one of each, at the offer price), ready to check out. Accepting twice
/// answers the same cart; a late, dismissed or sold-out offer is refused with
/// a clear message and changes nothing.
pub async fn accept(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>, crate::api::OptionalJson(body): crate::api::OptionalJson<AcceptBody>) -> Result<Response, ApiError> {
    check_id("order", &id)?;
    let chosen = body.variant_ids;
    let asker = Asker::from(&headers, &q);
    let (status, cart) = st
        .db
        .run(move |c| {
            let order = authorize(c, &id, &asker)?;
            let now = now_ms();
            let tx = write_tx(c)?;
            let row = offer_row(&tx, &order.id)?.ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "no_offer", "this order has no offer yet; fetch it first"))?;
            match row.status.as_str() {
                "accepted" => {
                    let cart_id = row.cart_id.ok_or_else(|| ApiError::internal("accepted offer without a cart"))?;
                    return match db::load_cart(&tx, &cart_id) {
                        Ok(cart) => Ok((StatusCode::OK, cart)),
                        Err(e) if e.code == "cart_closed" => Err(ApiError::new(StatusCode::CONFLICT, "offer_used", "this offer was already used for an order")),
                        Err(e) => Err(e),
                    };
                }
                "dismissed" => return Err(ApiError::new(StatusCode::CONFLICT, "offer_dismissed", "this offer was dismissed")),
                "open" => {}
                _ => return Err(ApiError::new(StatusCode::CONFLICT, "no_offer", "there is no offer for this order")),
            }
            if now >= row.expires_at {
                let minutes = (now - row.expires_at) / 60_000;
                let ago = if minutes < 1 { "moments ago".to_owned() } else { format!("{minutes} min ago") };
                return Err(ApiError::new(StatusCode::GONE, "offer_expired", format!("this offer ended {ago}; the items are still in the shop at their usual price")));
            }
            let items: Vec<&StoredItem> = if chosen.is_empty() { row.items.iter().collect() } else { row.items.iter().filter(|i| chosen.contains(&i.variant_id)).collect() };
            if let Some(bad) = chosen.iter().find(|v| !row.items.iter().any(|i| &i.variant_id == *v)) {
                return Err(ApiError::unprocessable("not_offered", format!("variant {bad} is not part of this offer")));
            }
            if items.is_empty() {
                return Err(ApiError::unprocessable("not_offered", "choose at least one offered item"));
            }
            let cart_id = random_hex(16);
            db::insert_cart(&tx, &cart_id, order.currency, now)?;
            tx.execute("UPDATE carts SET offer_order_id = ?2 WHERE id = ?1", params![cart_id, order.id])?;
            for item in items {
                if free_units(&tx, &item.variant_id, now)? == 0 {
                    let title: String = tx.query_row("SELECT p.title FROM variants v JOIN products p ON p.id = v.product_id WHERE v.id = ?1", [&item.variant_id], |r| r.get(0)).unwrap_or_else(|_| "an item".into());
                    return Err(ApiError::insufficient_stock(0, format!("{title} sold out after this offer was made; untick it to take the rest")));
                }
                let add = AddLine { variant_id: &item.variant_id, quantity: 1, pickup_store_id: None, bundle: None, new_line_id: random_hex(8), allow_transfer: false };
                let line = db::add_line_in(&tx, &cart_id, add, now)?;
                tx.execute("UPDATE cart_lines SET offer_percent = ?2 WHERE id = ?1", params![line, row.percent_off])?;
            }
            tx.execute("UPDATE offers SET status = 'accepted', cart_id = ?2 WHERE order_id = ?1", params![order.id, cart_id])?;
            tx.execute("INSERT OR IGNORE INTO offer_events (order_id, kind, variant, at) VALUES (?1, 'accept', ?2, ?3)", params![order.id, row.variant, now])?;
            let cart = db::load_cart(&tx, &cart_id)?;
            tx.commit()?;
            Ok((StatusCode::CREATED, cart))
        })
        .await?;
    Ok(no_store(crosscart_core::protocol::reference::AcceptedOffer { cart }, status))
}

#[derive(Debug, Deserialize)]
pub struct ViewedBody {
    pub product_id: String,
}

/// `POST /v1/customers/me/viewed` `{"product_id"}`: remembers a product the
/// signed-in customer looked at (the newest 20 are kept).
pub async fn record_viewed(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>, ApiJson(body): ApiJson<ViewedBody>) -> Result<StatusCode, ApiError> {
    let product = check_id("product", body.product_id.trim())?.to_owned();
    let asker = Asker { key: None, token: crate::accounts::bearer(&headers, &q) };
    st.db
        .run(move |c| {
            let me = asker.customer(c)?.ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", "sign in first"))?;
            if db::get_product(c, &product)?.is_none() {
                return Err(ApiError::not_found("product"));
            }
            let tx = write_tx(c)?;
            tx.execute(
                "INSERT INTO viewed (customer_id, product_id, at) VALUES (?1, ?2, ?3) ON CONFLICT (customer_id, product_id) DO UPDATE SET at = excluded.at",
                params![me.id, product, now_ms()],
            )?;
            tx.execute(
                "DELETE FROM viewed WHERE customer_id = ?1 AND product_id NOT IN (SELECT product_id FROM viewed WHERE customer_id = ?1 ORDER BY at DESC LIMIT ?2)",
                params![me.id, MAX_VIEWED as i64],
            )?;
            tx.commit()?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

// ---------------------------------------------------------------- report

/// One experiment arm's figures over a report window.
#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    pub experiment: String,
    pub variant: String,
    /// Orders whose offer was shown (for the holdout group: would have been).
    pub impressions: u64,
    pub accepts: u64,
    pub dismissals: u64,
    /// Accepts per impression.
    pub acceptance: Option<stats::Estimate>,
    /// Share of shown orders followed, within the window, by an order of an
    /// offered item by the same customer (through the offer or not).
    pub attach: Option<stats::Estimate>,
    /// Attach rate minus the holdout group's.
    pub attach_uplift: Option<stats::Estimate>,
    /// Revenue of offered items in those follow-up orders, per shown order (major units).
    pub added_revenue: Option<stats::Estimate>,
    pub currency: String,
}

/// Per arm: impressions, acceptance, attach rate with its uplift over the
/// holdout group, and added revenue per shown order, each with a 95 % interval.
pub fn report(conn: &Connection, window_ms: i64) -> Result<Vec<ArmReport>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT f.experiment, f.variant, f.created_at, f.unit_hash, f.items, o.currency,
                EXISTS (SELECT 1 FROM offer_events e WHERE e.order_id = f.order_id AND e.kind = 'impression'),
                EXISTS (SELECT 1 FROM offer_events e WHERE e.order_id = f.order_id AND e.kind = 'accept'),
                EXISTS (SELECT 1 FROM offer_events e WHERE e.order_id = f.order_id AND e.kind = 'dismiss'),
                f.order_id
         FROM offers f JOIN orders o ON o.id = f.order_id
         WHERE f.status != 'none' ORDER BY f.experiment, f.variant",
    )?;
    type Row = (String, String, i64, String, String, String, bool, bool, bool, String);
    let rows: Vec<Row> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))?
        .collect::<Result<_, _>>()?;
    // Follow-up revenue of offered products: same customer (or the offer's own cart), after the offer, within the window.
    let mut follow = conn.prepare(
        "SELECT coalesce(sum(l.unit_price * l.quantity - l.discount), 0), count(DISTINCT o.id)
         FROM orders o JOIN order_lines l ON l.order_id = o.id
         WHERE o.id != ?1 AND o.created_at > ?2 AND o.created_at <= ?3
           AND (o.unit_hash = ?4 OR o.cart_id IN (SELECT id FROM carts WHERE offer_order_id = ?1))
           AND l.product_id IN (SELECT json_extract(value, '$.product_id') FROM json_each(?5))",
    )?;
    #[derive(Default)]
    struct Acc {
        impressions: u64,
        accepts: u64,
        dismissals: u64,
        attached: u64,
        revenue: stats::Sums,
        currency: String,
    }
    let mut arms: Vec<((String, String), Acc)> = Vec::new();
    for (exp, variant, created, unit, items, cur, shown, accepted, dismissed, order_id) in rows {
        let key = (exp, variant);
        let idx = match arms.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                arms.push((key, Acc { currency: cur.clone(), ..Acc::default() }));
                arms.len() - 1
            }
        };
        let acc = &mut arms[idx].1;
        if !shown {
            continue;
        }
        acc.impressions += 1;
        acc.accepts += u64::from(accepted);
        acc.dismissals += u64::from(dismissed);
        let (minor, orders): (i64, i64) = follow.query_row(params![order_id, created, created + window_ms, unit, items], |r| Ok((r.get(0)?, r.get(1)?)))?;
        acc.attached += u64::from(orders > 0);
        let scale = 10f64.powi(Currency::new(&cur).map_err(ApiError::internal)?.exponent() as i32);
        acc.revenue.push(minor as f64 / scale);
    }
    let holdout: HashMap<String, (u64, u64)> =
        arms.iter().filter(|((_, v), _)| v == offer::HOLDOUT).map(|((e, _), a)| (e.clone(), (a.attached, a.impressions))).collect();
    Ok(arms
        .into_iter()
        .map(|((experiment, variant), a)| {
            let uplift = match holdout.get(&experiment) {
                Some(&(k, n)) if variant != offer::HOLDOUT => stats::difference(a.attached, a.impressions, k, n),
                _ => None,
            };
            ArmReport {
                acceptance: if variant == offer::HOLDOUT { None } else { stats::proportion(a.accepts, a.impressions) },
                attach: stats::proportion(a.attached, a.impressions),
                attach_uplift: uplift,
                // Revenue is never negative: the interval is cut at zero (skewed data, small groups).
                added_revenue: a.revenue.mean().map(|e| stats::Estimate { low: e.low.max(0.0), ..e }),
                impressions: a.impressions,
                accepts: a.accepts,
                dismissals: a.dismissals,
                currency: a.currency,
                experiment,
                variant,
            }
        })
        .collect())
}

/// The report as a plain-text table.
pub fn report_table(rows: &[ArmReport], window_days: f64) -> String {
    let pct = |e: &Option<stats::Estimate>| e.map_or("—".to_owned(), |e| format!("{:.1} % [{:.1}, {:.1}]", e.value * 100.0, e.low * 100.0, e.high * 100.0));
    let pp = |e: &Option<stats::Estimate>| e.map_or("—".to_owned(), |e| format!("{:+.1} pp [{:+.1}, {:+.1}]", e.value * 100.0, e.low * 100.0, e.high * 100.0));
    let money = |e: &Option<stats::Estimate>, cur: &str| e.map_or("—".to_owned(), |e| format!("{:.2} [{:.2}, {:.2}] {cur}", e.value, e.low, e.high));
    let mut out = format!("post-checkout offers — attach window {window_days} days, 95 % intervals\n");
    let header = ["experiment", "variant", "impressions", "accepts", "dismissals", "acceptance rate", "attach rate", "attach vs holdout", "added revenue / order"];
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.experiment.clone(),
                r.variant.clone(),
                r.impressions.to_string(),
                r.accepts.to_string(),
                r.dismissals.to_string(),
                pct(&r.acceptance),
                pct(&r.attach),
                pp(&r.attach_uplift),
                money(&r.added_revenue, &r.currency),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..9).map(|i| cells.iter().map(|c| c[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0)).collect();
    let line = |cols: Vec<&str>| cols.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_owned() + "\n";
    out.push_str(&line(header.to_vec()));
    for c in &cells {
        out.push_str(&line(c.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push_str("(no offers yet)\n");
    }
    out
}
