//! `<cc-cart-count>`: the number of items in the cart, for a header badge.
//!
//! Hidden while the cart is empty unless `show-zero` is set; the host gets an
//! `empty` attribute so the theme can style the surrounding link too.

use super::{Host, Live, Mounted};
use crate::dom::{self, el};
use crate::store;
use crosscart_core::i18n::{self, Msg};
use std::rc::Rc;

pub const CSS: &str = ":host{display:inline-block}[part=badge]{display:inline-block;min-width:var(--cc-badge-size,1.4em);padding:0 .35em;border-radius:999px;background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);font-size:var(--cc-badge-font-size,.8em);line-height:var(--cc-badge-size,1.4em);text-align:center;font-variant-numeric:tabular-nums}:host([empty]:not([show-zero])) [part=badge]{display:none}";

struct Count {
    _subscription: store::Subscription,
}

impl Mounted for Count {}

pub fn mount(host: Rc<Host>) -> Live {
    host.style("cc-cart-count", CSS);
    store::ensure_loaded();
    let badge = el("span").part("badge").attr("role", "status").done();
    let _ = host.root.append_child(&badge);
    let render = move || {
        let n = store::with_state(|s| s.item_count());
        let locale = crate::config::get().locale;
        dom::set_flag(&host.element, "empty", n == 0);
        dom::set_text(&badge, &n.to_string());
        dom::set_attr(&badge, "aria-label", Some(&format!("{}: {}", i18n::t(locale, Msg::Cart), i18n::item_count(locale, n))));
    };
    render();
    Box::new(Count { _subscription: store::subscribe(render) })
}
