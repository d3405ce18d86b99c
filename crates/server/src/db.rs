//! Storage: one embedded SQLite file, opened in WAL mode.
//!
//! All SQL lives in this file. Every write runs in one `IMMEDIATE`
//! transaction and is answered only after it commits, so an acknowledged
//! change survives a restart. The statements are portable SQL so that a
//! PostgreSQL implementation of the same methods can be added beside this one.

use crate::error::ApiError;
use axum::http::StatusCode;
use crosscart_core::cart::{self, Cart, CartLine, Fulfillment, ShippingRule};
use crosscart_core::catalog::{Image, Product, Variant, VariantOption};
use crosscart_core::money::{Currency, Money};
use crosscart_core::order::{Channel, Order, OrderLine};
use crosscart_core::promo::{self, Promotion};
use crosscart_core::protocol::CheckoutRequest;
use crosscart_core::store::{StockLevel, Store, VariantStock};
use crate::accounts::Customer;
use crosscart_core::sync::{materialize, Change, LineKey, Op, OpId, RejectedOp, ReplicatedLine, Seen};
use std::collections::BTreeSet;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Arc, Mutex};

const MIGRATIONS: &[&str] = &[include_str!("../migrations/0001_init.sql"), include_str!("../migrations/0002_bundles.sql"),
    include_str!("../migrations/0003_pickup.sql"),
    include_str!("../migrations/0004_sync.sql"),
    include_str!("../migrations/0005_abandoned.sql"),
    include_str!("../migrations/0006_accounts.sql"),
    include_str!("../migrations/0007_handoff.sql"),
    include_str!("../migrations/0008_offers.sql"),
    include_str!("../migrations/0009_compaction.sql"),
    include_str!("../migrations/0010_promotions.sql"),
    include_str!("../migrations/0011_cart_extras.sql"),
    include_str!("../migrations/0012_compare_at.sql"),
];

