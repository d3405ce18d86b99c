//! The shop's stores (fetched once per page and indexed for nearest-k), the
//! gazetteer, and what the page remembers: the customer's location and store.

use crate::{config, transport::execute};
use crosscart_core::protocol::{Call, HttpRequest, Method, ProtocolError};
use crosscart_core::store::{Gazetteer, GeoIndex, GeoPoint, Store};
use futures::lock::Mutex;
use leptos::prelude::*;
use std::collections::HashMap;
use std::rc::Rc;

pub struct Directory {
    pub stores: Vec<Store>,
    pub index: GeoIndex,
}

thread_local! {
    static DIRECTORY: Rc<Mutex<Option<Rc<Directory>>>> = Rc::new(Mutex::new(None));
    static GAZETTEER: Rc<Mutex<Option<Rc<Gazetteer>>>> = Rc::new(Mutex::new(None));
    /// Store id → name, for `<cc-cart>`'s pickup lines; filled by [`directory`].
    static NAMES: RwSignal<HashMap<String, String>> = RwSignal::new(HashMap::new());
}

pub fn names() -> RwSignal<HashMap<String, String>> {
    NAMES.with(|n| *n)
}

/// The stores, loaded once per page; concurrent callers share one request.
/// A failure is not cached, so a retry asks again.
pub async fn directory() -> Result<Rc<Directory>, ProtocolError> {
    let cell = DIRECTORY.with(Rc::clone);
    let mut guard = cell.lock().await;
    if let Some(d) = guard.as_ref() {
        return Ok(d.clone());
    }
    let stores = execute(config::adapter().list_stores()?).await?;
    let index = GeoIndex::new(&stores.iter().map(|s| s.location).collect::<Vec<_>>());
    names().set(stores.iter().map(|s| (s.id.clone(), s.name.clone())).collect());
    let d = Rc::new(Directory { stores, index });
    *guard = Some(d.clone());
    Ok(d)
}

/// The gazetteer shipped beside the SDK (`configure({gazetteerUrl})` or the
/// `crosscart:gazetteer` meta tag overrides where it is).
pub async fn gazetteer() -> Result<Rc<Gazetteer>, ProtocolError> {
    let cell = GAZETTEER.with(Rc::clone);
    let mut guard = cell.lock().await;
    if let Some(g) = guard.as_ref() {
        return Ok(g.clone());
    }
    let url = config::get().gazetteer_url;
    if url.is_empty() {
        return Err(ProtocolError::InvalidRequest("no gazetteer URL configured".into()));
    }
    let request = HttpRequest { method: Method::Get, url, headers: Vec::new(), body: None };
    let text = execute(Call::new(request, |r| {
        if r.status != 200 {
            return Err(ProtocolError::Http { status: r.status });
        }
        String::from_utf8(r.body.clone()).map_err(|e| ProtocolError::Malformed { what: "gazetteer", detail: e.to_string() })
    }))
    .await?;
    let g = Rc::new(Gazetteer::parse(&text).map_err(|e| ProtocolError::Malformed { what: "gazetteer", detail: e.to_string() })?);
    *guard = Some(g.clone());
    Ok(g)
}

const LOCATION_KEY: &str = "crosscart:location";
const STORE_KEY: &str = "crosscart:store";

/// A place the customer chose or was found at, with what to call it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Located {
    pub lat: f64,
    pub lon: f64,
    /// Empty for "your location" (geolocation).
    #[serde(default)]
    pub label: String,
}

impl Located {
    pub fn point(&self) -> Option<GeoPoint> {
        GeoPoint::new(self.lat, self.lon).ok()
    }
}

pub fn remembered_location() -> Option<Located> {
    let raw = config::local_storage()?.get_item(LOCATION_KEY).ok()??;
    serde_json::from_str::<Located>(&raw).ok().filter(|l| l.point().is_some())
}

pub fn remember_location(l: &Located) {
    if let (Some(s), Ok(json)) = (config::local_storage(), serde_json::to_string(l)) {
        let _ = s.set_item(LOCATION_KEY, &json);
    }
}

pub fn remembered_store() -> Option<String> {
    config::local_storage()?.get_item(STORE_KEY).ok()?.filter(|s| !s.is_empty())
}

pub fn remember_store(id: &str) {
    if let Some(s) = config::local_storage() {
        let _ = s.set_item(STORE_KEY, id);
    }
}
