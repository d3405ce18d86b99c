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

/// Code a shared chunk must hold to stay a file of its own; smaller ones
/// are folded into the main module (see [`fold_small_chunks`]).
const MIN_SHARED_CHUNK: usize = 512;

/// The function names in a module's name section, with its code size.
fn names_and_code(bytes: &[u8]) -> Result<(Vec<String>, usize)> {
    use wasmparser::{KnownCustom, Name, Parser, Payload};
    let mut names = Vec::new();
    let mut code = 0;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::CodeSectionEntry(body) => {
                let r = body.range();
                code += (r.end - r.start) as usize;
            }
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(reader) = c.as_known() {
                    for sub in reader {
                        if let Ok(Name::Function(map)) = sub {
                            for n in map.into_iter().flatten() {
                                names.push(n.name.to_owned());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok((names, code))
}

/// wasm_split puts the code every combination of split points shares into
/// a chunk of its own; with many split points that is dozens of files of a
/// few hundred bytes (drop glue, small generic helpers), each a request.
/// This exports the functions of the small ones from `input`, which makes
/// them roots of the main module, so the next split keeps them there.
/// Returns how many functions it anchored.
fn fold_small_chunks(input: &Path, split_dir: &Path) -> Result<usize> {
    use wasmparser::{KnownCustom, Name, Parser, Payload};
    let mut wanted = std::collections::HashSet::new();
    for entry in std::fs::read_dir(split_dir).map_err(|e| e.to_string())?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("chunk_") && name.ends_with(".wasm") {
            let (names, code) = names_and_code(&std::fs::read(entry.path()).map_err(|e| e.to_string())?)?;
            if code < MIN_SHARED_CHUNK {
                wanted.extend(names);
            }
        }
    }
    let bytes = std::fs::read(input).map_err(|e| e.to_string())?;
    // Input function index by (unique) name.
    let mut by_name: std::collections::HashMap<String, Option<u32>> = std::collections::HashMap::new();
    let mut exports: Vec<(String, u8, u32)> = Vec::new();
    let mut export_range = None;
    for payload in Parser::new(0).parse_all(&bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ExportSection(reader) => {
                export_range = Some(reader.range());
                for e in reader {
                    let e = e.map_err(|e| e.to_string())?;
                    exports.push((e.name.to_owned(), e.kind as u8, e.index));
                }
            }
            Payload::CustomSection(c) => {
                if let KnownCustom::Name(reader) = c.as_known() {
                    for sub in reader {
                        if let Ok(Name::Function(map)) = sub {
                            for n in map.into_iter().flatten() {
                                by_name.entry(n.name.to_owned()).and_modify(|i| *i = None).or_insert(Some(n.index));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let range = export_range.ok_or("the module has no export section")?;
    let range = range.start as usize..range.end as usize;
    let mut anchored: Vec<u32> = wanted.iter().filter_map(|n| by_name.get(n).copied().flatten()).collect();
    anchored.sort_unstable();
    anchored.dedup();
    if anchored.is_empty() {
        return Ok(0);
    }
    let kinds = |k: wasmparser::ExternalKind| k as u8;
    let func = kinds(wasmparser::ExternalKind::Func);
    for i in &anchored {
        exports.push((format!("__cc_keep_{i}"), func, *i));
    }
    let leb = |out: &mut Vec<u8>, mut n: u64| loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    };
    let mut payload = Vec::new();
    leb(&mut payload, exports.len() as u64);
    for (name, kind, index) in &exports {
        leb(&mut payload, name.len() as u64);
        payload.extend_from_slice(name.as_bytes());
        // wasmparser numbers ExternalKind as the binary format does (func 0, table 1, memory 2, global 3, tag 4).
        payload.push(*kind);
        leb(&mut payload, u64::from(*index));
    }
    // Replace the section: its id byte and size come just before the payload range.
    let mut header_start = range.start - 1;
    while bytes[header_start - 1] & 0x80 != 0 {
        header_start -= 1;
    }
    header_start -= 1; // the section id
    if bytes[header_start] != 7 {
        return Err("could not find the export section's header".into());
    }
    let mut out = Vec::with_capacity(bytes.len() + payload.len());
    out.extend_from_slice(&bytes[..header_start]);
    out.push(7);
    leb(&mut out, payload.len() as u64);
    out.extend_from_slice(&payload);
    out.extend_from_slice(&bytes[range.end..]);
    std::fs::write(input, out).map_err(|e| e.to_string())?;
    Ok(anchored.len())
}

/// A chunk that is only data: memory contents some splits share (a few
/// strings), as `(memory import limits, [(address, bytes)])`.
fn data_only(bytes: &[u8]) -> Result<Option<(u64, Vec<(u32, Vec<u8>)>)>> {
    use wasmparser::{DataKind, Operator, Parser, Payload, TypeRef};
    let mut min_pages = None;
    let mut segments = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    match import.map_err(|e| e.to_string())?.ty {
                        TypeRef::Memory(m) => min_pages = Some(m.initial),
                        _ => return Ok(None),
                    }
                }
            }
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d.map_err(|e| e.to_string())?;
                    let DataKind::Active { memory_index: 0, offset_expr } = d.kind else { return Ok(None) };
                    let mut ops = offset_expr.get_operators_reader();
                    let Ok(Operator::I32Const { value }) = ops.read() else { return Ok(None) };
                    segments.push((value as u32, d.data.to_vec()));
                }
            }
            Payload::FunctionSection(_) | Payload::ExportSection(_) | Payload::ElementSection(_) | Payload::GlobalSection(_) | Payload::TableSection(_) | Payload::StartSection { .. } => return Ok(None),
            _ => {}
        }
    }
    Ok(min_pages.map(|m| (m, segments)))
}

fn leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// One module writing all the given segments into the shared memory.
fn data_module(min_pages: u64, segments: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    let section = |out: &mut Vec<u8>, id: u8, payload: Vec<u8>| {
        out.push(id);
        leb(out, payload.len() as u64);
        out.extend_from_slice(&payload);
    };
    let mut imports = Vec::new();
    leb(&mut imports, 1);
    for name in ["__wasm_split", "memory"] {
        leb(&mut imports, name.len() as u64);
        imports.extend_from_slice(name.as_bytes());
    }
    imports.extend_from_slice(&[0x02, 0x00]); // a memory, no maximum
    leb(&mut imports, min_pages);
    section(&mut out, 2, imports);
    let mut data = Vec::new();
    leb(&mut data, segments.len() as u64);
    for (address, bytes) in segments {
        data.extend_from_slice(&[0x00, 0x41]); // active in memory 0, offset i32.const
        // Signed LEB of the address (i32.const).
        let mut v = i64::from(*address as i32);
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
            data.push(if done { byte } else { byte | 0x80 });
            if done {
                break;
            }
        }
        data.push(0x0b); // end
        leb(&mut data, bytes.len() as u64);
        data.extend_from_slice(bytes);
    }
    section(&mut out, 11, data);
    out
}

/// wasm_split gives each set of split points that share a few strings a
/// data-only chunk of its own (tens of files of a few dozen bytes each, a
/// request apiece). Their data goes to fixed addresses reserved for it, so
/// loading it early is harmless: this merges them into one `chunk_data`
/// that every split needing any of them loads, and rewrites the loader.
fn merge_data_chunks(dir: &Path, link: &mut String, prefetch: &mut std::collections::HashMap<String, Vec<String>>) -> Result<usize> {
    let mut merged: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    let mut pages = 0;
    let mut names: Vec<String> = std::fs::read_dir(dir).map_err(|e| e.to_string())?.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with("chunk_") && n.ends_with(".wasm")).collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        if let Some((min, segs)) = data_only(&std::fs::read(&path).map_err(|e| e.to_string())?)? {
            pages = pages.max(min);
            segments.extend(segs);
            std::fs::remove_file(&path).map_err(|e| e.to_string())?;
            merged.push(name.trim_end_matches(".wasm").to_owned());
        }
    }
    if merged.len() < 2 {
        // Nothing worth merging: put a single one back as it was.
        if let Some(one) = merged.first() {
            write(&dir.join(format!("{one}.wasm")), &data_module(pages, &segments))?;
        }
        return Ok(0);
    }
    write(&dir.join("chunk_data.wasm"), &data_module(pages, &segments))?;
    // The loader: drop each merged chunk's definition, define chunk_data once, and depend on it instead.
    let mut template = None;
    for stem in &merged {
        let var = format!("const __{stem} = makeLoad(");
        let start = link.find(&var).ok_or_else(|| format!("the chunk loader does not define {stem}"))?;
        let end = start + link[start..].find(", []);\n").ok_or_else(|| format!("the chunk loader's {stem} has an unexpected shape"))? + ", []);\n".len();
        template.get_or_insert_with(|| link[start..end].replace(&format!("__{stem}"), "__chunk_data").replace(&format!("./{stem}.wasm"), "./chunk_data.wasm"));
        link.replace_range(start..end, "");
    }
    let template = template.unwrap_or_default();
    let first_export = link.find("export const ").ok_or("the chunk loader exports no split")?;
    link.insert_str(first_export, &template);
    // Dependency lists (`\n, [__chunk_8, __chunk_13]`): merged chunks become one `__chunk_data`.
    let mut rewritten = String::with_capacity(link.len());
    let mut rest = link.as_str();
    while let Some(i) = rest.find("\n, [") {
        let open = i + "\n, [".len();
        let close = open + rest[open..].find(']').ok_or("a dependency list of the chunk loader is not closed")?;
        let mut deps: Vec<String> = Vec::new();
        for d in rest[open..close].split(", ").filter(|d| !d.is_empty()) {
            let d = if merged.iter().any(|m| d == format!("__{m}")) { "__chunk_data".to_owned() } else { d.to_owned() };
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
        rewritten.push_str(&rest[..open]);
        rewritten.push_str(&deps.join(", "));
        rest = &rest[close..];
    }
    rewritten.push_str(rest);
    *link = rewritten;
    for files in prefetch.values_mut() {
        let had = files.iter().any(|f| merged.contains(f));
        files.retain(|f| !merged.contains(f));
        if had {
            files.push("chunk_data".into());
        }
    }
    Ok(merged.len())
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
    let mut prefetch = split(&input, &split_dir)?;
    if fold_small_chunks(&input, &split_dir)? > 0 {
        std::fs::remove_dir_all(&split_dir).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&split_dir).map_err(|e| e.to_string())?;
        prefetch = split(&input, &split_dir)?;
    }
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
    eprintln!("$ wasm-opt -Oz on {} modules", wasm_files.len());
    for f in &wasm_files {
        let p = out.join(f);
        // Quiet unless it fails: it warns once per module about the name section.
        // `--converge` repeats -Oz while it still shrinks the module.
        // `--low-memory-unused` lets address arithmetic fold into load and
        // store offsets: Rust's wasm32 layout puts the 1 MiB stack first
        // (growing down towards 0) and the data above it, so the lowest
        // 1 KiB is touched only by a stack 99.9 % full. Together about
        // 0.8 KiB brotli off a cart page.
        let done = Command::new(wasm_opt).args(["-Oz", "--converge", "--low-memory-unused"]).args(WASM_FEATURES).args(["--strip-debug", "--strip-producers", "-o"]).arg(&p).arg(&p).output()
            .map_err(|e| format!("cannot run {}: {e}", wasm_opt.display()))?;
        if !done.status.success() {
            return Err(format!("wasm-opt {f} failed with {}: {}", done.status, String::from_utf8_lossy(&done.stderr)));
        }
    }

    // Content-hashed names, references rewritten.
    let target = dist.join(backend);
    let mut link = read_text(&split_dir.join("__wasm_split.js"))?;
    if merge_data_chunks(&out, &mut link, &mut prefetch)? > 0 {
        chunk_names.retain(|n| out.join(n).exists());
        chunk_names.push("chunk_data.wasm".into());
    }
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
    let import = "import { defineElements as define, rememberView } from './define.js';";
    if !source.contains(import) || !define.contains("export function defineElements(") || !define.contains("export function rememberView(") {
        return Err("www/src/crosscart.js and crates/web/js/define.js no longer fit together".into());
    }
    let define = define.replace("export function defineElements(", "function define(").replace("export function rememberView(", "function rememberView(");
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

