//! Abandoned carts: a background task notices open carts with items that
//! have not changed for the shop's limit (`--abandoned-after`, default 1 h),
//! records a `cart.abandoned` event once per idle period, and posts it to the
//! shop's webhook (`--abandoned-webhook`), retrying with back-off until the
//! webhook answers 2xx — so the shop can send the reminder e-mail or SMS.

use crate::api::now_ms;
use crate::db::{self, Db};
use std::time::Duration;

/// Delivery attempts per event before giving up (the event stays recorded).
pub const MAX_ATTEMPTS: u32 = 8;

/// Starts the watcher; it runs as long as the runtime does.
pub fn start(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
        loop {
            let after = db.run(|c| db::abandoned_after_ms(c)).await.unwrap_or(db::DEFAULT_ABANDONED_AFTER_MS);
            tokio::time::sleep(Duration::from_millis((after / 4).clamp(50, 60_000) as u64)).await;
            let now = now_ms();
            if let Err(e) = db.run(move |c| db::record_abandoned(c, now - after, now)).await {
                tracing::warn!("abandoned carts: {}", e.message);
                continue;
            }
            if let Ok(Some(url)) = db.run(|c| db::abandoned_webhook(c)).await {
                deliver(&db, &client, &url).await;
            }
        }
    })
}

async fn deliver(db: &Db, client: &reqwest::Client, url: &str) {
    let now = now_ms();
    let Ok(due) = db.run(move |c| db::due_events(c, now, MAX_ATTEMPTS)).await else { return };
    for ev in due {
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-crosscart-event", ev.kind.as_str())
            .header("x-crosscart-delivery", ev.id.to_string())
            .body(ev.payload.clone())
            .send()
            .await;
        let result = match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("the webhook answered HTTP {}", r.status().as_u16())),
            Err(e) => Err(format!("the webhook could not be reached: {e}")),
        };
        if let Err(e) = &result {
            tracing::warn!("cart event {}: {e}", ev.id);
        }
        // 1 s, 2 s, 4 s, ... up to an hour between attempts.
        let retry_at = now_ms() + (1000i64 << ev.attempts.min(12)).min(3_600_000);
        let (id, at) = (ev.id, now_ms());
        let _ = db.run(move |c| db::event_attempted(c, id, at, result, retry_at)).await;
    }
}
