//! A small, strict JSON reader and writer for the wire types, without serde.
//!
//! Why not serde here: serde's design monomorphises a deserializer per type
//! and per input kind, which is the right trade natively but made JSON the
//! largest part of the browser build (serde_json and its instantiations were
//! more than a third of the WebAssembly). This module parses once into a
//! [`Value`] tree and reads typed values out of it with plain, non-generic
//! code; the wire types implement [`FromJson`] and [`ToJson`] with
//! [`json_object!`](crate::json_object), which names every field (the
//! compiler checks the list is complete). The server still uses serde; the
//! tests check that both read and write the same JSON for every wire type.
//!
//! The reader follows RFC 8259: no comments, no trailing commas, no
//! unescaped control characters, lone surrogates refused, nesting limited
//! to [`MAX_DEPTH`]; numbers keep their text and are converted on use, so an
//! integer field never goes through a float.

use std::collections::BTreeMap;
use std::fmt;

/// Deepest nesting accepted (serde_json's limit too).
pub const MAX_DEPTH: usize = 128;

/// A parsed JSON value. Object members keep their order; a repeated key is
/// refused when parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number as written (already checked against the JSON grammar).
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Why a JSON text or value was refused, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the text (syntax errors), or `None` for type errors.
    pub offset: Option<usize>,
    /// Where in the value: `lines[2].quantity`; empty at the top.
    pub path: String,
    pub message: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.offset, self.path.is_empty()) {
            (Some(o), _) => write!(f, "{} at byte {o}", self.message),
            (None, true) => f.write_str(&self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    fn syntax(offset: usize, message: &str) -> JsonError {
        JsonError { offset: Some(offset), path: String::new(), message: message.to_owned() }
    }

    /// A value of the wrong shape.
    pub fn invalid(message: impl Into<String>) -> JsonError {
        JsonError { offset: None, path: String::new(), message: message.into() }
    }

    /// Prefixes the path with an object key.
    fn in_field(mut self, key: &str) -> JsonError {
        self.path = if self.path.is_empty() { key.to_owned() } else if self.path.starts_with('[') { format!("{key}{}", self.path) } else { format!("{key}.{}", self.path) };
        self
    }

    /// Prefixes the path with an array index.
    fn in_item(mut self, index: usize) -> JsonError {
        self.path = if self.path.is_empty() || self.path.starts_with('[') { format!("[{index}]{}", self.path) } else { format!("[{index}].{}", self.path) };
        self
    }
}

// ------------------------------------------------------------------ reading

/// Parses a whole JSON text (surrounding whitespace allowed, nothing else).
pub fn parse(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut p = Parser { bytes, at: 0 };
    let v = p.value(0)?;
    p.space();
    if p.at != bytes.len() {
        return Err(JsonError::syntax(p.at, "unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn fail<T>(&self, message: &str) -> Result<T, JsonError> {
        Err(JsonError::syntax(self.at, message))
    }

    fn literal(&mut self, word: &[u8], v: Value) -> Result<Value, JsonError> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(v)
        } else {
            self.fail("expected a JSON value")
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.space();
        match self.peek() {
            None => self.fail("unexpected end of JSON"),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return self.fail("JSON nested too deeply");
                }
                self.at += 1;
                let mut items = Vec::new();
                self.space();
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return self.fail("expected ',' or ']'"),
                    }
                }
            }
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return self.fail("JSON nested too deeply");
                }
                self.at += 1;
                let mut members: Vec<(String, Value)> = Vec::new();
                self.space();
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Value::Object(members));
                }
                loop {
                    self.space();
                    if self.peek() != Some(b'"') {
                        return self.fail("expected a key in quotes");
                    }
                    let key_at = self.at;
                    let key = self.string()?;
                    if members.iter().any(|(k, _)| *k == key) {
                        return Err(JsonError::syntax(key_at, "duplicate key in object"));
                    }
                    self.space();
                    if self.peek() != Some(b':') {
                        return self.fail("expected ':'");
                    }
                    self.at += 1;
                    let v = self.value(depth + 1)?;
                    members.push((key, v));
                    self.space();
                    match self.peek() {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Value::Object(members));
                        }
                        _ => return self.fail("expected ',' or '}'"),
                    }
                }
            }
            Some(_) => self.fail("expected a JSON value"),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return self.fail("invalid number");
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return self.fail("invalid number");
            }
        }
        // Only ASCII was consumed.
        Ok(Value::Number(String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.fail("invalid \\u escape"),
            };
            n = n * 16 + u32::from(d);
            self.at += 1;
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1; // the opening quote
        let mut out = String::new();
        loop {
            let run = self.at;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.at += 1;
            }
            match std::str::from_utf8(&self.bytes[run..self.at]) {
                Ok(s) => out.push_str(s),
                Err(e) => return Err(JsonError::syntax(run + e.valid_up_to(), "invalid UTF-8 in string")),
            }
            match self.peek() {
                None => return self.fail("unterminated string"),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let esc = self.peek();
                    self.at += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let first = self.hex4()?;
                            let code = match first {
                                0xD800..=0xDBFF => {
                                    if !self.bytes[self.at..].starts_with(b"\\u") {
                                        return self.fail("lone surrogate in \\u escape");
                                    }
                                    self.at += 2;
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return self.fail("lone surrogate in \\u escape");
                                    }
                                    0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return self.fail("lone surrogate in \\u escape"),
                                c => c,
                            };
                            match char::from_u32(code) {
                                Some(c) => out.push(c),
                                None => return self.fail("invalid \\u escape"),
                            }
                        }
                        _ => {
                            self.at -= 1;
                            return self.fail("invalid escape");
                        }
                    }
                }
                Some(_) => return self.fail("control character in string"),
            }
        }
    }
}

