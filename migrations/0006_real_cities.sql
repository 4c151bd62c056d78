-- Real cities: the GeoNames id that `citiesd import geonames` upserts by, the other names a city
-- is known by, a search document over all of its names, and city changes logged per city.

ALTER TABLE cities
    ADD COLUMN geonames_id bigint,
    ADD COLUMN alternate_names text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT cities_geonames_id_key UNIQUE (geonames_id),
    ADD CONSTRAINT cities_alternate_names_count CHECK (cardinality(alternate_names) <= 1000);

-- City changes are logged per city from here on (below); the statement-level trigger goes first,
-- so the backfill below is not logged as a change of every city.
DROP TRIGGER cities_count_changes ON cities;

-- search_name now holds what `search` matches: the name, slug, region and alternate names, each
-- folded by citiesd (SearchText.document) and one per line. Rows from before get their slug and
-- lowercased region appended.
UPDATE cities SET search_name = search_name || E'\n' || slug || COALESCE(E'\n' || lower(region), '');

-- A replica reads which cities changed and moves only those, instead of reloading every city.
-- (Rows with neither city_id nor changed_city_id, from before, still mean "reload the cities".)
ALTER TABLE event_count_changes ADD COLUMN changed_city_id bigint;

CREATE OR REPLACE FUNCTION record_city_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Transition tables exist only for the operations that have them.
    IF TG_OP = 'DELETE' THEN
        INSERT INTO event_count_changes (changed_city_id, delta) SELECT id, 0 FROM old_rows;
    ELSE
        INSERT INTO event_count_changes (changed_city_id, delta) SELECT id, 0 FROM new_rows;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER cities_inserts_logged AFTER INSERT ON cities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_city_change();
CREATE TRIGGER cities_updates_logged AFTER UPDATE ON cities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_city_change();
CREATE TRIGGER cities_deletes_logged AFTER DELETE ON cities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_city_change();
