//! The few DOM operations the elements need, and a keyed list.
//!
//! The elements build their shadow DOM once and then update only what
//! changed (a text, an attribute, a line added or removed), so a focused
//! input or a button being clicked is never replaced under the customer.
//! Every text from the API goes through `textContent`, never markup.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

pub fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a browser document")
}

/// A new element `tag`.
pub fn el(tag: &str) -> H {
    H(document().create_element(tag).expect("a valid tag name"))
}

/// An element under construction: `el("li").part("line").text("…")`.
pub struct H(pub Element);

impl H {
    pub fn attr(self, name: &str, value: &str) -> H {
        let _ = self.0.set_attribute(name, value);
        self
    }
    pub fn part(self, part: &str) -> H {
        self.attr("part", part)
    }
    /// `data-act`: what a click (or change) on it does, read by the element's handler.
    pub fn act(self, action: &str) -> H {
        self.attr("data-act", action)
    }
    pub fn text(self, text: &str) -> H {
        self.0.set_text_content(Some(text));
        self
    }
    pub fn child(self, child: impl AsRef<Node>) -> H {
        let _ = self.0.append_child(child.as_ref());
        self
    }
    pub fn children<I: IntoIterator<Item = N>, N: AsRef<Node>>(self, children: I) -> H {
        for c in children {
            let _ = self.0.append_child(c.as_ref());
        }
        self
    }
    pub fn done(self) -> Element {
        self.0
    }
}

impl AsRef<Node> for H {
    fn as_ref(&self) -> &Node {
        &self.0
    }
}

/// A button of `type=button` with an action.
pub fn button(part: &str, action: &str, label: &str) -> H {
    el("button").attr("type", "button").part(part).act(action).text(label)
}

/// Sets a text if it differs (so screen readers and selections are not disturbed).
pub fn set_text(el: &Element, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

/// Sets or removes an attribute, touching the DOM only on a change.
pub fn set_attr(el: &Element, name: &str, value: Option<&str>) {
    match value {
        Some(v) if el.get_attribute(name).as_deref() != Some(v) => {
            let _ = el.set_attribute(name, v);
        }
        None if el.has_attribute(name) => {
            let _ = el.remove_attribute(name);
        }
        _ => {}
    }
}

/// A boolean attribute (`hidden`, `disabled`).
pub fn set_flag(el: &Element, name: &str, on: bool) {
    set_attr(el, name, on.then_some(""));
}

/// Whether `el` has the focus inside its shadow root (a field the customer
/// is typing in, which an update must not overwrite).
pub fn has_focus(el: &Element) -> bool {
    el.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok().and_then(|r| r.active_element()).is_some_and(|a| a == *el)
}

/// Shows or hides an element with `hidden`.
pub fn show(el: &Element, visible: bool) {
    set_flag(el, "hidden", !visible);
}

/// Removes every child.
pub fn clear(el: &Element) {
    el.set_text_content(None);
}

/// The element with `data-act` inside `root` that an event started in, and its action.
pub fn action_of(ev: &web_sys::Event, root: &web_sys::ShadowRoot) -> Option<(Element, String)> {
    let target: Element = ev.composed_path().get(0).dyn_into().ok()?;
    let found = target.closest("[data-act]").ok()??;
    // Only our own controls: the page's markup around or inside (slotted) is the shop's.
    if found.get_root_node() != ***root {
        return None;
    }
    let act = found.get_attribute("data-act")?;
    Some((found, act))
}

/// `data-key` of the nearest keyed row around `el` (a cart line, a store).
pub fn row_key(el: &Element) -> Option<String> {
    el.closest("[data-key]").ok()??.get_attribute("data-key")
}

/// A `data-act="toggle"` checkbox in a keyed row changed: keeps `unchecked`
/// (the keys of the rows whose box is clear) up to date. Whether it was one.
pub fn track_unchecked(ev: &web_sys::Event, root: &web_sys::ShadowRoot, unchecked: &std::cell::RefCell<Vec<String>>) -> bool {
    let Some((target, act)) = action_of(ev, root) else { return false };
    let Some(id) = (act == "toggle").then(|| row_key(&target)).flatten() else { return false };
    let on = target.unchecked_ref::<web_sys::HtmlInputElement>().checked();
    let mut u = unchecked.borrow_mut();
    u.retain(|x| *x != id);
    if !on {
        u.push(id);
    }
    true
}

/// Rows keyed by id, kept in order with as few DOM changes as possible.
pub struct Keyed<R> {
    rows: Vec<(String, R)>,
}

/// A row of a [`Keyed`] list.
pub trait Row {
    fn root(&self) -> &Element;
}

impl<R: Row> Default for Keyed<R> {
    fn default() -> Self {
        Keyed { rows: Vec::new() }
    }
}

impl<R: Row> Keyed<R> {
    /// Makes `parent` hold one row per item, in the items' order: rows whose
    /// key is new are made, the others updated in place and moved only if
    /// out of order, rows whose key is gone removed.
    pub fn update<T>(&mut self, parent: &Element, items: &[T], key: impl Fn(&T) -> String, make: impl Fn(&T) -> R, refresh: impl Fn(&mut R, &T)) {
        let mut old = std::mem::take(&mut self.rows);
        for item in items {
            let k = key(item);
            let row = match old.iter().position(|(ok, _)| *ok == k) {
                Some(i) => {
                    let (_, mut r) = old.swap_remove(i);
                    refresh(&mut r, item);
                    r
                }
                None => {
                    let r = make(item);
                    let _ = r.root().set_attribute("data-key", &k);
                    r
                }
            };
            self.rows.push((k, row));
        }
        for (_, r) in old {
            r.root().remove();
        }
        // Put the rows in order, moving only those that are not already there.
        let mut expected: Option<Node> = parent.first_child();
        for (_, r) in &self.rows {
            let node: &Node = r.root();
            if expected.as_ref() != Some(node) {
                let _ = parent.insert_before(node, expected.as_ref());
            } else {
                expected = node.next_sibling();
                continue;
            }
            expected = node.next_sibling();
        }
    }

    pub fn get(&self, key: &str) -> Option<&R> {
        self.rows.iter().find(|(k, _)| k == key).map(|(_, r)| r)
    }

    pub fn iter(&self) -> impl Iterator<Item = &R> {
        self.rows.iter().map(|(_, r)| r)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
