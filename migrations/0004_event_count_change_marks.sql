-- Pruning event_count_changes without relying on any one replica's memory.
--
-- Now and then a replica records a mark: the time, and the xmin of a snapshot taken just before it
-- (every transaction below that id had finished). The changes of transactions below the xmin of a
-- mark older than the retention finished before that mark, so every replica that polled since has
-- read them and any replica may delete them; a replica that could not poll that long reloads. A
-- mark outlives the replica that took it, so replicas restarting often still prune; a transaction
-- left open keeps its changes until it has been finished for the retention.

CREATE TABLE event_count_change_marks (
    taken_at timestamptz NOT NULL,
    -- The snapshot's xmin: every transaction below it had finished.
    finished_below xid8 NOT NULL
);
