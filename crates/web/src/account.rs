//! The headless API calls that live in chunks of their own: accounts and
//! handoff (`accounts`), checkout and order lookup (`orders`), products
//! (`catalog`). See `crate::chunks` for why.

use crate::api::reject;
use crate::chunks::Answer;
use crate::{config, js, store, transport::execute, with_adapter};
use crosscart_core::protocol::{CustomerMe, ProductQuery, ProtocolError};
use wasm_bindgen::JsValue;

fn arg(args: &js_sys::Array, i: u32) -> String {
    args.get(i).as_string().unwrap_or_default()
}

fn opt_arg(args: &js_sys::Array, i: u32) -> Option<String> {
    args.get(i).as_string()
}

fn session_js(s: &crosscart_core::protocol::CustomerSession) -> JsValue {
    // The token stays inside the SDK (localStorage), not in the page's hands.
    js::to_js(&CustomerMe { customer: s.customer.clone(), cart_id: s.cart_id.clone() })
}

/// `signIn`, `signUp`, `signOut`, `currentCustomer`, `createHandoff`, `claimHandoff`.
pub fn invoke(name: String, args: js_sys::Array) -> Answer {
    Box::pin(async move {
        match name.as_str() {
            "signIn" => store::sign_in(&arg(&args, 0), &arg(&args, 1), None).await.map(|s| session_js(&s)).map_err(reject),
            "signUp" => {
                let name = opt_arg(&args, 2).unwrap_or_default();
                store::sign_in(&arg(&args, 0), &arg(&args, 1), Some(&name)).await.map(|s| session_js(&s)).map_err(reject)
            }
            "signOut" => store::sign_out().await.map(|()| JsValue::UNDEFINED).map_err(reject),
            "currentCustomer" => {
                if config::session_token().is_none() {
                    return Ok(JsValue::NULL);
                }
                match execute(with_adapter!(me()).map_err(reject)?).await {
                    Ok(me) => Ok(js::to_js(&me)),
                    Err(ProtocolError::Api { status: 401, .. }) => {
                        config::set_session_token(None);
                        Ok(JsValue::NULL)
                    }
                    Err(e) => Err(reject(e)),
                }
            }
            "createHandoff" => store::create_handoff().await.map(|h| js::to_js(&h)).map_err(reject),
            "claimHandoff" => store::claim_handoff(&arg(&args, 0)).await.map(|c| js::to_js(&c)).map_err(reject),
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}

/// `checkout(email, name)`, `getOrder(id, key)`.
pub fn invoke_orders(name: String, args: js_sys::Array) -> Answer {
    Box::pin(async move {
        match name.as_str() {
            "checkout" => store::checkout(&arg(&args, 0), &opt_arg(&args, 1).unwrap_or_default()).await.map(|o| js::to_js(&o)).map_err(reject),
            "getOrder" => {
                let call = with_adapter!(get_order(&arg(&args, 0), &arg(&args, 1))).map_err(reject)?;
                execute(call).await.map(|o| js::to_js(&o)).map_err(reject)
            }
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}

/// `getProduct(id)`, `listProducts(category)`.
pub fn invoke_catalog(name: String, args: js_sys::Array) -> Answer {
    Box::pin(async move {
        match name.as_str() {
            "getProduct" => {
                let call = with_adapter!(get_product(&arg(&args, 0))).map_err(reject)?;
                execute(call).await.map(|p| js::to_js(&p)).map_err(reject)
            }
            "listProducts" => {
                let q = ProductQuery { category: opt_arg(&args, 0), ..Default::default() };
                let call = with_adapter!(list_products(&q)).map_err(reject)?;
                execute(call).await.map(|p| js::to_js(&p)).map_err(reject)
            }
            other => Err(js::js_error("invalid_request", &format!("crosscart has no function \"{other}\""))),
        }
    })
}
