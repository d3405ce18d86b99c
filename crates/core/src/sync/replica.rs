//! The sync state machine of one replica (a browser profile): sans-IO.
//!
//! Inputs are method calls (`edit`, `receive`, `ack`, `send_failed`,
//! `set_online`, `tick`), each with `now`; outputs are [`Effect`]s the edge
//! carries out (send these ops to the server, persist, tell the other tabs,
//! re-render). Every op this replica knows and the server has not confirmed
//! is re-sent until it is — including ops learnt from another tab, so an op
//! survives its tab being closed. The server keeps ops by id, so re-sending is
//! harmless.

use super::{materialize, Change, Op, OpError, OpId, ReplicaId, ReplicatedLine, Seen};
use crate::cart::Fulfillment;
use serde::{Deserialize, Serialize};
use crate::sorted::{SortedMap, SortedSet};
use std::collections::BTreeMap;

/// Most ops in one request to the server (well inside its 16 KiB body limit).
pub const MAX_BATCH: usize = 32;
const FIRST_BACKOFF_MS: i64 = 500;
const MAX_BACKOFF_MS: i64 = 30_000;

/// What the customer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Add { variant_id: String, fulfillment: Fulfillment, quantity: u32 },
    /// 0 removes the line.
    Set { variant_id: String, fulfillment: Fulfillment, quantity: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send these ops to the server; answer with [`Replica::ack`] or [`Replica::send_failed`].
    Send(Vec<Op>),
    /// Save [`Replica::snapshot`] locally.
    Persist,
    /// Tell the other tabs about these ops.
    Broadcast(Vec<Op>),
    /// The lines changed: render them again.
    Changed,
}

/// What is persisted: enough to restart without losing an unconfirmed op.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    pub replica: ReplicaId,
    pub next_seq: u64,
    pub lamport: u64,
    pub ops: Vec<Op>,
    /// Ops the server has confirmed.
    pub confirmed: Vec<OpId>,
}

crate::json_object!(Snapshot { req replica, req next_seq, req lamport, req ops, req confirmed });

#[derive(Debug, Clone)]
pub struct Replica {
    id: ReplicaId,
    lamport: u64,
    next_seq: u64,
    ops: SortedMap<OpId, Op>,
    /// The same type as `Seen::contiguous`, which it becomes.
    contiguous: BTreeMap<ReplicaId, u64>,
    out_of_order: SortedSet<OpId>,
    confirmed: SortedSet<OpId>,
    in_flight: Option<Vec<OpId>>,
    online: bool,
    retry_at: Option<i64>,
    backoff_ms: i64,
}

impl Replica {
    pub fn new(id: ReplicaId) -> Replica {
        Replica::restore(Snapshot { replica: id, next_seq: 1, ..Snapshot::default() })
    }

    /// A replica from what it persisted; invalid ops in storage are skipped.
    pub fn restore(s: Snapshot) -> Replica {
        let mut r = Replica {
            id: s.replica,
            lamport: s.lamport,
            next_seq: s.next_seq.max(1),
            ops: SortedMap::new(),
            contiguous: BTreeMap::new(),
            out_of_order: SortedSet::new(),
            confirmed: SortedSet::new(),
            in_flight: None,
            online: true,
            retry_at: None,
            backoff_ms: FIRST_BACKOFF_MS,
        };
        r.confirmed.extend(s.confirmed);
        for op in s.ops {
            if op.validate().is_ok() {
                r.insert(op);
            }
        }
        // Never reuse a sequence number, even if the counter was not saved.
        let own = r.contiguous.get(&r.id).copied().unwrap_or(0).max(r.out_of_order.iter().filter(|o| o.replica == r.id).map(|o| o.seq).max().unwrap_or(0));
        r.next_seq = r.next_seq.max(own + 1);
        r
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot { replica: self.id.clone(), next_seq: self.next_seq, lamport: self.lamport, ops: self.ops.values().cloned().collect(), confirmed: self.confirmed.iter().cloned().collect() }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn lines(&self) -> Vec<ReplicatedLine> {
        materialize(self.ops.values())
    }

    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.values()
    }

    /// Whether the server has confirmed `id`.
    pub fn is_confirmed(&self, id: &OpId) -> bool {
        self.confirmed.contains(id)
    }

    /// Ops known here that the server has not confirmed.
    pub fn unconfirmed(&self) -> usize {
        self.ops.len() - self.confirmed.len()
    }

    fn seen(&self) -> Seen {
        Seen { contiguous: self.contiguous.clone(), extra: self.out_of_order.iter().cloned().collect() }
    }

    /// Keeps `op` if new; returns whether it was.
    fn insert(&mut self, op: Op) -> bool {
        if self.ops.contains_key(&op.id) {
            return false;
        }
        self.lamport = self.lamport.max(op.lamport);
        let id = op.id.clone();
        self.ops.insert(id.clone(), op);
        let c = self.contiguous.entry(id.replica.clone()).or_insert(0);
        if id.seq == *c + 1 {
            *c += 1;
            // Pull in any out-of-order ops that now follow on.
            loop {
                let next = OpId { replica: id.replica.clone(), seq: *c + 1 };
                if !self.out_of_order.remove(&next) {
                    break;
                }
                *c += 1;
            }
        } else if id.seq > *c {
            self.out_of_order.insert(id);
        }
        true
    }

