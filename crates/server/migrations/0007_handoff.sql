-- Handoff: a short code that opens a cart on another device (a phone scanning
-- the QR code) or at a store counter. Codes expire after 10 minutes and can be
-- claimed once; a claim grants that one cart for 30 minutes.
CREATE TABLE handoff_codes (
    code        TEXT PRIMARY KEY,
    cart_id     TEXT NOT NULL REFERENCES carts(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    claimed_at  INTEGER,
    channel     TEXT,                 -- web | store, who claimed it
    grant_hash  TEXT,                 -- SHA-256 of the grant token given to the claimer
    grant_until INTEGER
);
CREATE INDEX handoff_cart ON handoff_codes(cart_id);