/// Applies the migrations `conn` has not seen yet (tracked in `PRAGMA user_version`).
pub fn migrate(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// A handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the SQLite file at `path` and migrates it.
    /// Its directory must exist.
    pub fn open(path: &Path) -> Result<Db, rusqlite::Error> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Db, rusqlite::Error> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Db, rusqlite::Error> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Db { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` on the connection off the async executor. A panic in `f`
    /// fails only this request: it is caught while the lock is held (so the
    /// lock is never poisoned), and an open transaction is rolled back.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // Poisoned only if a panic escaped elsewhere; the connection is still sound.
            let mut guard = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut guard))) {
                Ok(result) => result,
                Err(_) => {
                    if !guard.is_autocommit() {
                        let _ = guard.execute_batch("ROLLBACK");
                    }
                    Err(ApiError::internal("the request failed inside the database call; nothing was changed"))
                }
            }
        })
        .await
        .map_err(ApiError::internal)?
    }
}

pub fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>, ApiError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

fn json_err(e: serde_json::Error) -> ApiError {
    ApiError::internal(format!("stored JSON is invalid: {e}"))
}

fn currency(code: &str) -> Result<Currency, ApiError> {
    Currency::new(code).map_err(ApiError::internal)
}

pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------- settings

/// The shop's bundle discount in percent (0 when it offers none).
pub fn bundle_percent(conn: &Connection) -> Result<u8, ApiError> {
    Ok(setting(conn, "bundle_discount_percent")?.and_then(|v| v.parse::<u8>().ok()).filter(|p| *p <= crosscart_core::cart::MAX_BUNDLE_PERCENT).unwrap_or(0))
}

pub fn set_bundle_percent(conn: &Connection, percent: u8) -> Result<(), ApiError> {
    set_setting(conn, "bundle_discount_percent", &percent.to_string())
}

pub(crate) fn setting(conn: &Connection, key: &str) -> Result<Option<String>, ApiError> {
    Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<(), ApiError> {
    conn.execute("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])?;
    Ok(())
}

/// How long a pickup reservation holds stock, in milliseconds (default 30 minutes).
pub const DEFAULT_RESERVATION_HOLD_MS: i64 = 30 * 60 * 1000;

pub fn reservation_hold_ms(conn: &Connection) -> Result<i64, ApiError> {
    Ok(setting(conn, "reservation_hold_ms")?.and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0).unwrap_or(DEFAULT_RESERVATION_HOLD_MS))
}

pub fn set_reservation_hold_ms(conn: &Connection, ms: i64) -> Result<(), ApiError> {
    set_setting(conn, "reservation_hold_ms", &ms.to_string())
}

/// Units one cart may hold for pickup at once, all lines together (default 10):
/// one free cart must not be able to empty a product's click & collect stock.
pub const DEFAULT_MAX_HELD_PER_CART: u32 = 10;

pub fn max_held_per_cart(conn: &Connection) -> Result<u32, ApiError> {
    Ok(setting(conn, "max_held_per_cart")?.and_then(|v| v.parse::<u32>().ok()).filter(|v| *v > 0).unwrap_or(DEFAULT_MAX_HELD_PER_CART))
}

pub fn set_max_held_per_cart(conn: &Connection, units: u32) -> Result<(), ApiError> {
    set_setting(conn, "max_held_per_cart", &units.max(1).to_string())
}

/// After how long without a change an open cart with items is abandoned (default 1 hour).
pub const DEFAULT_ABANDONED_AFTER_MS: i64 = 60 * 60 * 1000;

pub fn abandoned_after_ms(conn: &Connection) -> Result<i64, ApiError> {
    Ok(setting(conn, "abandoned_after_ms")?.and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0).unwrap_or(DEFAULT_ABANDONED_AFTER_MS))
}

pub fn set_abandoned_after_ms(conn: &Connection, ms: i64) -> Result<(), ApiError> {
    set_setting(conn, "abandoned_after_ms", &ms.to_string())
}

/// The URL the shop wants abandoned carts posted to, if any.
pub fn abandoned_webhook(conn: &Connection) -> Result<Option<String>, ApiError> {
    Ok(setting(conn, "abandoned_webhook")?.filter(|u| !u.is_empty()))
}

pub fn set_abandoned_webhook(conn: &Connection, url: &str) -> Result<(), ApiError> {
    set_setting(conn, "abandoned_webhook", url)
}

/// The delivery rate and free-delivery threshold, when the shop set one.
pub fn shipping_rule(conn: &Connection) -> Result<Option<ShippingRule>, ApiError> {
    Ok(setting(conn, "shipping_rule")?.and_then(|v| serde_json::from_str(&v).ok()))
}

/// Sets (or, with None, removes) the delivery rate and free-delivery threshold.
pub fn set_shipping_rule(conn: &Connection, rule: Option<&ShippingRule>) -> Result<(), ApiError> {
    match rule {
        Some(r) => {
            r.validate().map_err(|e| ApiError::unprocessable("invalid_shipping_rule", e))?;
            set_setting(conn, "shipping_rule", &serde_json::to_string(r).map_err(json_err)?)
        }
        None => {
            conn.execute("DELETE FROM settings WHERE key = 'shipping_rule'", [])?;
            Ok(())
        }
    }
}

pub fn low_stock_threshold(conn: &Connection) -> Result<u32, ApiError> {
    Ok(setting(conn, "low_stock_threshold")?.and_then(|v| v.parse::<u32>().ok()).unwrap_or(crosscart_core::store::rank::DEFAULT_LOW_THRESHOLD))
}

pub fn set_low_stock_threshold(conn: &Connection, n: u32) -> Result<(), ApiError> {
    set_setting(conn, "low_stock_threshold", &n.to_string())
}

// ---------------------------------------------------------------- catalog

pub fn is_empty(conn: &Connection) -> Result<bool, ApiError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM products", [], |r| r.get(0))?;
    Ok(n == 0)
}

pub fn insert_product(tx: &Transaction<'_>, p: &Product, position: i64) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO products (id, handle, title, description, category, images, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![p.id, p.handle, p.title, p.description, p.category, serde_json::to_string(&p.images).map_err(json_err)?, position],
    )?;
    for (i, v) in p.variants.iter().enumerate() {
        tx.execute(
            "INSERT INTO variants (id, product_id, title, sku, options, price_amount, currency, image, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                v.id, p.id, v.title, v.sku,
                serde_json::to_string(&v.options).map_err(json_err)?,
                v.price.amount, v.price.currency.as_str(),
                v.image.as_ref().map(serde_json::to_string).transpose().map_err(json_err)?,
                i as i64
            ],
        )?;
    }
    Ok(())
}

fn load_variants(conn: &Connection, product_id: &str) -> Result<Vec<Variant>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, title, sku, options, price_amount, currency, image FROM variants WHERE product_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([product_id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?, r.get::<_, String>(5)?, r.get::<_, Option<String>>(6)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, title, sku, options, amount, cur, image) = row?;
        out.push(Variant {
            id,
            product_id: product_id.to_owned(),
            title,
            sku,
            options: serde_json::from_str::<Vec<VariantOption>>(&options).map_err(json_err)?,
            price: Money::new(amount, currency(&cur)?),
            image: image.map(|i| serde_json::from_str::<Image>(&i)).transpose().map_err(json_err)?,
        });
    }
    Ok(out)
}

fn product_from_row(conn: &Connection, r: (String, String, String, String, String, String)) -> Result<Product, ApiError> {
    let (id, handle, title, description, category, images) = r;
    let variants = load_variants(conn, &id)?;
    Ok(Product { images: serde_json::from_str(&images).map_err(json_err)?, id, handle, title, description, category, variants })
}

const PRODUCT_COLUMNS: &str = "id, handle, title, description, category, images";

fn product_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

pub fn get_product(conn: &Connection, id_or_handle: &str) -> Result<Option<Product>, ApiError> {
    let row = conn
        .query_row(&format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?1 OR handle = ?1"), [id_or_handle], product_row)
        .optional()?;
    row.map(|r| product_from_row(conn, r)).transpose()
}

/// Products filtered by category, a title search and/or ids, in catalog order.
pub fn list_products(conn: &Connection, category: Option<&str>, search: Option<&str>, ids: &[String]) -> Result<Vec<Product>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {PRODUCT_COLUMNS} FROM products ORDER BY position, id"))?;
    let rows: Vec<_> = stmt.query_map([], product_row)?.collect::<Result<_, _>>()?;
    let needle = search.map(str::to_lowercase);
    let mut out = Vec::new();
    for r in rows {
        if category.is_some_and(|c| c != r.4) {
            continue;
        }
        if !ids.is_empty() && !ids.iter().any(|i| *i == r.0 || *i == r.1) {
            continue;
        }
        if let Some(n) = &needle
            && !r.2.to_lowercase().contains(n.as_str()) && !r.3.to_lowercase().contains(n.as_str()) {
                continue;
            }
        out.push(product_from_row(conn, r)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------- stores and stock

pub fn insert_store(tx: &Transaction<'_>, s: &Store, position: i64) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO stores (id, name, address, city, postal_code, country, lat, lon, hours, phone, pickup_lead_hours, position, transfer_hours)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![s.id, s.name, s.address, s.city, s.postal_code, s.country, s.location.lat, s.location.lon,
            serde_json::to_string(&s.hours).map_err(json_err)?, s.phone, s.pickup_lead_hours, position, s.transfer_hours],
    )?;
    Ok(())
}

pub fn list_stores(conn: &Connection) -> Result<Vec<Store>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, address, city, postal_code, country, lat, lon, hours, phone, pickup_lead_hours, transfer_hours FROM stores ORDER BY position, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            Store {
                id: r.get(0)?, name: r.get(1)?, address: r.get(2)?, city: r.get(3)?, postal_code: r.get(4)?, country: r.get(5)?,
                location: crosscart_core::store::GeoPoint { lat: r.get(6)?, lon: r.get(7)? },
                hours: Default::default(),
                phone: r.get(9)?, pickup_lead_hours: r.get(10)?, transfer_hours: r.get(11)?,
            },
            r.get::<_, String>(8)?,
        ))
    })?;
    rows.map(|row| {
        let (mut store, hours) = row?;
        store.hours = serde_json::from_str(&hours).map_err(json_err)?;
        Ok(store)
    })
    .collect()
}

pub fn set_stock(tx: &Transaction<'_>, store_id: &str, variant_id: &str, quantity: u32) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO stock (store_id, variant_id, quantity) VALUES (?1, ?2, ?3)
         ON CONFLICT (store_id, variant_id) DO UPDATE SET quantity = excluded.quantity",
        params![store_id, variant_id, quantity],
    )?;
    Ok(())
}

pub fn variant_exists(conn: &Connection, variant_id: &str) -> Result<bool, ApiError> {
    Ok(conn.query_row("SELECT 1 FROM variants WHERE id = ?1", [variant_id], |_| Ok(())).optional()?.is_some())
}

/// Puts a variant on sale from `was` (its price before the sale, shown struck
/// through in the cart), or off sale with None.
pub fn set_compare_at(tx: &Transaction<'_>, variant_id: &str, was: Option<i64>) -> Result<(), ApiError> {
    if tx.execute("UPDATE variants SET compare_at_amount = ?2 WHERE id = ?1", params![variant_id, was])? == 0 {
        return Err(ApiError::not_found("variant"));
    }
    Ok(())
}

pub fn set_warehouse_stock(tx: &Transaction<'_>, variant_id: &str, quantity: u32) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO warehouse_stock (variant_id, quantity) VALUES (?1, ?2)
         ON CONFLICT (variant_id) DO UPDATE SET quantity = excluded.quantity",
        params![variant_id, quantity],
    )?;
    Ok(())
}

/// Free units per store and in the warehouse: stock less unexpired reservations.
pub fn variant_stock(conn: &Connection, variant_id: &str, now_ms: i64) -> Result<VariantStock, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, coalesce(k.quantity, 0) - coalesce((SELECT sum(r.quantity) FROM reservations r
                 WHERE r.source = 'store' AND r.store_id = s.id AND r.variant_id = ?1 AND r.expires_at > ?2), 0)
         FROM stores s LEFT JOIN stock k ON k.store_id = s.id AND k.variant_id = ?1 ORDER BY s.position, s.id",
    )?;
    let rows = stmt.query_map(params![variant_id, now_ms], |r| {
        Ok(StockLevel { store_id: r.get(0)?, variant_id: variant_id.to_owned(), quantity: r.get::<_, i64>(1)?.max(0) as u32 })
    })?;
    let stock = rows.collect::<Result<_, _>>()?;
    Ok(VariantStock {
        variant_id: variant_id.to_owned(),
        stock,
        warehouse: free_units(conn, Source::Warehouse, "", variant_id, None, now_ms)?,
        low_stock_threshold: low_stock_threshold(conn)?,
        untracked: false,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Store,
    Warehouse,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Store => "store",
            Source::Warehouse => "warehouse",
        }
    }
}

/// Units of `variant_id` free at a store (or in the warehouse): stock less
/// the unexpired reservations of other lines than `except_line`.
fn free_units(conn: &Connection, source: Source, store_id: &str, variant_id: &str, except_line: Option<&str>, now_ms: i64) -> Result<u32, ApiError> {
    let stock: i64 = match source {
        Source::Store => conn.query_row("SELECT coalesce((SELECT quantity FROM stock WHERE store_id = ?1 AND variant_id = ?2), 0)", [store_id, variant_id], |r| r.get(0))?,
        Source::Warehouse => conn.query_row("SELECT coalesce((SELECT quantity FROM warehouse_stock WHERE variant_id = ?1), 0)", [variant_id], |r| r.get(0))?,
    };
    let held: i64 = conn.query_row(
        "SELECT coalesce(sum(quantity), 0) FROM reservations
         WHERE source = ?1 AND (?1 = 'warehouse' OR store_id = ?2) AND variant_id = ?3 AND expires_at > ?4 AND line_id IS NOT ?5",
        params![source.as_str(), store_id, variant_id, now_ms, except_line],
        |r| r.get(0),
    )?;
    Ok((stock - held).max(0) as u32)
}

/// Holds `quantity` of a pickup line's variant at its store for the shop's
/// reservation time, replacing the line's earlier hold. Runs inside the
/// caller's write transaction, so concurrent holds are serialised and can
/// never exceed the stock. With `allow_transfer`, a store short of stock
/// that takes transfers holds warehouse units instead.
fn reserve(tx: &Transaction<'_>, line_id: &str, store_id: &str, variant_id: &str, quantity: u32, allow_transfer: bool, now_ms: i64) -> Result<(), ApiError> {
    let cap = max_held_per_cart(tx)?;
    let held_elsewhere: i64 = tx.query_row(
        "SELECT coalesce(sum(r.quantity), 0) FROM reservations r JOIN cart_lines l ON l.id = r.line_id
         WHERE l.cart_id = (SELECT cart_id FROM cart_lines WHERE id = ?1) AND r.line_id != ?1 AND r.expires_at > ?2",
        params![line_id, now_ms],
        |r| r.get(0),
    )?;
    let room = (i64::from(cap) - held_elsewhere).max(0) as u32;
    if quantity > room {
        return Err(ApiError::insufficient_stock(room, format!("a cart can hold at most {cap} units for pickup at once; {room} more can be held")));
    }
    let at_store = free_units(tx, Source::Store, store_id, variant_id, Some(line_id), now_ms)?;
    let source = if quantity <= at_store {
        Source::Store
    } else {
        let transfer_hours: Option<u32> = tx.query_row("SELECT transfer_hours FROM stores WHERE id = ?1", [store_id], |r| r.get(0))?;
        let in_warehouse = free_units(tx, Source::Warehouse, store_id, variant_id, Some(line_id), now_ms)?;
        if !(allow_transfer && transfer_hours.is_some() && quantity <= in_warehouse) {
            let name: String = tx.query_row("SELECT name FROM stores WHERE id = ?1", [store_id], |r| r.get(0))?;
            return Err(ApiError::insufficient_stock(at_store, format!("not enough stock at {name}: {at_store} left")));
        }
        Source::Warehouse
    };
    tx.execute(
        "INSERT INTO reservations (line_id, store_id, variant_id, source, quantity, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (line_id) DO UPDATE SET source = excluded.source, quantity = excluded.quantity, expires_at = excluded.expires_at",
        params![line_id, store_id, variant_id, source.as_str(), quantity, now_ms + reservation_hold_ms(tx)?],
    )?;
    Ok(())
}

// ---------------------------------------------------------------- carts

struct CartRow {
    currency: Currency,
    version: u64,
    status: String,
    updated_at: i64,
}

fn cart_row(conn: &Connection, cart_id: &str) -> Result<CartRow, ApiError> {
    let row = conn
        .query_row("SELECT currency, version, status, updated_at FROM carts WHERE id = ?1", [cart_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("cart"))?;
    Ok(CartRow { currency: currency(&row.0)?, version: row.1 as u64, status: row.2, updated_at: row.3 })
}

fn open_cart_row(conn: &Connection, cart_id: &str) -> Result<CartRow, ApiError> {
    let row = cart_row(conn, cart_id)?;
    if row.status != "open" {
        return Err(ApiError::new(StatusCode::GONE, "cart_closed", "this cart has been checked out; start a new one"));
    }
    Ok(row)
}

/// The cart with current catalog prices and totals.
pub fn load_cart(conn: &Connection, cart_id: &str) -> Result<Cart, ApiError> {
    let row = open_cart_row(conn, cart_id)?;
    read_cart(conn, cart_id, row)
}

fn read_cart(conn: &Connection, cart_id: &str, row: CartRow) -> Result<Cart, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.variant_id, v.product_id, p.title, v.title, coalesce(v.image, json_extract(p.images, '$[0]')), l.quantity, v.price_amount, v.currency, l.pickup_store_id, l.bundle,
                r.expires_at, r.source = 'warehouse', l.offer_percent,
                CASE WHEN l.pickup_store_id IS NULL THEN (SELECT w.quantity FROM warehouse_stock w WHERE w.variant_id = l.variant_id) END,
                v.compare_at_amount
         FROM cart_lines l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id
         LEFT JOIN reservations r ON r.line_id = l.id
         WHERE l.cart_id = ?1 ORDER BY l.position",
    )?;
    let rows = stmt.query_map([cart_id], |r| {
        Ok((
            r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?, r.get::<_, i64>(6)?, r.get::<_, i64>(7)?, r.get::<_, String>(8)?, r.get::<_, Option<String>>(9)?,
            r.get::<_, Option<String>>(10)?, r.get::<_, Option<i64>>(11)?, r.get::<_, Option<bool>>(12)?, r.get::<_, u8>(13)?, r.get::<_, Option<i64>>(14)?,
            r.get::<_, Option<i64>>(15)?,
        ))
    })?;
    // A delivered line says how many the warehouse has left when that is few.
    let low = i64::from(low_stock_threshold(conn)?);
    let mut lines = Vec::new();
    for row in rows {
        let (id, variant_id, product_id, title, variant_title, image, qty, amount, cur, pickup, bundle, reserved_until, transfer, offer_percent, warehouse, compare_at) = row?;
        let price = Money::new(amount, currency(&cur)?);
        lines.push(CartLine {
            id, variant_id, product_id, title, variant_title,
            image: image.map(|i| serde_json::from_str(&i)).transpose().map_err(json_err)?,
            quantity: qty as u32,
            unit_price: price,
            line_total: price,
            fulfillment: pickup.map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id }),
            bundle,
            discount: None,
            reserved_until,
            transfer: transfer.unwrap_or(false),
            offer_percent,
            stock_left: warehouse.filter(|n| (0..=low).contains(n)).map(|n| n as u32),
            compare_at: compare_at.filter(|c| *c > amount).map(|c| Money::new(c, price.currency)),
        });
    }
    let mut totals = cart::price_lines(row.currency, &mut lines, bundle_percent(conn)?)?;
    // Codes on what the bundle and offer discounts left, each on what the one before left.
    let codes = cart_promotions(conn, cart_id)?;
    if !codes.is_empty() {
        let email = cart_email(conn, cart_id)?;
        let uses = codes.iter().map(|p| Ok((p.code.clone(), promotion_uses(conn, &p.code, email.as_deref())?))).collect::<Result<Vec<_>, ApiError>>()?;
        let uses_of = |code: &str| uses.iter().find(|(c, _)| c == code).map_or((0, 0), |u| u.1);
        promo::apply(&mut totals, row.currency, &codes, crate::api::now_ms(), uses_of).map_err(|e| ApiError::internal(format!("cart {cart_id}: {e}")))?;
    }
    // Delivery on what the discounts left; a rule in another currency does not apply.
    let rule = shipping_rule(conn)?.filter(|r| r.rate.currency == row.currency && r.free_over.currency == row.currency);
    if let Some(r) = &rule {
        r.apply(&mut totals, &lines).map_err(|e| ApiError::internal(format!("cart {cart_id}: {e}")))?;
    }
    let mut cart = Cart::new(cart_id.to_owned(), row.currency, lines, totals).map_err(|e| ApiError::internal(format!("cart {cart_id}: {e}")))?;
    cart.codes = codes.into_iter().map(|p| p.code).collect();
    cart.shipping_rule = rule;
    cart.note = conn.query_row("SELECT note FROM carts WHERE id = ?1", [cart_id], |r| r.get(0))?;
    cart.version = row.version;
    cart.updated_at = row.updated_at;
    Ok(cart)
}

pub fn create_cart(conn: &mut Connection, id: &str, cur: Currency, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    insert_cart(&tx, id, cur, now_ms)?;
    let cart = read_cart(&tx, id, CartRow { currency: cur, version: 1, status: "open".into(), updated_at: now_ms })?;
    tx.commit()?;
    Ok(cart)
}

pub(crate) fn insert_cart(tx: &Transaction<'_>, id: &str, cur: Currency, now_ms: i64) -> Result<(), ApiError> {
    tx.execute(
        "INSERT INTO carts (id, currency, version, status, created_at, updated_at) VALUES (?1, ?2, 1, 'open', ?3, ?3)",
        params![id, cur.as_str(), now_ms],
    )?;
    Ok(())
}

fn check_version(row: &CartRow, expected: Option<u64>) -> Result<(), ApiError> {
    match expected {
        Some(v) if v != row.version => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "version_conflict",
            format!("the cart changed elsewhere (now version {}, you sent {v}); reload it and try again", row.version),
        )),
        _ => Ok(()),
    }
}

/// After a change: a new version, and the op log folded if it grew long.
fn bump(tx: &Transaction<'_>, cart_id: &str, now_ms: i64) -> Result<(), ApiError> {
    tx.execute("UPDATE carts SET version = version + 1, updated_at = ?2 WHERE id = ?1", params![cart_id, now_ms])?;
    compact(tx, cart_id, now_ms)?;
    Ok(())
}

pub struct AddLine<'a> {
    pub variant_id: &'a str,
    pub quantity: u32,
    pub pickup_store_id: Option<&'a str>,
    /// Bundle tag; an existing line added again as part of a bundle joins it.
    pub bundle: Option<&'a str>,
    pub new_line_id: String,
    /// For pickup: a transfer from the warehouse is acceptable.
    pub allow_transfer: bool,
}

/// Adds a variant: one server-authored `Add` operation, then the lines are
/// brought up to date. A pickup line reserves its quantity at the store; a
/// store short of stock refuses the add (409) and nothing changes.
pub fn add_line(conn: &mut Connection, cart_id: &str, add: AddLine<'_>, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    add_line_in(&tx, cart_id, add, now_ms)?;
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok(cart)
}

/// [`add_line`] inside the caller's transaction; returns the line's id.
pub(crate) fn add_line_in(tx: &Transaction<'_>, cart_id: &str, add: AddLine<'_>, now_ms: i64) -> Result<String, ApiError> {
    let row = open_cart_row(tx, cart_id)?;
    let fulfillment = add.pickup_store_id.map_or(Fulfillment::Delivery, |s| Fulfillment::Pickup { store_id: s.to_owned() });
    check_line_target(tx, &row, add.variant_id, &fulfillment)?;
    let key = LineKey::new(add.variant_id, &fulfillment);
    let existing: Option<i64> = tx
        .query_row("SELECT quantity FROM cart_lines WHERE cart_id = ?1 AND variant_id = ?2 AND pickup_store_id IS ?3", params![cart_id, add.variant_id, add.pickup_store_id], |r| r.get(0))
        .optional()?;
    match existing {
        Some(qty) => {
            cart::merged_quantity(qty as u32, add.quantity)?;
        }
        None => {
            let count: i64 = tx.query_row("SELECT count(*) FROM cart_lines WHERE cart_id = ?1", [cart_id], |r| r.get(0))?;
            if count as usize >= cart::MAX_LINES {
                return Err(cart::CartError::TooManyLines.into());
            }
        }
    }
    append_server_op(tx, cart_id, now_ms, |_| Change::Add { variant_id: add.variant_id.to_owned(), fulfillment: fulfillment.clone(), quantity: add.quantity })?;
    let hint = LineHint { key: &key, new_line_id: &add.new_line_id, allow_transfer: add.allow_transfer, bundle: add.bundle };
    sync_lines(tx, cart_id, now_ms, Some(&hint), false)?;
    bump(tx, cart_id, now_ms)?;
    let line_id = tx.query_row(
        "SELECT id FROM cart_lines WHERE cart_id = ?1 AND variant_id = ?2 AND pickup_store_id IS ?3",
        params![cart_id, add.variant_id, add.pickup_store_id],
        |r| r.get(0),
    )?;
    Ok(line_id)
}

/// Sets a line's quantity (0 removes the line): a server-authored `Set`
/// that has seen every operation so far.
pub fn set_line_quantity(conn: &mut Connection, cart_id: &str, line_id: &str, quantity: u32, expected: Option<u64>, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    let row = open_cart_row(&tx, cart_id)?;
    check_version(&row, expected)?;
    let line: Option<(String, Option<String>)> = tx
        .query_row("SELECT variant_id, pickup_store_id FROM cart_lines WHERE id = ?1 AND cart_id = ?2", params![line_id, cart_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (variant_id, pickup) = line.ok_or_else(|| ApiError::not_found("cart line"))?;
    let fulfillment = pickup.map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id });
    append_server_op(&tx, cart_id, now_ms, |seen| Change::Set { variant_id, fulfillment, quantity, seen })?;
    sync_lines(&tx, cart_id, now_ms, None, false)?;
    bump(&tx, cart_id, now_ms)?;
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok(cart)
}

/// Whether a line for `variant_id` with `fulfillment` may be in this cart:
/// a known variant in the cart's currency, a known store for pickup.
fn check_line_target(conn: &Connection, row: &CartRow, variant_id: &str, fulfillment: &Fulfillment) -> Result<(), ApiError> {
    let variant_currency: Option<String> = conn.query_row("SELECT currency FROM variants WHERE id = ?1", [variant_id], |r| r.get(0)).optional()?;
    let variant_currency = variant_currency.ok_or_else(|| ApiError::unprocessable("unknown_variant", "no such product variant"))?;
    if variant_currency != row.currency.as_str() {
        return Err(cart::CartError::CurrencyMismatch { cart: row.currency, found: currency(&variant_currency)? }.into());
    }
    if let Fulfillment::Pickup { store_id } = fulfillment {
        let known = conn.query_row("SELECT 1 FROM stores WHERE id = ?1", [store_id], |_| Ok(())).optional()?.is_some();
        if !known {
            return Err(ApiError::unprocessable("unknown_store", "no such store for pickup"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- cart operations

/// The replica id of operations the server makes itself (REST edits, corrections).
pub const SERVER_REPLICA: &str = "server";

/// Every operation of a cart, in commit order.
pub fn cart_ops(conn: &Connection, cart_id: &str) -> Result<Vec<Op>, ApiError> {
    Ok(ops_since(conn, cart_id, 0)?.into_iter().map(|(_, op)| op).collect())
}

/// Operations committed after `cursor`, with their cursors.
pub fn ops_since(conn: &Connection, cart_id: &str, cursor: u64) -> Result<Vec<(u64, Op)>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT cursor, body FROM cart_ops WHERE cart_id = ?1 AND cursor > ?2 ORDER BY cursor")?;
    // A cursor beyond any stored one (even beyond i64) means "nothing newer", never a wrap to everything.
    let rows = stmt.query_map(params![cart_id, i64::try_from(cursor).unwrap_or(i64::MAX)], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|row| {
        let (c, body) = row?;
        Ok((c as u64, serde_json::from_str(&body).map_err(json_err)?))
    })
    .collect()
}

/// The cart's latest cursor.
pub fn op_cursor(conn: &Connection, cart_id: &str) -> Result<u64, ApiError> {
    Ok(conn.query_row("SELECT op_cursor FROM carts WHERE id = ?1", [cart_id], |r| r.get::<_, i64>(0))? as u64)
}

/// Whether the cart keeps an operation with this id, or folded it into its snapshot.
fn op_known(tx: &Transaction<'_>, cart_id: &str, id: &OpId) -> Result<bool, ApiError> {
    Ok(kept_op_body(tx, cart_id, id)?.is_some() || frontier(tx, cart_id)?.contains(id))
}

/// Every operation folded into the cart's snapshot.
fn frontier(conn: &Connection, cart_id: &str) -> Result<Seen, ApiError> {
    let json: String = conn.query_row("SELECT frontier FROM carts WHERE id = ?1", [cart_id], |r| r.get(0))?;
    serde_json::from_str(&json).map_err(json_err)
}

/// The stored JSON of the cart's operation with this id, if kept.
fn kept_op_body(tx: &Transaction<'_>, cart_id: &str, id: &OpId) -> Result<Option<String>, ApiError> {
    Ok(tx.query_row("SELECT body FROM cart_ops WHERE cart_id = ?1 AND replica = ?2 AND seq = ?3", params![cart_id, id.replica, id.seq as i64], |r| r.get(0)).optional()?)
}

/// Keeps `op` unless the cart has it already; returns whether it was new.
fn insert_op(tx: &Transaction<'_>, cart_id: &str, op: &Op) -> Result<bool, ApiError> {
    if op_known(tx, cart_id, &op.id)? {
        return Ok(false);
    }
    let cursor: i64 = tx.query_row("UPDATE carts SET op_cursor = op_cursor + 1 WHERE id = ?1 RETURNING op_cursor", [cart_id], |r| r.get(0))?;
    tx.execute(
        "INSERT INTO cart_ops (cart_id, replica, seq, cursor, lamport, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![cart_id, op.id.replica, op.id.seq as i64, cursor, op.lamport as i64, serde_json::to_string(op).map_err(json_err)?],
    )?;
    Ok(true)
}

/// Appends an operation by the server; `change` gets the context of every
/// operation so far (for a `Set`).
fn append_server_op(tx: &Transaction<'_>, cart_id: &str, now_ms: i64, change: impl FnOnce(Seen) -> Change) -> Result<Op, ApiError> {
    // The server's own corrections get some room beyond the replicas' caps.
    if op_cursor(tx, cart_id)? >= MAX_OPS_PER_CART + MAX_OPS_PER_CART / 4 || live_ops(tx, cart_id)? >= MAX_LIVE_OPS + MAX_LIVE_OPS / 4 {
        return Err(cart_full());
    }
    let ops = cart_ops(tx, cart_id)?;
    // Client clocks are bounded (`Op::validate`), so this cannot overflow; refuse rather than wrap if it ever could.
    let lamport = ops.iter().map(|o| o.lamport).max().unwrap_or(0).checked_add(1).ok_or_else(|| ApiError::internal("the cart's clock is exhausted"))?;
    let seq: i64 = tx.query_row("UPDATE carts SET server_seq = server_seq + 1 WHERE id = ?1 RETURNING server_seq", [cart_id], |r| r.get(0))?;
    // The server has seen what it folded, too.
    let seen = Seen::covering_from(&frontier(tx, cart_id)?, &ops);
    let op = Op { id: OpId { replica: SERVER_REPLICA.to_owned(), seq: seq as u64 }, lamport, at: now_ms, change: change(seen) };
    insert_op(tx, cart_id, &op)?;
    Ok(op)
}

/// How the line an edit is about should be created, if it is new.
struct LineHint<'a> {
    key: &'a LineKey,
    new_line_id: &'a str,
    allow_transfer: bool,
    bundle: Option<&'a str>,
}

/// Brings `cart_lines` (and pickup reservations) up to what the operations
/// add up to. A pickup line the store cannot hold is an error — unless
/// `compensate`, when the server records its own `Set` to what the store has
/// (so replicas converge on the stock that exists) and tries again.
fn sync_lines(tx: &Transaction<'_>, cart_id: &str, now_ms: i64, hint: Option<&LineHint<'_>>, compensate: bool) -> Result<(), ApiError> {
    for _ in 0..4 {
        let wanted = materialize(&cart_ops(tx, cart_id)?);
        match write_lines(tx, cart_id, &wanted, now_ms, hint) {
            Err(e) if compensate && e.code == "insufficient_stock" => {
                let Some(short) = e.line.clone() else { return Err(e) };
                let available = e.available.unwrap_or(0);
                append_server_op(tx, cart_id, now_ms, |seen| Change::Set { fulfillment: short.fulfillment(), variant_id: short.variant_id, quantity: available, seen })?;
            }
            other => return other,
        }
    }
    Err(ApiError::internal("cart lines did not settle"))
}

fn write_lines(tx: &Transaction<'_>, cart_id: &str, wanted: &[ReplicatedLine], now_ms: i64, hint: Option<&LineHint<'_>>) -> Result<(), ApiError> {
    let mut stmt = tx.prepare_cached("SELECT id, variant_id, pickup_store_id, quantity FROM cart_lines WHERE cart_id = ?1")?;
    let existing: Vec<(String, LineKey, u32)> = stmt
        .query_map([cart_id], |r| Ok((r.get::<_, String>(0)?, LineKey { variant_id: r.get(1)?, pickup_store: r.get(2)? }, r.get::<_, i64>(3)? as u32)))?
        .collect::<Result<_, _>>()?;
    for (id, key, _) in &existing {
        if !wanted.iter().any(|w| w.key == *key) {
            tx.execute("DELETE FROM cart_lines WHERE id = ?1", [id])?;
        }
    }
    for (position, line) in wanted.iter().enumerate() {
        let found = existing.iter().find(|(_, k, _)| *k == line.key);
        let hinted = hint.filter(|h| *h.key == line.key);
        let id = match found {
            Some((id, _, qty)) => {
                if *qty != line.quantity {
                    tx.execute("UPDATE cart_lines SET quantity = ?2 WHERE id = ?1", params![id, line.quantity])?;
                }
                id.clone()
            }
            None => {
                let id = hinted.map_or_else(|| crate::api::random_hex(8), |h| h.new_line_id.to_owned());
                tx.execute(
                    "INSERT INTO cart_lines (id, cart_id, variant_id, quantity, pickup_store_id, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, cart_id, line.key.variant_id, line.quantity, line.key.pickup_store, position as i64 + 1],
                )?;
                id
            }
        };
        tx.execute("UPDATE cart_lines SET position = ?2 WHERE id = ?1", params![id, position as i64 + 1])?;
        if let Some(tag) = hinted.and_then(|h| h.bundle) {
            tx.execute("UPDATE cart_lines SET bundle = ?2 WHERE id = ?1", params![id, tag])?;
        }
        let changed = found.is_none_or(|(_, _, q)| *q != line.quantity);
        if let (Some(store), true) = (&line.key.pickup_store, changed) {
            let by_transfer: bool = tx.query_row("SELECT count(*) > 0 FROM reservations WHERE line_id = ?1 AND source = 'warehouse'", [&id], |r| r.get(0))?;
            let allow = by_transfer || hinted.is_some_and(|h| h.allow_transfer);
            reserve(tx, &id, store, &line.key.variant_id, line.quantity, allow, now_ms).map_err(|e| ApiError { line: Some(line.key.clone()), ..e })?;
        }
    }
    Ok(())
}

/// What applying a batch of operations from a replica did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Kept (or already kept): the replica may forget about sending them.
    pub acked: Vec<OpId>,
    /// Refused for good, with why: the replica drops them.
    pub rejected: Vec<RejectedOp>,
}

/// The product of `variant_id`, and the products of the cart's lines
/// already tagged with bundle `tag`.
pub fn bundle_mates(conn: &Connection, cart_id: &str, variant_id: &str, tag: &str) -> Result<(Option<String>, Vec<String>), ApiError> {
    let product = conn.query_row("SELECT product_id FROM variants WHERE id = ?1", [variant_id], |r| r.get(0)).optional()?;
    let mates = conn
        .prepare_cached("SELECT v.product_id FROM cart_lines l JOIN variants v ON v.id = l.variant_id WHERE l.cart_id = ?1 AND l.bundle = ?2")?
        .query_map(params![cart_id, tag], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok((product, mates))
}

/// Operations one cart takes in its life: far beyond any shopper's cart.
/// Beyond, edits are refused; the cart can be checked out.
pub const MAX_OPS_PER_CART: u64 = 100_000;

/// Operations kept unfolded (every edit re-reads them) after which the log
/// is folded into a snapshot ([`compact`]).
pub const COMPACT_AT: usize = 256;

/// Entries the folded context may hold (one per replica, one per operation
/// that arrived out of order): it travels in every snapshot op. A log too
/// fragmented to fold stays unfolded, up to [`MAX_LIVE_OPS`].
pub const MAX_FRONTIER: usize = 512;

/// Operations a cart keeps unfolded at most (one too fragmented to fold).
pub const MAX_LIVE_OPS: u64 = 2_000;

fn cart_full() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "cart_full", "this cart has had more changes than one cart takes; check it out or start a new one")
}

fn live_ops(conn: &Connection, cart_id: &str) -> Result<u64, ApiError> {
    Ok(conn.query_row("SELECT count(*) FROM cart_ops WHERE cart_id = ?1", [cart_id], |r| r.get::<_, i64>(0))? as u64)
}

/// Folds a long op log into a snapshot: the operations are replaced by one
/// server `Set` per line they name (lines at 0 included, so a replica holding
/// an old add of one learns it is gone), all at one clock above every folded
/// op, in the lines' order, each having seen every folded operation. The
/// cart's lines are unchanged, on the server and on any replica that holds
/// the folded operations (the snapshot wins every line and covers them); the
/// folded ids stay known (`frontier`), so a retry is still acknowledged.
fn compact(tx: &Transaction<'_>, cart_id: &str, now_ms: i64) -> Result<bool, ApiError> {
    if live_ops(tx, cart_id)? < COMPACT_AT as u64 {
        return Ok(false);
    }
    let ops = cart_ops(tx, cart_id)?;
    let folded = Seen::covering_from(&frontier(tx, cart_id)?, &ops);
    if folded.len() > MAX_FRONTIER {
        return Ok(false);
    }
    let lamport = ops.iter().map(|o| o.lamport).max().unwrap_or(0).checked_add(1).ok_or_else(|| ApiError::internal("the cart's clock is exhausted"))?;
    let lines = materialize(&ops);
    let mut keys: Vec<(LineKey, u32)> = lines.into_iter().map(|l| (l.key, l.quantity)).collect();
    let gone: BTreeSet<LineKey> = ops.iter().map(|o| o.change.line()).filter(|k| !keys.iter().any(|(l, _)| l == k)).collect();
    keys.extend(gone.into_iter().map(|k| (k, 0)));
    tx.execute("DELETE FROM cart_ops WHERE cart_id = ?1", [cart_id])?;
    tx.execute("UPDATE carts SET frontier = ?2, base_lamport = ?3 WHERE id = ?1", params![cart_id, serde_json::to_string(&folded).map_err(json_err)?, lamport as i64])?;
    for (key, quantity) in keys {
        let seq: i64 = tx.query_row("UPDATE carts SET server_seq = server_seq + 1 WHERE id = ?1 RETURNING server_seq", [cart_id], |r| r.get(0))?;
        let change = Change::Set { fulfillment: key.fulfillment(), variant_id: key.variant_id, quantity, seen: folded.clone() };
        insert_op(tx, cart_id, &Op { id: OpId { replica: SERVER_REPLICA.to_owned(), seq: seq as u64 }, lamport, at: now_ms, change })?;
    }
    Ok(true)
}

/// The snapshot's op for each line, if the cart was ever folded.
fn snapshot_ops(tx: &Transaction<'_>, cart_id: &str) -> Result<Vec<(LineKey, u64, OpId)>, ApiError> {
    let base: i64 = tx.query_row("SELECT base_lamport FROM carts WHERE id = ?1", [cart_id], |r| r.get(0))?;
    if base == 0 {
        return Ok(Vec::new());
    }
    let mut stmt = tx.prepare_cached("SELECT body FROM cart_ops WHERE cart_id = ?1 AND replica = ?2 AND lamport = ?3")?;
    let rows = stmt.query_map(params![cart_id, SERVER_REPLICA, base], |r| r.get::<_, String>(0))?;
    rows.map(|row| {
        let op: Op = serde_json::from_str(&row?).map_err(json_err)?;
        Ok((op.change.line(), op.lamport, op.id))
    })
    .collect()
}

/// How far ahead of a cart's clock an operation's lamport may be.
pub const MAX_CLOCK_JUMP: u64 = 1 << 32;

/// Applies operations from a replica, idempotently: an operation already
/// kept changes nothing. Each is checked (shape, variant, store, line limit);
/// a refused one is reported, the rest are kept. Committed before answering.
pub fn apply_ops(conn: &mut Connection, cart_id: &str, ops: &[Op], now_ms: i64) -> Result<(Applied, Cart), ApiError> {
    let tx = write_tx(conn)?;
    let row = open_cart_row(&tx, cart_id)?;
    let mut applied = Applied::default();
    let mut changed = false;
    let mut keys: BTreeSet<LineKey> = tx
        .prepare_cached("SELECT variant_id, pickup_store_id FROM cart_lines WHERE cart_id = ?1")?
        .query_map([cart_id], |r| Ok(LineKey { variant_id: r.get(0)?, pickup_store: r.get(1)? }))?
        .collect::<Result<_, _>>()?;
    // A replica's clock may run ahead of the cart's by this much, no more:
    // an op that claims to come from the far future would win every
    // conflict (and once wrapped the server's own corrections).
    let mut count = op_cursor(&tx, cart_id)?;
    let mut live = live_ops(&tx, cart_id)?;
    let folded = frontier(&tx, cart_id)?;
    let snapshot = snapshot_ops(&tx, cart_id)?;
    let mut clock: u64 = tx.query_row("SELECT COALESCE(MAX(lamport), 0) FROM cart_ops WHERE cart_id = ?1", [cart_id], |r| r.get::<_, i64>(0))?.max(0) as u64;
    for op in ops {
        let refuse = |code: &str, message: String| RejectedOp { id: op.id.clone(), code: code.to_owned(), message };
        if op.id.replica == SERVER_REPLICA {
            applied.rejected.push(refuse("reserved_replica", "the replica id \"server\" is the server's own".into()));
            continue;
        }
        if let Err(e) = op.validate() {
            applied.rejected.push(refuse("invalid_op", e.to_string()));
            continue;
        }
        // A retry of a kept op is acknowledged again; the same id with
        // other content is not that op, and is refused rather than acked.
        if let Some(kept) = kept_op_body(&tx, cart_id, &op.id)? {
            if kept == serde_json::to_string(op).map_err(json_err)? {
                applied.acked.push(op.id.clone());
            } else {
                applied.rejected.push(refuse("id_reused", format!("operation {}/{} is already kept with other content", op.id.replica, op.id.seq)));
            }
            continue;
        }
        // Folded into the snapshot (its content is no longer there to compare).
        if folded.contains(&op.id) {
            applied.acked.push(op.id.clone());
            continue;
        }
        // A Set that would beat the snapshot of its line without having seen
        // it (made offline before the fold) would count the folded adds on
        // replicas that hold them but not here: refused, the device reloads.
        if let Change::Set { seen, .. } = &op.change
            && let Some((_, lamport, id)) = snapshot.iter().find(|(k, _, _)| *k == op.change.line())
            && (op.lamport, &op.id) > (*lamport, id)
            && !seen.contains(id)
            && !seen.covers(&folded)
        {
            applied.rejected.push(refuse("stale", "this change was made on an older copy of the cart; reload it and try again".into()));
            continue;
        }
        if count >= MAX_OPS_PER_CART || live >= MAX_LIVE_OPS {
            let full = cart_full();
            applied.rejected.push(refuse(full.code, full.message));
            continue;
        }
        if op.lamport > clock.saturating_add(MAX_CLOCK_JUMP) {
            applied.rejected.push(refuse("invalid_op", format!("the operation's clock is {} ahead of the cart's; at most {MAX_CLOCK_JUMP}", op.lamport - clock)));
            continue;
        }
        let (variant_id, fulfillment) = match &op.change {
            Change::Add { variant_id, fulfillment, .. } | Change::Set { variant_id, fulfillment, .. } => (variant_id, fulfillment),
        };
        if let Err(e) = check_line_target(&tx, &row, variant_id, fulfillment) {
            applied.rejected.push(refuse(e.code, e.message));
            continue;
        }
        let key = LineKey::new(variant_id, fulfillment);
        if matches!(op.change, Change::Add { .. }) && !keys.contains(&key) && keys.len() >= cart::MAX_LINES {
            applied.rejected.push(refuse("too_many_lines", cart::CartError::TooManyLines.to_string()));
            continue;
        }
        keys.insert(key);
        clock = clock.max(op.lamport);
        let new = insert_op(&tx, cart_id, op)?;
        count += u64::from(new);
        live += u64::from(new);
        changed |= new;
        applied.acked.push(op.id.clone());
    }
    if changed {
        sync_lines(&tx, cart_id, now_ms, None, true)?;
        bump(&tx, cart_id, now_ms)?;
    }
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok((applied, cart))
}

// ---------------------------------------------------------------- orders

/// Turns an open, non-empty cart into an order and closes the cart.
pub fn checkout(conn: &mut Connection, req: &CheckoutRequest, order_id: &str, key: &str, now_ms: i64) -> Result<Order, ApiError> {
    let tx = write_tx(conn)?;
    let cart = load_cart(&tx, &req.cart_id)?;
    if cart.lines.is_empty() {
        return Err(ApiError::unprocessable("empty_cart", "the cart is empty"));
    }
    consume_reservations(&tx, &cart, now_ms)?;
    let lines: Vec<OrderLine> = cart
        .lines
        .iter()
        .map(|l| OrderLine {
            variant_id: l.variant_id.clone(), product_id: l.product_id.clone(), title: l.title.clone(),
            variant_title: l.variant_title.clone(), quantity: l.quantity, unit_price: l.unit_price,
            line_total: l.line_total, fulfillment: l.fulfillment.clone(), discount: l.discount,
        })
        .collect();
    let mut order = Order {
        id: order_id.to_owned(), number: 0, channel: req.channel, currency: cart.currency, lines,
        subtotal: cart.subtotal, discount: cart.discount, shipping: cart.shipping, total: cart.total, created_at: now_ms, key: None,
    };
    order.number = insert_order(&tx, &order, key, Some(&req.cart_id), &req.email, &req.name)?;
    use_codes(&tx, &cart, order_id, &req.email, now_ms)?;
    tx.execute("UPDATE orders SET customer_id = (SELECT customer_id FROM carts WHERE id = ?2), note = ?3 WHERE id = ?1", params![order_id, req.cart_id, cart.note])?;
    crate::offers::credit_points(&tx, &order, &req.email, now_ms)?;
    tx.execute("UPDATE carts SET status = 'ordered', version = version + 1, updated_at = ?2 WHERE id = ?1", params![req.cart_id, now_ms])?;
    tx.commit()?;
    order.key = Some(key.to_owned());
    Ok(order)
}

/// Turns every pickup line's hold into a stock withdrawal. A hold that lapsed
/// is taken again first, if the stock is still there; otherwise checkout
/// fails and nothing changes.
fn consume_reservations(tx: &Transaction<'_>, cart: &Cart, now_ms: i64) -> Result<(), ApiError> {
    for line in &cart.lines {
        let Fulfillment::Pickup { store_id } = &line.fulfillment else { continue };
        if line.reserved_until.is_none_or(|t| t <= now_ms) {
            reserve(tx, &line.id, store_id, &line.variant_id, line.quantity, line.transfer, now_ms)
                .map_err(|e| if e.code == "insufficient_stock" { ApiError { message: format!("{}: {}", line.title, e.message), ..e } } else { e })?;
        }
        let source: String = tx.query_row("SELECT source FROM reservations WHERE line_id = ?1", [&line.id], |r| r.get(0))?;
        let changed = if source == "warehouse" {
            tx.execute("UPDATE warehouse_stock SET quantity = quantity - ?2 WHERE variant_id = ?1", params![line.variant_id, line.quantity])?
        } else {
            tx.execute("UPDATE stock SET quantity = quantity - ?3 WHERE store_id = ?1 AND variant_id = ?2", params![store_id, line.variant_id, line.quantity])?
        };
        if changed != 1 {
            return Err(ApiError::internal(format!("reservation for line {} has no stock row", line.id)));
        }
        tx.execute("DELETE FROM reservations WHERE line_id = ?1", [&line.id])?;
    }
    Ok(())
}

// ---------------------------------------------------------------- promotions

/// Creates or replaces a promotion (`crosscart promo create`).
pub fn put_promotion(conn: &Connection, p: &Promotion, now_ms: i64) -> Result<(), ApiError> {
    let body = serde_json::to_string(p).map_err(json_err)?;
    conn.execute(
        "INSERT INTO promotions (code, body, created_at) VALUES (?1, ?2, ?3) ON CONFLICT(code) DO UPDATE SET body = excluded.body",
        params![p.code, body, now_ms],
    )?;
    Ok(())
}

/// Every promotion with the orders that used it, newest first.
pub fn list_promotions(conn: &Connection) -> Result<Vec<(Promotion, u32)>, ApiError> {
    let mut stmt = conn.prepare("SELECT p.body, (SELECT count(*) FROM promotion_uses u WHERE u.code = p.code) FROM promotions p ORDER BY p.created_at DESC, p.code")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    rows.map(|r| {
        let (body, uses) = r?;
        Ok((serde_json::from_str(&body).map_err(json_err)?, uses))
    })
    .collect()
}

fn promotion(conn: &Connection, code: &str) -> Result<Option<Promotion>, ApiError> {
    let body: Option<String> = conn.query_row("SELECT body FROM promotions WHERE code = ?1", [code], |r| r.get(0)).optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(json_err)).transpose()
}

/// The codes a cart holds, in the order they were entered.
fn cart_promotions(conn: &Connection, cart_id: &str) -> Result<Vec<Promotion>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT p.body FROM cart_codes c JOIN promotions p ON p.code = c.code WHERE c.cart_id = ?1 ORDER BY c.position")?;
    let rows = stmt.query_map([cart_id], |r| r.get::<_, String>(0))?;
    rows.map(|b| serde_json::from_str(&b?).map_err(json_err)).collect()
}

/// Orders that used `code`, in all and by `email` (the cart's customer; none for a guest).
fn promotion_uses(conn: &Connection, code: &str, email: Option<&str>) -> Result<(u32, u32), ApiError> {
    Ok(conn.query_row(
        "SELECT count(*), count(CASE WHEN email = ?2 THEN 1 END) FROM promotion_uses WHERE code = ?1",
        params![code, email.map(str::to_ascii_lowercase)],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The e-mail of the customer a cart belongs to, if any.
fn cart_email(conn: &Connection, cart_id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row("SELECT cu.email FROM carts c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?1", [cart_id], |r| r.get(0))
        .optional()?)
}

fn refusal(r: &promo::Refusal) -> ApiError {
    use promo::Refusal as R;
    let message = match r {
        R::Unknown => "there is no such code".to_owned(),
        R::NotStarted => "this code is not valid yet".to_owned(),
        R::Expired => "this code has expired".to_owned(),
        R::Minimum(m) => format!("this code needs a subtotal of at least {} {}", m.to_decimal_string(), m.currency.as_str()),
        R::UsedUp => "this code has been used as often as it may be".to_owned(),
        R::UsedByYou => "you have already used this code".to_owned(),
        R::NotCombinable => "this code cannot be combined with the code already in the cart".to_owned(),
        R::TooMany => format!("a cart holds at most {} codes", promo::MAX_CODES_PER_CART),
        R::NotApplicable => "this code does not apply to this cart".to_owned(),
    };
    ApiError::unprocessable(r.code(), message)
}

/// Applies a code to an open cart: refused with its reason if it does not
/// apply now (unknown, not started, expired, below its minimum, used up, by
/// this customer too, not combinable with the codes held). Applying a code
/// the cart already holds changes nothing.
pub fn apply_code(conn: &mut Connection, cart_id: &str, code: &str, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    let row = open_cart_row(&tx, cart_id)?;
    let code = promo::normalize(code).ok_or_else(|| refusal(&promo::Refusal::Unknown))?;
    let p = promotion(&tx, &code)?.ok_or_else(|| refusal(&promo::Refusal::Unknown))?;
    let held = cart_promotions(&tx, cart_id)?;
    if held.iter().any(|h| h.code == code) {
        return load_cart(&tx, cart_id);
    }
    promo::may_join(&p, &held.iter().collect::<Vec<_>>()).map_err(|r| refusal(&r))?;
    let cart = read_cart(&tx, cart_id, row)?;
    let base = Money::new(cart.total.amount - cart.shipping.map_or(0, |s| s.amount), cart.currency);
    let (uses, customer_uses) = promotion_uses(&tx, &code, cart_email(&tx, cart_id)?.as_deref())?;
    p.check(&promo::Context { now_ms, currency: cart.currency, base, uses, customer_uses }).map_err(|r| refusal(&r))?;
    tx.execute(
        "INSERT INTO cart_codes (cart_id, code, position) VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM cart_codes WHERE cart_id = ?1))",
        params![cart_id, code],
    )?;
    tx.execute("UPDATE carts SET version = version + 1, updated_at = ?2 WHERE id = ?1", params![cart_id, now_ms])?;
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok(cart)
}

/// Sets the customer's note on an open cart (checked by `cart::validate_note`).
pub fn set_note(conn: &mut Connection, cart_id: &str, note: &str, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    open_cart_row(&tx, cart_id)?;
    tx.execute("UPDATE carts SET note = ?2, version = version + 1, updated_at = ?3 WHERE id = ?1 AND note <> ?2", params![cart_id, note, now_ms])?;
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok(cart)
}

/// Takes a code out of an open cart (a code it does not hold: 404).
pub fn remove_code(conn: &mut Connection, cart_id: &str, code: &str, now_ms: i64) -> Result<Cart, ApiError> {
    let tx = write_tx(conn)?;
    open_cart_row(&tx, cart_id)?;
    let code = promo::normalize(code).ok_or_else(|| ApiError::not_found("code in this cart"))?;
    if tx.execute("DELETE FROM cart_codes WHERE cart_id = ?1 AND code = ?2", params![cart_id, code])? == 0 {
        return Err(ApiError::not_found("code in this cart"));
    }
    tx.execute("UPDATE carts SET version = version + 1, updated_at = ?2 WHERE id = ?1", params![cart_id, now_ms])?;
    let cart = load_cart(&tx, cart_id)?;
    tx.commit()?;
    Ok(cart)
}

/// At checkout: every code that takes something off must still be allowed
/// for this order's e-mail (the limits are checked again inside the order's
/// transaction, so two checkouts cannot both take a code's last use); then
/// the uses are recorded.
fn use_codes(tx: &Transaction<'_>, cart: &Cart, order_id: &str, email: &str, now_ms: i64) -> Result<(), ApiError> {
    let email = email.trim().to_ascii_lowercase();
    let mut base = cart.subtotal.amount - cart.discounts.iter().filter(|d| d.kind != cart::DiscountKind::Code).map(|d| d.amount.amount).sum::<i64>();
    for p in cart_promotions(tx, &cart.id)? {
        let (uses, customer_uses) = promotion_uses(tx, &p.code, Some(&email))?;
        match p.check(&promo::Context { now_ms, currency: cart.currency, base: Money::new(base, cart.currency), uses, customer_uses }) {
            // Below its minimum: held, took nothing off, not used.
            Err(promo::Refusal::Minimum(_)) => continue,
            // Never an order at another price than the cart showed.
            Err(r) => {
                let e = refusal(&r);
                return Err(ApiError { message: format!("{}: {}; remove it and check out again", p.code, e.message), ..e });
            }
            Ok(()) => {}
        }
        if let Some(d) = cart.discounts.iter().find(|d| d.kind == cart::DiscountKind::Code && d.label == p.code) {
            base -= d.amount.amount;
            tx.execute("INSERT INTO promotion_uses (code, order_id, email) VALUES (?1, ?2, ?3)", params![p.code, order_id, email])?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- customers

pub fn create_customer(conn: &mut Connection, id: &str, email: &str, name: &str, password_hash: &str, now_ms: i64) -> Result<Customer, ApiError> {
    let tx = write_tx(conn)?;
    let taken = tx.query_row("SELECT 1 FROM customers WHERE email = ?1", [email], |_| Ok(())).optional()?.is_some();
    if taken {
        return Err(ApiError::new(StatusCode::CONFLICT, "email_taken", "there is already an account with this e-mail; sign in instead"));
    }
    tx.execute("INSERT INTO customers (id, email, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)", params![id, email, name, password_hash, now_ms])?;
    tx.commit()?;
    Ok(Customer { id: id.to_owned(), email: email.to_owned(), name: name.to_owned() })
}

/// The customer with this e-mail and their password hash (checked by the
/// caller, outside the database lock).
pub fn customer_credentials(conn: &Connection, email: &str) -> Result<Option<(Customer, String)>, ApiError> {
    Ok(conn
        .query_row("SELECT id, email, name, password_hash FROM customers WHERE email = ?1", [email], |r| Ok((Customer { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }, r.get(3)?)))
        .optional()?)
}

/// The customer a session token belongs to, while it lasts.
pub fn session_customer(conn: &Connection, token: &str, now_ms: i64) -> Result<Option<Customer>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT c.id, c.email, c.name FROM sessions s JOIN customers c ON c.id = s.customer_id WHERE s.token_hash = ?1 AND s.expires_at > ?2",
            params![sha256_hex(token), now_ms],
            |r| Ok(Customer { id: r.get(0)?, email: r.get(1)?, name: r.get(2)? }),
        )
        .optional()?)
}

pub fn end_session(conn: &Connection, token: &str) -> Result<(), ApiError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [sha256_hex(token)])?;
    Ok(())
}

/// The customer's most recently changed open cart.
pub fn customer_open_cart(conn: &Connection, customer_id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row("SELECT id FROM carts WHERE customer_id = ?1 AND status = 'open' ORDER BY updated_at DESC LIMIT 1", [customer_id], |r| r.get(0))
        .optional()?)
}

/// Who owns a cart (None: a guest cart, or no such cart).
pub fn cart_owner(conn: &Connection, cart_id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn.query_row("SELECT customer_id FROM carts WHERE id = ?1", [cart_id], |r| r.get::<_, Option<String>>(0)).optional()?.flatten())
}

pub fn set_cart_owner(conn: &Connection, cart_id: &str, customer_id: &str) -> Result<(), ApiError> {
    conn.execute("UPDATE carts SET customer_id = ?2 WHERE id = ?1 AND customer_id IS NULL", params![cart_id, customer_id])?;
    Ok(())
}

/// Opens a session and settles the customer's cart: a guest cart becomes
/// theirs, or — when they already have one — its lines are added to it (as
/// server operations, so every device converges) and the guest cart closes.
/// Returns the customer's open cart, if any.
pub fn start_session(conn: &mut Connection, customer_id: &str, token: &str, guest_cart: Option<&str>, now_ms: i64, ttl_ms: i64) -> Result<Option<String>, ApiError> {
    let tx = write_tx(conn)?;
    tx.execute("INSERT INTO sessions (token_hash, customer_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)", params![sha256_hex(token), customer_id, now_ms, now_ms + ttl_ms])?;
    let guest = match guest_cart {
        Some(id) => tx
            .query_row("SELECT id FROM carts WHERE id = ?1 AND status = 'open' AND (customer_id IS NULL OR customer_id = ?2)", params![id, customer_id], |r| r.get::<_, String>(0))
            .optional()?,
        None => None,
    };
    let mine = customer_open_cart(&tx, customer_id)?;
    let cart = match (guest, mine) {
        (Some(g), Some(m)) if g != m => {
            merge_cart(&tx, &g, &m, now_ms)?;
            Some(m)
        }
        (Some(g), _) => {
            set_cart_owner(&tx, &g, customer_id)?;
            Some(g)
        }
        (None, m) => m,
    };
    tx.commit()?;
    Ok(cart)
}

fn merge_cart(tx: &Transaction<'_>, from: &str, into: &str, now_ms: i64) -> Result<(), ApiError> {
    let row = open_cart_row(tx, into)?;
    let lines: Vec<(String, Option<String>, i64)> = tx
        .prepare_cached("SELECT variant_id, pickup_store_id, quantity FROM cart_lines WHERE cart_id = ?1 ORDER BY position")?
        .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    // The guest cart's holds go first, so its pickup lines can be held again for the customer's cart.
    tx.execute("DELETE FROM reservations WHERE line_id IN (SELECT id FROM cart_lines WHERE cart_id = ?1)", [from])?;
    let mut added = false;
    for (variant_id, pickup, quantity) in lines {
        let fulfillment = pickup.map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id });
        if check_line_target(tx, &row, &variant_id, &fulfillment).is_err() {
            continue; // a variant gone from the catalog, or in another currency
        }
        append_server_op(tx, into, now_ms, |_| Change::Add { variant_id, fulfillment, quantity: quantity as u32 })?;
        added = true;
    }
    if added {
        sync_lines(tx, into, now_ms, None, true)?;
        bump(tx, into, now_ms)?;
    }
    tx.execute("UPDATE carts SET status = 'merged', version = version + 1, updated_at = ?2 WHERE id = ?1", params![from, now_ms])?;
    Ok(())
}

// ---------------------------------------------------------------- handoff codes

pub fn create_handoff(conn: &mut Connection, cart_id: &str, code: &str, now_ms: i64, expires_at: i64) -> Result<(), ApiError> {
    let tx = write_tx(conn)?;
    open_cart_row(&tx, cart_id)?;
    let added = tx.execute(
        "INSERT OR IGNORE INTO handoff_codes (code, cart_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![code, cart_id, now_ms, expires_at],
    )?;
    if added != 1 {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "could not make a code; try again"));
    }
    tx.commit()?;
    Ok(())
}

/// Whether `code` can still be claimed.
pub fn handoff_open(conn: &Connection, code: &str, now_ms: i64) -> Result<bool, ApiError> {
    Ok(conn.query_row("SELECT 1 FROM handoff_codes WHERE code = ?1 AND claimed_at IS NULL AND expires_at > ?2", params![code, now_ms], |_| Ok(())).optional()?.is_some())
}

/// Claims `code` once, before it expires: the cart, and a grant for it until the returned time.
pub fn claim_handoff(conn: &mut Connection, code: &str, channel: &str, grant: &str, now_ms: i64, grant_ttl_ms: i64) -> Result<(Cart, i64), ApiError> {
    let tx = write_tx(conn)?;
    let row: Option<(String, i64, Option<i64>)> = tx
        .query_row("SELECT cart_id, expires_at, claimed_at FROM handoff_codes WHERE code = ?1", [code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (cart_id, expires_at, claimed_at) = row.ok_or_else(|| ApiError::not_found("handoff code"))?;
    if claimed_at.is_some() {
        return Err(ApiError::new(StatusCode::GONE, "handoff_used", "this code has been used already; ask for a new one"));
    }
    if expires_at <= now_ms {
        return Err(ApiError::new(StatusCode::GONE, "handoff_expired", "this code has expired; ask for a new one"));
    }
    if channel == "web" && cart_owner(&tx, &cart_id)?.is_some() {
        return Err(ApiError::new(StatusCode::CONFLICT, "sign_in_required", "this cart belongs to a customer account: sign in to open it on this device"));
    }
    let cart = load_cart(&tx, &cart_id)?;
    let until = now_ms + grant_ttl_ms;
    tx.execute(
        "UPDATE handoff_codes SET claimed_at = ?2, channel = ?3, grant_hash = ?4, grant_until = ?5 WHERE code = ?1",
        params![code, now_ms, channel, sha256_hex(grant), until],
    )?;
    tx.commit()?;
    Ok((cart, until))
}

/// Whether a handoff grant lets its holder use `cart_id` now.
pub fn grant_allows(conn: &Connection, cart_id: &str, grant: &str, now_ms: i64) -> Result<bool, ApiError> {
    Ok(conn
        .query_row("SELECT 1 FROM handoff_codes WHERE cart_id = ?1 AND grant_hash = ?2 AND grant_until > ?3", params![cart_id, sha256_hex(grant), now_ms], |_| Ok(()))
        .optional()?
        .is_some())
}

// ---------------------------------------------------------------- abandoned carts

/// A recorded cart event still to be delivered to the shop's webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: u32,
}

/// Records `cart.abandoned` for every open cart with items that has not
/// changed since `cutoff_ms`, once per idle period (a later change re-arms
/// it). Returns how many were recorded.
pub fn record_abandoned(conn: &mut Connection, cutoff_ms: i64, now_ms: i64) -> Result<usize, ApiError> {
    let tx = write_tx(conn)?;
    let ids: Vec<String> = tx
        .prepare_cached(
            "SELECT c.id FROM carts c WHERE c.status = 'open' AND c.updated_at < ?1
               AND (c.abandoned_at IS NULL OR c.abandoned_at < c.updated_at)
               AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = c.id)",
        )?
        .query_map([cutoff_ms], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        let cart = load_cart(&tx, id)?;
        let payload = serde_json::json!({
            "event": "cart.abandoned",
            "cart_id": id,
            "idle_since": cart.updated_at,
            "detected_at": now_ms,
            "items": cart.item_count(),
            "cart": cart,
        });
        tx.execute(
            "INSERT INTO cart_events (cart_id, kind, at, payload, next_try_at) VALUES (?1, 'cart.abandoned', ?2, ?3, ?2)",
            params![id, now_ms, payload.to_string()],
        )?;
        tx.execute("UPDATE carts SET abandoned_at = updated_at WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Events due for (another) delivery attempt.
pub fn due_events(conn: &Connection, now_ms: i64, max_attempts: u32) -> Result<Vec<PendingEvent>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, payload, attempts FROM cart_events WHERE delivered_at IS NULL AND next_try_at <= ?1 AND attempts < ?2 ORDER BY id LIMIT 50",
    )?;
    let rows = stmt.query_map(params![now_ms, max_attempts], |r| Ok(PendingEvent { id: r.get(0)?, kind: r.get(1)?, payload: r.get(2)?, attempts: r.get(3)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Notes a delivery attempt: delivered, or failed with when to try again.
pub fn event_attempted(conn: &Connection, id: i64, now_ms: i64, result: Result<(), String>, retry_at: i64) -> Result<(), ApiError> {
    match result {
        Ok(()) => conn.execute("UPDATE cart_events SET attempts = attempts + 1, delivered_at = ?2, last_error = NULL WHERE id = ?1", params![id, now_ms])?,
        Err(e) => conn.execute("UPDATE cart_events SET attempts = attempts + 1, next_try_at = ?2, last_error = ?3 WHERE id = ?1", params![id, retry_at, e])?,
    };
    Ok(())
}

/// Recorded events of a cart: `(kind, at, delivered)`.
pub fn cart_events(conn: &Connection, cart_id: &str) -> Result<Vec<(String, i64, bool)>, ApiError> {
    let mut stmt = conn.prepare_cached("SELECT kind, at, delivered_at IS NOT NULL FROM cart_events WHERE cart_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([cart_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn channel_str(c: Channel) -> &'static str {
    match c {
        Channel::Web => "web",
        Channel::App => "app",
        Channel::Store => "store",
    }
}

/// Inserts an order and its lines; returns the order number given to it.
pub fn insert_order(tx: &Transaction<'_>, o: &Order, key: &str, cart_id: Option<&str>, email: &str, name: &str) -> Result<u64, ApiError> {
    let number: i64 = tx.query_row("SELECT coalesce(max(number), 1000) + 1 FROM orders", [], |r| r.get(0))?;
    tx.execute(
        "INSERT INTO orders (id, number, key_hash, cart_id, channel, currency, subtotal, total, email, name, created_at, discount, shipping)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![o.id, number, sha256_hex(key), cart_id, channel_str(o.channel), o.currency.as_str(), o.subtotal.amount, o.total.amount, email, name, o.created_at,
            o.discount.map_or(0, |d| d.amount), o.shipping.map(|m| m.amount)],
    )?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO order_lines (order_id, position, variant_id, product_id, title, variant_title, quantity, unit_price, pickup_store_id, discount)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (i, l) in o.lines.iter().enumerate() {
        let pickup = match &l.fulfillment {
            Fulfillment::Pickup { store_id } => Some(store_id.as_str()),
            Fulfillment::Delivery => None,
        };
        stmt.execute(params![o.id, i as i64, l.variant_id, l.product_id, l.title, l.variant_title, l.quantity, l.unit_price.amount, pickup, l.discount.map_or(0, |d| d.amount)])?;
    }
    Ok(number as u64)
}

/// The order, if `key` is its secret. A wrong key looks exactly like an unknown id.
pub fn get_order(conn: &Connection, order_id: &str, key: &str) -> Result<Order, ApiError> {
    let row = conn
        .query_row(
            "SELECT number, key_hash, channel, currency, subtotal, total, created_at, discount, shipping FROM orders WHERE id = ?1",
            [order_id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?, r.get::<_, i64>(5)?, r.get::<_, i64>(6)?, r.get::<_, i64>(7)?, r.get::<_, Option<i64>>(8)?)),
        )
        .optional()?;
    let Some((number, key_hash, channel, cur, subtotal, total, created_at, discount, shipping)) = row else {
        return Err(ApiError::not_found("order"));
    };
    if !constant_time_eq(sha256_hex(key).as_bytes(), key_hash.as_bytes()) {
        return Err(ApiError::not_found("order"));
    }
    let cur = currency(&cur)?;
    let mut stmt = conn.prepare_cached(
        "SELECT variant_id, product_id, title, variant_title, quantity, unit_price, pickup_store_id, discount FROM order_lines WHERE order_id = ?1 ORDER BY position",
    )?;
    let lines = stmt
        .query_map([order_id], |r| {
            let qty: i64 = r.get(4)?;
            let unit = Money::new(r.get(5)?, cur);
            let pickup: Option<String> = r.get(6)?;
            let discount: i64 = r.get(7)?;
            Ok(OrderLine {
                variant_id: r.get(0)?, product_id: r.get(1)?, title: r.get(2)?, variant_title: r.get(3)?,
                quantity: qty as u32, unit_price: unit, line_total: Money::new(unit.amount.saturating_mul(qty), cur),
                fulfillment: pickup.map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id }),
                discount: (discount != 0).then_some(Money::new(discount, cur)),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let channel = match channel.as_str() {
        "app" => Channel::App,
        "store" => Channel::Store,
        _ => Channel::Web,
    };
    Ok(Order {
        id: order_id.to_owned(), number: number as u64, channel, currency: cur, lines,
        subtotal: Money::new(subtotal, cur), discount: (discount != 0).then_some(Money::new(discount, cur)),
        shipping: shipping.map(|s| Money::new(s, cur)), total: Money::new(total, cur), created_at, key: None,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
