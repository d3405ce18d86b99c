//! Local product pictures: simple SVGs drawn from a glyph and a colour named in
//! the file name (`/media/camera-black.svg`). Only fixed names are accepted,
//! so no request text ever reaches the SVG.

use crate::error::ApiError;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;

pub const COLOURS: &[(&str, &str)] = &[
    ("black", "#22252a"), ("silver", "#a9afb7"), ("white", "#cfcfc8"), ("blue", "#2f6fd6"), ("navy", "#1f2f5c"),
    ("grey", "#6d737b"), ("olive", "#6b7240"), ("red", "#c8372d"), ("green", "#2e8b57"), ("sand", "#c9b38a"),
    ("pink", "#e58fb0"), ("orange", "#e9822b"), ("brown", "#7a4b2a"),
];

fn glyph(name: &str) -> Option<&'static str> {
    Some(match name {
        "camera" => r##"<rect x="40" y="80" width="160" height="100" rx="14" fill="C"/><rect x="80" y="62" width="50" height="24" rx="6" fill="C"/><circle cx="120" cy="130" r="34" fill="#dfe3e8"/><circle cx="120" cy="130" r="22" fill="#39414b"/>"##,
        "card" => r##"<path d="M80 50h60l20 20v110H80z" fill="C"/><rect x="92" y="120" width="56" height="40" rx="4" fill="#ffffff" opacity=".8"/>"##,
        "tripod" => r##"<rect x="95" y="50" width="50" height="26" rx="6" fill="C"/><path d="M120 76 70 200M120 76l50 124M120 76v124" stroke="C" stroke-width="10" stroke-linecap="round"/>"##,
        "bag" => r##"<path d="M90 90c0-30 60-30 60 0" stroke="C" stroke-width="10" fill="none"/><rect x="55" y="88" width="130" height="100" rx="16" fill="C"/>"##,
        "phone" => r##"<rect x="78" y="40" width="84" height="160" rx="16" fill="C"/><rect x="86" y="54" width="68" height="128" rx="6" fill="#cfe0f5"/>"##,
        "case" => r##"<rect x="74" y="36" width="92" height="168" rx="20" fill="none" stroke="C" stroke-width="12"/><circle cx="100" cy="64" r="10" fill="C"/>"##,
        "glass" => r##"<rect x="78" y="40" width="84" height="160" rx="16" fill="C" opacity=".35"/><path d="M95 70l40-20M95 100l55-28" stroke="#ffffff" stroke-width="6"/>"##,
        "charger" => r##"<rect x="80" y="70" width="80" height="90" rx="14" fill="C"/><path d="M100 70V44M140 70V44" stroke="C" stroke-width="10"/><path d="M125 90l-15 25h20l-15 25" stroke="#ffd447" stroke-width="6" fill="none"/>"##,
        "cable" => r##"<path d="M60 170c40-120 80 40 120-80" stroke="C" stroke-width="10" fill="none"/><rect x="170" y="60" width="22" height="34" rx="4" fill="C"/><rect x="48" y="160" width="22" height="34" rx="4" fill="C"/>"##,
        "battery" => r##"<rect x="70" y="60" width="100" height="130" rx="14" fill="C"/><rect x="100" y="48" width="40" height="14" rx="3" fill="C"/><rect x="86" y="120" width="68" height="54" rx="6" fill="#7bd88f"/>"##,
        "headphones" => r##"<path d="M60 150v-30a60 60 0 0 1 120 0v30" stroke="C" stroke-width="12" fill="none"/><rect x="48" y="136" width="34" height="56" rx="10" fill="C"/><rect x="158" y="136" width="34" height="56" rx="10" fill="C"/>"##,
        "laptop" => r##"<rect x="60" y="60" width="120" height="84" rx="8" fill="C"/><rect x="70" y="70" width="100" height="64" fill="#cfe0f5"/><path d="M40 156h160l-12 20H52z" fill="C"/>"##,
        "mouse" => r##"<rect x="88" y="50" width="64" height="120" rx="32" fill="C"/><path d="M120 52v40" stroke="#ffffff" stroke-width="4"/>"##,
        "boot" => r##"<path d="M80 50h50v90l50 20c10 5 12 30 0 30H70z" fill="C"/><path d="M70 190h112" stroke="#2b2b2b" stroke-width="10"/>"##,
        "sock" => r##"<path d="M95 40h50v100l-10 40c-8 20-40 20-60 6-15-12-10-30 5-40l15-10z" fill="C"/><rect x="95" y="40" width="50" height="20" fill="#ffffff" opacity=".5"/>"##,
        "spray" => r##"<rect x="85" y="80" width="70" height="120" rx="10" fill="C"/><rect x="100" y="56" width="40" height="26" rx="4" fill="C"/><rect x="138" y="60" width="24" height="8" fill="C"/>"##,
        "filter" => r##"<circle cx="120" cy="120" r="70" fill="none" stroke="C" stroke-width="14"/><circle cx="120" cy="120" r="56" fill="C" opacity=".25"/>"##,
        "kit" => r##"<rect x="60" y="90" width="120" height="90" rx="12" fill="C"/><circle cx="95" cy="70" r="18" fill="C" opacity=".7"/><rect x="130" y="46" width="16" height="44" rx="4" fill="C"/>"##,
        _ => return None,
    })
}

/// The SVG for `glyph-colour.svg`, or None for an unknown name.
pub fn render(file: &str) -> Option<String> {
    let stem = file.strip_suffix(".svg")?;
    let (g, c) = stem.rsplit_once('-')?;
    let colour = COLOURS.iter().find(|(n, _)| *n == c)?.1;
    let body = glyph(g)?.replace("\"C\"", &format!("\"{colour}\""));
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" width="240" height="240"><rect width="240" height="240" fill="#f4f1ec"/>{body}</svg>"##
    ))
}

pub async fn image(Path(file): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let svg = render(&file).ok_or_else(|| ApiError::not_found("image"))?;
    // Shops on other origins (even with Cross-Origin-Embedder-Policy) may embed these pictures.
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (axum::http::HeaderName::from_static("cross-origin-resource-policy"), "cross-origin"),
        ],
        svg,
    ))
}
