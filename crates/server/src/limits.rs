//! Per-client rate limits: requests counted per client address and minute.
//! Used for wrong handoff codes (guessing) and for new carts (a client that
//! makes thousands of carts fills the database for nothing).

use axum::extract::ConnectInfo;
use axum::Extension;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;

/// The client's address, when the server was started with it
/// (`into_make_service_with_connect_info`, as `serve` does).
pub type Client = Option<Extension<ConnectInfo<SocketAddr>>>;

/// Clients tracked at most; beyond, windows that ended are dropped first.
const MAX_TRACKED: usize = 100_000;

fn address(client: &Client) -> IpAddr {
    client.as_ref().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0 .0.ip())
}

/// At most `max_per_minute` counted events per client address and minute.
pub struct PerClient {
    max_per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl PerClient {
    pub fn new(max_per_minute: u32) -> PerClient {
        PerClient { max_per_minute, windows: Mutex::new(HashMap::new()) }
    }

    /// Whether the client has used up this minute.
    pub fn exhausted(&self, client: &Client, now_ms: i64) -> bool {
        let w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        w.get(&address(client)).is_some_and(|&(minute, n)| minute == now_ms / 60_000 && n >= self.max_per_minute)
    }

    /// Counts one event for the client.
    pub fn count(&self, client: &Client, now_ms: i64) {
        let mut w = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let minute = now_ms / 60_000;
        if w.len() >= MAX_TRACKED {
            w.retain(|_, (m, _)| *m == minute);
        }
        let entry = w.entry(address(client)).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}
