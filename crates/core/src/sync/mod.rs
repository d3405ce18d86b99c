//! The replicated cart: edits as operations with unique ids, and a merge
//! that gives the same cart on every replica whatever the order, duplication
//! or delay with which the operations arrive.
//!
//! A cart is the *set* of operations ever made on it (a grow-only set keyed by
//! [`OpId`]); the lines are a pure function of that set ([`materialize`]).
//! Set union is commutative, associative and idempotent, so replicas that
//! have received the same operations show the same cart.
//!
//! Per line (a variant with its fulfilment) there are two kinds of change:
//! - [`Change::Add`] — "one more": increments, so two devices adding at once
//!   give two;
//! - [`Change::Set`] — "make it N" (0 removes): carries the causal context of
//!   what its author had seen. The winning `Set` of a line is the one with the
//!   greatest `(lamport, replica, seq)`; the line's quantity is its value plus
//!   every `Add` that the winner had **not** seen — directly, or through the
//!   latest `Set` of the line it had seen (and so on down that chain: whoever
//!   saw a `Set` saw the line as it made it). So an item added on a phone
//!   while offline survives a stale edit from a laptop (add wins), and an edit
//!   made after seeing an add replaces it (no double counting), even when its
//!   author saw the add only through a later `Set` or a server's snapshot.
//!
//! The browser drives a [`replica::Replica`] (sans-IO: inputs in, effects out);
//! the server stores the same operations and answers the same [`materialize`].

pub mod replica;

use crate::cart::{Fulfillment, MAX_LINE_QUANTITY};
use serde::{Deserialize, Serialize};
use crate::sorted::SortedMap;
use std::collections::BTreeMap;

/// A replica's id (a browser profile, a server): 1–64 of `A-Z a-z 0-9 - _`.
pub type ReplicaId = String;

/// Unique per operation: the replica that made it and its sequence number there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpId {
    pub replica: ReplicaId,
    pub seq: u64,
}

/// What a `Set` had seen: every op of `replica` up to `contiguous[replica]`,
/// plus the listed ones that arrived out of order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Seen {
    #[serde(default)]
    pub contiguous: BTreeMap<ReplicaId, u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<OpId>,
}

crate::json_object!(OpId { req replica, req seq });
crate::json_object!(Seen { def contiguous, skip extra });

impl Seen {
    /// The context of an author who has seen exactly `ops`.
    pub fn covering<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Seen {
        Seen::covering_from(&Seen::default(), ops)
    }

