-- Abandoned carts: a cart idle past the shop's limit is recorded once per idle
-- period, and the shop's webhook is called (retried until it answers 2xx).
ALTER TABLE carts ADD COLUMN abandoned_at INTEGER;   -- updated_at of the idle period already reported

CREATE TABLE cart_events (
    id           INTEGER PRIMARY KEY,
    cart_id      TEXT NOT NULL REFERENCES carts(id),
    kind         TEXT NOT NULL,          -- cart.abandoned
    at           INTEGER NOT NULL,
    payload      TEXT NOT NULL,          -- the webhook body
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  INTEGER NOT NULL,
    delivered_at INTEGER,                -- the webhook answered 2xx
    last_error   TEXT
);
CREATE INDEX cart_events_pending ON cart_events(delivered_at, next_try_at);