impl Value {
    /// The member called `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An integer written without fraction or exponent, in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) if is_integer(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) if is_integer(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// Any number, as the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// The object's members for typed reading (see [`Fields`]).
    pub fn fields(&self, what: &str) -> Result<Fields<'_>, JsonError> {
        match self {
            Value::Object(m) => Ok(Fields(m)),
            _ => Err(JsonError::invalid(format!("expected {what} (an object)"))),
        }
    }

    /// What sort of value this is, for messages (`a string`, `null`).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl Value {
    /// Takes the value out, leaving `null` (to move a part out of a tree).
    pub fn take(&mut self) -> Value {
        std::mem::replace(self, Value::Null)
    }

    /// The member called `key` of an object, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => m.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// A Rust value as a JSON [`Value`] (what [`json!`](crate::json!) builds with).
pub trait IntoValue {
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl IntoValue for &Value {
    fn into_value(self) -> Value {
        self.clone()
    }
}
impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::String(self.to_owned())
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::String(self)
    }
}
impl IntoValue for &String {
    fn into_value(self) -> Value {
        Value::String(self.clone())
    }
}
impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Bool(self)
    }
}
macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::Number(self.to_string())
            }
        }
    )*};
}
integer_values!(u8, u32, u64, i32, i64, usize);
impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        self.map_or(Value::Null, IntoValue::into_value)
    }
}
impl<T: Clone + IntoValue> IntoValue for &[T] {
    fn into_value(self) -> Value {
        Value::Array(self.iter().cloned().map(IntoValue::into_value).collect())
    }
}
impl<T: Clone + IntoValue> IntoValue for &Vec<T> {
    fn into_value(self) -> Value {
        self.as_slice().into_value()
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        Value::Array(self.into_iter().map(IntoValue::into_value).collect())
    }
}

/// Builds a [`Value`]: `json!({"id": id, "lines": [{"quantity": (line.quantity)}]})`.
/// Keys are string literals; a value that is more than one token (a field
/// access, a call) goes in parentheses.
#[macro_export]
macro_rules! json {
    (null) => { $crate::json::Value::Null };
    ([ $($item:tt),* $(,)? ]) => { $crate::json::Value::Array(vec![$($crate::json!($item)),*]) };
    ({ $($key:literal : $value:tt),* $(,)? }) => { $crate::json::Value::Object(vec![$(($key.to_owned(), $crate::json!($value))),*]) };
    ($value:expr) => { $crate::json::IntoValue::into_value($value) };
}

