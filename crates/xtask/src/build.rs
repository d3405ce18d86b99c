//! `cargo xtask build`: the browser SDK, one build per backend, split into
//! chunks, optimised, content-hashed and precompressed into `www/dist/`.
//!
//! ```text
//! www/dist/crosscart.js                     the loader (stable name, revalidated)
//! www/dist/gazetteer.tsv                    fetched when a shopper types a place
//! www/dist/<backend>/crosscart_web.<h>.js   wasm-bindgen glue  ┐ immutable,
//! www/dist/<backend>/crosscart_web_bg.<h>.wasm   main module   │ named by
//! www/dist/<backend>/split.<h>.js           chunk loader       │ content
//! www/dist/<backend>/split_<name>.<h>.wasm  a split point's code
//! www/dist/<backend>/chunk_<n>.<h>.wasm     code two splits share ┘
//! ```
//! Every file also as `.br` and `.gz`. The glue and the chunk loader import
//! each other, so the two share one hash computed over both.

use crate::{kib, run, Result};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../web/src/elements/spec.rs"]
mod spec;

/// Every backend the SDK is built for; the first is the default.
pub const BACKENDS: &[&str] = &["crosscart", "medusa", "shopify", "woocommerce", "vendure"];

/// Features rustc's wasm32 target emits; wasm-opt must accept them all.
pub const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
];

/// One backend's files, relative to `www/dist`.
pub struct BackendFiles {
    pub backend: &'static str,
    pub glue: String,
    pub main: String,
    pub link: String,
    /// (file, what it holds: `split:<name>` or `shared by <names>`)
    pub chunks: Vec<(String, String)>,
    pub snippets: Vec<String>,
}

