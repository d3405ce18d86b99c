-- A variant's price before the shop's sale ("was €24.00"), in the variant's
-- currency's minor units; NULL when it is not on sale.
ALTER TABLE variants ADD COLUMN compare_at_amount INTEGER;
