-- Published allocations (snapshots a minimal-perturbation re-solve keeps close to),
-- solve modes and cancellable solve jobs.
CREATE TABLE publications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    semester_id  bigint NOT NULL REFERENCES semesters (id) ON DELETE CASCADE,
    note         text NOT NULL DEFAULT '',
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by text NOT NULL
);
CREATE INDEX publications_semester ON publications (semester_id, id);

-- One row per published section-day. A published room is history: it cannot be deleted
-- (deactivate it); a deleted demand simply leaves the snapshot.
CREATE TABLE publication_allocations (
    publication_id bigint NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
    demand_id      bigint NOT NULL REFERENCES demands (id) ON DELETE CASCADE,
    day            smallint NOT NULL CHECK (day BETWEEN 1 AND 7),
    room_id        bigint NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    PRIMARY KEY (publication_id, demand_id, day)
);

ALTER TABLE solve_jobs DROP CONSTRAINT solve_jobs_status_check;
ALTER TABLE solve_jobs ADD CONSTRAINT solve_jobs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled'));
ALTER TABLE solve_jobs ADD COLUMN mode text NOT NULL DEFAULT 'full' CHECK (mode IN ('full', 'minimal_perturbation'));
-- Set by POST /solve-jobs/{id}/cancel; the replica running the job polls it.
ALTER TABLE solve_jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
