-- A cart's operation log is folded into a snapshot once it grows long: one
-- server Set per line (at base_lamport), covering every folded operation, so
-- an edit reads the snapshot and what came after, however long the history.
ALTER TABLE carts ADD COLUMN frontier TEXT NOT NULL DEFAULT '{}';        -- JSON Seen of every folded op (their ids stay known)
ALTER TABLE carts ADD COLUMN base_lamport INTEGER NOT NULL DEFAULT 0;    -- the snapshot's clock; 0 before the first
