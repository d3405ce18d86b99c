//! `<cc-cart-count>`: the number of items in the cart, for a header badge.
//!
//! Hidden while the cart is empty unless `show-zero` is set; the host gets an
//! `empty` attribute so the theme can style the surrounding link too.

use super::Host;
use crate::store;
use crosscart_core::i18n::{self, Msg};
use leptos::prelude::*;
use std::any::Any;
use web_sys::HtmlElement;

pub const ATTRIBUTES: &[&str] = &["show-zero"];
pub const CSS: &str = ":host{display:inline-block}[part=badge]{display:inline-block;min-width:var(--cc-badge-size,1.4em);padding:0 .35em;border-radius:999px;background:var(--cc-color-accent,#1a5fd0);color:var(--cc-color-on-accent,#fff);font-size:var(--cc-badge-font-size,.8em);line-height:var(--cc-badge-size,1.4em);text-align:center;font-variant-numeric:tabular-nums}:host([empty]:not([show-zero])) [part=badge]{display:none}";

pub fn mount(host: &Host, container: HtmlElement) -> Box<dyn Any> {
    store::ensure_loaded();
    let state = store::state();
    let count = Memo::new(move |_| state.with(|s| s.item_count()));
    let element = host.element.clone();
    Effect::new(move |_| {
        let n = count.get();
        let _ = if n == 0 { element.set_attribute("empty", "") } else { element.remove_attribute("empty") };
    });
    let label = move || {
        let locale = crate::config::get().locale;
        format!("{}: {}", i18n::t(locale, Msg::Cart), i18n::item_count(locale, count.get()))
    };
    Box::new(leptos::mount::mount_to(container, move || {
        view! { <span part="badge" role="status" aria-label=label>{move || count.get().to_string()}</span> }
    }))
}
