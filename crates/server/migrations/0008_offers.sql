-- Post-checkout offers: one decision per order (an offer, the holdout group,
-- or none), its events, what customers viewed, and the loyalty ledger.
ALTER TABLE orders ADD COLUMN customer_id TEXT REFERENCES customers(id);
ALTER TABLE orders ADD COLUMN unit_hash TEXT;       -- SHA-256 of the normalised e-mail: one customer across channels
CREATE INDEX orders_unit ON orders(unit_hash, created_at);
ALTER TABLE cart_lines ADD COLUMN offer_percent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE carts ADD COLUMN offer_order_id TEXT;  -- the order whose offer filled this cart

CREATE TABLE offers (
    order_id       TEXT PRIMARY KEY REFERENCES orders(id),
    unit_hash      TEXT NOT NULL,      -- SHA-256 of the experiment unit (normalised e-mail)
    experiment     TEXT NOT NULL,
    variant        TEXT NOT NULL,      -- arm name, or 'holdout'
    status         TEXT NOT NULL,      -- open | accepted | dismissed | holdout | none
    reason         TEXT,               -- with status none: capped | too_late | nothing_to_offer
    percent_off    INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    items          TEXT NOT NULL DEFAULT '[]',  -- JSON [{product_id, variant_id, reason}]
    cart_id        TEXT                -- the cart made on acceptance
);
CREATE INDEX offers_unit ON offers(unit_hash, created_at);

CREATE TABLE offer_events (
    id         INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES offers(order_id),
    kind       TEXT NOT NULL,          -- impression | accept | dismiss
    variant    TEXT NOT NULL,
    at         INTEGER NOT NULL,
    UNIQUE (order_id, kind)            -- one of each per order: reloads do not inflate the report
);

CREATE TABLE viewed (
    customer_id TEXT NOT NULL REFERENCES customers(id),
    product_id  TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);

CREATE TABLE loyalty_ledger (
    id          INTEGER PRIMARY KEY,
    unit_hash   TEXT NOT NULL,         -- the customer's normalised e-mail, hashed (the report's unit); balances sum orders placed signed in
    order_id    TEXT UNIQUE REFERENCES orders(id),
    points      INTEGER NOT NULL,
    reason      TEXT NOT NULL,         -- order | adjustment
    at          INTEGER NOT NULL
);
CREATE INDEX loyalty_unit ON loyalty_ledger(unit_hash);