fn short_hash(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().take(5).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn read_text(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn write(p: &Path, data: &[u8]) -> Result {
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(p, data).map_err(|e| format!("{}: {e}", p.display()))
}

/// Splits `input` at its `wasm_split` points into `out` (main.wasm, chunks, the JS link module).
fn split(input: &Path, out: &Path) -> Result<std::collections::HashMap<String, Vec<String>>> {
    let bytes = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let main = out.join("main.wasm");
    let mut opts = wasm_split_cli_support::Options::new(&bytes);
    opts.output_dir = out;
    opts.main_out_path = &main;
    opts.main_module = "./crosscart_web.js";
    opts.link_name = "./__wasm_split.js";
    let result = wasm_split_cli_support::transform(opts).map_err(|e| format!("splitting {}: {e}", input.display()))?;
    Ok(result.prefetch_map.into_iter().collect())
}

/// Builds, splits, binds, optimises and hashes one backend into `dist/<backend>/`.
fn build_backend(root: &Path, wasm_opt: &Path, dist: &Path, work: &Path, backend: &'static str) -> Result<BackendFiles> {
    let mut cargo = Command::new(crate::cargo());
    cargo.args(["build", "-p", "crosscart-web", "--target", crate::WASM_TARGET, "--profile", "wasm-release", "--features"]);
    cargo.arg(if backend == "crosscart" { "split".to_owned() } else { format!("split backend-{backend}") });
    run(cargo.current_dir(root))?;
    let built = root.join("target").join(crate::WASM_TARGET).join("wasm-release/crosscart_web.wasm");
    let dir = work.join(backend);
    let _ = std::fs::remove_dir_all(&dir);
    let split_dir = dir.join("split");
    let out = dir.join("out");
    std::fs::create_dir_all(&split_dir).map_err(|e| e.to_string())?;
    let input = dir.join("input.wasm");
    std::fs::copy(&built, &input).map_err(|e| format!("copy {}: {e}", built.display()))?;
    let prefetch = split(&input, &split_dir)?;
    run(Command::new("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports", "--out-name", "crosscart_web", "--out-dir"])
        .arg(&out)
        .arg(split_dir.join("main.wasm")))?;
    let mut chunk_names = Vec::new();
    for entry in std::fs::read_dir(&split_dir).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".wasm") && name != "main.wasm" {
            std::fs::copy(entry.path(), out.join(&name)).map_err(|e| e.to_string())?;
            chunk_names.push(name);
        }
    }
    chunk_names.sort_by_key(|n| (!n.starts_with("split_"), n.len(), n.clone()));
    let mut wasm_files: Vec<String> = chunk_names.clone();
    wasm_files.push("crosscart_web_bg.wasm".into());
    for f in &wasm_files {
        let p = out.join(f);
        run(Command::new(wasm_opt).arg("-Oz").args(WASM_FEATURES).args(["--strip-debug", "--strip-producers", "-o"]).arg(&p).arg(&p))?;
    }

    // Content-hashed names, references rewritten.
    let target = dist.join(backend);
    let mut link = read_text(&split_dir.join("__wasm_split.js"))?;
    let mut glue = read_text(&out.join("crosscart_web.js"))?;
    let mut chunks = Vec::new();
    for name in &chunk_names {
        let data = std::fs::read(out.join(name)).map_err(|e| e.to_string())?;
        let stem = name.trim_end_matches(".wasm");
        let hashed = format!("{stem}.{}.wasm", short_hash(&data));
        let reference = format!("\"./{name}\"");
        if !link.contains(&reference) {
            return Err(format!("the chunk loader does not mention {name}"));
        }
        link = link.replace(&reference, &format!("\"./{hashed}\""));
        write(&target.join(&hashed), &data)?;
        let holds = match stem.strip_prefix("split_") {
            Some(split) => format!("split {split}"),
            None => {
                let mut users: Vec<&str> = prefetch.iter().filter(|(_, files)| files.iter().any(|f| f == stem)).map(|(k, _)| k.as_str()).collect();
                users.sort_unstable();
                format!("shared by {}", users.join(", "))
            }
        };
        chunks.push((format!("{backend}/{hashed}"), holds));
    }
    let main_data = std::fs::read(out.join("crosscart_web_bg.wasm")).map_err(|e| e.to_string())?;
    let main = format!("crosscart_web_bg.{}.wasm", short_hash(&main_data));
    write(&target.join(&main), &main_data)?;
    let mut snippets = Vec::new();
    let mut snippet_files = Vec::new();
    crate::files_under(&out.join("snippets"), &mut snippet_files);
    for p in snippet_files {
        let rel = p.strip_prefix(&out).map_err(|e| e.to_string())?.to_string_lossy().replace('\\', "/");
        let data = std::fs::read(&p).map_err(|e| e.to_string())?;
        let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let hashed = format!("{stem}.{}.js", short_hash(&data));
        let reference = format!("'./{rel}'");
        if !glue.contains(&reference) {
            return Err(format!("the glue does not import {rel}"));
        }
        glue = glue.replace(&reference, &format!("'./{hashed}'"));
        write(&target.join(&hashed), &data)?;
        snippets.push(format!("{backend}/{hashed}"));
    }
    let pair = short_hash(format!("{glue}\0{link}").as_bytes());
    let (glue_name, link_name) = (format!("crosscart_web.{pair}.js"), format!("split.{pair}.js"));
    // Only the import statements: the import object's keys are the module
    // names inside the WebAssembly and must stay as they are.
    let (glue_import, link_import) = (" from \"./__wasm_split.js\"", " from \"./crosscart_web.js\"");
    if !glue.contains(glue_import) || !link.contains(link_import) {
        return Err("the glue and the chunk loader no longer name each other as expected".into());
    }
    let glue = glue.replace(glue_import, &format!(" from \"./{link_name}\""));
    let link = link.replace(link_import, &format!(" from \"./{glue_name}\""));
    write(&target.join(&glue_name), glue.as_bytes())?;
    write(&target.join(&link_name), link.as_bytes())?;
    Ok(BackendFiles {
        backend,
        glue: format!("{backend}/{glue_name}"),
        main: format!("{backend}/{main}"),
        link: format!("{backend}/{link_name}"),
        chunks,
        snippets,
    })
}

/// The loader: `www/src/crosscart.js` with `define.js` inlined and the
/// element list and file names filled in.
fn loader(root: &Path, builds: &[BackendFiles]) -> Result<String> {
    let source = read_text(&root.join("www/src/crosscart.js"))?;
    let define = read_text(&root.join("crates/web/js/define.js"))?;
    let import = "import { defineElements as define } from './define.js';";
    if !source.contains(import) || !define.contains("export function defineElements(") {
        return Err("www/src/crosscart.js and crates/web/js/define.js no longer fit together".into());
    }
    let define = define.replace("export function defineElements(", "function define(");
    let mut specs = String::from("[");
    for (i, s) in spec::ELEMENTS.iter().enumerate() {
        let attrs: Vec<String> = s.attributes.iter().map(|a| format!("\"{a}\"")).collect();
        let near = s.near.map_or("null".to_owned(), |n| format!("\"{n}\""));
        let _ = write!(specs, "{}[\"{}\",[{}],{near}]", if i > 0 { "," } else { "" }, s.tag, attrs.join(","));
    }
    specs.push(']');
    let builds_json = builds.iter().map(|b| format!("\"{}\":[\"./{}\",\"./{}\"]", b.backend, b.glue, b.main)).collect::<Vec<_>>().join(",");
    let out = source
        .replace(import, define.trim_end())
        .replace("/*@SPECS@*/[]", &specs)
        .replace("/*@BUILDS@*/{}", &format!("{{{builds_json}}}"));
    if out.contains("/*@") {
        return Err("www/src/crosscart.js has a placeholder the build does not fill".into());
    }
    Ok(out)
}

