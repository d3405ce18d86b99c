//! The `cc-*` elements: one registry the loader's element classes call into.
//!
//! The loader (`www/src/define.js`, generated from [`spec::ELEMENTS`])
//! defines every tag at once, before any WebAssembly is fetched. When an
//! element connects it loads this module and calls [`connect`]; a connected
//! element of a kind whose code is in a chunk (bought-together, store stock,
//! offers) waits for that chunk, then mounts. Each element gets an open
//! shadow root with its own adopted stylesheet; on disconnect its listeners
//! and subscriptions are dropped.

pub mod add_to_cart;
pub mod bought_together;
pub mod cart;
pub mod cart_count;
pub mod codes;
pub mod drawer;
pub mod handoff;
pub mod post_checkout;
pub mod spec;
pub mod store_stock;
pub mod viewed;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget, HtmlElement, ShadowRoot};

/// The shadow DOM styles every element shares; element CSS is appended.
pub const BASE_CSS: &str = ":host{font:inherit;color:inherit;box-sizing:border-box}:host([hidden]){display:none}*,*::before,*::after{box-sizing:inherit}[hidden]{display:none!important}.cc-contents{display:contents}";

/// An event listener that removes itself when dropped.
pub struct Listener {
    target: EventTarget,
    name: &'static str,
    capture: bool,
    closure: Closure<dyn FnMut(Event)>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback_and_bool(self.name, self.closure.as_ref().unchecked_ref(), self.capture);
    }
}

/// A connected element: its host, shadow root and listeners.
pub struct Host {
    pub element: HtmlElement,
    pub root: ShadowRoot,
    listeners: RefCell<Vec<Listener>>,
}

impl Host {
    /// The attribute's current value (`None` when absent).
    pub fn attr(&self, name: &str) -> Option<String> {
        self.element.get_attribute(name)
    }

    /// A non-empty attribute, trimmed.
    pub fn attr_value(&self, name: &str) -> Option<String> {
        self.attr(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    pub fn has(&self, name: &str) -> bool {
        self.element.has_attribute(name)
    }

    /// Gives the shadow root the element's styles.
    pub fn style(&self, key: &str, css: &str) {
        crate::js::adopt(&self.root, key, &format!("{BASE_CSS}{css}"));
    }

    /// Listens on `target` until the element is disconnected (in the
    /// capture phase with `capture`, so events that do not bubble arrive too).
    pub fn listen_on(&self, target: &EventTarget, name: &'static str, capture: bool, f: impl FnMut(Event) + 'static) {
        self.listen_closure(target, name, capture, Closure::<dyn FnMut(Event)>::new(f));
    }

    /// [`Host::listen_on`] once a closure is made (one copy of this code for every listener).
    fn listen_closure(&self, target: &EventTarget, name: &'static str, capture: bool, closure: Closure<dyn FnMut(Event)>) {
        if target.add_event_listener_with_callback_and_bool(name, closure.as_ref().unchecked_ref(), capture).is_ok() {
            self.listeners.borrow_mut().push(Listener { target: target.clone(), name, capture, closure });
        }
    }

    /// Listens on the host element: its light-DOM content (the shop's own
    /// button or form).
    pub fn listen(&self, name: &'static str, f: impl FnMut(Event) + 'static) {
        let target: EventTarget = self.element.clone().into();
        self.listen_on(&target, name, false, f);
    }

    /// Listens to what happens inside the shadow root (captured, so a
    /// `change` that does not bubble counts as well).
    pub fn listen_root(&self, name: &'static str, f: impl FnMut(Event) + 'static) {
        let target: EventTarget = self.root.clone().into();
        self.listen_on(&target, name, true, f);
    }

    pub fn target(&self) -> &EventTarget {
        self.element.as_ref()
    }
}

/// A mounted element: told about attribute changes, dropped on disconnect.
pub trait Mounted {
    fn changed(&self, _name: &str) {}
}

impl Mounted for () {}

/// What a kind's mount function returns.
pub type Live = Box<dyn Mounted>;

enum Entry {
    /// Waiting for its kind's code to load.
    Pending(Rc<Host>),
    Ready(Rc<Host>, Live),
}

/// Mounted elements by id: a list, as a page has tens of elements, and a
/// HashMap's code would be in the main module every page loads.
#[derive(Default)]
struct Entries(Vec<(u32, Entry)>);

impl Entries {
    fn get(&self, id: &u32) -> Option<&Entry> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, e)| e)
    }
    fn insert(&mut self, id: u32, entry: Entry) {
        self.remove(&id);
        self.0.push((id, entry));
    }
    fn remove(&mut self, id: &u32) -> Option<Entry> {
        let at = self.0.iter().position(|(k, _)| k == id)?;
        Some(self.0.swap_remove(at).1)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

thread_local! {
    static MOUNTED: RefCell<Entries> = const { RefCell::new(Entries(Vec::new())) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Number of element instances currently connected (for tests and leaks).
pub fn mounted_count() -> usize {
    MOUNTED.with(|m| m.borrow().len())
}

/// Mounts a connected `tag` element into `root`; returns its id for
/// [`disconnect`] and [`changed`].
pub fn connect(tag: &str, element: HtmlElement, root: ShadowRoot) -> u32 {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id.wrapping_add(1).max(1));
        id
    });
    root.set_text_content(None);
    let host = Rc::new(Host { element, root, listeners: RefCell::new(Vec::new()) });
    let live: Option<Live> = match tag {
        "cc-add-to-cart" => Some(add_to_cart::mount(host.clone())),
        "cc-cart-count" => Some(cart_count::mount(host.clone())),
        "cc-viewed" => Some(viewed::mount(host.clone())),
        _ => None,
    };
    match live {
        Some(live) => {
            MOUNTED.with(|m| m.borrow_mut().insert(id, Entry::Ready(host, live)));
        }
        None => {
            MOUNTED.with(|m| m.borrow_mut().insert(id, Entry::Pending(host.clone())));
            let tag = tag.to_owned();
            crate::js::spawn(async move {
                let result = crate::chunks::mount(&tag, host.clone()).await;
                MOUNTED.with(|m| {
                    let mut m = m.borrow_mut();
                    // Disconnected while loading: nothing to mount.
                    if !matches!(m.get(&id), Some(Entry::Pending(_))) {
                        return;
                    }
                    match result {
                        Ok(live) => {
                            m.insert(id, Entry::Ready(host, live));
                        }
                        Err(e) => {
                            let message = describe(&e);
                            crate::events::error(host.target(), "load", e.code(), &message);
                            let _ = host.element.set_attribute("data-cc-error", "load");
                        }
                    }
                });
            });
        }
    }
    id
}