fn is_integer(n: &str) -> bool {
    !n.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

fn expected<T>(what: &str, v: &Value) -> Result<T, JsonError> {
    Err(JsonError::invalid(format!("expected {what}, found {}", v.kind())))
}

/// A value that can be read from JSON.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, JsonError>;
}

/// Parses `bytes` as one `T`.
pub fn from_slice<T: FromJson>(bytes: &[u8]) -> Result<T, JsonError> {
    T::from_json(&parse(bytes)?)
}

/// An object's members, read by name. A missing member and `null` are the
/// same for optional members, as in serde's derive.
pub struct Fields<'a>(&'a [(String, Value)]);

impl Fields<'_> {
    fn find(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A member that must be there.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, JsonError> {
        let v = self.required(key)?;
        T::from_json(v).map_err(|e| e.in_field(key))
    }

    /// A member that may be missing (then `T::default()`).
    pub fn or_default<T: FromJson + Default>(&self, key: &str) -> Result<T, JsonError> {
        match self.find(key) {
            Some(v) => T::from_json(v).map_err(|e| e.in_field(key)),
            None => Ok(T::default()),
        }
    }

    fn required(&self, key: &str) -> Result<&Value, JsonError> {
        self.find(key).ok_or_else(|| JsonError::invalid(format!("missing field \"{key}\"")))
    }

    /// The raw member, if present.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.find(key)
    }
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        Ok(v.clone())
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => expected("a string", other),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        v.as_bool().map_or_else(|| expected("true or false", v), Ok)
    }
}

macro_rules! json_integers {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: &Value) -> Result<Self, JsonError> {
                let n = match v {
                    Value::Number(n) if is_integer(n) => n,
                    other => return expected("an integer", other),
                };
                n.parse::<$t>().map_err(|_| JsonError::invalid(format!("{n} is out of range ({} to {})", <$t>::MIN, <$t>::MAX)))
            }
        }
        impl ToJson for $t {
            fn write_json(&self, out: &mut String) {
                use std::fmt::Write as _;
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
json_integers!(u8, u16, u32, u64, i32, i64, usize);

impl FromJson for f64 {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        v.as_f64().filter(|f| f.is_finite()).map_or_else(|| expected("a number", v), Ok)
    }
}

impl FromJson for f32 {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        f64::from_json(v).map(|f| f as f32)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        if v.is_null() { Ok(None) } else { T::from_json(v).map(Some) }
    }
}

// Plain loops rather than `collect::<Result<_, _>>()`: the browser build
// gets one small function per element type instead of an iterator adapter
// (and not inlined into every field that holds a list).
impl<T: FromJson> FromJson for Vec<T> {
    #[inline(never)]
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        let Value::Array(items) = v else { return expected("an array", v) };
        let mut out = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            match T::from_json(x) {
                Ok(t) => out.push(t),
                Err(e) => return Err(e.in_item(i)),
            }
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(v: &Value) -> Result<Self, JsonError> {
        let Value::Object(members) = v else { return expected("an object", v) };
        let mut out = BTreeMap::new();
        for (k, x) in members {
            match T::from_json(x) {
                Ok(t) => {
                    out.insert(k.clone(), t);
                }
                Err(e) => return Err(e.in_field(k)),
            }
        }
        Ok(out)
    }
}

// ------------------------------------------------------------------ writing

/// A value that can be written as JSON.
pub trait ToJson {
    fn write_json(&self, out: &mut String);

    fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }
}

/// `value` as JSON bytes (a request body).
pub fn to_vec<T: ToJson + ?Sized>(value: &T) -> Vec<u8> {
    value.to_json().into_bytes()
}

/// Writes `s` as a JSON string, escaped as serde_json does (quote,
/// backslash and control characters; nothing else).
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(run..i).unwrap_or_default());
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
    out.push('"');
}

