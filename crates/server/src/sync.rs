//! The replicated cart over HTTP: replicas post operations (idempotently,
//! answered after commit) and follow a cart's operations as Server-Sent
//! Events, so a second tab or device updates without polling. SQL is in
//! `db.rs`; the merge is `crosscart_core::sync`.

use crate::api::{check_id, now_ms, ApiJson};
use crate::db;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::sync::{Op, OpsPage, SyncAnswer};
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::broadcast;

/// Most operations in one request (a replica sends at most
/// `crosscart_core::sync::replica::MAX_BATCH`, which fits the 16 KiB body limit).
pub const MAX_OPS_PER_REQUEST: usize = 100;

/// Who follows which cart: a wake-up per committed change.
#[derive(Default)]
pub struct Hub {
    carts: Mutex<HashMap<String, broadcast::Sender<()>>>,
}

impl Hub {
    pub fn subscribe(&self, cart_id: &str) -> broadcast::Receiver<()> {
        let mut carts = self.carts.lock().unwrap_or_else(|e| e.into_inner());
        carts.entry(cart_id.to_owned()).or_insert_with(|| broadcast::channel(16).0).subscribe()
    }

    /// Wakes the cart's followers (after a commit); forgets carts nobody follows.
    pub fn notify(&self, cart_id: &str) {
        let mut carts = self.carts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = carts.get(cart_id)
            && tx.send(()).is_err()
        {
            carts.remove(cart_id);
        }
    }

}

#[derive(Debug, Deserialize)]
pub struct OpsBody {
    pub ops: Vec<Op>,
}

/// `POST /v1/carts/{id}/ops`.
pub async fn post_ops(State(st): State<AppState>, Path(id): Path<String>, ApiJson(body): ApiJson<OpsBody>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    if body.ops.is_empty() || body.ops.len() > MAX_OPS_PER_REQUEST {
        return Err(ApiError::unprocessable("invalid_batch", format!("send 1 to {MAX_OPS_PER_REQUEST} operations")));
    }
    let cart_id = id.clone();
    let (applied, cart, cursor) = st
        .db
        .run(move |c| {
            let (applied, cart) = db::apply_ops(c, &cart_id, &body.ops, now_ms())?;
            let cursor = db::op_cursor(c, &cart_id)?;
            Ok((applied, cart, cursor))
        })
        .await?;
    st.hub.notify(&id);
    let mut resp = Json(SyncAnswer { acked: applied.acked, rejected: applied.rejected, cursor, cart }).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn since(headers: &HeaderMap, q: &HashMap<String, String>) -> Result<u64, ApiError> {
    let raw = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::to_owned).or_else(|| q.get("since").cloned());
    raw.map_or(Ok(0), |s| s.trim().parse::<u64>().map_err(|_| ApiError::bad_request("bad_cursor", "a cursor is a whole number from an earlier answer")))
}

/// `GET /v1/carts/{id}/ops?since=N`: what a replica missed.
pub async fn get_ops(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Json<OpsPage>, ApiError> {
    check_id("cart", &id)?;
    let after = since(&headers, &q)?;
    let page = st
        .db
        .run(move |c| {
            db::load_cart(c, &id)?;
            let ops = db::ops_since(c, &id, after)?;
            let cursor = ops.last().map_or(after, |(c, _)| *c);
            Ok(OpsPage { ops: ops.into_iter().map(|(_, op)| op).collect(), cursor })
        })
        .await?;
    Ok(Json(page))
}

/// `GET /v1/carts/{id}/events`: Server-Sent Events. First the operations
/// after `Last-Event-ID` (or `?since=`), then every change as it commits:
/// `event: ops`, `id: <cursor>`, `data: {"ops": [...], "cart": {...}}`. A cart
/// checked out meanwhile ends the stream with `event: closed`.
pub async fn events(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    check_id("cart", &id)?;
    let start = since(&headers, &q)?;
    {
        let id = id.clone();
        st.db.run(move |c| db::load_cart(c, &id).map(|_| ())).await?;
    }
    let wake = st.hub.subscribe(&id);
    let state = (st, id, start, wake, false);
    let stream = futures_util::stream::unfold(state, |(st, id, cursor, mut wake, done)| async move {
        if done {
            return None;
        }
        loop {
            let cart_id = id.clone();
            let next = st
                .db
                .run(move |c| {
                    // The cart first: a checked-out cart ends the stream.
                    let cart = db::load_cart(c, &cart_id)?;
                    let ops = db::ops_since(c, &cart_id, cursor)?;
                    Ok((!ops.is_empty()).then_some((ops, cart)))
                })
                .await;
            match next {
                Ok(Some((ops, cart))) => {
                    let last = ops.last().map_or(cursor, |(c, _)| *c);
                    let ops: Vec<Op> = ops.into_iter().map(|(_, op)| op).collect();
                    let data = serde_json::to_string(&crosscart_core::sync::Pushed { ops, cart }).unwrap_or_default();
                    let event = Event::default().event("ops").id(last.to_string()).data(data);
                    return Some((Ok::<_, Infallible>(event), (st, id, last, wake, false)));
                }
                Ok(None) => {}
                Err(e) if e.code == "cart_closed" || e.code == "not_found" => {
                    let event = Event::default().event("closed").data(format!("{{\"code\":\"{}\"}}", e.code));
                    return Some((Ok(event), (st, id, cursor, wake, true)));
                }
                Err(_) => {}
            }
            // Nothing new: wait for a commit (a lagged receiver just looks again).
            if let Err(broadcast::error::RecvError::Closed) = wake.recv().await {
                return None;
            }
        }
    });
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}
