-- Bundle discounts: lines added together share a tag; orders keep what was taken off.
ALTER TABLE cart_lines ADD COLUMN bundle TEXT;
ALTER TABLE order_lines ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN discount INTEGER NOT NULL DEFAULT 0;

-- The shop's own settings, e.g. bundle_discount_percent.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
