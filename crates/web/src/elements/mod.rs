//! Custom elements: a guarded registration helper and the `cc-*` elements.
//!
//! A tiny JS class (`js::define`) forwards the lifecycle callbacks here. On
//! connect the element gets an open shadow root, its Leptos view is mounted
//! into it and its listeners are attached; on disconnect the view is
//! unmounted, the reactive owner disposed and every listener removed. If the
//! name is already defined (by an earlier copy of the SDK, or by the theme),
//! registration is skipped without error.

pub mod add_to_cart;
pub mod bought_together;
pub mod cart;
pub mod cart_count;
pub mod post_checkout;
pub mod store_stock;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget, HtmlElement, ShadowRoot};

/// The shadow DOM styles every element shares; element CSS is appended.
const BASE_CSS: &str = ":host{font:inherit;color:inherit;box-sizing:border-box}:host([hidden]){display:none}*,*::before,*::after{box-sizing:inherit}.cc-root{display:contents}";

/// An event listener that removes itself when dropped.
pub struct Listener {
    target: EventTarget,
    name: &'static str,
    closure: Closure<dyn FnMut(Event)>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.name, self.closure.as_ref().unchecked_ref());
    }
}

/// What a mounting function is given: the host element and its observed attributes.
pub struct Host {
    pub element: SendWrapper<HtmlElement>,
    attrs: Vec<(String, RwSignal<Option<String>>)>,
    listeners: RefCell<Vec<Listener>>,
}

impl Host {
    /// The live value of an observed attribute.
    pub fn attr(&self, name: &str) -> RwSignal<Option<String>> {
        self.attrs.iter().find(|(n, _)| n == name).map(|(_, s)| *s).unwrap_or_else(|| RwSignal::new(None))
    }

    /// Listens on the host element until it is disconnected.
    pub fn listen(&self, name: &'static str, f: impl FnMut(Event) + 'static) {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        let target: EventTarget = (*self.element).clone().into();
        if target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref()).is_ok() {
            self.listeners.borrow_mut().push(Listener { target, name, closure });
        }
    }
}

struct Mounted {
    owner: Owner,
    view: Option<Box<dyn Any>>,
    attrs: Vec<(String, RwSignal<Option<String>>)>,
    listeners: Vec<Listener>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.listeners.clear();
        self.view.take();
        self.owner.cleanup();
    }
}

thread_local! {
    static MOUNTED: RefCell<HashMap<u32, Mounted>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Number of element instances currently connected (for tests and leaks).
pub fn mounted_count() -> usize {
    MOUNTED.with(|m| m.borrow().len())
}

/// Mounts a view into `container` and hands back the handle that unmounts it.
pub type MountFn = fn(&Host, HtmlElement) -> Box<dyn Any>;

/// Defines `name` unless already defined. Returns whether this call defined it.
pub fn define(name: &str, observed: &[&str], css: &str, mount: MountFn) -> bool {
    let observed_owned: Vec<String> = observed.iter().map(|s| (*s).to_owned()).collect();
    let connect = Closure::<dyn Fn(HtmlElement, ShadowRoot) -> u32>::new(move |element: HtmlElement, root: ShadowRoot| {
        let owner = Owner::new();
        let (view, host) = owner.with(|| {
            let attrs = observed_owned.iter().map(|n| (n.clone(), RwSignal::new(element.get_attribute(n)))).collect();
            let host = Host { element: SendWrapper::new(element.clone()), attrs, listeners: RefCell::new(Vec::new()) };
            let doc = element.owner_document().or_else(|| web_sys::window().and_then(|w| w.document()));
            let container: Option<HtmlElement> = doc.and_then(|d| d.create_element("div").ok()).and_then(|d| d.dyn_into().ok());
            let view = container.map(|c| {
                c.set_class_name("cc-root");
                root.set_inner_html("");
                let _ = root.append_child(&c);
                mount(&host, c)
            });
            (view, host)
        });
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1).max(1));
            id
        });
        let mounted = Mounted { owner, view, attrs: host.attrs, listeners: host.listeners.into_inner() };
        MOUNTED.with(|m| m.borrow_mut().insert(id, mounted));
        id
    });
    let disconnect = Closure::<dyn Fn(u32)>::new(|id: u32| {
        let removed = MOUNTED.with(|m| m.borrow_mut().remove(&id));
        drop(removed);
    });
    let changed = Closure::<dyn Fn(u32, String, Option<String>)>::new(|id: u32, attr: String, value: Option<String>| {
        let signal = MOUNTED.with(|m| m.borrow().get(&id).and_then(|mt| mt.attrs.iter().find(|(n, _)| *n == attr).map(|(_, s)| *s)));
        if let Some(s) = signal {
            s.set(value);
        }
    });
    let observed_js: js_sys::Array = observed.iter().map(|s| JsValue::from_str(s)).collect();
    let css = format!("{BASE_CSS}{css}");
    let defined = crate::js::define(name, observed_js, &css, &connect, &disconnect, &changed);
    if defined {
        // The class lives as long as the page; so do its callbacks.
        connect.forget();
        disconnect.forget();
        changed.forget();
    }
    defined
}

/// Defines every Crosscart element. Safe to call more than once.
pub fn define_all() {
    let _ = any_spawner::Executor::init_wasm_bindgen();
    // Page-wide signals are created here, outside any element's reactive
    // owner: created lazily inside an element or effect, they would be
    // disposed with it (an effect disposes what it created on every rerun).
    crate::store::state();
    crate::stores::names();
    define("cc-add-to-cart", add_to_cart::ATTRIBUTES, add_to_cart::CSS, add_to_cart::mount);
    define("cc-cart-count", cart_count::ATTRIBUTES, cart_count::CSS, cart_count::mount);
    define("cc-cart", cart::ATTRIBUTES, cart::CSS, cart::mount);
    define("cc-bought-together", bought_together::ATTRIBUTES, bought_together::CSS, bought_together::mount);
    define("cc-store-stock", store_stock::ATTRIBUTES, store_stock::CSS, store_stock::mount);
    define("cc-post-checkout", post_checkout::ATTRIBUTES, post_checkout::CSS, post_checkout::mount);
    define("cc-viewed", post_checkout::VIEWED_ATTRIBUTES, "", post_checkout::mount_viewed);
}

/// `Date.now()` in a signal, refreshed every second while `active()` holds
/// (a countdown on screen); the timer stops with the element's owner.
pub fn ticking_clock(active: impl Fn() -> bool + 'static) -> RwSignal<i64> {
    let tick = RwSignal::new(js_sys::Date::now() as i64);
    let ticker = Closure::<dyn FnMut()>::new(move || {
        if active() {
            tick.try_set(js_sys::Date::now() as i64);
        }
    });
    let interval = web_sys::window().and_then(|w| w.set_interval_with_callback_and_timeout_and_arguments_0(ticker.as_ref().unchecked_ref(), 1000).ok());
    let ticker = SendWrapper::new(ticker);
    on_cleanup(move || {
        if let (Some(w), Some(i)) = (web_sys::window(), interval) {
            w.clear_interval_with_handle(i);
        }
        drop(ticker);
    });
    tick
}

/// Turns a protocol error into a sentence for the customer.
pub fn describe(e: &crosscart_core::protocol::ProtocolError) -> String {
    use crosscart_core::protocol::ProtocolError::*;
    match e {
        Api { message, .. } => message.clone(),
        Network(_) => "The shop could not be reached. Check your connection and try again.".into(),
        other => other.to_string(),
    }
}