/// Writes `.br` and `.gz` beside every file under `dir`.
fn precompress(dir: &Path) -> Result {
    let mut files = Vec::new();
    crate::files_under(dir, &mut files);
    for f in files.iter().filter(|f| !matches!(f.extension().and_then(|e| e.to_str()), Some("br" | "gz"))) {
        let data = std::fs::read(f).map_err(|e| e.to_string())?;
        write(&PathBuf::from(format!("{}.br", f.display())), &crate::brotli(&data))?;
        write(&PathBuf::from(format!("{}.gz", f.display())), &crate::gzip(&data))?;
    }
    Ok(())
}

/// Builds every backend (or those `only` names) into `www/dist/`, then prints the sizes.
pub fn build_all(root: &Path, wasm_opt: &Path, only: Option<&[String]>) -> Result<Vec<BackendFiles>> {
    let dist = root.join("www/dist");
    let work = root.join("target/sdk-build");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    let mut builds = Vec::new();
    for backend in BACKENDS.iter().filter(|b| only.is_none_or(|o| o.iter().any(|x| x == *b))) {
        builds.push(build_backend(root, wasm_opt, &dist, &work, backend)?);
    }
    write(&dist.join("crosscart.js"), loader(root, &builds)?.as_bytes())?;
    for f in ["crosscart.d.ts", "gazetteer.tsv"] {
        std::fs::copy(root.join("www/src").join(f), dist.join(f)).map_err(|e| format!("copy {f}: {e}"))?;
    }
    precompress(&dist)?;
    print_sizes(&dist, &builds)?;
    Ok(builds)
}

fn sizes(dist: &Path, file: &str) -> Result<(usize, usize, usize)> {
    let raw = std::fs::metadata(dist.join(file)).map_err(|e| e.to_string())?.len() as usize;
    let size = |ext: &str| std::fs::metadata(dist.join(format!("{file}.{ext}"))).map(|m| m.len() as usize).unwrap_or(0);
    Ok((raw, size("gz"), size("br")))
}

/// Raw / gzip / brotli per shipped file, per backend and per chunk.
fn print_sizes(dist: &Path, builds: &[BackendFiles]) -> Result {
    let mut out = std::io::stdout().lock();
    let row = |out: &mut std::io::StdoutLock, name: &str, (r, g, b): (usize, usize, usize)| {
        let _ = writeln!(out, "{name:<58} {:>11} {:>11} {:>11}", kib(r), kib(g), kib(b));
    };
    let _ = writeln!(out, "\n{:<58} {:>11} {:>11} {:>11}", "shipped file (www/dist)", "raw", "gzip", "brotli");
    row(&mut out, "crosscart.js (loader, every page)", sizes(dist, "crosscart.js")?);
    row(&mut out, "gazetteer.tsv (when a shopper types a place)", sizes(dist, "gazetteer.tsv")?);
    for b in builds {
        let _ = writeln!(out, "{} backend:", b.backend);
        let first: Vec<(&str, String)> = std::iter::once(("glue", b.glue.clone())).chain(b.snippets.iter().map(|s| ("snippet", s.clone()))).chain([("main module: cart elements, sync", b.main.clone()), ("chunk loader", b.link.clone())]).collect();
        let mut total = (0, 0, 0);
        for (what, file) in &first {
            let s = sizes(dist, file)?;
            total = (total.0 + s.0, total.1 + s.1, total.2 + s.2);
            row(&mut out, &format!("  {} ({what})", file.rsplit('/').next().unwrap_or(file)), s);
        }
        let loader = sizes(dist, "crosscart.js")?;
        row(&mut out, "  = first load of a cart page, loader included", (total.0 + loader.0, total.1 + loader.1, total.2 + loader.2));
        for (file, holds) in &b.chunks {
            row(&mut out, &format!("  {} ({holds})", file.rsplit('/').next().unwrap_or(file)), sizes(dist, file)?);
        }
    }
    let _ = writeln!(out);
    Ok(())
}
