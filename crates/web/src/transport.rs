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

/// How long a backend may take to answer before the request is abandoned.
const TIMEOUT_MS: i32 = 15_000;

/// Sends the request and parses the answer. A dropped connection, CORS
/// refusal, DNS failure or a backend silent for 15 s becomes
/// [`ProtocolError::Network`]; nothing is changed on this side.
pub async fn execute<T>(call: Call<T>) -> Result<T, ProtocolError> {
    let (req, parse) = call.into_parts();
    let init = RequestInit::new();
    let abort = web_sys::AbortController::new().ok();
    if let Some(a) = &abort {
        init.set_signal(Some(&a.signal()));
    }
    let timer = abort.as_ref().and_then(|a| {
        let a = a.clone();
        let on_timeout = wasm_bindgen::closure::Closure::once_into_js(move || a.abort());
        web_sys::window()?.set_timeout_with_callback_and_timeout_and_arguments_0(on_timeout.unchecked_ref(), TIMEOUT_MS).ok()
    });
    let result = send(&req, init).await;
    if let (Some(t), Some(w)) = (timer, web_sys::window()) {
        w.clear_timeout_with_handle(t);
    }
    let (status, body, headers) = match result {
        Err(_) if abort.as_ref().is_some_and(|a| a.signal().aborted()) => {
            return Err(ProtocolError::Network(format!("the shop did not answer within {} s", TIMEOUT_MS / 1000)));
        }
        other => other?,
    };
    parse(&HttpResponse { status, body, headers })
}

async fn send(req: &crosscart_core::protocol::HttpRequest, init: RequestInit) -> Result<(u16, Vec<u8>, Vec<(String, String)>), ProtocolError> {
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
    // Headers iterate as [name, value] pairs, names already lower-case.
    let headers = js_sys::try_iter(resp.headers().as_ref())
        .ok()
        .flatten()
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|pair| {
                    let pair: js_sys::Array = pair.dyn_into().ok()?;
                    Some((pair.get(0).as_string()?, pair.get(1).as_string()?))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok((resp.status(), body, headers))
}
