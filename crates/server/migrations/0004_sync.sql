-- The replicated cart: every change is an operation; cart_lines is what the
-- operations add up to (plus line ids, bundle tags and reservations).
ALTER TABLE carts ADD COLUMN op_cursor INTEGER NOT NULL DEFAULT 0;   -- last cursor handed out on this cart
ALTER TABLE carts ADD COLUMN server_seq INTEGER NOT NULL DEFAULT 0;  -- seq of the server's own ops on this cart

CREATE TABLE cart_ops (
    cart_id TEXT NOT NULL REFERENCES carts(id),
    replica TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    cursor  INTEGER NOT NULL,              -- 1, 2, ... per cart, in commit order (SSE event ids)
    lamport INTEGER NOT NULL,
    body    TEXT NOT NULL,                 -- the operation as JSON
    PRIMARY KEY (cart_id, replica, seq)
);
CREATE UNIQUE INDEX cart_ops_cursor ON cart_ops(cart_id, cursor);

-- Carts from before: their lines become the server's own "add" operations.
INSERT INTO cart_ops (cart_id, replica, seq, cursor, lamport, body)
SELECT cart_id, 'server', n, n, n, json_object(
    'id', json_object('replica', 'server', 'seq', n), 'lamport', n, 'at', 0,
    'change', json_object('type', 'add', 'variant_id', variant_id,
        'fulfillment', CASE WHEN pickup_store_id IS NULL THEN json_object('type', 'delivery')
                            ELSE json_object('type', 'pickup', 'store_id', pickup_store_id) END,
        'quantity', quantity))
FROM (SELECT cart_id, variant_id, pickup_store_id, quantity, row_number() OVER (PARTITION BY cart_id ORDER BY position, id) AS n FROM cart_lines);
UPDATE carts SET op_cursor = (SELECT count(*) FROM cart_ops WHERE cart_ops.cart_id = carts.id),
                 server_seq = (SELECT count(*) FROM cart_ops WHERE cart_ops.cart_id = carts.id);