    /// The context of an author who has seen what `base` covers and `ops`
    /// (a server whose older operations were folded into a snapshot).
    pub fn covering_from<'a>(base: &Seen, ops: impl IntoIterator<Item = &'a Op>) -> Seen {
        let mut by_replica: SortedMap<&str, Vec<u64>> = SortedMap::new();
        for id in &base.extra {
            by_replica.get_or_insert_with(&id.replica, Vec::new).push(id.seq);
        }
        for op in ops {
            by_replica.get_or_insert_with(&op.id.replica, Vec::new).push(op.id.seq);
        }
        for r in base.contiguous.keys() {
            by_replica.get_or_insert_with(r, Vec::new);
        }
        let mut seen = Seen::default();
        for (replica, mut seqs) in by_replica {
            crate::sorted::sort_by(&mut seqs, |a, b| a < b);
            seqs.dedup();
            let mut contiguous = base.contiguous.get(replica).copied().unwrap_or(0);
            for &s in &seqs {
                if s == contiguous + 1 {
                    contiguous = s;
                } else if s > contiguous + 1 {
                    break;
                }
            }
            if contiguous > 0 {
                seen.contiguous.insert(replica.to_owned(), contiguous);
            }
            seen.extra.extend(seqs.into_iter().filter(|s| *s > contiguous).map(|seq| OpId { replica: replica.to_owned(), seq }));
        }
        seen
    }

    /// Entries it holds: one per replica, one per out-of-order operation.
    pub fn len(&self) -> usize {
        self.contiguous.len() + self.extra.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every operation `other` covers is covered here too.
    pub fn covers(&self, other: &Seen) -> bool {
        other.extra.iter().all(|id| self.contains(id))
            && other.contiguous.iter().all(|(r, &n)| {
                let mine = self.contiguous.get(r).copied().unwrap_or(0);
                // The rest of the range must be out-of-order entries here (a Set lists at most 1,000).
                mine >= n || (n - mine <= 1000 && (mine + 1..=n).all(|seq| self.extra.iter().any(|id| id.replica == *r && id.seq == seq)))
            })
    }

    pub fn contains(&self, id: &OpId) -> bool {
        self.contiguous.get(&id.replica).is_some_and(|&n| id.seq <= n) || self.extra.contains(id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "ChangeWire")]
pub enum Change {
    /// Add `quantity` units (1..=999).
    Add { variant_id: String, #[serde(default)] fulfillment: Fulfillment, quantity: u32 },
    /// Make the line `quantity` units (0 removes it), given what was seen.
    Set { variant_id: String, #[serde(default)] fulfillment: Fulfillment, quantity: u32, seen: Seen },
}

/// How a [`Change`] is read: the same JSON as the tagged enum, decoded
/// through a flat struct (an internally tagged enum would buffer every value
/// first, which costs the browser build several KiB).
#[derive(Deserialize)]
struct ChangeWire {
    #[serde(rename = "type")]
    kind: ChangeKind,
    variant_id: String,
    #[serde(default)]
    fulfillment: Fulfillment,
    quantity: u32,
    #[serde(default)]
    seen: Option<Seen>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeKind {
    Add,
    Set,
}

impl TryFrom<ChangeWire> for Change {
    type Error = &'static str;
    fn try_from(w: ChangeWire) -> Result<Change, &'static str> {
        Ok(match w.kind {
            ChangeKind::Add if w.seen.is_none() => Change::Add { variant_id: w.variant_id, fulfillment: w.fulfillment, quantity: w.quantity },
            ChangeKind::Add => return Err("an add has no \"seen\""),
            ChangeKind::Set => Change::Set { variant_id: w.variant_id, fulfillment: w.fulfillment, quantity: w.quantity, seen: w.seen.ok_or("a set needs \"seen\"")? },
        })
    }
}

impl crate::json::FromJson for Change {
    fn from_json(v: &crate::json::Value) -> Result<Self, crate::json::JsonError> {
        let o = v.fields("a change")?;
        let kind = match o.req::<String>("type")?.as_str() {
            "add" => ChangeKind::Add,
            "set" => ChangeKind::Set,
            other => return Err(crate::json::JsonError::invalid(format!("unknown change type \"{other}\", expected add or set"))),
        };
        let w = ChangeWire { kind, variant_id: o.req("variant_id")?, fulfillment: o.or_default("fulfillment")?, quantity: o.req("quantity")?, seen: o.or_default("seen")? };
        Change::try_from(w).map_err(crate::json::JsonError::invalid)
    }
}

impl crate::json::ToJson for Change {
    fn write_json(&self, out: &mut String) {
        let mut o = crate::json::ObjectWriter::new(out);
        match self {
            Change::Add { variant_id, fulfillment, quantity } => o.field("type", "add").field("variant_id", variant_id).field("fulfillment", fulfillment).field("quantity", quantity),
            Change::Set { variant_id, fulfillment, quantity, seen } => o.field("type", "set").field("variant_id", variant_id).field("fulfillment", fulfillment).field("quantity", quantity).field("seen", seen),
        };
        o.end();
    }
}

impl Change {
    /// The line this change is about.
    pub fn line(&self) -> LineKey {
        match self {
            Change::Add { variant_id, fulfillment, .. } | Change::Set { variant_id, fulfillment, .. } => LineKey::new(variant_id, fulfillment),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    pub id: OpId,
    /// Lamport clock: greater than every op its author had seen.
    pub lamport: u64,
    /// When its author made it (ms since the epoch); informational only.
    #[serde(default)]
    pub at: i64,
    pub change: Change,
}

crate::json_object!(Op { req id, req lamport, def at, req change });

/// The largest sequence number or lamport clock an operation may carry
/// (2^53 - 1, the largest integer JavaScript holds exactly).
pub const MAX_CLOCK: u64 = (1 << 53) - 1;

/// Why an operation is refused (by the server, or when read from storage).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("a replica id is 1 to 64 letters, digits, '-' or '_'")]
    BadReplica,
    #[error("an operation's sequence number is between 1 and 2^53 - 1")]
    BadSeq,
    #[error("an operation's clock (lamport) is at most 2^53 - 1")]
    BadClock,
    #[error("quantity must be between {min} and {MAX_LINE_QUANTITY}, got {got}")]
    BadQuantity { min: u32, got: u32 },
    #[error("a variant id is 1 to 128 bytes")]
    BadVariant,
    #[error("a Set may list at most 1000 out-of-order operations it saw")]
    TooMuchContext,
}

impl Op {
    /// Checks an operation from outside (a client, a file) before it is kept.
    pub fn validate(&self) -> Result<(), OpError> {
        let id_ok = |r: &str| (1..=64).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !id_ok(&self.id.replica) {
            return Err(OpError::BadReplica);
        }
        // Numbers a JavaScript client can hold exactly, and far from any
        // overflow in whoever adds to them (the server's `max + 1`).
        if !(1..=MAX_CLOCK).contains(&self.id.seq) {
            return Err(OpError::BadSeq);
        }
        if self.lamport > MAX_CLOCK {
            return Err(OpError::BadClock);
        }
        let (variant, quantity, min) = match &self.change {
            Change::Add { variant_id, quantity, .. } => (variant_id, *quantity, 1),
            Change::Set { variant_id, quantity, seen, .. } => {
                if seen.extra.len() > 1000 || !seen.contiguous.keys().all(|r| id_ok(r)) {
                    return Err(OpError::TooMuchContext);
                }
                if seen.contiguous.values().chain(seen.extra.iter().map(|id| &id.seq)).any(|&n| n > MAX_CLOCK) {
                    return Err(OpError::BadSeq);
                }
                (variant_id, *quantity, 0)
            }
        };
        if variant.is_empty() || variant.len() > 128 {
            return Err(OpError::BadVariant);
        }
        if !(min..=MAX_LINE_QUANTITY).contains(&quantity) {
            return Err(OpError::BadQuantity { min, got: quantity });
        }
        Ok(())
    }
}

/// A line's identity: the same variant delivered and picked up are two lines.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineKey {
    pub variant_id: String,
    /// `None` for delivery, the store id for pickup.
    pub pickup_store: Option<String>,
}

impl LineKey {
    pub fn new(variant_id: &str, fulfillment: &Fulfillment) -> LineKey {
        let pickup_store = match fulfillment {
            Fulfillment::Pickup { store_id } => Some(store_id.clone()),
            Fulfillment::Delivery => None,
        };
        LineKey { variant_id: variant_id.to_owned(), pickup_store }
    }
    pub fn fulfillment(&self) -> Fulfillment {
        self.pickup_store.clone().map_or(Fulfillment::Delivery, |store_id| Fulfillment::Pickup { store_id })
    }
}

/// An operation the server refused for good (the replica drops it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedOp {
    pub id: OpId,
    pub code: String,
    pub message: String,
}

/// The server's answer to a batch of operations: what it kept, what it
/// refused, its latest cursor and the cart priced by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncAnswer {
    pub acked: Vec<OpId>,
    #[serde(default)]
    pub rejected: Vec<RejectedOp>,
    pub cursor: u64,
    pub cart: crate::cart::Cart,
}

/// Operations after a cursor, in commit order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsPage {
    pub ops: Vec<Op>,
    pub cursor: u64,
}

