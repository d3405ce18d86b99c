//! `<cc-cart drawer>`: the cart in a side panel, a native modal `<dialog>`.
//!
//! In its own chunk, so a page with an inline cart never downloads it. It
//! opens when anything on the page adds to the cart (unless the host has
//! `open-on-add="false"`), and on a click on `<cc-cart-count>` or on any
//! element with `data-cc-open-cart` (a link there stays the no-JS way to
//! the cart page; a click with a modifier key still opens it in a new tab).
//! Each opening is announced by a cancelable `cc-cart-open`. The dialog is
//! modal: focus moves in and returns where it was on close; Esc, the close
//! button and a click on the backdrop close it; the page behind does not
//! scroll; it slides in only for visitors who have not asked for reduced
//! motion.

use super::{Host, Live, Mounted};
use crate::dom::{self, el};
use crate::{events, js};
use crosscart_core::i18n::{t, Msg};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlDialogElement, HtmlElement};

pub const CSS: &str = "
[part=drawer]{margin:0;margin-inline-start:auto;padding:0;border:0;width:min(26rem,100vw);max-width:100vw;height:100%;max-height:none;background:var(--cc-color-surface,#fff);color:inherit;box-shadow:0 0 2rem rgba(0,0,0,.25)}
[part=drawer]::backdrop{background:var(--cc-drawer-backdrop,rgba(0,0,0,.45))}
[part=drawer-panel]{display:grid;grid-template-rows:auto 1fr;height:100%}
[part=drawer-header]{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.5rem var(--cc-space,1rem);border-bottom:1px solid var(--cc-color-border,#ddd)}
[part=drawer-title]{margin:0;font-size:1.25em}
[part=drawer-close]{font:inherit;font-size:1.5em;line-height:1;cursor:pointer;border:0;background:none;color:inherit;min-width:2.75rem;min-height:2.75rem;border-radius:var(--cc-radius,.4em)}
[part=drawer] [part=base]{overflow:auto;padding:var(--cc-space,1rem);align-content:start}
@media (prefers-reduced-motion:no-preference){[part=drawer][open]{animation:cc-drawer-in .2s ease-out}}
@keyframes cc-drawer-in{from{transform:translateX(100%)}}
";

/// What opened the drawer: `add` (something was added) or `click`.
pub struct Opening<'a> {
    pub trigger: &'a str,
}

impl crosscart_core::json::ToJson for Opening<'_> {
    fn write_json(&self, out: &mut String) {
        crosscart_core::json::ObjectWriter::new(out).field("trigger", self.trigger).end();
    }
}

struct Drawer {
    host: Rc<Host>,
    dialog: HtmlDialogElement,
    /// Where focus was before the drawer opened.
    opener: RefCell<Option<HtmlElement>>,
}

impl Drawer {
    fn open(&self, trigger: &str) {
        if self.dialog.open() || !events::emit(self.host.target(), events::CART_OPEN, &Opening { trigger }, true) {
            return;
        }
        *self.opener.borrow_mut() = dom::document().active_element().and_then(|e| e.dyn_into().ok());
        if self.dialog.show_modal().is_ok() {
            js::lock_scroll(true);
        }
    }

    /// The dialog closed (Esc, close button, backdrop, `close()`).
    fn closed(&self) {
        js::lock_scroll(false);
        if let Some(back) = self.opener.borrow_mut().take() {
            let _ = back.focus();
        }
    }
}

impl Drop for Drawer {
    fn drop(&mut self) {
        if self.dialog.open() {
            self.dialog.close();
            js::lock_scroll(false);
        }
    }
}

impl Mounted for Rc<Drawer> {}

/// Puts the cart's `base` in a modal dialog in `host`'s shadow root.
pub fn mount(host: Rc<Host>, base: Element) -> Live {
    host.style("cc-cart-drawer", CSS);
    let locale = crate::config::get().locale;
    let title = el("h2").part("drawer-title").attr("id", "cc-drawer-title").text(t(locale, Msg::Cart)).done();
    let close = dom::button("drawer-close", "close", "×").attr("aria-label", t(locale, Msg::Close)).done();
    let header = el("div").part("drawer-header").child(&title).child(&close).done();
    let panel = el("div").part("drawer-panel").child(&header).child(&base).done();
    let dialog: HtmlDialogElement = el("dialog").part("drawer").attr("aria-labelledby", "cc-drawer-title").child(&panel).done().unchecked_into();
    let _ = host.root.append_child(&dialog);
    let drawer = Rc::new(Drawer { host: host.clone(), dialog: dialog.clone(), opener: RefCell::new(None) });

    let d = drawer.clone();
    host.listen_on(&dialog, "close", false, move |_| d.closed());
    let d = drawer.clone();
    host.listen_on(&dialog, "click", false, move |ev: Event| {
        // The dialog itself is hit only outside the panel: on the backdrop.
        let on_backdrop = ev.target().is_some_and(|t| &t == AsRef::<web_sys::EventTarget>::as_ref(&d.dialog));
        let on_close = dom::action_of(&ev, &d.host.root).is_some_and(|(_, act)| act == "close");
        if on_backdrop || on_close {
            d.dialog.close();
        }
    });
    let document: web_sys::EventTarget = dom::document().into();
    let d = drawer.clone();
    host.listen_on(&document, events::CART_CHANGE, false, move |ev: Event| {
        let added = ev
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|e| js_sys::Reflect::get(&e.detail(), &"action".into()).ok())
            .is_some_and(|a| a.as_string().as_deref() == Some("add"));
        if added && d.host.attr("open-on-add").as_deref() != Some("false") {
            d.open("add");
        }
    });
    let d = drawer.clone();
    host.listen_on(&document, "click", false, move |ev: Event| {
        if ev.default_prevented() {
            return;
        }
        if let Some(m) = ev.dyn_ref::<web_sys::MouseEvent>()
            && (m.ctrl_key() || m.meta_key() || m.shift_key() || m.alt_key() || m.button() != 0)
        {
            return;
        }
        // Retargeted at the document: a click inside `<cc-cart-count>` names the element itself.
        let opener = ev.target().and_then(|t| t.dyn_into::<Element>().ok()).and_then(|t| t.closest("cc-cart-count,[data-cc-open-cart]").ok().flatten());
        if opener.is_some() {
            ev.prevent_default();
            d.open("click");
        }
    });
    Box::new(drawer)
}
