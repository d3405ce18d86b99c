-- Discount codes: the shop's promotions (the rules as JSON, core's
-- promo::Promotion), the codes each cart holds in the order entered, and
-- every order that used one (for the usage limits, in all and per e-mail).
CREATE TABLE promotions (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE cart_codes (
    cart_id TEXT NOT NULL REFERENCES carts(id),
    code TEXT NOT NULL REFERENCES promotions(code),
    position INTEGER NOT NULL,
    PRIMARY KEY (cart_id, code)
);
CREATE TABLE promotion_uses (
    code TEXT NOT NULL REFERENCES promotions(code),
    order_id TEXT NOT NULL REFERENCES orders(id),
    email TEXT NOT NULL,
    PRIMARY KEY (code, order_id)
);
CREATE INDEX promotion_uses_email ON promotion_uses(code, email);
