//! The shop's stores (fetched once per page and indexed for nearest-k), the
//! gazetteer, and what the page remembers: the customer's location and store.
//!
//! `<cc-cart>` only needs store names for pickup lines: [`want_names`] asks
//! the stock chunk for them the first time a pickup line appears.

use crate::{config, transport::execute, with_adapter};
use crosscart_core::json::ToJson;
use crosscart_core::protocol::{Call, HttpRequest, Method, ProtocolError};
use crosscart_core::store::{Gazetteer, GeoIndex, GeoPoint, Store};
use futures::lock::Mutex;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

pub struct Directory {
    pub stores: Vec<Store>,
    pub index: GeoIndex,
}

type NameListener = Rc<dyn Fn()>;

thread_local! {
    static DIRECTORY: Rc<Mutex<Option<Rc<Directory>>>> = Rc::new(Mutex::new(None));
    static GAZETTEER: Rc<Mutex<Option<Rc<Gazetteer>>>> = Rc::new(Mutex::new(None));
    /// Store id → name, for `<cc-cart>`'s pickup lines; filled by [`directory`].
    // A list, not a map: a shop has tens of stores, and a HashMap's code
    // would be loaded by every cart page.
    static NAMES: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    /// Bumped whenever names arrive, so views know to redraw.
    static NAMES_VERSION: Cell<usize> = const { Cell::new(0) };
    static NAMES_WANTED: Cell<bool> = const { Cell::new(false) };
    static NAME_LISTENERS: RefCell<Vec<(u32, NameListener)>> = const { RefCell::new(Vec::new()) };
}

/// The store's name, or its id until the names are here.
pub fn store_name(id: &str) -> String {
    NAMES.with(|n| n.borrow().iter().find(|(k, _)| k == id).map(|(_, name)| name.clone())).unwrap_or_else(|| id.to_owned())
}

/// Changes whenever store names arrive.
pub fn names_loaded() -> usize {
    NAMES_VERSION.with(Cell::get)
}

fn set_names(names: impl IntoIterator<Item = (String, String)>) {
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        for (id, name) in names {
            match n.iter_mut().find(|(k, _)| *k == id) {
                Some(kept) => kept.1 = name,
                None => n.push((id, name)),
            }
        }
    });
    NAMES_VERSION.with(|v| v.set(v.get() + 1));
    let listeners: Vec<NameListener> = NAME_LISTENERS.with(|l| l.borrow().iter().map(|(_, f)| f.clone()).collect());
    for f in listeners {
        f();
    }
}

/// Calls `f` when store names arrive, until dropped.
pub fn on_names(f: impl Fn() + 'static) -> crate::store::Subscription {
    crate::store::subscribe_with(&NAME_LISTENERS, f)
}

/// Fetches the store names once (with the stock chunk), for pickup lines.
pub fn want_names() {
    if NAMES_WANTED.with(|w| w.replace(true)) {
        return;
    }
    crate::js::spawn(async {
        let loaded = match crate::chunks::store_names().await {
            Ok(fut) => fut.await,
            Err(e) => Err(e.into()),
        };
        match loaded {
            Ok(names) => set_names(names),
            // Ids stay shown; the next pickup line asks again.
            Err(_) => NAMES_WANTED.with(|w| w.set(false)),
        }
    });
}

/// Store id → name pairs, from the directory (what the stock chunk answers to [`want_names`]).
pub async fn names_from_directory() -> Result<Vec<(String, String)>, ProtocolError> {
    let dir = directory().await?;
    Ok(dir.stores.iter().map(|s| (s.id.clone(), s.name.clone())).collect())
}

/// The stores, loaded once per page; concurrent callers share one request.
/// A failure is not cached, so a retry asks again.
pub async fn directory() -> Result<Rc<Directory>, ProtocolError> {
    let cell = DIRECTORY.with(Rc::clone);
    let mut guard = cell.lock().await;
    if let Some(d) = guard.as_ref() {
        return Ok(d.clone());
    }
    let stores = execute(with_adapter!(list_stores())?).await?;
    let index = GeoIndex::new(&stores.iter().map(|s| s.location).collect::<Vec<_>>());
    set_names(stores.iter().map(|s| (s.id.clone(), s.name.clone())).collect::<Vec<_>>());
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
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub lat: f64,
    pub lon: f64,
    /// Empty for "your location" (geolocation).
    pub label: String,
}

crosscart_core::json_object!(Located { req lat, req lon, def label });

impl Located {
    pub fn point(&self) -> Option<GeoPoint> {
        GeoPoint::new(self.lat, self.lon).ok()
    }
}

pub fn remembered_location() -> Option<Located> {
    let raw = config::local_storage()?.get_item(LOCATION_KEY).ok()??;
    crosscart_core::json::from_slice::<Located>(raw.as_bytes()).ok().filter(|l| l.point().is_some())
}

pub fn remember_location(l: &Located) {
    if let Some(s) = config::local_storage() {
        let _ = s.set_item(LOCATION_KEY, &l.to_json());
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
