//! The small amount of JavaScript the elements need, as a module file that
//! wasm-bindgen ships beside the glue (so it runs under a strict CSP).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
const sheets = new Map();
export function ccAdopt(root, key, css) {
  let sheet = sheets.get(key);
  if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(css); sheets.set(key, sheet); }
  root.adoptedStyleSheets = [...root.adoptedStyleSheets.filter((s) => s !== sheet), sheet];
}
let scroll = null;
export function ccLockScroll(on) {
  const s = document.documentElement.style;
  if (on && scroll === null) { scroll = s.overflow; s.overflow = 'hidden'; }
  else if (!on && scroll !== null) { s.overflow = scroll; scroll = null; }
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
const zones = new Map();
export function ccZoneOffset(timeZone, utcMs) {
  let f = zones.get(timeZone);
  try {
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
      zones.set(timeZone, f);
    }
    const p = {};
    for (const { type, value } of f.formatToParts(new Date(utcMs))) p[type] = +value;
    const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    return Math.round((local - Math.floor(utcMs / 60000) * 60000) / 60000);
  } catch (_) { return 100000; }
}
export function ccLocalTime(utcMs, locale) {
  try { return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(utcMs)); } catch (_) { return ''; }
}
export function ccGeolocate(timeoutMs) {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(2); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve([p.coords.latitude, p.coords.longitude]),
      (e) => reject(e.code || 2),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 600000 });
  });
}
export function ccLeader(name, onLeader) {
  if (!navigator.locks) { onLeader(); return; }
  navigator.locks.request(name, () => new Promise(() => onLeader())).catch(() => {});
}
export function ccJsonParse(s) { return JSON.parse(s); }
export function ccJsonStringify(v) { return JSON.stringify(v === undefined ? null : v); }
export function ccWarn(message) { console.warn(message); }
export function ccError(code, message) { const e = new Error(message); e.code = code; return e; }
"#)]
extern "C" {
    /// Adds an element's styles to a shadow root (one shared sheet per key).
    #[wasm_bindgen(js_name = ccAdopt)]
    pub fn adopt(root: &web_sys::ShadowRoot, key: &str, css: &str);
    /// Stops (or lets again) the page behind a modal scroll.
    #[wasm_bindgen(js_name = ccLockScroll)]
    pub fn lock_scroll(on: bool);
    /// `Intl.NumberFormat` on an exact decimal string (never a float).
    #[wasm_bindgen(js_name = ccFormatMoney)]
    pub fn format_money_js(decimal: &str, currency: &str, locale: &str) -> String;
    /// Minutes east of UTC in `time_zone` at `utc_ms`; 100000 if the zone is unknown.
    #[wasm_bindgen(js_name = ccZoneOffset)]
    pub fn zone_offset(time_zone: &str, utc_ms: f64) -> i32;
    /// The browser's local `HH:MM` for an instant.
    #[wasm_bindgen(js_name = ccLocalTime)]
    pub fn local_time(utc_ms: f64, locale: &str) -> String;
    /// Resolves `[lat, lon]`; rejects with the GeolocationPositionError code
    /// (1 denied, 2 unavailable, 3 timeout).
    #[wasm_bindgen(js_name = ccGeolocate)]
    pub fn geolocate(timeout_ms: u32) -> js_sys::Promise;
    /// Calls `on_leader` once this tab holds the Web Lock `name` (held until the page goes).
    #[wasm_bindgen(js_name = ccLeader)]
    pub fn leader(name: &str, on_leader: &JsValue);
    #[wasm_bindgen(js_name = ccJsonParse, catch)]
    pub fn json_parse(s: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = ccJsonStringify)]
    pub fn json_stringify(v: &JsValue) -> String;
    /// `console.warn`: what the developer sees and the shopper does not.
    #[wasm_bindgen(js_name = ccWarn)]
    pub fn warn(message: &str);
    #[wasm_bindgen(js_name = ccError)]
    pub fn js_error(code: &str, message: &str) -> JsValue;
}

/// A wire value as a plain JS object (written as JSON, read by `JSON.parse`).
pub fn to_js<T: crosscart_core::json::ToJson + ?Sized>(value: &T) -> JsValue {
    json_parse(&value.to_json()).unwrap_or(JsValue::NULL)
}

/// A plain JS value read as a wire value (through `JSON.stringify`).
pub fn from_js<T: crosscart_core::json::FromJson>(value: &JsValue) -> Result<T, crosscart_core::json::JsonError> {
    crosscart_core::json::from_slice(json_stringify(value).as_bytes())
}

/// Runs a future on the page's event loop. Every task goes through this one
/// boxed type, so the executor's code is in the build once, not once per
/// `async` block.
#[inline(always)]
pub fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    let task: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(task);
    wasm_bindgen_futures::spawn_local(task);
}

/// Waits `ms` milliseconds (a `setTimeout` as a future).
pub async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// A store's time zone, answered by `Intl` (the browser's tz database).
pub struct IntlZone(pub String);

/// Offset `ccZoneOffset` answers for a zone `Intl` does not know.
const UNKNOWN_ZONE: i32 = 100_000;

impl IntlZone {
    /// `None` if the browser does not know the zone (then the hours are unknown).
    pub fn new(name: &str) -> Option<IntlZone> {
        (!name.is_empty() && zone_offset(name, 0.0) != UNKNOWN_ZONE).then(|| IntlZone(name.to_owned()))
    }
}

impl crosscart_core::store::Zone for IntlZone {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        match zone_offset(&self.0, utc_ms as f64) {
            UNKNOWN_ZONE => 0,
            o => o,
        }
    }
}
