//! What the GraphQL adapters (Shopify Storefront, Vendure Shop) share: the
//! request, and reading `{data, errors}` answers into `ProtocolError`s.

use super::*;
use crate::json::{FromJson, ToJson, Value};

/// A `POST` of `{query, variables}` to `url` with `headers`.
pub fn request(url: &str, mut headers: Vec<(String, String)>, query: &str, variables: Value) -> HttpRequest {
    headers.push(("content-type".into(), "application/json".into()));
    headers.push(("accept".into(), "application/json".into()));
    let body = crate::json!({ "query": query, "variables": variables });
    HttpRequest { method: Method::Post, url: url.to_owned(), headers, body: Some(body.to_json().into_bytes()) }
}

struct Answer {
    data: Option<Value>,
    errors: Option<Vec<GqlError>>,
}

struct GqlError {
    message: String,
    extensions: Option<Value>,
}

crate::json_read!(Answer { opt data, opt errors });
crate::json_read!(GqlError { req message, opt extensions });

/// The `data.<field>` of an answer as `T`. Transport errors, GraphQL
/// `errors` and a missing field become clear errors; `code` names the
/// machine code in the first error's `extensions`.
pub fn field<T: FromJson>(r: &HttpResponse, field: &str, what: &'static str) -> Result<T, ProtocolError> {
    let a: Answer = match crate::json::from_slice(&r.body) {
        Ok(a) => a,
        Err(_) if !(200..300).contains(&r.status) => return Err(ProtocolError::Http { status: r.status }),
        Err(e) => return Err(ProtocolError::Malformed { what, detail: e.to_string() }),
    };
    if let Some(e) = a.errors.and_then(|e| e.into_iter().next()) {
        let code = e.extensions.as_ref().and_then(|x| x.get("code")).and_then(Value::as_str).unwrap_or("graphql_error").to_owned();
        let status = if (200..300).contains(&r.status) { 400 } else { r.status };
        return Err(ProtocolError::Api { status, code, message: e.message });
    }
    if !(200..300).contains(&r.status) {
        return Err(ProtocolError::Http { status: r.status });
    }
    let value = a.data.and_then(|mut d| d.get_mut(field).map(Value::take)).ok_or_else(|| ProtocolError::Malformed { what, detail: format!("no data.{field} in the answer") })?;
    T::from_json(&value).map_err(|e| ProtocolError::Malformed { what, detail: e.to_string() })
}

/// A not-found answer in the shape the elements expect.
pub fn not_found(what: &str, id: &str) -> ProtocolError {
    ProtocolError::Api { status: 404, code: "not_found".into(), message: format!("{what} {id} not found") }
}