crate::json_object!(RejectedOp { req id, req code, req message });
crate::json_object!(SyncAnswer { req acked, def rejected, req cursor, req cart });
crate::json_object!(OpsPage { req ops, req cursor });

/// One `ops` event of a cart's Server-Sent Events stream: the operations of
/// a commit and the cart priced after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    pub ops: Vec<Op>,
    pub cart: crate::cart::Cart,
}

crate::json_object!(Pushed { req ops, req cart });

/// One line of the replicated cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicatedLine {
    pub key: LineKey,
    pub quantity: u32,
}

/// The cart's lines from a set of operations, in the order they were first
/// added (by the earliest op's lamport and id). Quantities are clamped to
/// [`MAX_LINE_QUANTITY`]; lines at 0 are left out.
pub fn materialize<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Vec<ReplicatedLine> {
    struct Acc<'a> {
        first: (u64, &'a OpId),
        sets: Vec<&'a Op>,
        adds: Vec<&'a Op>,
    }
    // By id, so a duplicate (same id, same op) is dropped; a server's log
    // holds thousands of ops from several replicas, so sort once, never insert.
    let mut ops: Vec<&'a Op> = ops.into_iter().collect();
    crate::sorted::sort_by(&mut ops, |a, b| a.id < b.id);
    ops.dedup_by(|a, b| a.id == b.id);
    let mut lines: SortedMap<LineKey, Acc<'a>> = SortedMap::new();
    for op in ops {
        let acc = lines.get_or_insert_with(op.change.line(), || Acc { first: (op.lamport, &op.id), sets: Vec::new(), adds: Vec::new() });
        acc.first = acc.first.min((op.lamport, &op.id));
        match &op.change {
            Change::Add { .. } => acc.adds.push(op),
            Change::Set { .. } => acc.sets.push(op),
        }
    }
    let seen_of = |op: &'a Op| match &op.change {
        Change::Set { seen, .. } => Some(seen),
        Change::Add { .. } => None,
    };
    let mut out: Vec<((u64, &OpId), ReplicatedLine)> = lines
        .into_iter()
        .filter_map(|(key, mut acc)| {
            // The winner, then the latest Set it had seen, and the latest
            // that one had seen...: an author who saw a Set saw the line as
            // that Set made it, Adds it covered included.
            crate::sorted::sort_by(&mut acc.sets, |a, b| (a.lamport, &a.id) < (b.lamport, &b.id));
            let mut chain: Vec<&Seen> = Vec::new();
            let mut base = 0u64;
            if let Some((&winner, below)) = acc.sets.split_last() {
                if let Change::Set { quantity, .. } = winner.change {
                    base = u64::from(quantity);
                }
                let mut current = seen_of(winner);
                let mut rest = below;
                while let Some(seen) = current {
                    chain.push(seen);
                    match rest.iter().rposition(|s| seen.contains(&s.id)) {
                        Some(i) => {
                            current = seen_of(rest[i]);
                            rest = &rest[..i];
                        }
                        None => current = None,
                    }
                }
            }
            let added: u64 = acc.adds.iter().filter(|a| !chain.iter().any(|s| s.contains(&a.id))).map(|a| match a.change {
                Change::Add { quantity, .. } => u64::from(quantity),
                Change::Set { .. } => 0,
            }).sum();
            let quantity = (base + added).min(u64::from(MAX_LINE_QUANTITY)) as u32;
            (quantity > 0).then_some((acc.first, ReplicatedLine { key, quantity }))
        })
        .collect();
    // Op ids are unique, so the keys are too: an unstable sort gives the same order.
    crate::sorted::sort_by(&mut out, |a, b| a.0 < b.0);
    out.into_iter().map(|(_, l)| l).collect()
}

#[cfg(any(test, feature = "sim"))]
pub mod sim;
#[cfg(test)]
mod tests;
