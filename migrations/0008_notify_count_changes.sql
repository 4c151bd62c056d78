-- Every transaction that logs count or city changes notifies the channel event_count_changes when it
-- commits, so replicas that LISTEN read the change log at once instead of at their next poll.
-- PostgreSQL folds a transaction's identical notifications into one, and sends none for a
-- transaction that rolls back. The payload is empty: a replica reads what changed from the log, in
-- one snapshot, as a poll does; the notification only says when.

CREATE FUNCTION notify_event_count_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('event_count_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER event_count_changes_notify AFTER INSERT ON event_count_changes
    FOR EACH STATEMENT EXECUTE FUNCTION notify_event_count_changes();
