//! Reading order exports: `csv` (`order_id,item_id` with a header), `fimi`
//! (one basket per line, space-separated integer ids) and `jsonl` (one
//! `{"order_id": …, "items": […]}` per line). Errors name the line.

use super::Baskets;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Fimi,
    Jsonl,
}

impl Format {
    /// Guesses from a file name: `.csv`, `.jsonl`/`.ndjson`, anything else FIMI.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Format::Csv
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Format::Jsonl
        } else {
            Format::Fimi
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct InputError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

fn err(line: usize, message: impl Into<String>) -> InputError {
    InputError { line, message: message.into() }
}

/// Parses a whole export. Blank lines are skipped; a basket's repeated items count once.
pub fn parse(text: &str, format: Format) -> Result<Baskets, InputError> {
    match format {
        Format::Csv => parse_csv(text),
        Format::Fimi => parse_fimi(text),
        Format::Jsonl => parse_jsonl(text),
    }
}

fn parse_fimi(text: &str) -> Result<Baskets, InputError> {
    let mut baskets = Baskets::new();
    let mut items: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        items.clear();
        for tok in line.split_ascii_whitespace() {
            if !super::is_integer(tok) {
                return Err(err(i + 1, format!("{:?} is not an integer item id", truncate(tok))));
            }
            items.push(tok);
        }
        baskets.push(&items);
    }
    Ok(baskets)
}

/// Splits one CSV record of plain or double-quoted fields (RFC 4180, one line).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => return Err("unterminated quoted field".into()),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(c) => return Err(format!("unexpected {c:?} after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

fn parse_csv(text: &str) -> Result<Baskets, InputError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let Some((hi, header)) = lines.next() else { return Ok(Baskets::new()) };
    let header = csv_fields(header.trim_start_matches('\u{feff}').trim_end_matches('\r')).map_err(|m| err(hi + 1, m))?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if names != ["order_id", "item_id"] {
        return Err(err(hi + 1, format!("expected the header order_id,item_id, found {:?}", truncate(&header.join(",")))));
    }
    let mut order_index: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for (i, line) in lines {
        let fields = csv_fields(line.trim_end_matches('\r')).map_err(|m| err(i + 1, m))?;
        if fields.len() != 2 {
            return Err(err(i + 1, format!("expected 2 fields (order_id,item_id), found {}", fields.len())));
        }
        let (order, item) = (fields[0].trim(), fields[1].trim());
        if order.is_empty() || item.is_empty() {
            return Err(err(i + 1, "empty order_id or item_id"));
        }
        let g = *order_index.entry(order.to_owned()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(item.to_owned());
    }
    let mut baskets = Baskets::new();
    for g in &groups {
        baskets.push(g);
    }
    Ok(baskets)
}

fn parse_jsonl(text: &str) -> Result<Baskets, InputError> {
    let mut baskets = Baskets::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| err(i + 1, format!("not JSON: {e}")))?;
        let obj = v.as_object().ok_or_else(|| err(i + 1, "expected an object {\"order_id\": …, \"items\": […]}"))?;
        let order = match obj.get("order_id") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => return Err(err(i + 1, "order_id must be a string or a number")),
        };
        if let Some(first) = seen.insert(order.clone(), i + 1) {
            return Err(err(i + 1, format!("order {:?} already appeared on line {first}", truncate(&order))));
        }
        let items = obj.get("items").and_then(|v| v.as_array()).ok_or_else(|| err(i + 1, "items must be an array"))?;
        let mut names = Vec::with_capacity(items.len());
        for item in items {
            names.push(match item {
                serde_json::Value::String(s) if !s.is_empty() => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(err(i + 1, "each item must be a non-empty string or a number")),
            });
        }
        baskets.push(&names);
    }
    Ok(baskets)
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baskets_of(b: &Baskets) -> Vec<Vec<String>> {
        b.iter().map(|bs| {
            let mut v: Vec<String> = bs.iter().map(|&i| b.name(i).to_owned()).collect();
            v.sort();
            v
        }).collect()
    }

    fn check(text: &str, format: Format, expected: &[&[&str]]) {
        let b = parse(text, format).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let want: Vec<Vec<String>> = expected.iter().map(|bs| bs.iter().map(|s| (*s).to_owned()).collect()).collect();
        assert_eq!(baskets_of(&b), want, "{text:?}");
    }

    fn check_err(text: &str, format: Format, line: usize, needle: &str) {
        let e = parse(text, format).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.message.contains(needle), "{text:?}: {e}");
    }

    #[test]
    fn formats() {
        check("1 2 3\n\n2 3\n4\n", Format::Fimi, &[&["1", "2", "3"], &["2", "3"], &["4"]]);
        check("1 1 2\n", Format::Fimi, &[&["1", "2"]]);
        check("order_id,item_id\no1,a\no2,b\no1,c\r\no1,a\n", Format::Csv, &[&["a", "c"], &["b"]]);
        check("order_id,item_id\n\"o,1\",\"say \"\"hi\"\"\"\n", Format::Csv, &[&["say \"hi\""]]);
        check("", Format::Csv, &[]);
        check("order_id,item_id\n", Format::Csv, &[]);
        check("{\"order_id\":1,\"items\":[3,\"x\",3]}\n{\"order_id\":\"b\",\"items\":[]}\n", Format::Jsonl, &[&["3", "x"], &[]]);
        check("99999999999999999999999999 1\n", Format::Fimi, &[&["1", "99999999999999999999999999"]]);
    }

    #[test]
    fn malformed_lines_name_their_line() {
        check_err("1 2\n3 x\n", Format::Fimi, 2, "not an integer");
        check_err("order,item\n1,2\n", Format::Csv, 1, "header");
        check_err("order_id,item_id\n1,2\n1,2,3\n", Format::Csv, 3, "2 fields");
        check_err("order_id,item_id\n1,\n", Format::Csv, 2, "empty");
        check_err("order_id,item_id\n\"1,2\n", Format::Csv, 2, "unterminated");
        check_err("{\"order_id\":1,\"items\":[1]}\n{oops}\n", Format::Jsonl, 2, "not JSON");
        check_err("[1,2]\n", Format::Jsonl, 1, "expected an object");
        check_err("{\"order_id\":1,\"items\":[null]}\n", Format::Jsonl, 1, "non-empty string or a number");
        check_err("{\"order_id\":1,\"items\":[1]}\n{\"order_id\":1,\"items\":[2]}\n", Format::Jsonl, 2, "already appeared on line 1");
    }

    #[test]
    fn format_from_path() {
        assert_eq!(Format::from_path("orders.CSV"), Format::Csv);
        assert_eq!(Format::from_path("x.jsonl"), Format::Jsonl);
        assert_eq!(Format::from_path("retail.dat"), Format::Fimi);
    }
}
