//! Bought-together for the reference server: it mines its own orders into a
//! model in the background — at start and again shortly after new orders —
//! and answers recommendation requests from the newest model, so mining never
//! blocks a request.

use crate::api::product_ids_param;
use crate::db::{self, Db};
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::fbt::{self, Baskets, MineParams, Model};
use crosscart_core::protocol::reference::RecommendationList;
use crosscart_core::protocol::Recommendation;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// A mined model and what it was mined from.
#[derive(Debug)]
pub struct ModelFile {
    pub bytes: Vec<u8>,
    /// Strong validator: the model's checksum.
    pub etag: String,
    pub orders: usize,
}

/// The newest model, and a way to ask for a fresh one.
pub struct Recommender {
    current: watch::Receiver<Option<Arc<ModelFile>>>,
    dirty: Arc<Notify>,
}

/// Pairs must appear in at least this many orders to be stored.
const MIN_PAIR_ORDERS: u32 = 3;
const TOP_K: u16 = 10;
/// New orders are gathered for this long before mining again.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Mines every order's products into a model (items are product ids).
pub fn mine(conn: &rusqlite::Connection) -> Result<ModelFile, ApiError> {
    let mut stmt = conn.prepare("SELECT order_id, product_id FROM order_lines ORDER BY order_id, position")?;
    let mut rows = stmt.query([])?;
    let mut baskets = Baskets::new();
    let (mut current, mut items): (Option<String>, Vec<String>) = (None, Vec::new());
    while let Some(row) = rows.next()? {
        let (order, product): (String, String) = (row.get(0)?, row.get(1)?);
        if current.as_deref() != Some(order.as_str()) {
            if current.is_some() {
                baskets.push(&items);
            }
            items.clear();
            current = Some(order);
        }
        items.push(product);
    }
    if current.is_some() {
        baskets.push(&items);
    }
    let orders = baskets.len();
    let bytes = if baskets.is_empty() {
        fbt::build_model(&baskets, &fbt::PairCounts { n: 0, item_counts: Vec::new(), pairs: Vec::new() }, &[], TOP_K)
    } else {
        let params = MineParams { min_support: 1.0 / orders as f64, min_count: MIN_PAIR_ORDERS, max_len: 2 };
        let pairs = fbt::pair_counts(&baskets, &params).map_err(ApiError::internal)?;
        fbt::build_model(&baskets, &pairs, &[], TOP_K)
    };
    // The file ends with its CRC-32: with the order count, a strong validator.
    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().map_err(ApiError::internal)?);
    let etag = format!("\"{crc:08x}-{orders}\"");
    Ok(ModelFile { bytes, etag, orders })
}

impl Recommender {
    /// Starts the background miner (needs a tokio runtime).
    pub fn start(db: Db) -> Recommender {
        let (tx, rx) = watch::channel(None);
        let dirty = Arc::new(Notify::new());
        let wake = dirty.clone();
        tokio::spawn(async move {
            loop {
                match db.run(|c| mine(c)).await {
                    Ok(model) => {
                        if tx.send(Some(Arc::new(model))).is_err() {
                            return; // the server is gone
                        }
                    }
                    Err(e) => tracing::error!("mining orders failed: {}", e.message),
                }
                wake.notified().await;
                tokio::time::sleep(DEBOUNCE).await;
            }
        });
        Recommender { current: rx, dirty }
    }

    /// New orders arrived: mine again soon.
    pub fn orders_changed(&self) {
        self.dirty.notify_one();
    }

    /// The newest model, if one was mined yet (never waits).
    pub fn current(&self) -> Option<Arc<ModelFile>> {
        self.current.borrow().clone()
    }

    /// Whether the newest model pairs `a` and `b` (either is among the
    /// other's mined complements): what a bundle discount may be given for.
    pub fn bought_together(&self, a: &str, b: &str) -> bool {
        let Some(model) = self.current() else { return false };
        let Ok(loaded) = Model::load(&model.bytes) else { return false };
        loaded.complements(a).iter().any(|c| c.item == b) || loaded.complements(b).iter().any(|c| c.item == a)
    }

    /// The newest model, waiting briefly for the first one after a start.
    pub async fn model(&self) -> Result<Arc<ModelFile>, ApiError> {
        let mut rx = self.current.clone();
        let ready = tokio::time::timeout(Duration::from_secs(10), rx.wait_for(Option::is_some)).await;
        match ready {
            Ok(Ok(m)) => m.clone().ok_or_else(|| ApiError::internal("model missing")),
            _ => Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "recommendations are being prepared; try again shortly")),
        }
    }
}

/// `GET /v1/recommendations?products=a,b&exclude=c&limit=3`
pub async fn recommendations(State(st): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Result<Json<RecommendationList>, ApiError> {
    let products = product_ids_param(q.get("products"))?;
    if products.is_empty() {
        return Err(ApiError::bad_request("products_required", "name at least one product: ?products=ID[,ID...]"));
    }
    let exclude = product_ids_param(q.get("exclude"))?;
    let limit = match q.get("limit") {
        None => 3,
        Some(l) => l.parse::<usize>().ok().filter(|l| (1..=20).contains(l)).ok_or_else(|| ApiError::bad_request("bad_limit", "limit must be 1 to 20"))?,
    };
    let model = st.recommender.model().await?;
    let loaded = Model::load(&model.bytes).map_err(ApiError::internal)?;
    let seeds: Vec<&str> = products.iter().map(String::as_str).collect();
    let excluded: Vec<&str> = exclude.iter().map(String::as_str).collect();
    // Ask for more than `limit`: some complements may no longer be sold.
    let picks: Vec<(String, f32, u32)> = loaded.recommend(&seeds, &excluded, limit * 2).into_iter().map(|c| (c.item.to_owned(), c.score, c.count)).collect();
    let ids: Vec<String> = picks.iter().map(|p| p.0.clone()).collect();
    let (found, percent) = st
        .db
        .run(move |c| Ok((if ids.is_empty() { Vec::new() } else { db::list_products(c, None, None, &ids)? }, db::bundle_percent(c)?)))
        .await?;
    let recommendations = picks
        .into_iter()
        .filter_map(|(id, score, count)| found.iter().find(|p| p.id == id).map(|p| Recommendation { product: p.clone(), score, count }))
        .take(limit)
        .collect();
    let discount = (percent > 0).then_some(crosscart_core::cart::BundleDiscount { percent });
    Ok(Json(RecommendationList { recommendations, discount }))
}

/// `GET /v1/recommendations/model`: the model file, cacheable and revalidated by ETag.
pub async fn model_file(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let model = st.recommender.model().await?;
    let etag = HeaderValue::from_str(&model.etag).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("public, max-age=300, stale-while-revalidate=3600");
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == model.etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, cache)]).into_response());
    }
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream")), (header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        model.bytes.clone(),
    )
        .into_response())
}
