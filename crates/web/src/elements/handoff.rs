//! `<cc-cart handoff>`'s panel (in the accounts chunk): a short code and a
//! QR code that open this cart on another device or at a store counter,
//! with a countdown on the server's clock. `<cc-cart>` handles its buttons
//! (`handoff-close`, `handoff-new`).

use super::{describe, Live, Mounted, Ticker};
use crate::config::resolve_api_url;
use crate::dom::{self, el};
use crate::store;
use crosscart_core::i18n::{t, HandoffMsg, Msg};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::Element;

struct Panel {
    _ticker: RefCell<Option<Ticker>>,
}

impl Mounted for Rc<Panel> {}

/// Asks for a code and shows it in `slot`.
pub fn panel(slot: Element) -> Live {
    let locale = crate::config::get().locale;
    dom::clear(&slot);
    let status = el("p").part("handoff-hint").attr("role", "status").text(t(locale, Msg::Loading)).done();
    let _ = slot.append_child(&status);
    let panel = Rc::new(Panel { _ticker: RefCell::new(None) });
    let p = panel.clone();
    crate::js::spawn(async move {
        let code = match store::create_handoff().await {
            Ok(code) => code,
            Err(e) => {
                dom::set_text(&status, &describe(&e));
                let _ = slot.append_child(&dom::button("handoff-close", "handoff-close", t(locale, Msg::Close)).done());
                return;
            }
        };
        // The server's clock minus ours when it answered.
        let skew = code.now - js_sys::Date::now() as i64;
        let expiry = el("p").part("handoff-expiry").attr("role", "timer").done();
        let renew = dom::button("handoff-new", "handoff-new", t(locale, HandoffMsg::NewCode)).attr("hidden", "").done();
        let box_ = el("div")
            .part("handoff-panel")
            .attr("role", "group")
            .attr("aria-label", t(locale, Msg::ContinueElsewhere))
            .child(el("p").part("handoff-code").attr("aria-live", "polite").text(&code.code))
            .child(el("img").part("handoff-qr").attr("src", &resolve_api_url(&code.qr)).attr("alt", t(locale, HandoffMsg::HandoffQr)).attr("width", "200").attr("height", "200"))
            .child(el("p").part("handoff-hint").text(t(locale, HandoffMsg::HandoffHint)))
            .child(&expiry)
            .child(&renew)
            .child(dom::button("handoff-close", "handoff-close", t(locale, Msg::Close)))
            .done();
        dom::clear(&slot);
        let _ = slot.append_child(&box_);
        let expires_at = code.expires_at;
        let update = move || {
            let left = expires_at - (js_sys::Date::now() as i64 + skew);
            if left <= 0 {
                dom::set_text(&expiry, t(locale, HandoffMsg::HandoffExpired));
                dom::show(&renew, true);
            } else {
                let secs = left / 1000;
                dom::set_text(&expiry, &format!("{} {}:{:02}", t(locale, HandoffMsg::ExpiresIn), secs / 60, secs % 60));
            }
        };
        update();
        *p._ticker.borrow_mut() = Some(Ticker::every_second(update));
    });
    Box::new(panel)
}
