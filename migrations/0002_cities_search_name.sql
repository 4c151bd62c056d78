-- The accent- and case-folded name that `search` matches, written by citiesd (SearchText.fold)
-- so the in-memory and PostgreSQL stores match identically. Rows from before are folded here for
-- the common Latin accents.
ALTER TABLE cities ADD COLUMN search_name text NOT NULL DEFAULT '';
UPDATE cities SET search_name = replace(replace(replace(translate(lower(name),
    'àáâãäåāăąçćĉċčďèéêëēĕėęěĝğġģĥìíîïĩīĭįĵķĺļľñńņňòóôõöōŏőŕŗřśŝşšţťùúûüũūŭůűųŵýÿŷźżž',
    'aaaaaaaaacccccdeeeeeeeeegggghiiiiiiiijklllnnnnoooooooorrrssssttuuuuuuuuuuwyyyzzz'),
    'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe');
ALTER TABLE cities ALTER COLUMN search_name DROP DEFAULT;
