//! `graphql-documents`: every GraphQL document the Vendure and Shopify
//! adapters can send, one JSON object per line (`{"api", "call", "query"}`),
//! for `tests/peers/graphql-validate.mjs` to check against each backend's
//! official schema.

use crosscart_core::json::{self, Value};

fn main() -> std::process::ExitCode {
    let mut out = String::new();
    for api in ["vendure", "shopify"] {
        let adapter = crosscart_fuzz::configured_adapter(api);
        for (call, erased) in crosscart_fuzz::every_call(adapter.as_ref()) {
            // Calls the backend lacks, and the shop's stores file (a plain GET).
            let Some((request, _)) = erased.filter(|(r, _)| r.body.is_some()) else { continue };
            let Some(query) = request.body.as_deref().and_then(|b| json::parse(b).ok()).and_then(|v: Value| v.get("query").and_then(Value::as_str).map(str::to_owned)) else {
                eprintln!("{api} {call}: the request has no GraphQL query");
                return std::process::ExitCode::FAILURE;
            };
            out.push_str(&String::from_utf8_lossy(&json::object(|o| {
                o.field("api", api).field("call", call).field("query", &query);
            })));
            out.push('\n');
        }
    }
    print!("{out}");
    std::process::ExitCode::SUCCESS
}
