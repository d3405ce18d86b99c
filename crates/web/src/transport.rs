//! Carries out core's [`Call`]s with `fetch`.

use crosscart_core::protocol::{Call, HttpResponse, ProtocolError};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

fn network(e: wasm_bindgen::JsValue) -> ProtocolError {
    let msg = js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| "request failed".into());
    ProtocolError::Network(msg)
}

/// Sends the request and parses the answer. A dropped connection, CORS
/// refusal or DNS failure becomes [`ProtocolError::Network`].
pub async fn execute<T>(call: Call<T>) -> Result<T, ProtocolError> {
    let (req, parse) = call.into_parts();
    let init = RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_cache(web_sys::RequestCache::NoStore);
    if let Some(body) = &req.body {
        let bytes = Uint8Array::from(body.as_slice());
        init.set_body(&bytes);
    }
    let request = Request::new_with_str_and_init(&req.url, &init).map_err(network)?;
    for (k, v) in &req.headers {
        request.headers().set(k, v).map_err(network)?;
    }
    let window = web_sys::window().ok_or_else(|| ProtocolError::Network("no window".into()))?;
    let resp: Response = JsFuture::from(window.fetch_with_request(&request)).await.map_err(network)?.unchecked_into();
    let buf = JsFuture::from(resp.array_buffer().map_err(network)?).await.map_err(network)?;
    let body = Uint8Array::new(&buf).to_vec();
    parse(&HttpResponse { status: resp.status(), body })
}
