//! The small amount of JavaScript the elements need, as a module file that
//! wasm-bindgen ships beside the glue (so it runs under a strict CSP).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const sheets = new Map();
export function ccDefine(name, observed, css, connect, disconnect, changed) {
  if (customElements.get(name)) return false;
  let sheet = sheets.get(name);
  if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(css); sheets.set(name, sheet); }
  customElements.define(name, class extends HTMLElement {
    static get observedAttributes() { return observed; }
    connectedCallback() {
      if (this.__cc !== undefined) return;
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
      root.adoptedStyleSheets = [sheet];
      this.__cc = connect(this, root);
    }
    disconnectedCallback() {
      if (this.__cc === undefined) return;
      const id = this.__cc; this.__cc = undefined;
      disconnect(id);
    }
    attributeChangedCallback(attr, oldValue, value) {
      if (this.__cc !== undefined && oldValue !== value) changed(this.__cc, attr, value);
    }
  });
  return true;
}
const formats = new Map();
export function ccFormatMoney(decimal, currency, locale) {
  const k = locale + '|' + currency;
  let f = formats.get(k);
  try {
    if (!f) { f = new Intl.NumberFormat(locale, { style: 'currency', currency }); formats.set(k, f); }
    return f.format(decimal);
  } catch (_) { return decimal + '\u00a0' + currency; }
}
export function ccJsonParse(s) { return JSON.parse(s); }
export function ccJsonStringify(v) { return JSON.stringify(v === undefined ? null : v); }
export function ccError(code, message) { const e = new Error(message); e.code = code; return e; }
"#)]
extern "C" {
    /// Defines `name` unless something already did; returns whether it did.
    #[wasm_bindgen(js_name = ccDefine)]
    pub fn define(
        name: &str,
        observed: js_sys::Array,
        css: &str,
        connect: &Closure<dyn Fn(web_sys::HtmlElement, web_sys::ShadowRoot) -> u32>,
        disconnect: &Closure<dyn Fn(u32)>,
        changed: &Closure<dyn Fn(u32, String, Option<String>)>,
    ) -> bool;
    /// `Intl.NumberFormat` on an exact decimal string (never a float).
    #[wasm_bindgen(js_name = ccFormatMoney)]
    pub fn format_money_js(decimal: &str, currency: &str, locale: &str) -> String;
    #[wasm_bindgen(js_name = ccJsonParse, catch)]
    pub fn json_parse(s: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = ccJsonStringify)]
    pub fn json_stringify(v: &JsValue) -> String;
    #[wasm_bindgen(js_name = ccError)]
    pub fn js_error(code: &str, message: &str) -> JsValue;
}

/// A serde value as a plain JS object (through JSON, which is what the glue
/// would do anyway and keeps serde-wasm-bindgen out of the bundle).
pub fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value).ok().and_then(|s| json_parse(&s).ok()).unwrap_or(JsValue::NULL)
}
