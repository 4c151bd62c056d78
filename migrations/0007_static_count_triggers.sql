-- The events' count trigger with static statements. 0003's function built its statement as text
-- and ran it with EXECUTE, so PostgreSQL planned the whole statement again on every write (twice
-- for an upsert, which fires the INSERT and the UPDATE trigger); PL/pgSQL keeps the plans of static
-- statements. The deltas are gathered per operation (transition tables exist only for the
-- operations that have them) and applied by one statement, which a write that changes no count
-- skips. Same rows in event_count_changes and event_day_counts as before.

CREATE OR REPLACE FUNCTION record_event_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    city_ids bigint[];
    categories text[];
    starts timestamptz[];
    ends timestamptz[];
    deltas int[];
BEGIN
    -- The scheduled events this statement removed (-1) and added (+1); updates that change nothing
    -- counted are left out.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(city_id), array_agg(category), array_agg(starts_at), array_agg(ends_at), array_agg(1)
        INTO city_ids, categories, starts, ends, deltas
        FROM new_rows WHERE status = 'scheduled';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(city_id), array_agg(category), array_agg(starts_at), array_agg(ends_at), array_agg(-1)
        INTO city_ids, categories, starts, ends, deltas
        FROM old_rows WHERE status = 'scheduled';
    ELSE
        SELECT array_agg(side.city_id), array_agg(side.category), array_agg(side.starts_at), array_agg(side.ends_at), array_agg(side.delta)
        INTO city_ids, categories, starts, ends, deltas
        FROM old_rows o JOIN new_rows n USING (id)
        CROSS JOIN LATERAL (
            SELECT o.city_id, o.category, o.starts_at, o.ends_at, -1 AS delta WHERE o.status = 'scheduled'
            UNION ALL
            SELECT n.city_id, n.category, n.starts_at, n.ends_at, 1 WHERE n.status = 'scheduled'
        ) side
        WHERE (o.city_id, o.category, o.starts_at, o.ends_at, o.status)
            IS DISTINCT FROM (n.city_id, n.category, n.starts_at, n.ends_at, n.status);
    END IF;
    IF city_ids IS NULL THEN
        RETURN NULL;
    END IF;
    WITH changes AS (
        SELECT * FROM unnest(city_ids, categories, starts, ends, deltas) AS c (city_id, category, starts_at, ends_at, delta)
    ),
    logged AS (
        INSERT INTO event_count_changes (city_id, category, ends_at, delta)
        SELECT city_id, category, ends_at, delta FROM changes
    )
    INSERT INTO event_day_counts AS d (city_id, category, day, starting, ending)
    SELECT city_id, category, day, sum(starting), sum(ending) FROM (
        SELECT city_id, category, (starts_at AT TIME ZONE 'UTC')::date AS day, delta AS starting, 0 AS ending FROM changes
        UNION ALL
        SELECT city_id, category, ((ends_at - interval '1 microsecond') AT TIME ZONE 'UTC')::date, 0, delta FROM changes
    ) per_day
    GROUP BY city_id, category, day
    ORDER BY city_id, category, day
    ON CONFLICT (city_id, category, day) DO UPDATE
        SET starting = d.starting + EXCLUDED.starting, ending = d.ending + EXCLUDED.ending;
    RETURN NULL;
END;
$$;
