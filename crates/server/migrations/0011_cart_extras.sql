-- Delivery charged on an order (NULL: nothing was delivered), and the
-- customer's note on a cart, kept with its order.
ALTER TABLE orders ADD COLUMN shipping INTEGER;
ALTER TABLE orders ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE carts ADD COLUMN note TEXT NOT NULL DEFAULT '';
