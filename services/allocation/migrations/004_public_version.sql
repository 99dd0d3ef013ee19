-- Public-view version and the indexes of the public API's queries.
--
-- allocation.public_version holds one counter, bumped once by every transaction that
-- changes a table the anonymous public views (weekly grids, search, calendar, free rooms,
-- iCal, room and building lists) read. The public API caches rendered answers keyed by
-- this counter, so a stale answer can never be served under a version that is already
-- committed. The bump is a DEFERRABLE INITIALLY DEFERRED constraint trigger: it runs at
-- commit, after every other statement of the transaction, so the counter row is the last
-- lock a writer takes (writers serialise only on their commit, and cannot deadlock on it),
-- and the counter order is the commit order (unlike max(change_log.id), whose ids are
-- handed out at insert time and can commit out of order). A transaction-local setting
-- makes it one UPDATE per transaction however many rows it writes. Because it is a
-- trigger, every write path counts: the API, the solver, seeding, and manual SQL.
CREATE TABLE public_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 1
);
INSERT INTO public_version DEFAULT VALUES;

CREATE FUNCTION bump_public_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('planta.public_version_bumped', true), '') <> txid_current()::text THEN
        PERFORM set_config('planta.public_version_bumped', txid_current()::text, true);
        UPDATE allocation.public_version SET version = version + 1;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['campuses', 'buildings', 'room_types', 'characteristics', 'rooms',
        'room_characteristics', 'semesters', 'professors', 'demands', 'demand_professors',
        'room_holds', 'allocations', 'reservations', 'reservation_occurrences', 'occupancies']
    LOOP
        EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON allocation.%I
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION allocation.bump_public_version()',
            t || '_public_version', t);
        -- TRUNCATE cannot fire a row trigger; count it at the statement.
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON allocation.%I
            FOR EACH STATEMENT EXECUTE FUNCTION allocation.bump_public_version()',
            t || '_public_version_truncate', t);
    END LOOP;
END
$$;

-- Weekly grids of some rooms of a semester (the room list is the selective part).
CREATE INDEX occupancies_semester_room ON occupancies (semester_id, room_id, day, block);
-- Rooms busy at some cells of a semester (search, free rooms now).
CREATE INDEX occupancies_semester_cell ON occupancies (semester_id, day, block);
-- Reservation occurrences by date (calendar, search by date, free rooms now).
CREATE INDEX reservation_occurrences_date ON reservation_occurrences (date) WHERE NOT cancelled;
CREATE INDEX reservations_room ON reservations (room_id);
