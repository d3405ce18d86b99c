//! The replicated cart over HTTP: replicas post operations (idempotently,
//! answered after commit) and follow a cart's operations as Server-Sent
//! Events, so a second tab or device updates without polling. SQL is in
//! `db.rs`; the merge is `crosscart_core::sync`.

use crate::api::{check_id, now_ms, ApiJson};
use crate::db;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use crosscart_core::sync::{Op, OpsPage, SyncAnswer};
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Most operations in one request (a replica sends at most
/// `crosscart_core::sync::replica::MAX_BATCH`, which fits the 16 KiB body limit).
pub const MAX_OPS_PER_REQUEST: usize = 100;

/// Followers one cart may have at once (tabs and devices of one shopper
/// are a handful; a tab per profile follows, the others listen to it).
pub const MAX_FOLLOWERS_PER_CART: usize = 50;
/// Followers of all carts together.
pub const MAX_FOLLOWERS: usize = 10_000;

/// One committed change as every follower of the cart is sent it: read
/// from the database once, whatever the number of followers.
#[derive(Debug)]
pub enum Published {
    /// `event: ops` for a follower whose cursor is `after`.
    Ops { after: u64, last: u64, data: String },
    /// The cart was checked out or is gone: `event: closed`.
    Closed(&'static str),
}

struct Channel {
    tx: broadcast::Sender<Arc<Published>>,
    /// The cursor of the last publication.
    cursor: u64,
    /// A publisher task is reading; `again`: another commit came meanwhile.
    running: bool,
    again: bool,
}

/// Who follows which cart. After a commit, one task reads what changed and
/// shares it with every follower of that cart (instead of each follower
/// reading it under the database lock).
pub struct Hub {
    db: db::Db,
    carts: Mutex<HashMap<String, Channel>>,
    followers: Arc<AtomicUsize>,
}

/// A follower's place; gives it back when the stream ends.
pub struct Follow {
    pub rx: broadcast::Receiver<Arc<Published>>,
    slot: Arc<AtomicUsize>,
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.slot.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Hub {
    pub fn new(db: db::Db) -> Hub {
        Hub { db, carts: Mutex::default(), followers: Arc::default() }
    }

    /// Follows a cart whose latest cursor is `cursor`, if there is room.
    pub fn subscribe(&self, cart_id: &str, cursor: u64) -> Result<Follow, ApiError> {
        let busy = |what: &str| ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_followers", format!("{what}; follow this cart from one tab and share it with the others"));
        let mut carts = lock(&self.carts);
        if carts.len() > 2 * MAX_FOLLOWERS {
            carts.retain(|_, c| c.tx.receiver_count() > 0 || c.running);
        }
        let channel = carts.entry(cart_id.to_owned()).or_insert_with(|| Channel { tx: broadcast::channel(64).0, cursor, running: false, again: false });
        if channel.tx.receiver_count() >= MAX_FOLLOWERS_PER_CART {
            return Err(busy(&format!("this cart already has {MAX_FOLLOWERS_PER_CART} followers")));
        }
        if self.followers.fetch_add(1, Ordering::SeqCst) >= MAX_FOLLOWERS {
            self.followers.fetch_sub(1, Ordering::SeqCst);
            return Err(busy("the shop has too many followers right now"));
        }
        Ok(Follow { rx: channel.tx.subscribe(), slot: self.followers.clone() })
    }

    /// After a commit: publishes what changed to the cart's followers, if
    /// any (forgetting carts nobody follows).
    pub fn notify(self: &Arc<Self>, cart_id: &str) {
        let mut carts = lock(&self.carts);
        let Some(channel) = carts.get_mut(cart_id) else { return };
        if channel.tx.receiver_count() == 0 {
            carts.remove(cart_id);
            return;
        }
        if channel.running {
            channel.again = true;
            return;
        }
        channel.running = true;
        tokio::spawn(Self::publish(self.clone(), cart_id.to_owned()));
    }

    async fn publish(hub: Arc<Hub>, cart_id: String) {
        loop {
            let Some(after) = lock(&hub.carts).get_mut(&cart_id).map(|c| {
                c.again = false;
                c.cursor
            }) else {
                return;
            };
            let id = cart_id.clone();
            let read = hub
                .db
                .run(move |c| {
                    // The cart first: a checked-out cart ends the streams.
                    let cart = db::load_cart(c, &id)?;
                    Ok((cart, db::ops_since(c, &id, after)?))
                })
                .await;
            let message = match read {
                Ok((cart, ops)) if !ops.is_empty() => {
                    let last = ops.last().map_or(after, |(c, _)| *c);
                    let ops: Vec<Op> = ops.into_iter().map(|(_, op)| op).collect();
                    let data = serde_json::to_string(&crosscart_core::sync::Pushed { ops, cart }).unwrap_or_default();
                    Some(Published::Ops { after, last, data })
                }
                Ok(_) => None,
                Err(e) if e.code == "cart_closed" => Some(Published::Closed("cart_closed")),
                Err(e) if e.code == "not_found" => Some(Published::Closed("not_found")),
                Err(_) => None,
            };
            let mut carts = lock(&hub.carts);
            let Some(channel) = carts.get_mut(&cart_id) else { return };
            if let Some(message) = message {
                if let Published::Ops { last, .. } = &message {
                    channel.cursor = *last;
                }
                let _ = channel.tx.send(Arc::new(message));
            }
            if !channel.again {
                channel.running = false;
                return;
            }
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
    let latest = {
        let id = id.clone();
        st.db.run(move |c| {
            db::load_cart(c, &id)?;
            db::op_cursor(c, &id)
        })
        .await?
    };
    let follow = st.hub.subscribe(&id, latest)?;
    // Catch up with its own reads first; then take what the hub publishes
    // (read once for every follower), reading alone only when out of step.
    let state = (st, id, start, follow, true, false);
    let stream = futures_util::stream::unfold(state, |(st, id, cursor, mut follow, mut behind, done)| async move {
        if done {
            return None;
        }
        loop {
            if behind {
                let cart_id = id.clone();
                let next = st
                    .db
                    .run(move |c| {
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
                        return Some((Ok::<_, Infallible>(event), (st, id, last, follow, true, false)));
                    }
                    Ok(None) => behind = false,
                    Err(e) if e.code == "cart_closed" || e.code == "not_found" => {
                        let event = Event::default().event("closed").data(format!("{{\"code\":\"{}\"}}", e.code));
                        return Some((Ok(event), (st, id, cursor, follow, false, true)));
                    }
                    Err(_) => behind = false,
                }
            }
            match follow.rx.recv().await {
                Ok(published) => match &*published {
                    Published::Ops { after, last, data } if *after == cursor => {
                        let event = Event::default().event("ops").id(last.to_string()).data(data.clone());
                        return Some((Ok(event), (st, id, *last, follow, false, false)));
                    }
                    Published::Ops { last, .. } if *last <= cursor => {}
                    Published::Ops { .. } => behind = true,
                    Published::Closed(code) => {
                        let event = Event::default().event("closed").data(format!("{{\"code\":\"{code}\"}}"));
                        return Some((Ok(event), (st, id, cursor, follow, false, true)));
                    }
                },
                Err(broadcast::error::RecvError::Lagged(_)) => behind = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}