    /// The customer changed the cart in this tab.
    pub fn edit(&mut self, edit: Edit, now: i64) -> Result<Vec<Effect>, OpError> {
        let change = match edit {
            Edit::Add { variant_id, fulfillment, quantity } => Change::Add { variant_id, fulfillment, quantity },
            Edit::Set { variant_id, fulfillment, quantity } => Change::Set { variant_id, fulfillment, quantity, seen: self.seen() },
        };
        let op = Op { id: OpId { replica: self.id.clone(), seq: self.next_seq }, lamport: self.lamport + 1, at: now, change };
        op.validate()?;
        self.next_seq += 1;
        self.insert(op.clone());
        let mut effects = vec![Effect::Persist, Effect::Broadcast(vec![op]), Effect::Changed];
        effects.extend(self.flush(now));
        Ok(effects)
    }

    /// Ops from another tab (`from_server == false`) or pushed by the server
    /// (which has them durably: they count as confirmed).
    pub fn receive(&mut self, ops: Vec<Op>, from_server: bool, now: i64) -> Vec<Effect> {
        let before = self.lines();
        let mut fresh = false;
        for op in ops {
            if op.validate().is_err() {
                continue;
            }
            if from_server {
                self.confirmed.insert(op.id.clone());
            }
            fresh |= self.insert(op);
        }
        let mut effects = Vec::new();
        if fresh || from_server {
            effects.push(Effect::Persist);
        }
        if self.lines() != before {
            effects.push(Effect::Changed);
        }
        effects.extend(self.flush(now));
        effects
    }

    /// The server committed the ops of the last [`Effect::Send`].
    pub fn ack(&mut self, ids: &[OpId], now: i64) -> Vec<Effect> {
        self.answered(ids, &[], now)
    }

    /// The server refused these ops for good (an unknown variant, a full
    /// cart): drop them, so they are not sent again, and re-render.
    pub fn reject(&mut self, ids: &[OpId], now: i64) -> Vec<Effect> {
        self.answered(&[], ids, now)
    }

    /// The server's answer to the last [`Effect::Send`]: what it kept and
    /// what it refused — applied together, before anything is sent again.
    pub fn answered(&mut self, acked: &[OpId], rejected: &[OpId], now: i64) -> Vec<Effect> {
        self.confirmed.extend(acked.iter().filter(|id| self.ops.contains_key(*id)).cloned());
        let before = self.ops.len();
        for id in rejected {
            self.ops.remove(id);
        }
        self.in_flight = None;
        self.retry_at = None;
        self.backoff_ms = FIRST_BACKOFF_MS;
        let mut effects = vec![Effect::Persist];
        if self.ops.len() != before {
            effects.push(Effect::Changed);
        }
        effects.extend(self.flush(now));
        effects
    }

    /// The last send did not get an answer (offline, server down, 5xx):
    /// try again later, backing off up to 30 s.
    pub fn send_failed(&mut self, now: i64) -> Vec<Effect> {
        self.in_flight = None;
        self.retry_at = Some(now + self.backoff_ms);
        self.backoff_ms = (self.backoff_ms * 2).min(MAX_BACKOFF_MS);
        Vec::new()
    }

    /// The browser went on- or offline. Coming back sends at once.
    pub fn set_online(&mut self, online: bool, now: i64) -> Vec<Effect> {
        self.online = online;
        if online {
            self.retry_at = None;
            self.backoff_ms = FIRST_BACKOFF_MS;
            self.flush(now)
        } else {
            Vec::new()
        }
    }

    /// Time passed: retries a failed send when its back-off is over.
    pub fn tick(&mut self, now: i64) -> Vec<Effect> {
        self.flush(now)
    }

    /// When the next retry is due, for the edge's timer.
    pub fn retry_at(&self) -> Option<i64> {
        self.retry_at
    }

    fn flush(&mut self, now: i64) -> Vec<Effect> {
        if !self.online || self.in_flight.is_some() || self.retry_at.is_some_and(|t| t > now) {
            return Vec::new();
        }
        let mut batch: Vec<&Op> = self.ops.values().filter(|o| !self.confirmed.contains(&o.id)).collect();
        if batch.is_empty() {
            return Vec::new();
        }
        // Ids are unique, so the order is total: an unstable sort gives the same.
        crate::sorted::sort_by(&mut batch, |a, b| (a.lamport, &a.id) < (b.lamport, &b.id));
        batch.truncate(MAX_BATCH);
        let batch: Vec<Op> = batch.into_iter().cloned().collect();
        self.in_flight = Some(batch.iter().map(|o| o.id.clone()).collect());
        self.retry_at = None;
        vec![Effect::Send(batch)]
    }
}
