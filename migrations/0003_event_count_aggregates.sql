-- Counts whose cost does not grow with the event table.
--
-- event_day_counts: per city, category and UTC day, how many scheduled events start that day
-- (starts_at in [day, day + 1)) and how many end it (ends_at in (day, day + 1]). Events overlapping
-- [from, to) = (starting before to) - (ending at or before from), so whole-day windows and
-- histograms are sums over this table.
--
-- event_count_changes: every change to the scheduled events (and a marker for any change to
-- cities), stamped with the writing transaction's id. Each citiesd replica reads it to move its
-- in-memory counts instead of recounting.
--
-- Both are written by statement triggers, in the same transaction as the event writes.

CREATE TABLE event_day_counts (
    city_id bigint NOT NULL,
    category text NOT NULL,
    day date NOT NULL,
    starting integer NOT NULL,
    ending integer NOT NULL,
    PRIMARY KEY (city_id, category, day)
);

CREATE TABLE event_count_changes (
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    -- NULL city_id: a city was created, changed or deleted.
    city_id bigint,
    category text,
    ends_at timestamptz,
    delta integer NOT NULL
);

CREATE INDEX event_count_changes_xid_idx ON event_count_changes (xid);

-- Exact counts for windows that do not start or end at midnight need the events of those days.
CREATE INDEX events_starts_at_idx ON events (starts_at) WHERE status = 'scheduled';

CREATE FUNCTION record_event_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    -- The scheduled events this statement removed (-1) and added (+1); updates that change nothing
    -- counted are left out. Transition tables exist only for the operations that have them, so
    -- the query is chosen here and run dynamically.
    deltas text := CASE TG_OP
        WHEN 'INSERT' THEN
            $q$SELECT city_id, category, starts_at, ends_at, 1 AS delta FROM new_rows WHERE status = 'scheduled'$q$
        WHEN 'DELETE' THEN
            $q$SELECT city_id, category, starts_at, ends_at, -1 AS delta FROM old_rows WHERE status = 'scheduled'$q$
        ELSE
            $q$SELECT side.* FROM old_rows o JOIN new_rows n USING (id)
               CROSS JOIN LATERAL (
                   SELECT o.city_id, o.category, o.starts_at, o.ends_at, -1 AS delta WHERE o.status = 'scheduled'
                   UNION ALL
                   SELECT n.city_id, n.category, n.starts_at, n.ends_at, 1 WHERE n.status = 'scheduled'
               ) side
               WHERE (o.city_id, o.category, o.starts_at, o.ends_at, o.status)
                   IS DISTINCT FROM (n.city_id, n.category, n.starts_at, n.ends_at, n.status)$q$
    END;
BEGIN
    EXECUTE format($q$
        WITH deltas AS (%s),
        logged AS (
            INSERT INTO event_count_changes (city_id, category, ends_at, delta)
            SELECT city_id, category, ends_at, delta FROM deltas
        )
        INSERT INTO event_day_counts AS d (city_id, category, day, starting, ending)
        SELECT city_id, category, day, sum(starting), sum(ending) FROM (
            SELECT city_id, category, (starts_at AT TIME ZONE 'UTC')::date AS day, delta AS starting, 0 AS ending FROM deltas
            UNION ALL
            SELECT city_id, category, ((ends_at - interval '1 microsecond') AT TIME ZONE 'UTC')::date, 0, delta FROM deltas
        ) per_day
        GROUP BY city_id, category, day
        ORDER BY city_id, category, day
        ON CONFLICT (city_id, category, day) DO UPDATE
            SET starting = d.starting + EXCLUDED.starting, ending = d.ending + EXCLUDED.ending
        $q$, deltas);
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_count_inserts AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_event_count_changes();
CREATE TRIGGER events_count_updates AFTER UPDATE ON events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_event_count_changes();
CREATE TRIGGER events_count_deletes AFTER DELETE ON events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_event_count_changes();

CREATE FUNCTION record_city_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_count_changes (delta) VALUES (0);
    RETURN NULL;
END;
$$;

CREATE TRIGGER cities_count_changes AFTER INSERT OR UPDATE OR DELETE ON cities
    FOR EACH STATEMENT EXECUTE FUNCTION record_city_change();

INSERT INTO event_day_counts (city_id, category, day, starting, ending)
SELECT city_id, category, day, sum(starting), sum(ending) FROM (
    SELECT city_id, category, (starts_at AT TIME ZONE 'UTC')::date AS day, 1 AS starting, 0 AS ending
    FROM events WHERE status = 'scheduled'
    UNION ALL
    SELECT city_id, category, ((ends_at - interval '1 microsecond') AT TIME ZONE 'UTC')::date, 0, 1
    FROM events WHERE status = 'scheduled'
) per_day
GROUP BY city_id, category, day;
