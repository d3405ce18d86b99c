-- Demo customer accounts: a customer's open cart follows them to every device
-- that signs in; a guest cart merges into it on sign-in.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,            -- Argon2id, PHC string
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,           -- SHA-256 of the bearer token; the token is never stored
    customer_id TEXT NOT NULL REFERENCES customers(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_customer ON sessions(customer_id);

ALTER TABLE carts ADD COLUMN customer_id TEXT REFERENCES customers(id);
CREATE INDEX carts_customer ON carts(customer_id, status);
