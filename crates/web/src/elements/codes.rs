//! `<cc-cart>`'s discount codes: the field, the codes in the cart (each with
//! its remove button, and "not applied now" for one that takes nothing off),
//! and why a code was refused, beside the field. And the customer's note to
//! the shop: a text field saved when it loses focus.
//!
//! In a chunk of its own (`codes`): the cart shows "Discount code" and "Add
//! a note" buttons and fetches this when one is pressed, or at once for a
//! cart that holds codes or a note, so a cart page without them does not
//! download it.

use super::{describe, Host, Live, Mounted};
use crate::dom::{self, el};
use crate::{events, store};
use crosscart_core::cart::DiscountKind;
use crosscart_core::i18n::{t, CartMsg, CodeMsg};
use crosscart_core::Cart;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement};

pub const CSS: &str = "
[part=code-list]{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
[part=code-list]:empty{display:none}
[part=code]{display:inline-flex;align-items:center;gap:.35rem;padding:0 0 0 .6em;border:1px dashed var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em);font-weight:600}
[part=code-note]{font-weight:400;font-size:.875em;color:var(--cc-color-muted,#555)}
[part=code-remove]{font:inherit;cursor:pointer;border:0;background:none;color:inherit;min-width:2.25rem;min-height:2.25rem}
[part=code-form]{display:flex;gap:.5rem}
[part=code-input]{font:inherit;flex:1;min-width:0;min-height:2.25rem;padding:0 .6em;border:1px solid var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em);text-transform:uppercase}
[part=code-apply]{font:inherit;cursor:pointer;border:1px solid var(--cc-color-border,#ccc);background:var(--cc-color-surface,#fff);color:inherit;border-radius:var(--cc-radius,.4em);min-height:2.25rem;padding:0 .9em}
[part=code-error]{margin:0;color:var(--cc-color-danger,#b3261e)}
[part=code-error]:empty,[part=note-status]:empty{display:none}
[part=note-label]{display:grid;gap:.25rem;width:100%}
[part=note-input]{font:inherit;min-height:4.5em;padding:.4em .6em;border:1px solid var(--cc-color-border,#ccc);border-radius:var(--cc-radius,.4em);resize:vertical}
[part=note-status]{margin:0;font-size:.875em;color:var(--cc-color-muted,#555)}
";

struct Codes {
    host: Rc<Host>,
    list: Element,
    input: HtmlInputElement,
    apply: Element,
    error: Element,
    /// Each code and whether it takes something off now.
    drawn: RefCell<Vec<(String, bool)>>,
}

struct Mount {
    _codes: Rc<Codes>,
    _subscription: store::Subscription,
}

impl Mounted for Mount {}

fn locale() -> crosscart_core::i18n::Locale {
    crate::config::get().locale
}

impl Codes {
    /// The codes in the cart, each with its remove button; one that takes
    /// nothing off now says so.
    fn draw(&self, cart: Option<&Cart>) {
        let drawn: Vec<(String, bool)> = cart.map_or_else(Vec::new, |cart| {
            cart.codes.iter().map(|code| (code.clone(), cart.discounts.iter().any(|d| d.kind == DiscountKind::Code && d.label == *code))).collect()
        });
        if *self.drawn.borrow() == drawn {
            return;
        }
        let locale = locale();
        dom::clear(&self.list);
        for (code, applied) in &drawn {
            let item = el("li").part("code").attr("data-key", code).child(el("span").part("code-name").text(code));
            let item = if *applied { item } else { item.child(el("span").part("code-note").text(t(locale, CartMsg::NotApplied))) };
            let remove = dom::button("code-remove", "code-remove", "×").attr("aria-label", &format!("{}: {code}", t(locale, CartMsg::RemoveCode)));
            let _ = self.list.append_child(&item.child(remove).done());
        }
        *self.drawn.borrow_mut() = drawn;
    }
}

/// Applies `code`, or takes it out; a refusal is said beside the field.
fn change(codes: &Rc<Codes>, code: String, remove: bool) {
    dom::set_text(&codes.error, "");
    dom::set_attr(&codes.apply, "aria-disabled", Some("true"));
    let codes = codes.clone();
    crate::js::spawn(async move {
        let result = store::change_code(&code, remove).await;
        dom::set_attr(&codes.apply, "aria-disabled", None);
        match result {
            Ok(cart) => {
                if !remove {
                    codes.input.set_value("");
                }
                let change = events::CodeChange { action: if remove { "remove" } else { "apply" }, code: &code, cart: &cart };
                events::emit(codes.host.target(), events::CODE_CHANGE, &change, false);
            }
            Err(e) => {
                let text = match crosscart_core::promo::Refusal::from_code(e.code()) {
                    Some(r) => {
                        crate::js::warn(&format!("crosscart: {e}"));
                        t(locale(), CodeMsg::of(&r)).to_owned()
                    }
                    None => describe(&e),
                };
                events::error(codes.host.target(), if remove { "remove-code" } else { "apply-code" }, e.code(), &text);
                dom::set_text(&codes.error, &text);
            }
        }
    });
}

/// The headless API's `applyCode(code)`, `removeCode(code)` and `setNote(note)`.
pub fn invoke(name: String, args: js_sys::Array) -> crate::chunks::Answer {
    Box::pin(async move {
        let text = args.get(0).as_string().unwrap_or_default();
        let cart = if name == "setNote" { store::set_note(&text).await } else { store::change_code(&text, name == "removeCode").await };
        cart.map(|c| crate::js::to_js(&c)).map_err(crate::api::reject)
    })
}

struct Note {
    _subscription: store::Subscription,
}

impl Mounted for Note {}

/// Fills `slot` (the cart's `note` part) with the note's field, saved when it
/// loses focus; a note changed in another tab shows unless the field is in use.
pub fn mount_note(host: Rc<Host>, slot: Element, focus: bool) -> Live {
    host.style("cc-cart-codes", CSS);
    let locale = locale();
    let input: web_sys::HtmlTextAreaElement = el("textarea")
        .part("note-input")
        .attr("name", "note")
        .attr("rows", "3")
        .attr("maxlength", &crosscart_core::cart::MAX_NOTE_CHARS.to_string())
        .done()
        .unchecked_into();
    let status = el("p").part("note-status").attr("role", "status").done();
    dom::clear(&slot);
    let _ = slot.append_child(&el("label").part("note-label").text(t(locale, CartMsg::Note)).child(&input).done());
    let _ = slot.append_child(&status);
    if focus {
        let _ = input.focus();
    }
    let (i, st, h) = (input.clone(), status.clone(), host.clone());
    host.listen_on(&input, "change", false, move |_: Event| {
        let (note, status, host) = (i.value(), st.clone(), h.clone());
        dom::set_text(&status, "");
        crate::js::spawn(async move {
            match store::set_note(&note).await {
                Ok(cart) => {
                    dom::set_text(&status, t(locale, CartMsg::NoteSaved));
                    events::emit(host.target(), events::NOTE_CHANGE, &events::NoteChange { note: &cart.note, cart: &cart }, false);
                }
                Err(e) => {
                    let text = if e.code() == "invalid_note" { t(locale, CartMsg::NoteRefused).to_owned() } else { describe(&e) };
                    events::error(host.target(), "note", e.code(), &text);
                    dom::set_text(&status, &text);
                }
            }
        });
    });
    // The cart's note when it changes (another tab, another device), unless
    // the field is in use; a refused note stays in the field to be fixed.
    let shown = RefCell::new(None::<String>);
    let show = move || {
        let focused = dom::has_focus(&input);
        let note = store::with_state(|s| s.cart.as_ref().map(|c| c.note.clone()));
        if let (false, Some(note)) = (focused, note)
            && shown.borrow().as_ref() != Some(&note)
        {
            input.set_value(&note);
            *shown.borrow_mut() = Some(note);
        }
    };
    show();
    Box::new(Note { _subscription: store::subscribe(show) })
}

/// Fills `slot` (the cart's `codes` part) with the field and the codes;
/// `focus` puts the caret in the field (the shopper asked for it).
pub fn mount(host: Rc<Host>, slot: Element, focus: bool) -> Live {
    host.style("cc-cart-codes", CSS);
    let locale = locale();
    let list = el("ul").part("code-list").done();
    let input: HtmlInputElement = el("input")
        .part("code-input")
        .attr("name", "code")
        .attr("autocomplete", "off")
        .attr("autocapitalize", "characters")
        .attr("spellcheck", "false")
        .attr("maxlength", "40")
        .attr("placeholder", t(locale, CartMsg::DiscountCode))
        .attr("aria-label", t(locale, CartMsg::DiscountCode))
        .done()
        .unchecked_into();
    let apply = el("button").attr("type", "submit").part("code-apply").text(t(locale, CartMsg::Apply)).done();
    let form = el("form").part("code-form").child(&input).child(&apply).done();
    let error = el("p").part("code-error").attr("role", "alert").done();
    dom::clear(&slot);
    let _ = slot.append_child(&list);
    let _ = slot.append_child(&form);
    let _ = slot.append_child(&error);
    if focus {
        let _ = input.focus();
    }
    let codes = Rc::new(Codes { host: host.clone(), list, input, apply, error, drawn: RefCell::new(Vec::new()) });

    let c = codes.clone();
    host.listen_on(&form, "submit", false, move |ev: Event| {
        ev.prevent_default();
        let code = c.input.value().trim().to_owned();
        if !code.is_empty() {
            change(&c, code, false);
        }
    });
    let c = codes.clone();
    host.listen_on(&c.list.clone(), "click", false, move |ev: Event| {
        if let Some((target, act)) = dom::action_of(&ev, &c.host.root)
            && act == "code-remove"
            && let Some(code) = dom::row_key(&target)
        {
            change(&c, code, true);
        }
    });
    store::with_state(|s| codes.draw(s.cart.as_ref()));
    let c = codes.clone();
    let subscription = store::subscribe(move || store::with_state(|s| c.draw(s.cart.as_ref())));
    Box::new(Mount { _codes: codes, _subscription: subscription })
}