/// Whether `v` is its type's default (for members written only when set).
pub fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// Writes an object member by member: `{"a":1,"b":"x"}`.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    pub fn new(out: &'a mut String) -> ObjectWriter<'a> {
        out.push('{');
        ObjectWriter { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, key);
        self.out.push(':');
    }

    pub fn field<T: ToJson + ?Sized>(&mut self, key: &str, value: &T) -> &mut Self {
        self.key(key);
        value.write_json(self.out);
        self
    }

    /// A member written only when `write` holds (serde's `skip_serializing_if`).
    pub fn field_if<T: ToJson + ?Sized>(&mut self, write: bool, key: &str, value: &T) -> &mut Self {
        if write {
            self.field(key, value);
        }
        self
    }

    pub fn end(&mut self) {
        self.out.push('}');
    }
}

/// One object written member by member, as bytes (a request body).
pub fn object(write: impl FnOnce(&mut ObjectWriter<'_>)) -> Vec<u8> {
    let mut out = String::new();
    let mut o = ObjectWriter::new(&mut out);
    write(&mut o);
    o.end();
    out.into_bytes()
}

impl ToJson for str {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for String {
    fn write_json(&self, out: &mut String) {
        write_str(out, self);
    }
}

impl ToJson for bool {
    fn write_json(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToJson for f64 {
    fn write_json(&self, out: &mut String) {
        write_float(out, *self);
    }
}

impl ToJson for f32 {
    fn write_json(&self, out: &mut String) {
        // Through the shortest decimal of the f32, so 0.1f32 is written 0.1.
        match format!("{self}").parse::<f64>() {
            Ok(f) => write_float(out, f),
            Err(_) => out.push_str("null"),
        }
    }
}

/// The shortest text that reads back as `f` (exponent form when very large
/// or small), always marked as a float; `null` for NaN and infinities, as serde_json writes them.
fn write_float(out: &mut String, f: f64) {
    use std::fmt::Write as _;
    if !f.is_finite() {
        out.push_str("null");
        return;
    }
    let start = out.len();
    let a = f.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) {
        let _ = write!(out, "{f:e}");
    } else {
        let _ = write!(out, "{f}");
    }
    if !out[start..].bytes().any(|b| matches!(b, b'.' | b'e')) {
        out.push_str(".0");
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, out: &mut String) {
        match self {
            Some(v) => v.write_json(out),
            None => out.push_str("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            v.write_json(out);
        }
        out.push(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, out: &mut String) {
        self.as_slice().write_json(out);
    }
}

impl<T: ToJson> ToJson for BTreeMap<String, T> {
    fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        for (k, v) in self {
            o.field(k, v);
        }
        o.end();
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, out: &mut String) {
        (**self).write_json(out);
    }
}

impl ToJson for Value {
    fn write_json(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => b.write_json(out),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_str(out, s),
            Value::Array(a) => a.write_json(out),
            Value::Object(m) => {
                let mut o = ObjectWriter::new(out);
                for (k, v) in m {
                    o.field(k, v);
                }
                o.end();
            }
        }
    }
}

/// Implements [`FromJson`] and [`ToJson`] for a struct with named fields,
/// in the shape serde's derive gives it. Every field is listed with how it
/// is read and written:
///
/// - `req f`: required; always written.
/// - `def f`: missing means `Default::default()`; always written (`#[serde(default)]`).
/// - `opt f`: an `Option`, missing or `null` is `None`; written only when `Some`
///   (`#[serde(default, skip_serializing_if = "Option::is_none")]`).
/// - `nul f`: an `Option`, missing or `null` is `None`; written as `null` when `None`.
/// - `skip f`: missing means the default, written only when not the default
///   (`skip_serializing_if` on an empty list, `false` or `0`).
///
/// `as "name"` after a field gives its JSON name. The struct literal names
/// every field, so a field added to the struct and not here fails to compile.
#[macro_export]
macro_rules! json_object {
    ($ty:ident { $($mode:ident $field:ident $(as $key:literal)?),* $(,)? }) => {
        $crate::json_read!($ty { $($mode $field $(as $key)?),* });
        impl $crate::json::ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                let mut o = $crate::json::ObjectWriter::new(out);
                $($crate::json_read!(@write $mode o $crate::json_read!(@key $field $($key)?), self.$field);)*
                o.end();
            }
        }
    };
}

/// [`json_object!`] for a type that is only ever read (another backend's answer).
#[macro_export]
macro_rules! json_read {
    ($ty:ident { $($mode:ident $field:ident $(as $key:literal)?),* $(,)? }) => {
        impl $crate::json::FromJson for $ty {
            fn from_json(v: &$crate::json::Value) -> Result<Self, $crate::json::JsonError> {
                let o = v.fields(stringify!($ty))?;
                Ok($ty { $($field: $crate::json_read!(@read $mode o $crate::json_read!(@key $field $($key)?))),* })
            }
        }
    };
    (@key $field:ident) => { stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
    (@read req $o:ident $k:expr) => { $o.req($k)? };
    (@read def $o:ident $k:expr) => { $o.or_default($k)? };
    (@read opt $o:ident $k:expr) => { $o.or_default($k)? };
    (@read nul $o:ident $k:expr) => { $o.or_default($k)? };
    (@read skip $o:ident $k:expr) => { $o.or_default($k)? };
    (@write req $o:ident $k:expr, $v:expr) => { $o.field($k, &$v); };
    (@write def $o:ident $k:expr, $v:expr) => { $o.field($k, &$v); };
    (@write nul $o:ident $k:expr, $v:expr) => { $o.field($k, &$v); };
    (@write opt $o:ident $k:expr, $v:expr) => { if let Some(x) = &$v { $o.field($k, x); } };
    (@write skip $o:ident $k:expr, $v:expr) => { $o.field_if(!$crate::json::is_default(&$v), $k, &$v); };
}

/// Implements [`FromJson`] and [`ToJson`] for an enum of unit variants
/// written as strings (serde's `rename_all = "snake_case"` on such enums).
#[macro_export]
macro_rules! json_enum {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $crate::json::FromJson for $ty {
            fn from_json(v: &$crate::json::Value) -> Result<Self, $crate::json::JsonError> {
                match v.as_str() {
                    $(Some($name) => Ok($ty::$variant),)*
                    _ => Err($crate::json::JsonError::invalid(concat!("expected one of" $(, " \"", $name, "\"")*))),
                }
            }
        }
        impl $crate::json::ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                $crate::json::write_str(out, match self { $($ty::$variant => $name,)* });
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<Value, &str>) {
        let got = parse(text.as_bytes());
        match expected {
            Ok(v) => assert_eq!(got, Ok(v), "{text}"),
            Err(msg) => assert!(got.as_ref().is_err_and(|e| e.message.contains(msg)), "{text}: {got:?}, wanted an error with {msg:?}"),
        }
    }

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }
    fn n(x: &str) -> Value {
        Value::Number(x.into())
    }

    #[test]
    fn reads_values() {
        check("null", Ok(Value::Null));
        check(" true ", Ok(Value::Bool(true)));
        check("false", Ok(Value::Bool(false)));
        check("0", Ok(n("0")));
        check("-12.5e+3", Ok(n("-12.5e+3")));
        check(r#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#, Ok(s("a\"b\\c/d\n\té😀")));
        check("[1, [], {}]", Ok(Value::Array(vec![n("1"), Value::Array(vec![]), Value::Object(vec![])])));
        check(r#"{"a": 1, "b": [true]}"#, Ok(Value::Object(vec![("a".into(), n("1")), ("b".into(), Value::Array(vec![Value::Bool(true)]))])));
        check("\"кошик\"", Ok(s("кошик")));
    }

    #[test]
    fn refuses_what_rfc_8259_refuses() {
        check("", Err("unexpected end"));
        check("  ", Err("unexpected end"));
        check("nul", Err("expected a JSON value"));
        check("01", Err("unexpected text"));
        check("1.", Err("invalid number"));
        check(".5", Err("expected a JSON value"));
        check("1e", Err("invalid number"));
        check("-", Err("invalid number"));
        check("+1", Err("expected a JSON value"));
        check("[1,]", Err("expected a JSON value"));
        check("[1 2]", Err("expected ','"));
        check(r#"{"a":1,}"#, Err("expected a key"));
        check(r#"{a:1}"#, Err("expected a key"));
        check(r#"{"a" 1}"#, Err("expected ':'"));
        check(r#"{"a":1,"a":2}"#, Err("duplicate key"));
        check("\"abc", Err("unterminated"));
        check("\"a\nb\"", Err("control character"));
        check(r#""\x""#, Err("invalid escape"));
        check(r#""\u12""#, Err("invalid \\u"));
        check(r#""\ud800""#, Err("lone surrogate"));
        check(r#""\udc00""#, Err("lone surrogate"));
        check(r#""\ud800\u0041""#, Err("lone surrogate"));
        check("[] []", Err("unexpected text"));
        check("NaN", Err("expected a JSON value"));
        check("// c\n1", Err("expected a JSON value"));
        assert!(parse(b"\"\xff\"").unwrap_err().message.contains("UTF-8"));
    }

    #[test]
    fn nesting_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        check(&deep, Err("nested too deeply"));
        // A very deep text fails fast instead of overflowing the stack.
        check(&"[".repeat(1_000_000), Err("nested too deeply"));
    }

    #[test]
    fn numbers_are_exact() {
        assert_eq!(n("9007199254740993").as_i64(), Some(9_007_199_254_740_993));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("1.0").as_i64(), None, "a fraction is not an integer");
        assert_eq!(n("1e3").as_u64(), None);
        assert_eq!(u32::from_json(&n("-1")).unwrap_err().message, "-1 is out of range (0 to 4294967295)");
        assert_eq!(n("0.1").as_f64(), Some(0.1));
        assert!(f64::from_json(&n("1e999")).is_err(), "an infinite float is refused");
    }

    #[test]
    fn errors_say_where() {
        #[derive(Debug, PartialEq)]
        struct Line {
            quantity: u32,
        }
        json_object!(Line { req quantity });
        #[derive(Debug, PartialEq)]
        struct Cart {
            lines: Vec<Line>,
        }
        json_object!(Cart { req lines });
        let e = from_slice::<Cart>(br#"{"lines":[{"quantity":1},{"quantity":"2"}]}"#).unwrap_err();
        assert_eq!(e.to_string(), "lines[1].quantity: expected an integer, found a string");
        let e = from_slice::<Cart>(br#"{"lines":[{}]}"#).unwrap_err();
        assert_eq!(e.to_string(), "lines[0]: missing field \"quantity\"");
        let e = from_slice::<Cart>(b"[]").unwrap_err();
        assert_eq!(e.to_string(), "expected Cart (an object)");
        assert_eq!(from_slice::<Cart>(br#"{"lines":[],"extra":1}"#).unwrap(), Cart { lines: vec![] }, "unknown members are ignored");
    }

    #[test]
    fn writes_like_serde_json() {
        let tricky = "q\"b\\s\n\r\t\u{8}\u{c}\u{1}\u{1f} é/😀<>&";
        assert_eq!(tricky.to_json(), serde_json::to_string(tricky).unwrap());
        for f in [0.0, -0.5, 1.0, 1e-7, 123456.789, f64::MAX, f64::MIN_POSITIVE] {
            let ours = f.to_json();
            assert_eq!(ours.parse::<f64>().unwrap(), f, "{ours}");
            assert_eq!(serde_json::from_str::<f64>(&ours).unwrap(), f);
        }
        assert_eq!(f64::NAN.to_json(), "null");
        assert_eq!(2.5f32.to_json(), "2.5");
        let v = parse(br#"{"a":[1,"x",null,true,{"b":-2.5e3}]}"#).unwrap();
        assert_eq!(v.to_json(), r#"{"a":[1,"x",null,true,{"b":-2.5e3}]}"#);
    }

    #[test]
    fn text_round_trips() {
        for text in ["\"\\u0000\"", "\"\u{7f}\u{80}\u{10ffff}\"", "[]", "{}", "-0", "1E+2"] {
            let v = parse(text.as_bytes()).unwrap();
            assert_eq!(parse(v.to_json().as_bytes()).unwrap(), v, "{text}");
        }
    }
}

#[cfg(test)]
mod wire_tests;
