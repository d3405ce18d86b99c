-- Crosscart reference server, schema version 1.
-- Portable SQL: the same statements are meant to run on PostgreSQL when a
-- second storage backend lands (TEXT ids, INTEGER money in minor units).

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    handle      TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    category    TEXT NOT NULL DEFAULT '',
    images      TEXT NOT NULL DEFAULT '[]',   -- JSON array of {url, alt}
    position    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE variants (
    id           TEXT PRIMARY KEY,
    product_id   TEXT NOT NULL REFERENCES products(id),
    title        TEXT NOT NULL DEFAULT '',
    sku          TEXT NOT NULL DEFAULT '',
    options      TEXT NOT NULL DEFAULT '[]',  -- JSON array of {name, value}
    price_amount INTEGER NOT NULL,            -- minor units
    currency     TEXT NOT NULL,
    image        TEXT,                        -- JSON {url, alt} or NULL
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX variants_product ON variants(product_id);

CREATE TABLE stores (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    address           TEXT NOT NULL,
    city              TEXT NOT NULL,
    postal_code       TEXT NOT NULL DEFAULT '',
    country           TEXT NOT NULL,
    lat               REAL NOT NULL,
    lon               REAL NOT NULL,
    hours             TEXT NOT NULL,          -- JSON OpeningHours
    phone             TEXT NOT NULL DEFAULT '',
    pickup_lead_hours INTEGER NOT NULL DEFAULT 2,
    position          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stock (
    store_id   TEXT NOT NULL REFERENCES stores(id),
    variant_id TEXT NOT NULL REFERENCES variants(id),
    quantity   INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (store_id, variant_id)
);
CREATE INDEX stock_variant ON stock(variant_id);

CREATE TABLE carts (
    id         TEXT PRIMARY KEY,              -- 128 random bits, the guest's bearer token
    currency   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',  -- open | ordered
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE cart_lines (
    id              TEXT PRIMARY KEY,
    cart_id         TEXT NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    variant_id      TEXT NOT NULL REFERENCES variants(id),
    quantity        INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    pickup_store_id TEXT REFERENCES stores(id),
    position        INTEGER NOT NULL
);
CREATE INDEX cart_lines_cart ON cart_lines(cart_id);

CREATE TABLE orders (
    id         TEXT PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL,                 -- SHA-256 of the order key; the key itself is never stored
    cart_id    TEXT,
    channel    TEXT NOT NULL,
    currency   TEXT NOT NULL,
    subtotal   INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX orders_created ON orders(created_at);

CREATE TABLE order_lines (
    order_id        TEXT NOT NULL REFERENCES orders(id),
    position        INTEGER NOT NULL,
    variant_id      TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    title           TEXT NOT NULL,
    variant_title   TEXT NOT NULL DEFAULT '',
    quantity        INTEGER NOT NULL,
    unit_price      INTEGER NOT NULL,
    pickup_store_id TEXT,
    PRIMARY KEY (order_id, position)
);
CREATE INDEX order_lines_product ON order_lines(product_id);
