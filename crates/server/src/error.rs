//! Every error leaves the server as `{"error": {"code", "message"}}` with a
//! fitting 4xx/5xx status; see `ErrorBody` in the core's reference protocol.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use crosscart_core::protocol::reference::{ErrorBody, ErrorDetail};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// With `insufficient_stock`: the units that can be had.
    pub available: Option<u32>,
    /// With `insufficient_stock` while lines are written: which line.
    pub line: Option<crosscart_core::sync::LineKey>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), available: None, line: None }
    }
    /// 409: fewer units than asked for; says how many there are.
    pub fn insufficient_stock(available: u32, message: impl Into<String>) -> Self {
        ApiError { available: Some(available), ..Self::new(StatusCode::CONFLICT, "insufficient_stock", message) }
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {err}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            if matches!(f.code, rusqlite::ErrorCode::DiskFull) {
                tracing::error!("database full: {e}");
                return Self::new(StatusCode::INSUFFICIENT_STORAGE, "storage_full", "the shop's database is full; nothing was changed");
            }
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) {
                return Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "the shop's database is busy; try again");
            }
        }
        Self::internal(e)
    }
}

impl From<crosscart_core::cart::CartError> for ApiError {
    fn from(e: crosscart_core::cart::CartError) -> Self {
        use crosscart_core::cart::CartError::*;
        let code = match &e {
            BadQuantity(_) => "invalid_quantity",
            TooManyLines => "too_many_lines",
            CurrencyMismatch { .. } => "currency_mismatch",
            BadNote(_) => "invalid_note",
            Money(_) => "amount_out_of_range",
        };
        Self::unprocessable(code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message, available: self.available } };
        (self.status, axum::Json(body)).into_response()
    }
}
