//! `<cc-viewed product="…">`: remembers a product page view for later
//! post-checkout offers. It has no view of its own. The device's list is
//! written by the element class itself (`rememberView` in `js/define.js`,
//! before any WebAssembly arrives); this reads it, and tells the server
//! for a signed-in customer.

use super::{Host, Live, Mounted};
use crate::{config, transport::execute, with_adapter};
use std::rc::Rc;

const VIEWED_KEY: &str = "crosscart:viewed";

#[derive(Debug, Clone, PartialEq)]
struct ViewedEntry {
    p: String,
    at: i64,
}

crosscart_core::json_object!(ViewedEntry { req p, req at });

fn viewed_entries() -> Vec<ViewedEntry> {
    config::local_storage()
        .and_then(|s| s.get_item(VIEWED_KEY).ok().flatten())
        .and_then(|json| crosscart_core::json::from_slice(json.as_bytes()).ok())
        .unwrap_or_default()
}

/// Products viewed on this device in the offer policy's window, most recent first.
pub fn viewed_products() -> Vec<String> {
    let now = js_sys::Date::now() as i64;
    let within = crosscart_core::offer::Policy::default().viewed_within_ms;
    viewed_entries().into_iter().filter(|e| now - e.at <= within).map(|e| e.p).collect()
}

/// Tells the server about a product view, for a signed-in customer (the
/// device's list is `rememberView`'s, in `js/define.js`).
pub fn record_view(product_id: &str) {
    let product_id = product_id.trim();
    if product_id.is_empty() || product_id.len() > 128 {
        return;
    }
    if config::session_token().is_some() && with_adapter!(capabilities()).post_checkout {
        let product_id = product_id.to_owned();
        crate::js::spawn(async move {
            if let Ok(call) = with_adapter!(record_viewed(&product_id)) {
                let _ = execute(call).await; // a lost view only makes a later offer less personal
            }
        });
    }
}

struct Viewed(Rc<Host>);

impl Mounted for Viewed {
    fn changed(&self, _name: &str) {
        if let Some(p) = self.0.attr("product") {
            record_view(&p);
        }
    }
}

pub fn mount(host: Rc<Host>) -> Live {
    let v = Viewed(host);
    v.changed("product");
    Box::new(v)
}
