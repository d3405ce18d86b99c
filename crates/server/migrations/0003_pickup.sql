-- Click & collect: warehouse stock, transfers to stores, and reservations that
-- hold stock for a pickup line until they expire, the line goes, or checkout
-- consumes them.
ALTER TABLE stores ADD COLUMN transfer_hours INTEGER;   -- NULL: the warehouse does not send to this store

CREATE TABLE warehouse_stock (
    variant_id TEXT PRIMARY KEY REFERENCES variants(id),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0)
);

CREATE TABLE reservations (
    line_id    TEXT PRIMARY KEY REFERENCES cart_lines(id) ON DELETE CASCADE,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    variant_id TEXT NOT NULL REFERENCES variants(id),
    source     TEXT NOT NULL CHECK (source IN ('store', 'warehouse')),
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    expires_at INTEGER NOT NULL                     -- ms since the epoch; an expired row holds nothing
);
CREATE INDEX reservations_store ON reservations(source, store_id, variant_id, expires_at);
CREATE INDEX reservations_variant ON reservations(variant_id, expires_at);