/// Minifies every JavaScript file under `dir` in place with esbuild (from
/// `www/node_modules`, like wasm-opt): wasm-bindgen's glue, the chunk loader,
/// the snippets and the loader ship with their comments and indentation
/// otherwise — about 4 KiB brotli of every page. Names that other files
/// import are exports and string literals, which minifying keeps.
fn minify(root: &Path, dir: &Path) -> Result {
    let esbuild = root.join("www/node_modules/.bin/esbuild");
    let mut files = Vec::new();
    crate::files_under(dir, &mut files);
    let js: Vec<&PathBuf> = files.iter().filter(|f| f.extension().and_then(|e| e.to_str()) == Some("js")).collect();
    for f in js {
        let done = Command::new(&esbuild)
            .arg(f)
            .args(["--minify", "--format=esm", "--log-level=error", "--allow-overwrite", "--legal-comments=none"])
            .arg(format!("--outfile={}", f.display()))
            .output()
            .map_err(|e| format!("cannot run {}: {e}", esbuild.display()))?;
        if !done.status.success() {
            return Err(format!("esbuild {} failed with {}: {}", f.display(), done.status, String::from_utf8_lossy(&done.stderr)));
        }
    }
    Ok(())
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
    minify(root, &dist)?;
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
        let first: Vec<(&str, String)> = std::iter::once(("glue", b.glue.clone())).chain(b.snippets.iter().map(|s| ("snippet", s.clone()))).chain([("main module: loader glue, cart state, add-to-cart, count", b.main.clone()), ("chunk loader", b.link.clone())]).collect();
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
