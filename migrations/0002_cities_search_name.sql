-- The accent- and case-folded name that `search` matches, written by citiesd (SearchText.fold)
-- so the in-memory and PostgreSQL stores match identically. Rows from before get lower(name).
ALTER TABLE cities ADD COLUMN search_name text NOT NULL DEFAULT '';
UPDATE cities SET search_name = lower(name);
ALTER TABLE cities ALTER COLUMN search_name DROP DEFAULT;