/// The element `id` left the document.
pub fn disconnect(id: u32) {
    let removed = MOUNTED.with(|m| m.borrow_mut().remove(&id));
    if let Some(entry) = removed {
        let host = match entry {
            Entry::Pending(h) => h,
            Entry::Ready(h, live) => {
                drop(live);
                h
            }
        };
        host.listeners.borrow_mut().clear();
    }
}

/// An observed attribute of element `id` changed.
pub fn changed(id: u32, name: &str) {
    let live = MOUNTED.with(|m| match m.borrow().get(&id) {
        Some(Entry::Ready(..)) => true,
        _ => false,
    });
    if live {
        // Not borrowed while the element reacts (it may connect others).
        let entry = MOUNTED.with(|m| m.borrow_mut().remove(&id));
        if let Some(Entry::Ready(h, live)) = entry {
            live.changed(name);
            MOUNTED.with(|m| {
                let mut m = m.borrow_mut();
                if m.get(&id).is_none() {
                    m.insert(id, Entry::Ready(h, live));
                }
            });
        }
    }
}

/// `Date.now()`, refreshed every second while `active()` holds, for a
/// countdown on screen; the timer stops when the returned guard is dropped.
pub struct Ticker {
    handle: Option<i32>,
    _closure: Closure<dyn FnMut()>,
}

impl Ticker {
    pub fn every_second(mut tick: impl FnMut() + 'static) -> Ticker {
        let closure = Closure::<dyn FnMut()>::new(move || tick());
        let handle = web_sys::window().and_then(|w| w.set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), 1000).ok());
        Ticker { handle, _closure: closure }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        if let (Some(w), Some(h)) = (web_sys::window(), self.handle) {
            w.clear_interval_with_handle(h);
        }
    }
}

/// Turns a protocol error into one of our sentences for the customer, in
/// their language; the backend's own text goes to the console.
pub fn describe(e: &crosscart_core::protocol::ProtocolError) -> String {
    use crosscart_core::i18n::{only_left, t, ErrorMsg};
    crate::js::warn(&format!("crosscart: {e}"));
    let locale = crate::config::get().locale;
    match e {
        crosscart_core::protocol::ProtocolError::InsufficientStock { available: Some(n), .. } => format!("{} {}", t(locale, ErrorMsg::OutOfStock), only_left(locale, *n)),
        other => t(locale, other.shopper_message()).to_owned(),
    }
}
